import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { EnvInfo } from "../api/types";
import { SessionProvider } from "../session/SessionProvider";
import { json } from "../test/fakeFetch";
import { DEV_ENV } from "../test/fixtures";
import { fakeBackend } from "../test/fakeFetch";
import { EnvBanner } from "./EnvBanner";

function renderBanner(env: Partial<EnvInfo>) {
  const backend = fakeBackend({ "GET /api/env": () => json(200, { ...DEV_ENV, ...env }) });
  render(
    <SessionProvider fetch={backend.fetch} storage={window.localStorage}>
      <EnvBanner />
    </SessionProvider>,
  );
  return screen.findByRole("complementary", { name: "Environment" });
}

describe("the environment banner", () => {
  it("names a pull request's preview, its commit and its Temporal UI", async () => {
    const banner = await renderBanner({
      kind: "preview",
      pr_number: 42,
      namespace: "pr-42",
      commit: "0123456789abcdef0123",
      temporal_ui_url: "https://pr-42-temporal.preview.example.com",
    });

    expect(banner).toHaveTextContent("Preview of PR #42");
    expect(banner).toHaveTextContent("commit 0123456");
    expect(screen.getByRole("link", { name: "Temporal UI" })).toHaveAttribute(
      "href",
      "https://pr-42-temporal.preview.example.com",
    );
  });

  it("names the permanent preview", async () => {
    const banner = await renderBanner({ kind: "preview", pr_number: null, namespace: "preview" });
    expect(banner).toHaveTextContent("Permanent preview");
  });

  it("names production, without a Temporal link when there is none", async () => {
    const banner = await renderBanner({ kind: "production", temporal_ui_url: null });
    expect(banner).toHaveTextContent("Production");
    expect(screen.queryByRole("link")).not.toBeInTheDocument();
  });

  it("names development and shows an unknown commit as it is", async () => {
    const banner = await renderBanner({ kind: "development", commit: "unknown" });
    expect(banner).toHaveTextContent("Development");
    expect(banner).toHaveTextContent("commit unknown");
  });
});
