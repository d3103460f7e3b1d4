import { describe, expect, it } from "vitest";
import { tokenAnswer } from "../test/fixtures";
import { loadSession, saveSession, sessionFrom } from "./storage";

describe("the stored session", () => {
  it("survives a reload until its token expires", () => {
    const session = { ...sessionFrom(tokenAnswer()), expiresAt: "2026-11-27T12:00:00Z" };
    saveSession(window.localStorage, session);

    expect(loadSession(window.localStorage, Date.parse("2026-11-27T11:59:00Z"))).toEqual(session);
    expect(loadSession(window.localStorage, Date.parse("2026-11-27T12:00:00Z"))).toBeNull();
  });

  it("ignores what it cannot read", () => {
    window.localStorage.setItem("preview-stack.session", "{not json");
    expect(loadSession(window.localStorage)).toBeNull();

    window.localStorage.setItem("preview-stack.session", JSON.stringify({ token: 1 }));
    expect(loadSession(window.localStorage)).toBeNull();
  });

  it("is removed on sign-out", () => {
    saveSession(window.localStorage, sessionFrom(tokenAnswer()));
    saveSession(window.localStorage, null);

    expect(window.localStorage.length).toBe(0);
  });
});
