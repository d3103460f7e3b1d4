import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { apiError, json, sequence } from "../test/fakeFetch";
import { job } from "../test/fixtures";
import { EXPORT_ID, jobCard, jobsPage, page, renderJobs } from "../test/jobsDashboard";

describe("the jobs dashboard, following jobs", () => {
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
