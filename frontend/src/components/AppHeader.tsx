import { NavLink, useNavigate } from "react-router";
import { useSession } from "../session/context";

export function AppHeader() {
  const { session, signOut } = useSession();
  const navigate = useNavigate();
  return (
    <header className="app-header">
      <NavLink to="/" className="brand">
        preview-stack
      </NavLink>
      {session ? (
        <>
          <nav aria-label="Main">
            <NavLink to="/tasks">Tasks</NavLink>
            <NavLink to="/jobs">Jobs</NavLink>
          </nav>
          <div className="account">
            <span className="account-email">{session.account.email}</span>
            <button
              type="button"
              className="button-secondary"
              onClick={() => {
                void signOut().then(() => navigate("/login"));
              }}
            >
              Log out
            </button>
          </div>
        </>
      ) : null}
    </header>
  );
}
