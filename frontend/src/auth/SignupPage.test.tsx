import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { apiError, json } from "../test/fakeFetch";
import { tokenAnswer } from "../test/fixtures";
import { renderApp } from "../test/renderApp";

describe("the sign-up page", () => {
  it("creates the account, signs in and opens the tasks page", async () => {
    const { user, backend } = renderApp({
      path: "/signup",
      signedIn: false,
      routes: {
        "POST /api/auth/signup": () => json(201, tokenAnswer()),
        "GET /api/tasks": () => json(200, { items: [], next_cursor: null }),
      },
    });

    expect(screen.getByLabelText(/password/i)).toHaveAccessibleDescription("8 to 128 characters.");
    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "correct horse");
    await user.click(screen.getByRole("button", { name: "Create account" }));

    expect(await screen.findByText("No tasks yet. Add one above.")).toBeInTheDocument();
    expect(backend.callsTo("POST /api/auth/signup")[0]?.body).toEqual({
      email: "ada@example.com",
      password: "correct horse",
    });
  });

  it("shows a duplicate sign-up next to the email field", async () => {
    const { user } = renderApp({
      path: "/signup",
      signedIn: false,
      routes: {
        "POST /api/auth/signup": () =>
          apiError(409, "email_taken", "an account with this email already exists", [
            { field: "email", message: "an account with this email already exists" },
          ]),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "correct horse{Enter}");

    expect(await screen.findByText("An account with this email already exists.")).toBeVisible();
    expect(screen.getByLabelText(/email/i)).toHaveAttribute("aria-invalid", "true");
  });

  it("shows a too-short password next to the password field", async () => {
    const { user } = renderApp({
      path: "/signup",
      signedIn: false,
      routes: {
        "POST /api/auth/signup": () =>
          apiError(422, "validation_error", "password: String should have at least 8 characters", [
            { field: "password", message: "String should have at least 8 characters" },
          ]),
      },
    });

    await user.type(screen.getByLabelText(/email/i), "ada@example.com");
    await user.type(screen.getByLabelText(/password/i), "short{Enter}");

    const password = screen.getByLabelText(/password/i);
    expect(await screen.findByText("String should have at least 8 characters.")).toBeVisible();
    expect(password).toHaveFocus();
    expect(password).toHaveAccessibleDescription(
      "8 to 128 characters. String should have at least 8 characters.",
    );
  });
});
