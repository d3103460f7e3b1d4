import { screen, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { JobCreate } from "../api/types";
import { apiError, json, type FakeRequest } from "../test/fakeFetch";
import { job } from "../test/fixtures";
import { jobCard, jobsPage, renderJobs } from "../test/jobsDashboard";

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
});
