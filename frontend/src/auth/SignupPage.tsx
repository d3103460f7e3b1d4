import { Link } from "react-router";
import { CredentialsPage } from "./CredentialsPage";

export function SignupPage() {
  return (
    <CredentialsPage
      title="Sign up"
      signedInTo="/tasks"
      submitLabel="Create account"
      busyLabel="Creating account…"
      passwordAutoComplete="new-password"
      passwordHint="8 to 128 characters."
      send={(api, credentials) => api.signup(credentials)}
    >
      Already have an account? <Link to="/login">Log in</Link>
    </CredentialsPage>
  );
}
