// A stand-in for the backend in component tests: a table of "METHOD /path/:param" routes.
// A request no route answers fails the test, so every call a page makes is accounted for.

export interface FakeRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

export type Handler = (request: FakeRequest) => Response | Promise<Response>;

export interface FakeBackend {
  fetch: typeof fetch;
  calls: FakeRequest[];
  /** Replace or add routes while a test runs. */
  route: (key: string, handler: Handler) => void;
  callsTo: (key: string) => FakeRequest[];
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  if (status === 204) return new Response(null, { status });
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function apiError(
  status: number,
  code: string,
  message: string,
  fields: { field: string; message: string; type?: string }[] = [],
): Response {
  const details = fields.length
    ? { fields: fields.map((field) => ({ type: "value_error", ...field })) }
    : {};
  return json(status, { error: { code, message, details } });
}

/** Each call answers with the next response; the last one repeats. */
export function sequence(...handlers: Handler[]): Handler {
  let index = 0;
  return (request) => {
    const handler = handlers[Math.min(index, handlers.length - 1)];
    index += 1;
    if (!handler) throw new Error("sequence() needs at least one handler");
    return handler(request);
  };
}

const unrouted: string[] = [];

/** Fails the test if the page made a request that no route answered (see setup.ts). */
export function takeUnroutedRequests(): string[] {
  return unrouted.splice(0);
}

interface Route {
  key: string;
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

function compile(key: string, handler: Handler): Route {
  const [method = "", template = ""] = key.split(" ");
  const names: string[] = [];
  const source = template.replace(/:(\w+)/g, (_, name: string) => {
    names.push(name);
    return "([^/]+)";
  });
  return { key, method, pattern: new RegExp(`^${source}$`), names, handler };
}

export function fakeBackend(routes: Record<string, Handler>): FakeBackend {
  const table = new Map<string, Route>();
  const calls: FakeRequest[] = [];
  const route = (key: string, handler: Handler) => {
    table.set(key, compile(key, handler));
  };
  for (const [key, handler] of Object.entries(routes)) route(key, handler);

  const fakeFetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    // openapi-fetch sends a Request; plain calls send a URL and an init.
    const sent = input instanceof Request ? input : undefined;
    const href = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href, "http://app.test");
    const method = (sent?.method ?? init.method ?? "GET").toUpperCase();
    const headers = new Headers(sent?.headers ?? init.headers);
    const text = sent ? await sent.text() : init.body;
    const body: unknown = typeof text === "string" && text ? JSON.parse(text) : undefined;
    for (const candidate of table.values()) {
      const match = candidate.method === method ? candidate.pattern.exec(url.pathname) : null;
      if (!match) continue;
      const params = Object.fromEntries(
        candidate.names.map((name, i) => [name, match[i + 1] ?? ""]),
      );
      const request = {
        method,
        path: url.pathname,
        params,
        query: url.searchParams,
        headers,
        body,
      };
      calls.push(request);
      return candidate.handler(request);
    }
    const problem = `no fake route for ${method} ${url.pathname}${url.search}`;
    unrouted.push(problem);
    throw new Error(problem);
  };

  return {
    fetch: fakeFetch,
    calls,
    route,
    callsTo: (key) => {
      const { method, pattern } = compile(key, () => json(200, null));
      return calls.filter((call) => call.method === method && pattern.test(call.path));
    },
  };
}
