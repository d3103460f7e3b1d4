import { loadSession, saveSession, type Session } from "./storage";

export interface SessionState {
  session: Session | null;
  /** Why the user is back at the login page (session expired, logged out). */
  notice: string | null;
}

/**
 * The signed-in session outside React: the API client reads the token from here on
 * every request, and React subscribes with useSyncExternalStore.
 */
export class SessionStore {
  private state: SessionState;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage | undefined) {
    this.state = { session: loadSession(storage), notice: null };
  }

  get token(): string | null {
    return this.state.session?.token ?? null;
  }

  readonly snapshot = (): SessionState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(session: Session | null, notice: string | null = null): void {
    saveSession(this.storage, session);
    this.state = { session, notice };
    for (const listener of this.listeners) listener();
  }
}
