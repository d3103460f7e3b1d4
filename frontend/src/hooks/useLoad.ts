import { useCallback, useEffect, useState } from "react";

export type Loadable<T> =
  { status: "loading" } | { status: "ready"; data: T } | { status: "failed"; error: unknown };

/**
 * Runs `load` on mount and on `reload`; `load` must be stable (useCallback).
 * `reload({ quiet: true })` keeps showing the last state until the new one arrives.
 */
export function useLoad<T>(
  load: () => Promise<T>,
): [Loadable<T>, (options?: { quiet?: boolean }) => void] {
  const [state, setState] = useState<Loadable<T>>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    load().then(
      (data) => {
        if (current) setState({ status: "ready", data });
      },
      (error: unknown) => {
        if (current) setState({ status: "failed", error });
      },
    );
    return () => {
      current = false;
    };
  }, [load, attempt]);

  const reload = useCallback((options: { quiet?: boolean } = {}) => {
    if (!options.quiet) setState({ status: "loading" });
    setAttempt((n) => n + 1);
  }, []);

  return [state, reload];
}
