import { useCallback, useEffect } from "react";
import { useLoad } from "../hooks/useLoad";
import { useApi } from "../session/context";
import { environmentLabel } from "./environment";

function shortCommit(commit: string): string {
  return /^[0-9a-f]{8,}$/i.test(commit) ? commit.slice(0, 7) : commit;
}

const RETRY_MS = 5000;

/** A strip on every page saying which environment and commit this is, linking its Temporal UI. */
export function EnvBanner() {
  const api = useApi();
  const [env, reload] = useLoad(useCallback(() => api.env(), [api]));

  // While the API is down, keep asking, so the banner clears itself when it is back.
  useEffect(() => {
    if (env.status !== "failed") return undefined;
    const timer = window.setTimeout(() => {
      reload({ quiet: true });
    }, RETRY_MS);
    return () => {
      window.clearTimeout(timer);
    };
  }, [env, reload]);

  if (env.status === "loading") {
    return <div className="env-banner" aria-hidden="true" />;
  }
  if (env.status === "failed") {
    return (
      <aside className="env-banner env-banner--down" aria-label="Environment" role="alert">
        <span>The API is not answering; what you see may be out of date.</span>
        <button
          type="button"
          className="link-button"
          onClick={() => {
            reload();
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
