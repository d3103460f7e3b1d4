import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, expect } from "vitest";
import { takeUnroutedRequests } from "./fakeFetch";

afterEach(() => {
  cleanup();
  expect(takeUnroutedRequests(), "requests no fake route answered").toEqual([]);
  if (typeof window !== "undefined") window.localStorage.clear();
});
