import { useMutation } from "@tanstack/react-query";

export interface Action {
  /** The action runs; its controls are disabled meanwhile. */
  busy: boolean;
  /** What went wrong the last time, until the next run. */
  error: unknown;
  run: (action: () => Promise<void>) => void;
  reset: () => void;
}

/** One user action at a time on a part of the page (a form, a list item), as a mutation. */
export function useAction(): Action {
  const { isPending, error, mutate, reset } = useMutation({
    mutationFn: (action: () => Promise<void>) => action(),
  });
  return { busy: isPending, error, run: mutate, reset };
}
