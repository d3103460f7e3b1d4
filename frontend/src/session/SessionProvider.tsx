import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useCallback, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { createApiClient } from "../api/client";
import { createApi } from "../api/endpoints";
import type { TokenOut } from "../api/types";
import { SessionContext, type SessionValue } from "./context";
import { SessionStore } from "./sessionStore";
import { sessionFrom, type Session } from "./storage";

export const SESSION_EXPIRED = "Your session has expired. Log in again.";
export const LOGGED_OUT = "You are logged out.";

interface Props {
  children: ReactNode;
  fetch?: typeof fetch;
  storage?: Storage;
}

export function SessionProvider({ children, fetch, storage = window.localStorage }: Props) {
  const [store] = useState(() => new SessionStore(storage));
  const { session, notice } = useSyncExternalStore(store.subscribe, store.snapshot);
  const [queries] = useState(newQueryClient);
  // Another account (or none) sees nothing the last one loaded.
  const begin = useCallback(
    (next: Session | null, why?: string) => {
      queries.clear();
      store.set(next, why);
    },
    [queries, store],
  );

  const api = useMemo(
    () =>
      createApi(
        createApiClient({
          getToken: () => store.token,
          onSessionExpired: () => {
            begin(null, SESSION_EXPIRED);
          },
          fetch,
        }),
      ),
    [store, fetch, begin],
  );

  const value = useMemo<SessionValue>(
    () => ({
      api,
      session,
      notice,
      signIn: (answer: TokenOut) => {
        begin(sessionFrom(answer));
      },
      signOut: async () => {
        try {
          await api.logout();
        } catch {
          // Logged out here either way; a token that was not revoked still expires.
        }
        begin(null, LOGGED_OUT);
      },
    }),
    [api, session, notice, begin],
  );

  return (
    <SessionContext.Provider value={value}>
      <QueryClientProvider client={queries}>{children}</QueryClientProvider>
    </SessionContext.Provider>
  );
}

/** Pages offer their own Retry, and live updates come from the jobs long poll. */
function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: false, refetchOnWindowFocus: false, staleTime: Infinity },
      mutations: { retry: false },
    },
  });
}
