import { Link, Navigate, useLocation } from "react-router";
import { useSession } from "../session/context";
import { CredentialsForm } from "./CredentialsForm";

function returnPath(state: unknown): string {
  if (typeof state === "object" && state !== null && "from" in state) {
    const { from } = state;
    if (typeof from === "string" && from.startsWith("/") && from !== "/login") return from;
  }
  return "/tasks";
}

export function LoginPage() {
  const { api, session, notice, signIn } = useSession();
  const location = useLocation();

  // Signing in re-renders this page with a session: go where the user was headed.
  if (session) return <Navigate to={returnPath(location.state)} replace />;

  return (
    <section className="page page--narrow">
      <h1>Log in</h1>
      {notice ? (
        <p className="alert alert--info" role="status">
          {notice}
        </p>
      ) : null}
      <CredentialsForm
        submitLabel="Log in"
        busyLabel="Logging in…"
        passwordAutoComplete="current-password"
        onSubmit={async (credentials) => {
          signIn(await api.login(credentials));
        }}
      />
      <p>
        No account yet? <Link to="/signup">Sign up</Link>
      </p>
    </section>
  );
}
