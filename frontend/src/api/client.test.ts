import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { fakeBackend, apiError, json } from "../test/fakeFetch";
import { task, tokenAnswer } from "../test/fixtures";
import { ApiError, ApiUnreachable, createApiClient } from "./client";
import { createApi } from "./endpoints";
import type { Job, TaskPage } from "./types";

function apiWith(
  fetchImpl: typeof fetch,
  token: string | null = "secret",
  onSessionExpired = vi.fn(),
) {
  let current = token;
  const client = createApiClient({ getToken: () => current, onSessionExpired, fetch: fetchImpl });
  return {
    api: createApi(client),
    onSessionExpired,
    setToken: (next: string | null) => {
      current = next;
    },
  };
}

describe("the API client", () => {
  it("sends the bearer token and a JSON body, and returns the parsed answer", async () => {
    const created = task({ title: "Write tests" });
    const backend = fakeBackend({ "POST /api/tasks": () => json(201, created) });
    const { api } = apiWith(backend.fetch);

    const answer = await api.createTask({ title: "Write tests" });

    expect(answer).toEqual(created);
    const [call] = backend.calls;
    expect(call?.headers.get("Authorization")).toBe("Bearer secret");
    expect(call?.headers.get("Content-Type")).toBe("application/json");
    expect(call?.body).toEqual({ title: "Write tests" });
  });

  it("sends no Authorization header without a session", async () => {
    const backend = fakeBackend({ "POST /api/auth/login": () => json(200, tokenAnswer()) });
    const { api } = apiWith(backend.fetch, null);

    await api.login({ email: "ada@example.com", password: "pw" });

    expect(backend.calls[0]?.headers.has("Authorization")).toBe(false);
  });

  it("fills path parameters and leaves empty query parameters out", async () => {
    const backend = fakeBackend({
      "GET /api/tasks": () => json(200, { items: [], next_cursor: null }),
      "PATCH /api/tasks/:id": (request) => json(200, task({ id: Number(request.params.id) })),
    });
    const { api } = apiWith(backend.fetch);

    await api.listTasks({ limit: 5, cursor: null });
    const updated = await api.updateTask(42, { completed: false });

    expect(backend.calls[0]?.query.toString()).toBe("limit=5");
    expect(backend.calls[1]?.path).toBe("/api/tasks/42");
    expect(updated.id).toBe(42);
  });

  it("answers undefined for 204 No Content", async () => {
    const backend = fakeBackend({ "DELETE /api/tasks/:id": () => json(204, null) });
    const { api } = apiWith(backend.fetch);

    await expect(api.deleteTask(3)).resolves.toBeUndefined();
  });

  it("surfaces the API's error code, message and field names", async () => {
    const backend = fakeBackend({
      "POST /api/auth/signup": () =>
        apiError(422, "validation_error", "password: too short", [
          { field: "password", message: "String should have at least 8 characters" },
        ]),
    });
    const { api } = apiWith(backend.fetch, null);

    const error = await api.signup({ email: "a@b.co", password: "x" }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 422,
      code: "validation_error",
      message: "password: too short",
    });
    expect((error as ApiError).fields.map((f) => f.field)).toEqual(["password"]);
  });

  it("reports a 401 on a request that carried the session's token as an expired session", async () => {
    const backend = fakeBackend({
      "GET /api/tasks": () => apiError(401, "token_expired", "the token has expired; log in again"),
    });
    const { api, onSessionExpired } = apiWith(backend.fetch);

    await expect(api.listTasks()).rejects.toMatchObject({ status: 401, code: "token_expired" });
    expect(onSessionExpired).toHaveBeenCalledOnce();
  });

  it("does not call a wrong password an expired session", async () => {
    const backend = fakeBackend({
      "POST /api/auth/login": () => apiError(401, "invalid_credentials", "wrong email or password"),
    });
    const { api, onSessionExpired } = apiWith(backend.fetch, null);

    await expect(api.login({ email: "a@b.co", password: "nope" })).rejects.toBeInstanceOf(ApiError);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it("ignores a 401 for a token that was replaced while the request was in flight", async () => {
    let answer: (response: Response) => void = () => undefined;
    const pending = new Promise<Response>((resolve) => {
      answer = resolve;
    });
    const { api, onSessionExpired, setToken } = apiWith(() => pending);

    const request = api.listTasks();
    setToken("new-token");
    answer(apiError(401, "token_revoked", "revoked"));

    await expect(request).rejects.toBeInstanceOf(ApiError);
    expect(onSessionExpired).not.toHaveBeenCalled();
  });

  it("marks a 503 as a dependency being unavailable", async () => {
    const backend = fakeBackend({
      "POST /api/jobs": () =>
        apiError(503, "temporal_unavailable", "the job service is unavailable"),
    });
    const { api } = apiWith(backend.fetch);

    const error = await api.startJob({ type: "echo", input: {} }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).unavailable).toBe(true);
    expect((error as ApiError).code).toBe("temporal_unavailable");
  });

  it("calls the server unreachable when fetch fails or a proxy answers instead of the API", async () => {
    const down = apiWith(() => Promise.reject(new TypeError("Failed to fetch")));
    const proxied = apiWith(() =>
      Promise.resolve(new Response("<html>Bad Gateway</html>", { status: 502 })),
    );

    await expect(down.api.env()).rejects.toBeInstanceOf(ApiUnreachable);
    await expect(proxied.api.env()).rejects.toBeInstanceOf(ApiUnreachable);
  });

  it("downloads an artifact with the token and the server's file name", async () => {
    const backend = fakeBackend({
      "GET /api/jobs/:id/artifact": () =>
        new Response("id,title\n1,Milk\n", {
          headers: {
            "Content-Type": "text/csv",
            "Content-Disposition": 'attachment; filename="tasks-job-1.csv"',
          },
        }),
    });
    const { api } = apiWith(backend.fetch);

    const file = await api.downloadArtifact("1");

    expect(file.filename).toBe("tasks-job-1.csv");
    expect(await file.blob.text()).toBe("id,title\n1,Milk\n");
    expect(backend.calls[0]?.headers.get("Authorization")).toBe("Bearer secret");
  });

  it("keeps a job id inside its path segment", async () => {
    const backend = fakeBackend({
      "GET /api/jobs/:id/artifact": () =>
        new Response("x", { headers: { "Content-Type": "text/csv" } }),
    });
    const { api } = apiWith(backend.fetch);

    const file = await api.downloadArtifact("../../auth/me");

    expect(backend.calls[0]?.path).toBe("/api/jobs/..%2F..%2Fauth%2Fme/artifact");
    expect(file.filename).toBe("download");
  });

  it("is typed by the OpenAPI document", () => {
    const { api } = apiWith(vi.fn<typeof fetch>());
    expectTypeOf(api.listTasks).returns.resolves.toEqualTypeOf<TaskPage>();
    expectTypeOf(api.getJob).returns.resolves.toEqualTypeOf<Job>();
    expectTypeOf(api.deleteTask).returns.resolves.toEqualTypeOf<undefined>();
    expectTypeOf(api.createTask).parameter(0).toHaveProperty("title").toEqualTypeOf<string>();
  });
});
