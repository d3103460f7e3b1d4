import { useId } from "react";
import { formError } from "../api/errors";
import { isFinished, type Job } from "../api/types";
import { formatDateTime } from "../tasks/dates";
import { FormAlert } from "../components/FormAlert";
import { useAction } from "../hooks/useAction";
import { useEnv } from "../hooks/useEnv";
import { useApi } from "../session/context";
import { statusLabel } from "./jobStatus";
import { workflowLink } from "./workflowLink";
import { JobProgress } from "./JobProgress";
import { saveFile } from "./saveFile";

interface Props {
  job: Job;
  onChanged: (job: Job) => void;
}

export function JobItem({ job, onChanged }: Props) {
  const api = useApi();
  const headingId = useId();
  const { busy, error, run } = useAction();
  const env = useEnv().data;
  const workflowUrl = env?.temporal_ui_url
    ? workflowLink(env.temporal_ui_url, env.temporal.namespace, job.workflow_id)
    : null;

  const artifactUrl = job.artifact_url;
  return (
    <li>
      <article className={`job job--${job.status}`} aria-labelledby={headingId}>
        <header className="job-head">
          <h3 id={headingId}>
            {job.type} <span className="job-id">{job.id.slice(0, 8)}</span>
          </h3>
          <span className={`status status--${job.status}`}>{statusLabel(job)}</span>
        </header>
        <JobProgress job={job} />
        <p className="job-meta">
          Created {formatDateTime(job.created_at)}
          {job.finished_at ? ` · finished ${formatDateTime(job.finished_at)}` : ""}
        </p>
        {job.status === "failed" && job.error ? <p className="job-error">{job.error}</p> : null}
        {job.status === "succeeded" && !artifactUrl && job.result !== null ? (
          <pre className="job-result">{JSON.stringify(job.result)}</pre>
        ) : null}
        <div className="actions">
          {!isFinished(job) ? (
            <button
              type="button"
              className="button-secondary"
              disabled={busy || Boolean(job.cancel_requested_at)}
              onClick={() => {
                run(async () => {
                  onChanged(await api.cancelJob(job.id));
                });
              }}
            >
              Cancel
            </button>
          ) : null}
          {artifactUrl ? (
            <button
              type="button"
              disabled={busy}
              onClick={() => {
                run(async () => {
                  saveFile(await api.downloadArtifact(job.id));
                });
              }}
            >
              Download CSV
            </button>
          ) : null}
          {workflowUrl ? (
            <a href={workflowUrl} target="_blank" rel="noreferrer">
              Workflow in Temporal UI
            </a>
          ) : null}
        </div>
        <FormAlert message={formError(error, [])} />
      </article>
    </li>
  );
}
