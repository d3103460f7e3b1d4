import type { PagedList } from "../hooks/usePagedList";
import { LoadError } from "./LoadError";

/** The foot of a paged list: what went wrong loading more, and the button for the next page. */
export function LoadMore<T>({ list, what }: { list: PagedList<T>; what: string }) {
  const { state } = list;
  return (
    <>
      {list.moreError ? <LoadError error={list.moreError} /> : null}
      {state.status === "ready" && state.nextCursor ? (
        <button
          type="button"
          className="button-secondary"
          disabled={list.loadingMore}
          onClick={list.loadMore}
        >
          {list.loadingMore ? "Loading…" : `Load more ${what}`}
        </button>
      ) : null}
    </>
  );
}
