import { useEffect, useState } from "react";
import type { Api } from "../api/endpoints";
import type { JobPage } from "../api/types";

/** How long the server may hold one list request before answering "no change". */
export const LIST_WAIT_SECONDS = 25;
const BACKOFF_AFTER_FAILURE = 2; // times minIntervalMs

export interface JobUpdates {
  failure: unknown;
  stale: boolean;
}

/**
 * Keeps the dashboard current with one long-polled list request at a time: the API
 * answers once the newest `limit` jobs differ from the `version` held (or after
 * LIST_WAIT_SECONDS), and a request starts at most every `minIntervalMs`. So an open
 * dashboard makes a bounded number of requests a minute, whatever the number of jobs.
 * `onPage` must be stable.
 */
export function useJobUpdates(
  api: Api,
  limit: number,
  onPage: (page: JobPage) => void,
  minIntervalMs: number,
  enabled: boolean,
): JobUpdates {
  const [failure, setFailure] = useState<unknown>(null);
  const [stale, setStale] = useState(false);

  useEffect(() => {
    if (!enabled) return undefined;
    let current = true;
    let timer: number | undefined;
    let version: string | null = null;
    const next = (startedAt: number, gapMs: number) => {
      timer = window.setTimeout(round, Math.max(0, startedAt + gapMs - Date.now()));
    };
    const round = () => {
      const startedAt = Date.now();
      const query = version === null ? { limit } : { limit, version, wait: LIST_WAIT_SECONDS };
      api.listJobs(query).then(
        (page) => {
          if (!current) return;
          const changed = page.version !== version;
          version = page.version;
          setFailure(null);
          setStale(page.stale);
          if (changed) onPage(page);
          next(startedAt, minIntervalMs);
        },
        (error: unknown) => {
          if (!current) return;
          setFailure(error);
          next(startedAt, minIntervalMs * BACKOFF_AFTER_FAILURE);
        },
      );
    };
    round();
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [api, limit, onPage, minIntervalMs, enabled]);

  return { failure: enabled ? failure : null, stale: enabled && stale };
}
