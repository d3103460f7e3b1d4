import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Task } from "../api/types";
import { apiError, json, sequence, type FakeRequest } from "../test/fakeFetch";
import { task } from "../test/fixtures";
import { renderApp } from "../test/renderApp";

function page(items: Task[], next_cursor: string | null = null) {
  return () => json(200, { items, next_cursor });
}

function taskList() {
  return screen.getByRole("list", { name: "Your tasks" });
}

describe("the tasks page", () => {
  it("says when there are no tasks yet", async () => {
    renderApp({ path: "/tasks", routes: { "GET /api/tasks": page([]) } });

    expect(await screen.findByText("No tasks yet. Add one above.")).toBeInTheDocument();
  });

  it("adds a task at the top of the list and clears the form", async () => {
    const older = task({ title: "Older task" });
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([older]),
        "POST /api/tasks": (request: FakeRequest) =>
          json(201, task({ ...(request.body as Partial<Task>) })),
      },
    });
    await screen.findByText("Older task");

    await user.type(screen.getByLabelText(/title/i), "Buy milk");
    await user.type(screen.getByLabelText(/notes/i), "semi-skimmed");
    await user.click(screen.getByRole("button", { name: "Add task" }));

    const items = await within(taskList()).findAllByRole("listitem");
    expect(items[0]).toHaveTextContent("Buy milk");
    expect(items[0]).toHaveTextContent("semi-skimmed");
    expect(items[1]).toHaveTextContent("Older task");
    expect(screen.getByLabelText(/title/i)).toHaveValue("");
    expect(screen.getByLabelText(/title/i)).toHaveFocus();
    expect(backend.callsTo("POST /api/tasks")[0]?.body).toEqual({
      title: "Buy milk",
      notes: "semi-skimmed",
      due_at: null,
    });
  });

  it("shows the API's complaint about a blank title under the title field", async () => {
    const { user } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([]),
        "POST /api/tasks": () =>
          apiError(422, "validation_error", "title: ...", [
            { field: "title", message: "must not be blank" },
          ]),
      },
    });
    await screen.findByText("No tasks yet. Add one above.");

    await user.click(screen.getByRole("button", { name: "Add task" }));

    expect(await screen.findByText("Must not be blank.")).toBeVisible();
    expect(screen.getByLabelText(/title/i)).toHaveAccessibleDescription("Must not be blank.");
    expect(screen.getByLabelText(/title/i)).toHaveFocus();
  });

  it("completes a task and can reopen it", async () => {
    const open = task({ title: "Water plants" });
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([open]),
        "POST /api/tasks/:id/complete": () =>
          json(200, { ...open, completed: true, completed_at: "2026-11-27T11:00:00Z" }),
        "PATCH /api/tasks/:id": () => json(200, open),
      },
    });

    const checkbox = await screen.findByRole("checkbox", { name: "Water plants" });
    await user.click(checkbox);
    await within(taskList()).findByText(/^Done /);
    expect(checkbox).toBeChecked();

    await user.click(checkbox);
    await within(taskList()).findByText("Water plants");
    expect(checkbox).not.toBeChecked();
    expect(backend.callsTo("POST /api/tasks/:id/complete")[0]?.path).toBe(
      `/api/tasks/${open.id}/complete`,
    );
    expect(backend.callsTo("PATCH /api/tasks/:id")[0]?.body).toEqual({ completed: false });
  });

  it("ticks the box at once and unticks it if the API refuses", async () => {
    let refuse: (response: Response) => void = () => undefined;
    const { user } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([task({ title: "Feed the cat" })]),
        "POST /api/tasks/:id/complete": () =>
          new Promise<Response>((resolve) => {
            refuse = resolve;
          }),
      },
    });

    const checkbox = await screen.findByRole("checkbox", { name: "Feed the cat" });
    await user.click(checkbox);
    expect(checkbox).toBeChecked();
    expect(checkbox).toBeDisabled();

    refuse(apiError(503, "database_unavailable", "the database is unavailable"));

    expect(await screen.findByRole("alert")).toHaveTextContent("Service unavailable");
    expect(checkbox).not.toBeChecked();
    expect(checkbox).toBeEnabled();
  });

  it("edits a task in place", async () => {
    const original = task({ title: "Draft", notes: "v1" });
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([original]),
        "PATCH /api/tasks/:id": (request: FakeRequest) =>
          json(200, { ...original, ...(request.body as Partial<Task>) }),
      },
    });

    await user.click(await screen.findByRole("button", { name: "Edit Draft" }));
    const form = screen.getByRole("form", { name: "Edit task Draft" });
    const title = within(form).getByLabelText(/title/i);
    expect(title).toHaveFocus();
    await user.clear(title);
    await user.type(title, "Final{Enter}");

    expect(await screen.findByRole("checkbox", { name: "Final" })).toBeInTheDocument();
    expect(backend.callsTo("PATCH /api/tasks/:id")[0]?.body).toEqual({
      title: "Final",
      notes: "v1",
      due_at: null,
    });
  });

  it("leaves the edit form with Escape, unchanged", async () => {
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: { "GET /api/tasks": page([task({ title: "Keep me" })]) },
    });

    await user.click(await screen.findByRole("button", { name: "Edit Keep me" }));
    const form = screen.getByRole("form", { name: "Edit task Keep me" });
    await user.type(within(form).getByLabelText(/title/i), " changed{Escape}");

    expect(screen.getByRole("checkbox", { name: "Keep me" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Edit Keep me" })).toHaveFocus();
    expect(backend.callsTo("PATCH /api/tasks/:id")).toHaveLength(0);
  });

  it("deletes a task", async () => {
    const { user } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": page([task({ title: "Gone soon" }), task({ title: "Stays" })]),
        "DELETE /api/tasks/:id": () => json(204, null),
      },
    });

    await user.click(await screen.findByRole("button", { name: "Delete Gone soon" }));

    await within(taskList()).findByText("Stays");
    expect(screen.queryByText("Gone soon")).not.toBeInTheDocument();
  });

  it("loads the next page with the cursor until there is none", async () => {
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": sequence(
          page([task({ title: "Newest" })], "cursor-2"),
          page([task({ title: "Oldest" })]),
        ),
      },
    });

    await user.click(await screen.findByRole("button", { name: "Load more tasks" }));

    expect(await within(taskList()).findByText("Oldest")).toBeInTheDocument();
    expect(within(taskList()).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Load more tasks" })).not.toBeInTheDocument();
    expect(backend.callsTo("GET /api/tasks")[1]?.query.get("cursor")).toBe("cursor-2");
  });

  it("says the database is down and retries on request", async () => {
    const { user } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": sequence(
          () =>
            apiError(503, "database_unavailable", "the database is unavailable; try again shortly"),
          page([task({ title: "Back again" })]),
        ),
      },
    });

    expect(await screen.findByText("Service unavailable")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Retry" }));

    expect(await screen.findByText("Back again")).toBeInTheDocument();
  });

  it("says when the API cannot be reached at all", async () => {
    renderApp({
      path: "/tasks",
      routes: {
        "GET /api/env": () => Promise.reject(new TypeError("Failed to fetch")),
        "GET /api/tasks": () => Promise.reject(new TypeError("Failed to fetch")),
      },
    });

    expect(await screen.findByText("Can't reach the server")).toBeInTheDocument();
    expect(await screen.findByRole("alert", { name: "Environment" })).toHaveTextContent(
      "The API is not answering",
    );
  });
});
