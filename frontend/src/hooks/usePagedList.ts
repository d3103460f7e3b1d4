import { useInfiniteQuery, useQueryClient, type InfiniteData } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";

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

type Pages<T> = InfiniteData<Page<T>, string | null>;

/**
 * A cursor-paginated list (newest first), held in the query cache under `key`, that the page
 * changes locally as the user creates, edits and deletes, without reloading.
 */
export function usePagedList<T extends { id: string | number }>(
  key: string,
  loadPage: (cursor: string | null) => Promise<Page<T>>,
): PagedList<T> {
  const queries = useQueryClient();
  const queryKey = useMemo(() => [key], [key]);
  const query = useInfiniteQuery<Page<T>, Error, Pages<T>, string[], string | null>({
    queryKey,
    queryFn: ({ pageParam }) => loadPage(pageParam),
    initialPageParam: null,
    getNextPageParam: (last) => last.next_cursor,
  });

  const update = useCallback(
    (change: (pages: Page<T>[]) => Page<T>[]) => {
      queries.setQueryData<Pages<T>>(queryKey, (held) =>
        held ? { ...held, pages: change(held.pages) } : held,
      );
    },
    [queries, queryKey],
  );
  const everyPage = useCallback(
    (change: (items: T[]) => T[]) => {
      update((pages) => pages.map((page) => ({ ...page, items: change(page.items) })));
    },
    [update],
  );
  const toFirstPage = useCallback(
    (added: T[]) => {
      update(([first, ...rest]) =>
        first ? [{ ...first, items: [...added, ...first.items] }, ...rest] : [],
      );
    },
    [update],
  );

  const prepend = useCallback(
    (item: T) => {
      everyPage((items) => items.filter((other) => other.id !== item.id));
      toFirstPage([item]);
    },
    [everyPage, toFirstPage],
  );
  const replace = useCallback(
    (item: T) => {
      everyPage((items) => items.map((other) => (other.id === item.id ? item : other)));
    },
    [everyPage],
  );
  const remove = useCallback(
    (item: T) => {
      everyPage((items) => items.filter((other) => other.id !== item.id));
    },
    [everyPage],
  );
  const merge = useCallback(
    (fresh: T[]) => {
      const held = new Set(everyItem(queries.getQueryData<Pages<T>>(queryKey)).map((i) => i.id));
      const byId = new Map(fresh.map((item) => [item.id, item]));
      everyPage((items) => items.map((item) => byId.get(item.id) ?? item));
      toFirstPage(fresh.filter((item) => !held.has(item.id)));
    },
    [queries, queryKey, everyPage, toFirstPage],
  );

  const reload = useCallback(() => {
    void queries.resetQueries({ queryKey });
  }, [queries, queryKey]);
  const { fetchNextPage, hasNextPage, isFetchingNextPage } = query;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [fetchNextPage, hasNextPage, isFetchingNextPage]);

  return {
    state: stateOf(query.data, query.error),
    loadingMore: isFetchingNextPage,
    moreError: query.isFetchNextPageError ? query.error : null,
    loadMore,
    reload,
    prepend,
    replace,
    remove,
    merge,
  };
}

function stateOf<T extends { id: string | number }>(
  data: Pages<T> | undefined,
  error: unknown,
): ListState<T> {
  if (data === undefined) return error ? { status: "failed", error } : { status: "loading" };
  const last = data.pages[data.pages.length - 1];
  return { status: "ready", items: everyItem(data), nextCursor: last?.next_cursor ?? null };
}

/** Each item once, in page order: a page loaded later may repeat one added locally. */
function everyItem<T extends { id: string | number }>(data: Pages<T> | undefined): T[] {
  const byId = new Map<string | number, T>();
  for (const item of (data?.pages ?? []).flatMap((page) => page.items)) {
    if (!byId.has(item.id)) byId.set(item.id, item);
  }
  return [...byId.values()];
}
