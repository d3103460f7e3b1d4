import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Job, JobCreate } from "../api/types";
import { apiError, json, sequence, type FakeRequest, type Handler } from "../test/fakeFetch";
import { JOB_TYPES, job } from "../test/fixtures";
import { renderApp } from "../test/renderApp";

const EXPORT_ID = "3f2a9c1e-0000-4000-8000-0000000000e1";

function page(items: Job[], version = "a1", stale = false) {
  return json(200, { items, next_cursor: null, version, stale, synced_at: null });
}

function jobsPage(items: Job[]) {
  return () => page(items);
}

function renderJobs(routes: Record<string, Handler>) {
  return renderApp({
    path: "/jobs",
    routes: { "GET /api/job-types": () => json(200, { items: JOB_TYPES }), ...routes },
  });
}

function jobCard(name: RegExp) {
  return screen.findByRole("article", { name });
}

describe("the jobs dashboard", () => {
  it("builds the start form from the job type's input schema", async () => {
    const { user } = renderJobs({ "GET /api/jobs": jobsPage([]) });

    const type = await screen.findByLabelText("Job type");
    expect(type).toHaveValue("echo");
    expect(type).toHaveAccessibleDescription("Returns its input, after an optional delay.");
    expect(screen.getByLabelText(/message/i)).toBeRequired();
    expect(screen.getByLabelText(/delay ms/i)).toHaveValue(0);
    expect(screen.getByLabelText(/delay ms/i)).toHaveAccessibleDescription(
      "How long the activity waits before answering; 0 to 600000.",
    );

    await user.selectOptions(type, "export");

    expect(screen.queryByLabelText(/message/i)).not.toBeInTheDocument();
    expect(screen.getByLabelText(/delay ms per row/i)).toHaveValue(0);
    expect(await screen.findByText("No jobs yet. Start one above.")).toBeInTheDocument();
  });

  it("starts a job with typed input and an idempotency key, and lists it first", async () => {
    const { user, backend } = renderJobs({
      "GET /api/jobs": jobsPage([]),
      "POST /api/jobs": (request: FakeRequest) => {
        const body = request.body as JobCreate;
        return json(
          202,
          job({
            type: body.type,
            input: body.input ?? {},
            status: "succeeded",
            result: body.input,
          }),
        );
      },
    });

    await user.type(await screen.findByLabelText(/message/i), "hello");
    await user.clear(screen.getByLabelText(/delay ms/i));
    await user.type(screen.getByLabelText(/delay ms/i), "250");
    await user.click(screen.getByRole("button", { name: "Start job" }));

    const card = await jobCard(/echo/);
    expect(within(card).getByText("Succeeded")).toBeInTheDocument();
    expect(within(card).getByText('{"message":"hello","delay_ms":250}')).toBeInTheDocument();
    const sent = backend.callsTo("POST /api/jobs")[0]?.body as JobCreate;
    expect(sent.type).toBe("echo");
    expect(sent.input).toEqual({ message: "hello", delay_ms: 250 });
    expect(sent.idempotency_key).toMatch(/^ui-[0-9a-f]{32}$/);
    expect(screen.getByLabelText(/message/i)).toHaveValue("");
  });

  it("shows the API's input errors next to the generated fields", async () => {
    const { user } = renderJobs({
      "GET /api/jobs": jobsPage([]),
      "POST /api/jobs": () =>
        apiError(422, "validation_error", "input.message: Field required", [
          { field: "input.message", message: "Field required" },
          { field: "input.delay_ms", message: "Input should be less than or equal to 600000" },
        ]),
    });

    await user.clear(await screen.findByLabelText(/delay ms/i));
    await user.type(screen.getByLabelText(/delay ms/i), "9999999");
    await user.click(screen.getByRole("button", { name: "Start job" }));

    expect(await screen.findByText("Field required.")).toBeVisible();
    // Focus moves in an effect after the errors render; live updates may commit in between.
    await vi.waitFor(() => {
      expect(screen.getByLabelText(/message/i)).toHaveFocus();
    });
    expect(screen.getByLabelText(/delay ms/i)).toHaveAccessibleDescription(
      /Input should be less than or equal to 600000\./,
    );
  });

  it("refuses a number field that is not a number before calling the API", async () => {
    const { user, backend } = renderJobs({ "GET /api/jobs": jobsPage([]) });

    await user.type(await screen.findByLabelText(/message/i), "hi");
    await user.clear(screen.getByLabelText(/delay ms/i));
    await user.type(screen.getByLabelText(/delay ms/i), "1.5");
    await user.click(screen.getByRole("button", { name: "Start job" }));

    expect(await screen.findByText("Enter a whole number.")).toBeVisible();
    expect(backend.callsTo("POST /api/jobs")).toHaveLength(0);
  });

  it("says the job service is down when Temporal is (503)", async () => {
    const { user } = renderJobs({
      "GET /api/jobs": jobsPage([]),
      "POST /api/jobs": () =>
        apiError(503, "temporal_unavailable", "the job service is unavailable; try again shortly"),
    });

    await user.type(await screen.findByLabelText(/message/i), "hello");
    await user.click(screen.getByRole("button", { name: "Start job" }));

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The job service is unavailable: Temporal is not answering",
    );
  });

  it("follows a running job's progress until it is done, then downloads its CSV", async () => {
    const running = (done: number) =>
      job({
        id: EXPORT_ID,
        status: "running",
        progress: { done, total: 3 },
        started_at: "2026-11-27T10:00:01Z",
      });
    const finished = job({
      id: EXPORT_ID,
      status: "succeeded",
      progress: { done: 3, total: 3 },
      result: { rows: 3, filename: "tasks.csv", bytes: 40 },
      finished_at: "2026-11-27T10:00:09Z",
      artifact_url: `/api/jobs/${EXPORT_ID}/artifact`,
    });
    const createObjectURL = vi.fn(() => "blob:csv");
    const revokeObjectURL = vi.fn();
    Object.assign(URL, { createObjectURL, revokeObjectURL });
    const clicked = vi
      .spyOn(HTMLAnchorElement.prototype, "click")
      .mockImplementation(() => undefined);
    let finish = () => {};
    const finishing = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const { user, backend } = renderJobs({
      "GET /api/jobs": sequence(
        () => page([running(1)], "a1"),
        () => page([running(2)], "a2"),
        async () => {
          await finishing; // until "Running" was seen: a 5 ms poll would race the check
          return page([finished], "a3");
        },
      ),
      "GET /api/jobs/:id/artifact": () =>
        new Response("id,title\n1,Milk\n", {
          headers: { "Content-Disposition": 'attachment; filename="tasks-export.csv"' },
        }),
    });

    const card = await jobCard(/export/);
    expect(within(card).getByText("Running")).toBeInTheDocument();
    finish();
    expect(await within(card).findByText("3 of 3 done")).toBeInTheDocument();
    expect(within(card).getByText("Succeeded")).toBeInTheDocument();
    expect(within(card).getByRole("progressbar", { name: "Progress" })).toHaveAttribute(
      "value",
      "3",
    );

    await user.click(within(card).getByRole("button", { name: "Download CSV" }));

    expect(clicked).toHaveBeenCalledOnce();
    const link = clicked.mock.contexts[0] as HTMLAnchorElement;
    expect(link.download).toBe("tasks-export.csv");
    const blob = (createObjectURL.mock.calls[0] as unknown as [Blob])[0];
    expect(await blob.text()).toBe("id,title\n1,Milk\n");
    const download = backend.callsTo("GET /api/jobs/:id/artifact")[0];
    expect(download?.headers.get("Authorization")).toBe("Bearer token-1");
    const polls = backend.callsTo("GET /api/jobs");
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.at(-1)?.query.get("version")).toBe("a3");
    expect(polls.at(-1)?.query.get("wait")).toBe("25");
    expect(backend.callsTo("GET /api/jobs/:id")).toHaveLength(0);
  });

  it("cancels a running job and shows it cancelled", async () => {
    const running = job({ id: EXPORT_ID, type: "echo", status: "running" });
    const cancelling = { ...running, cancel_requested_at: "2026-11-27T10:00:02Z" };
    const { user, backend } = renderJobs({
      "GET /api/jobs": jobsPage([running]),
      "POST /api/jobs/:id/cancel": () => json(202, cancelling),
    });

    const card = await jobCard(/echo/);
    backend.route("GET /api/jobs", () => page([cancelling], "b2"));
    await user.click(within(card).getByRole("button", { name: "Cancel" }));

    expect(await within(card).findByText("Cancelling…")).toBeInTheDocument();
    expect(within(card).getByRole("button", { name: "Cancel" })).toBeDisabled();
    backend.route("GET /api/jobs", () =>
      page([{ ...cancelling, status: "cancelled", finished_at: "2026-11-27T10:00:03Z" }], "b3"),
    );
    expect(await within(card).findByText("Cancelled")).toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Cancel" })).not.toBeInTheDocument();
  });

  it("shows why a job failed", async () => {
    renderJobs({
      "GET /api/jobs": jobsPage([
        job({ type: "email", status: "failed", error: "send_email: mailbox unavailable" }),
      ]),
    });

    const card = await jobCard(/email/);
    expect(within(card).getByText("Failed")).toBeInTheDocument();
    expect(within(card).getByText("send_email: mailbox unavailable")).toBeInTheDocument();
  });

  it("links every job to its workflow in the environment's Temporal UI", async () => {
    renderJobs({
      "GET /api/jobs": jobsPage([
        job({ id: "a1", type: "echo", status: "running", workflow_id: "job-a1" }),
        job({ id: "b2", type: "email", status: "succeeded", workflow_id: "job-b2" }),
      ]),
    });

    const running = await jobCard(/echo/);
    const link = within(running).getByRole("link", { name: "Workflow in Temporal UI" });
    expect(link).toHaveAttribute(
      "href",
      "http://localhost:8233/namespaces/default/workflows/job-a1",
    );
    const finished = await jobCard(/email/);
    expect(within(finished).getByRole("link", { name: "Workflow in Temporal UI" })).toHaveAttribute(
      "href",
      "http://localhost:8233/namespaces/default/workflows/job-b2",
    );
  });

  it("says the state may be stale while the job service does not confirm it", async () => {
    const running = job({ id: EXPORT_ID, type: "echo", status: "running", stale: true });
    renderJobs({ "GET /api/jobs": () => page([running], "d1", true) });

    expect(await screen.findByText(/Showing the last known state/)).toBeInTheDocument();
    expect(within(await jobCard(/echo/)).getByText("Running")).toBeInTheDocument();
  });

  it("follows many running jobs with one list request at a time, never one per job", async () => {
    const running = Array.from({ length: 50 }, (_, n) =>
      job({ id: `3f2a9c1e-0000-4000-8000-${String(n).padStart(12, "0")}`, status: "running" }),
    );
    const { backend } = renderJobs({
      "GET /api/jobs": sequence(
        () => page(running, "e1"),
        () => page(running, "e1"),
        () => page(running, "e1"),
      ),
    });

    await screen.findAllByRole("article");
    await vi.waitFor(() => {
      expect(backend.callsTo("GET /api/jobs").length).toBeGreaterThanOrEqual(3);
    });
    expect(backend.callsTo("GET /api/jobs/:id")).toHaveLength(0);
    const later = backend.callsTo("GET /api/jobs").slice(2);
    expect(later.every((call) => call.query.get("version") === "e1")).toBe(true);
  });

  it("says live updates are paused while the API fails, and resumes", async () => {
    const running = job({ id: EXPORT_ID, status: "running", progress: { done: 1, total: 2 } });
    // The API recovers only once the notice was seen: with a 5 ms poll it would otherwise
    // be gone again before the assertion ran.
    let recover = () => {};
    const recovered = new Promise<void>((resolve) => {
      recover = resolve;
    });
    renderJobs({
      "GET /api/jobs": sequence(
        () => page([running], "c1"),
        () => apiError(503, "database_unavailable", "the database is unavailable"),
        async () => {
          await recovered;
          return page([{ ...running, status: "succeeded", progress: { done: 2, total: 2 } }], "c2");
        },
      ),
    });

    expect(await screen.findByText(/Live updates paused: /)).toBeInTheDocument();
    recover();
    expect(await screen.findByText("Succeeded")).toBeInTheDocument();
    expect(screen.queryByText(/Live updates paused/)).not.toBeInTheDocument();
  });

  it("says when the job list cannot load because Temporal is down", async () => {
    renderJobs({
      "GET /api/jobs": () =>
        apiError(503, "temporal_unavailable", "the job service is unavailable"),
    });

    expect(await screen.findByText("The job service is unavailable")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
  });
});
