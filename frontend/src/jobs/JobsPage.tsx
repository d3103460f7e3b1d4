import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { describeError } from "../api/errors";
import type { Job, JobPage } from "../api/types";
import { LoadError } from "../components/LoadError";
import { LoadMore } from "../components/LoadMore";
import { Loading } from "../components/Loading";
import { usePagedList } from "../hooks/usePagedList";
import { useApi } from "../session/context";
import { JobItem } from "./JobItem";
import { JobStartForm } from "./JobStartForm";
import { useJobUpdates } from "./useJobUpdates";

export const JOBS_PER_PAGE = 20;
const MAX_LIVE_JOBS = 100; // the API's largest page

export function JobsPage({ pollIntervalMs = 1000 }: { pollIntervalMs?: number }) {
  const api = useApi();
  const types = useQuery({ queryKey: ["job-types"], queryFn: () => api.jobTypes() });
  const list = usePagedList<Job>(
    "jobs",
    useCallback((cursor: string | null) => api.listJobs({ limit: JOBS_PER_PAGE, cursor }), [api]),
  );
  const { state } = list;
  const jobs = state.status === "ready" ? state.items : [];
  const { merge } = list;
  const onPage = useCallback(
    (page: JobPage) => {
      merge(page.items);
    },
    [merge],
  );
  const live = Math.min(MAX_LIVE_JOBS, Math.max(JOBS_PER_PAGE, jobs.length));
  const updates = useJobUpdates(api, live, onPage, pollIntervalMs, state.status === "ready");

  return (
    <section className="page">
      <h1>Jobs</h1>
      {types.status === "pending" ? <Loading what="job types" /> : null}
      {types.status === "error" ? (
        <LoadError error={types.error} onRetry={() => void types.refetch()} />
      ) : null}
      {types.status === "success" ? (
        <JobStartForm types={types.data.items} onStarted={list.prepend} />
      ) : null}
      <section aria-labelledby="job-list-heading">
        <h2 id="job-list-heading">Your jobs</h2>
        {updates.failure ? (
          <p className="alert alert--warning" role="status">
            Live updates paused: {describeError(updates.failure).title}. Retrying…
          </p>
        ) : null}
        {updates.stale && !updates.failure ? (
          <p className="alert alert--warning" role="status">
            Showing the last known state: the job service has not confirmed it recently.
          </p>
        ) : null}
        {state.status === "loading" ? <Loading what="jobs" /> : null}
        {state.status === "failed" ? <LoadError error={state.error} onRetry={list.reload} /> : null}
        {state.status === "ready" && jobs.length === 0 ? (
          <p className="empty">No jobs yet. Start one above.</p>
        ) : null}
        {jobs.length > 0 ? (
          <ul className="job-list" aria-labelledby="job-list-heading">
            {jobs.map((job) => (
              <JobItem key={job.id} job={job} onChanged={list.replace} />
            ))}
          </ul>
        ) : null}
        <LoadMore list={list} what="jobs" />
      </section>
    </section>
  );
}
