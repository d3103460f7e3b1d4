import { Link, Navigate } from "react-router";
import { useSession } from "../session/context";
import { CredentialsForm } from "./CredentialsForm";

export function SignupPage() {
  const { api, session, signIn } = useSession();

  if (session) return <Navigate to="/tasks" replace />;

  return (
    <section className="page page--narrow">
      <h1>Sign up</h1>
      <CredentialsForm
        submitLabel="Create account"
        busyLabel="Creating account…"
        passwordAutoComplete="new-password"
        passwordHint="8 to 128 characters."
        onSubmit={async (credentials) => {
          signIn(await api.signup(credentials));
        }}
      />
      <p>
        Already have an account? <Link to="/login">Log in</Link>
      </p>
    </section>
  );
}
