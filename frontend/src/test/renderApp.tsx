import { render } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter } from "react-router";
import { App } from "../App";
import { SessionProvider } from "../session/SessionProvider";
import { saveSession, sessionFrom } from "../session/storage";
import { fakeBackend, json, type Handler } from "./fakeFetch";
import { DEV_ENV, tokenAnswer } from "./fixtures";

interface Options {
  path?: string;
  routes?: Record<string, Handler>;
  signedIn?: boolean;
}

/** The whole app at `path`, talking to a fake backend; signed in unless told otherwise. */
export function renderApp({ path = "/", routes = {}, signedIn = true }: Options = {}) {
  if (signedIn) saveSession(window.localStorage, sessionFrom(tokenAnswer()));
  const backend = fakeBackend({ "GET /api/env": () => json(200, DEV_ENV), ...routes });
  const user = userEvent.setup();
  const view = render(
    <MemoryRouter initialEntries={[path]}>
      <SessionProvider fetch={backend.fetch} storage={window.localStorage}>
        <App pollIntervalMs={5} />
      </SessionProvider>
    </MemoryRouter>,
  );
  return { backend, user, ...view };
}
