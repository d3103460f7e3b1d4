// The signed-in session survives reloads in localStorage until its token expires.
import type { Account, TokenOut } from "../api/types";

const KEY = "preview-stack.session";

export interface Session {
  token: string;
  expiresAt: string;
  account: Account;
}

export function sessionFrom(answer: TokenOut): Session {
  return { token: answer.token, expiresAt: answer.expires_at, account: answer.account };
}

export function loadSession(storage: Storage | undefined, now = Date.now()): Session | null {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (typeof session.token !== "string" || typeof session.expiresAt !== "string") return null;
    if (!session.account || Date.parse(session.expiresAt) <= now) return null;
    return session as Session;
  } catch {
    return null;
  }
}

export function saveSession(storage: Storage | undefined, session: Session | null): void {
  try {
    if (session) storage?.setItem(KEY, JSON.stringify(session));
    else storage?.removeItem(KEY);
  } catch {
    // Storage can be full or disabled; the session then lasts until the tab closes.
  }
}
