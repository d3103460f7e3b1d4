import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { apiError, json } from "../test/fakeFetch";
import { task, tokenAnswer } from "../test/fixtures";
import { renderApp } from "../test/renderApp";

const emptyTasks = () => json(200, { items: [], next_cursor: null });

describe("the login page", () => {
  it("has labelled fields in keyboard order", async () => {
    const { user } = renderApp({ path: "/login", signedIn: false });

    screen.getByLabelText(/email/i).focus();
    await user.tab();
    expect(screen.getByLabelText(/password/i)).toHaveFocus();
    await user.tab();
    expect(screen.getByRole("button", { name: "Log in" })).toHaveFocus();
  });

  it("logs in with the keyboard and opens the tasks page", async () => {
    const { user, backend } = renderApp({
      path: "/login",
      signedIn: false,
      routes: {
        "POST /api/auth/login": () => json(200, tokenAnswer("fresh-token")),
        "GET /api/tasks": () =>
          json(200, { items: [task({ title: "Buy milk" })], next_cursor: null }),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "correct horse{Enter}");

    expect(await screen.findByRole("heading", { name: "Tasks" })).toBeInTheDocument();
    expect(await screen.findByText("Buy milk")).toBeInTheDocument();
    expect(backend.callsTo("POST /api/auth/login")[0]?.body).toEqual({
      email: "ada@example.com",
      password: "correct horse",
    });
    expect(backend.callsTo("GET /api/tasks")[0]?.headers.get("Authorization")).toBe(
      "Bearer fresh-token",
    );
  });

  it("shows each field's error next to the field and focuses the first", async () => {
    const { user } = renderApp({
      path: "/login",
      signedIn: false,
      routes: {
        "POST /api/auth/login": () =>
          apiError(422, "validation_error", "email: must be an email address", [
            {
              field: "email",
              message: "must be an email address like name@example.com",
            },
            { field: "password", message: "String should have at least 1 character" },
          ]),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "not-an-email");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    const email = screen.getByLabelText(/email/i);
    expect(
      await screen.findByText("Must be an email address like name@example.com."),
    ).toBeVisible();
    expect(email).toHaveAttribute("aria-invalid", "true");
    expect(email).toHaveAccessibleDescription("Must be an email address like name@example.com.");
    expect(screen.getByLabelText(/password/i)).toHaveAccessibleDescription(
      "String should have at least 1 character.",
    );
    expect(email).toHaveFocus();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("says so when the email or password is wrong, without talking of an expired session", async () => {
    const { user } = renderApp({
      path: "/login",
      signedIn: false,
      routes: {
        "POST /api/auth/login": () =>
          apiError(401, "invalid_credentials", "wrong email or password"),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "wrong{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password.");
    expect(screen.queryByText(/session has expired/i)).not.toBeInTheDocument();
  });

  it("explains a rate limit on failed logins", async () => {
    const { user } = renderApp({
      path: "/login",
      signedIn: false,
      routes: {
        "POST /api/auth/login": () =>
          apiError(
            429,
            "too_many_attempts",
            "too many failed logins for this email; try again later",
          ),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "wrong{Enter}");

    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Too many attempts: Too many failed logins for this email; try again later.",
    );
  });

  it("returns to the page that asked for a login", async () => {
    const { user } = renderApp({
      path: "/jobs",
      signedIn: false,
      routes: {
        "POST /api/auth/login": () => json(200, tokenAnswer()),
        "GET /api/job-types": () => json(200, { items: [] }),
        "GET /api/jobs": () => json(200, { items: [], next_cursor: null }),
      },
    });

    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "correct horse{Enter}");

    expect(await screen.findByRole("heading", { name: "Jobs" })).toBeInTheDocument();
  });

  it("is where an expired session lands, with the reason", async () => {
    const { user } = renderApp({
      path: "/tasks",
      routes: {
        "GET /api/tasks": emptyTasks,
        "POST /api/tasks": () =>
          apiError(401, "token_expired", "the token has expired; log in again"),
      },
    });

    await screen.findByText("No tasks yet. Add one above.");
    await user.type(screen.getByLabelText(/title/i), "Too late{Enter}");

    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Your session has expired. Log in again.");
    expect(window.localStorage.length).toBe(0);
  });
});

describe("logging out", () => {
  it("revokes the token and goes back to the login page", async () => {
    const { user, backend } = renderApp({
      path: "/tasks",
      routes: { "GET /api/tasks": emptyTasks },
    });
    backend.route("POST /api/auth/logout", () => json(200, { revoked: true }));

    const header = screen.getByRole("banner");
    expect(within(header).getByText("ada@example.com")).toBeInTheDocument();
    await user.click(within(header).getByRole("button", { name: "Log out" }));

    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("You are logged out.");
    expect(backend.callsTo("POST /api/auth/logout")).toHaveLength(1);
    expect(window.localStorage.length).toBe(0);
  });
});
