import { isFinished, type Job } from "../api/types";

const STATUS_LABELS: Record<Job["status"], string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

export function statusLabel(job: Job): string {
  if (!isFinished(job) && job.cancel_requested_at) return "Cancelling…";
  return STATUS_LABELS[job.status];
}
