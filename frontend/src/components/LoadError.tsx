import { describeError } from "../api/errors";

interface Props {
  error: unknown;
  onRetry?: () => void;
}

/** A page section that could not load: says why (API down, Temporal down, ...) and offers a retry. */
export function LoadError({ error, onRetry }: Props) {
  const { title, message } = describeError(error);
  return (
    <div className="alert alert--error" role="alert">
      <p className="alert-title">{title}</p>
      <p>{message}</p>
      {onRetry ? (
        <button
          type="button"
          onClick={() => {
            onRetry();
          }}
        >
          Retry
        </button>
      ) : null}
    </div>
  );
}
