import type { Job } from "../api/types";

export function JobProgress({ job }: { job: Job }) {
  if (job.progress) {
    const { done, total } = job.progress;
    return (
      <div className="job-progress">
        <progress max={Math.max(total, 1)} value={total === 0 ? 1 : done} aria-label="Progress" />
        <span>
          {done} of {total} done
        </span>
      </div>
    );
  }
  if (job.status === "running" || job.status === "queued") {
    return (
      <div className="job-progress">
        <progress aria-label="Progress" />
      </div>
    );
  }
  return null;
}
