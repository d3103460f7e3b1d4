import { useCallback, useEffect, useState } from "react";

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

type ListState<T> =
  | { status: "loading" }
  | { status: "failed"; error: unknown }
  | { status: "ready"; items: T[]; nextCursor: string | null };

export interface PagedList<T> {
  state: ListState<T>;
  /** Loading the next page, and what went wrong loading it. */
  loadingMore: boolean;
  moreError: unknown;
  loadMore: () => void;
  reload: () => void;
  prepend: (item: T) => void;
  replace: (item: T) => void;
  remove: (item: T) => void;
  /** Fresh copies of the newest items: replace the ones held, prepend the new ones. */
  merge: (fresh: T[]) => void;
}

/**
 * A cursor-paginated list (newest first) that the page changes locally as the user
 * creates, edits and deletes, without reloading. `loadPage` must be stable.
 */
export function usePagedList<T extends { id: string | number }>(
  loadPage: (cursor: string | null) => Promise<Page<T>>,
): PagedList<T> {
  const [state, setState] = useState<ListState<T>>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    loadPage(null).then(
      (page) => {
        if (current) setState({ status: "ready", items: page.items, nextCursor: page.next_cursor });
      },
      (error: unknown) => {
        if (current) setState({ status: "failed", error });
      },
    );
    return () => {
      current = false;
    };
  }, [loadPage, attempt]);

  const reload = useCallback(() => {
    setState({ status: "loading" });
    setMoreError(null);
    setAttempt((n) => n + 1);
  }, []);

  const cursor = state.status === "ready" ? state.nextCursor : null;
  const loadMore = useCallback(() => {
    if (cursor === null) return;
    setLoadingMore(true);
    setMoreError(null);
    loadPage(cursor)
      .then((page) => {
        setState((prev) => {
          if (prev.status !== "ready") return prev;
          const known = new Set(prev.items.map((item) => item.id));
          const fresh = page.items.filter((item) => !known.has(item.id));
          return {
            status: "ready",
            items: [...prev.items, ...fresh],
            nextCursor: page.next_cursor,
          };
        });
      })
      .catch((error: unknown) => {
        setMoreError(error);
      })
      .finally(() => {
        setLoadingMore(false);
      });
  }, [cursor, loadPage]);

  const update = useCallback((change: (items: T[]) => T[]) => {
    setState((prev) => (prev.status === "ready" ? { ...prev, items: change(prev.items) } : prev));
  }, []);
  const prepend = useCallback(
    (item: T) => {
      update((items) => [item, ...items.filter((other) => other.id !== item.id)]);
    },
    [update],
  );
  const replace = useCallback(
    (item: T) => {
      update((items) => items.map((other) => (other.id === item.id ? item : other)));
    },
    [update],
  );
  const remove = useCallback(
    (item: T) => {
      update((items) => items.filter((other) => other.id !== item.id));
    },
    [update],
  );

  const merge = useCallback(
    (fresh: T[]) => {
      update((items) => {
        const byId = new Map(fresh.map((item) => [item.id, item]));
        const held = new Set(items.map((item) => item.id));
        const added = fresh.filter((item) => !held.has(item.id));
        return [...added, ...items.map((item) => byId.get(item.id) ?? item)];
      });
    },
    [update],
  );

  return { state, loadingMore, moreError, loadMore, reload, prepend, replace, remove, merge };
}
