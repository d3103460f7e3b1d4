import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { json } from "./test/fakeFetch";
import { renderApp } from "./test/renderApp";

describe("routing", () => {
  it("sends a visitor without a session to the login page", async () => {
    renderApp({ path: "/", signedIn: false });

    expect(await screen.findByRole("heading", { name: "Log in" })).toBeInTheDocument();
    expect(screen.queryByRole("navigation", { name: "Main" })).not.toBeInTheDocument();
  });

  it("opens the tasks page for a signed-in visitor, with the main navigation", async () => {
    const { user } = renderApp({
      path: "/",
      routes: {
        "GET /api/tasks": () => json(200, { items: [], next_cursor: null }),
        "GET /api/job-types": () => json(200, { items: [] }),
        "GET /api/jobs": () => json(200, { items: [], next_cursor: null }),
      },
    });

    expect(await screen.findByRole("heading", { name: "Tasks" })).toBeInTheDocument();
    await user.click(screen.getByRole("link", { name: "Jobs" }));
    expect(await screen.findByRole("heading", { name: "Jobs" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Jobs" })).toHaveAttribute("aria-current", "page");
  });

  it("sends a signed-in visitor away from the sign-up page", async () => {
    renderApp({
      path: "/signup",
      routes: { "GET /api/tasks": () => json(200, { items: [], next_cursor: null }) },
    });

    expect(await screen.findByRole("heading", { name: "Tasks" })).toBeInTheDocument();
  });

  it("says when a page does not exist", async () => {
    renderApp({ path: "/no/such/page", signedIn: false });

    expect(await screen.findByRole("heading", { name: "Page not found" })).toBeInTheDocument();
  });
});
