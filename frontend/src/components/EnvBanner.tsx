import { useEnv } from "../hooks/useEnv";
import { environmentLabel } from "./environment";

function shortCommit(commit: string): string {
  return /^[0-9a-f]{8,}$/i.test(commit) ? commit.slice(0, 7) : commit;
}

/** A strip on every page saying which environment and commit this is, linking its Temporal UI. */
export function EnvBanner() {
  const env = useEnv();

  if (env.status === "pending") {
    return <div className="env-banner" aria-hidden="true" />;
  }
  if (env.status === "error") {
    return (
      <aside className="env-banner env-banner--down" aria-label="Environment" role="alert">
        <span>The API is not answering; what you see may be out of date.</span>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            void env.refetch();
          }}
        >
          Retry
        </button>
      </aside>
    );
  }
  const { data } = env;
  return (
    <aside className={`env-banner env-banner--${data.kind}`} aria-label="Environment">
      <strong>{environmentLabel(data)}</strong>
      <span title={data.commit}>
        commit <code>{shortCommit(data.commit)}</code>
      </span>
      {data.temporal_ui_url ? (
        <a href={data.temporal_ui_url} target="_blank" rel="noreferrer">
          Temporal UI
        </a>
      ) : null}
    </aside>
  );
}
