// The API client: openapi-fetch typed by the generated OpenAPI paths (schema.d.ts), with the
// session's bearer token added to each request and every failure turned into one error type.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import type { FieldError } from "./types";

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

export type ApiClient = Client<paths>;

export interface ApiClientOptions {
  /** The bearer token of the session, read for every request. */
  getToken: () => string | null;
  /** A request that carried the current token was answered 401. */
  onSessionExpired?: () => void;
  /** Where the API is; the page's own origin by default. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl = options.fetch;
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? window.location.origin,
    headers: { Accept: "application/json" },
    ...(fetchImpl ? { fetch: (request: Request) => fetchImpl(request) } : {}),
  });
  client.use(session(options));
  return client;
}

function session({ getToken, onSessionExpired }: ApiClientOptions): Middleware {
  return {
    onRequest({ request }) {
      const token = getToken();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
    onResponse({ request, response }) {
      // Only the token still in use expires the session, not one replaced meanwhile.
      const sent = request.headers.get("Authorization");
      const current = getToken();
      if (response.status === 401 && sent && current && sent === `Bearer ${current}`) {
        onSessionExpired?.();
      }
      return undefined;
    },
    onError({ error }) {
      return new ApiUnreachable("Cannot reach the server. Check your connection and retry.", {
        cause: error,
      });
    },
  };
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or the API's error as an ApiError (ApiUnreachable for a proxy's page). */
export async function unwrap<T>(pending: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (response.ok) return data as T;
  throw errorFrom(response.status, error);
}

function errorFrom(status: number, payload: unknown): ApiError | ApiUnreachable {
  const error = isErrorBody(payload) ? payload.error : undefined;
  if (error === undefined) {
    // A proxy's own page (502/503/504 while the app is down), not the API's JSON.
    if ([502, 503, 504].includes(status)) {
      return new ApiUnreachable(`The server is not answering (HTTP ${status}).`);
    }
    return new ApiError(status, "http_error", `HTTP ${status}`);
  }
  const details = isRecord(error.details) ? error.details : {};
  const fields = Array.isArray(details.fields) ? details.fields.filter(isFieldError) : [];
  return new ApiError(status, error.code, error.message, fields, details);
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

/** The file name a `Content-Disposition` header gives, if any. */
export function filenameFrom(disposition: string | null): string | undefined {
  const match = disposition ? /filename="?([^";]+)"?/i.exec(disposition) : null;
  return match?.[1];
}

export interface Download {
  blob: Blob;
  filename: string;
}
