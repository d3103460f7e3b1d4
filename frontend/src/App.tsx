import { Navigate, Route, Routes } from "react-router";
import { LoginPage } from "./auth/LoginPage";
import { SignupPage } from "./auth/SignupPage";
import { AppHeader } from "./components/AppHeader";
import { EnvBanner } from "./components/EnvBanner";
import { NotFoundPage } from "./components/NotFoundPage";
import { RequireSession } from "./components/RequireSession";
import { JobsPage } from "./jobs/JobsPage";
import { useSession } from "./session/context";
import { TasksPage } from "./tasks/TasksPage";

/** The pages; routes are client-side, and Flask answers every non-API path with index.html. */
export function App({ pollIntervalMs }: { pollIntervalMs?: number }) {
  const { session } = useSession();
  const home = session ? "/tasks" : "/login";
  return (
    <>
      <EnvBanner />
      <AppHeader />
      <main id="main">
        <Routes>
          <Route path="/" element={<Navigate to={home} replace />} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route
            path="/tasks"
            element={
              <RequireSession>
                <TasksPage />
              </RequireSession>
            }
          />
          <Route
            path="/jobs"
            element={
              <RequireSession>
                <JobsPage pollIntervalMs={pollIntervalMs} />
              </RequireSession>
            }
          />
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </main>
    </>
  );
}
