// The jobs dashboard's test helpers: its list pages and how to render and find it.
import { screen } from "@testing-library/react";
import type { Job } from "../api/types";
import { json, type Handler } from "./fakeFetch";
import { JOB_TYPES } from "./fixtures";
import { renderApp } from "./renderApp";

export const EXPORT_ID = "3f2a9c1e-0000-4000-8000-0000000000e1";

export function page(items: Job[], version = "a1", stale = false) {
  return json(200, { items, next_cursor: null, version, stale, synced_at: null });
}

export function jobsPage(items: Job[]) {
  return () => page(items);
}

export function renderJobs(routes: Record<string, Handler>) {
  return renderApp({
    path: "/jobs",
    routes: { "GET /api/job-types": () => json(200, { items: JOB_TYPES }), ...routes },
  });
}

export function jobCard(name: RegExp) {
  return screen.findByRole("article", { name });
}
