import { createContext, useContext } from "react";
import type { Api } from "../api/endpoints";
import type { TokenOut } from "../api/types";
import type { Session } from "./storage";

export interface SessionValue {
  api: Api;
  session: Session | null;
  /** Why the user is back at the login page (session expired, logged out). */
  notice: string | null;
  signIn: (answer: TokenOut) => void;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (value === null) throw new Error("useSession needs a <SessionProvider> above it");
  return value;
}

export function useApi(): Api {
  return useSession().api;
}
