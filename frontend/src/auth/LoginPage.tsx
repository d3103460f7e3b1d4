import { Link, useLocation } from "react-router";
import { useSession } from "../session/context";
import { CredentialsPage } from "./CredentialsPage";

function returnPath(state: unknown): string {
  if (typeof state === "object" && state !== null && "from" in state) {
    const { from } = state;
    if (typeof from === "string" && from.startsWith("/") && from !== "/login") return from;
  }
  return "/tasks";
}

export function LoginPage() {
  const { notice } = useSession();
  const location = useLocation();

  return (
    <CredentialsPage
      title="Log in"
      notice={notice}
      signedInTo={returnPath(location.state)}
      submitLabel="Log in"
      busyLabel="Logging in…"
      passwordAutoComplete="current-password"
      send={(api, credentials) => api.login(credentials)}
    >
      No account yet? <Link to="/signup">Sign up</Link>
    </CredentialsPage>
  );
}
