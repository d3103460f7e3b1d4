// A thin fetch wrapper typed by the generated OpenAPI paths: the path, method, body,
// query and response types all come from schema.d.ts.
import type { paths } from "./schema";
import type { FieldError } from "./types";

type Method = "get" | "post" | "patch" | "delete";
type Path = keyof paths;

/** The methods a path declares. */
export type MethodOf<P extends Path> = {
  [M in Method]: paths[P][M] extends undefined ? never : M;
}[Method];
type Operation<P extends Path, M extends Method> = NonNullable<paths[P][M]>;

type SuccessStatus = 200 | 201 | 202 | 204;
type JsonContent<R> = R extends { content: { "application/json": infer B } } ? B : undefined;
export type ResponseOf<O> = O extends { responses: infer R }
  ? JsonContent<R[Extract<keyof R, SuccessStatus>]>
  : never;
type BodyOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? B
  : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? Q : never;
type PathParamsOf<O> = O extends { parameters: { path: infer X } } ? X : never;

export type RequestOptions<O> = ([BodyOf<O>] extends [never]
  ? { body?: never }
  : { body: BodyOf<O> }) &
  ([PathParamsOf<O>] extends [never] ? { path?: never } : { path: PathParamsOf<O> }) &
  ([QueryOf<O>] extends [undefined] ? { query?: never } : { query?: QueryOf<O> });

type OptionsArg<O> = object extends RequestOptions<O> ? [RequestOptions<O>?] : [RequestOptions<O>];

/** The API answered with an error: `{"error": {"code", "message", "details"}}`. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: readonly FieldError[] = [],
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }

  /** A dependency of the API (Temporal, the database) is down. */
  get unavailable(): boolean {
    return this.status === 503;
  }
}

/** No answer from the API at all: the server is down or the network is. */
export class ApiUnreachable extends Error {
  override readonly name = "ApiUnreachable";
}

export interface Download {
  blob: Blob;
  filename: string;
}

export interface ApiClientOptions {
  /** The bearer token of the session, read for every request. */
  getToken: () => string | null;
  /** A request that carried the current token was answered 401. */
  onSessionExpired?: (error: ApiError) => void;
  baseUrl?: string;
  fetch?: typeof fetch;
}

export interface ApiClient {
  request<P extends Path, M extends MethodOf<P>>(
    method: M,
    path: P,
    ...options: OptionsArg<Operation<P, M>>
  ): Promise<ResponseOf<Operation<P, M>>>;
  /** A file from an `/api/...` URL such as a job's `artifact_url`, sent with the token. */
  download(url: string): Promise<Download>;
}

interface LooseOptions {
  body?: unknown;
  path?: Record<string, string | number>;
  query?: Record<string, string | number | boolean | null | undefined>;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl ?? "";
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));

  async function send(method: Method, url: string, body?: unknown): Promise<Response> {
    const token = options.getToken();
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const init: RequestInit = { method: method.toUpperCase(), headers };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetchImpl(baseUrl + url, init);
    } catch (cause) {
      throw new ApiUnreachable("Cannot reach the server. Check your connection and retry.", {
        cause,
      });
    }
    if (response.ok) return response;
    const error = await errorFrom(response);
    // Only the token still in use expires the session, not one replaced meanwhile.
    if (
      error instanceof ApiError &&
      error.status === 401 &&
      token &&
      options.getToken() === token
    ) {
      options.onSessionExpired?.(error);
    }
    throw error;
  }

  async function request(method: Method, path: string, loose: LooseOptions = {}): Promise<unknown> {
    const response = await send(method, buildUrl(path, loose), loose.body);
    if (response.status === 204) return undefined;
    const text = await response.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function download(url: string): Promise<Download> {
    if (!url.startsWith("/api/")) {
      throw new Error(`refusing to send the token to ${url}: not an /api/ URL`);
    }
    const response = await send("get", url);
    const filename = filenameFrom(response.headers.get("Content-Disposition")) ?? "download";
    return { blob: await response.blob(), filename };
  }

  return { request: request as ApiClient["request"], download };
}

function buildUrl(path: string, { path: params = {}, query = {} }: LooseOptions): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} for ${path}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${filled}?${qs}` : filled;
}

async function errorFrom(response: Response): Promise<ApiError | ApiUnreachable> {
  let payload: unknown;
  try {
    payload = await response.json();
  } catch {
    payload = undefined;
  }
  const error = isErrorBody(payload) ? payload.error : undefined;
  if (error === undefined) {
    // A proxy's own page (502/503/504 while the app is down), not the API's JSON.
    if ([502, 503, 504].includes(response.status)) {
      return new ApiUnreachable(`The server is not answering (HTTP ${response.status}).`);
    }
    return new ApiError(response.status, "http_error", `HTTP ${response.status}`);
  }
  const details = isRecord(error.details) ? error.details : {};
  const fields = Array.isArray(details.fields) ? details.fields.filter(isFieldError) : [];
  return new ApiError(response.status, error.code, error.message, fields, details);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isErrorBody(
  value: unknown,
): value is { error: { code: string; message: string; details?: unknown } } {
  if (!isRecord(value) || !isRecord(value.error)) return false;
  return typeof value.error.code === "string" && typeof value.error.message === "string";
}

function isFieldError(value: unknown): value is FieldError {
  return isRecord(value) && typeof value.field === "string" && typeof value.message === "string";
}

function filenameFrom(disposition: string | null): string | undefined {
  const match = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return match?.[1];
}
