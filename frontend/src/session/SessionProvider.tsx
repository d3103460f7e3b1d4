import { useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { createApiClient } from "../api/client";
import { createApi } from "../api/endpoints";
import type { TokenOut } from "../api/types";
import { SessionContext, type SessionValue } from "./context";
import { SessionStore } from "./sessionStore";
import { sessionFrom } from "./storage";

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

  const api = useMemo(
    () =>
      createApi(
        createApiClient({
          getToken: () => store.token,
          onSessionExpired: () => {
            store.set(null, SESSION_EXPIRED);
          },
          fetch,
        }),
      ),
    [store, fetch],
  );

  const value = useMemo<SessionValue>(
    () => ({
      api,
      session,
      notice,
      signIn: (answer: TokenOut) => {
        store.set(sessionFrom(answer));
      },
      signOut: async () => {
        try {
          await api.logout();
        } catch {
          // Logged out here either way; a token that was not revoked still expires.
        }
        store.set(null, LOGGED_OUT);
      },
    }),
    [api, session, notice, store],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
