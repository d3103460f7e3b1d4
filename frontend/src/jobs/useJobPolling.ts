import { useEffect, useState } from "react";
import type { Api } from "../api/endpoints";
import { isFinished, type Job } from "../api/types";

/**
 * While any of `jobs` is unfinished, re-read those jobs every `intervalMs` and pass each
 * fresh copy to `onUpdate` (which must be stable). Returns the last polling failure, if any.
 */
export function useJobPolling(
  api: Api,
  jobs: readonly Job[],
  onUpdate: (job: Job) => void,
  intervalMs: number,
): unknown {
  const unfinished = jobs
    .filter((job) => !isFinished(job))
    .map((job) => job.id)
    .join(",");
  const [round, setRound] = useState(0);
  const [failure, setFailure] = useState<unknown>(null);

  useEffect(() => {
    if (!unfinished) return undefined;
    let current = true;
    const timer = window.setTimeout(() => {
      void Promise.allSettled(unfinished.split(",").map((id) => api.getJob(id))).then((results) => {
        if (!current) return;
        let failed: unknown = null;
        for (const result of results) {
          if (result.status === "fulfilled") onUpdate(result.value);
          else failed ??= result.reason;
        }
        setFailure(failed);
        setRound((n) => n + 1);
      });
    }, intervalMs);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [api, unfinished, round, intervalMs, onUpdate]);

  return unfinished ? failure : null;
}
