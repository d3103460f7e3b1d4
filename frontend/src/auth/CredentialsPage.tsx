import type { ReactNode } from "react";
import { Navigate } from "react-router";
import type { Api } from "../api/endpoints";
import type { Credentials, TokenOut } from "../api/types";
import { useSession } from "../session/context";
import { CredentialsForm, type CredentialsFormLabels } from "./CredentialsForm";

interface Props extends CredentialsFormLabels {
  title: string;
  /** Where a signed-in user goes: signing in re-renders the page with a session. */
  signedInTo: string;
  notice?: string | null;
  send: (api: Api, credentials: Credentials) => Promise<TokenOut>;
  /** The line under the form, pointing to the other page. */
  children: ReactNode;
}

/** The login and sign-up pages: a title, the credentials form, and a link to the other one. */
export function CredentialsPage({ title, signedInTo, notice, send, children, ...labels }: Props) {
  const { api, session, signIn } = useSession();

  if (session) return <Navigate to={signedInTo} replace />;

  return (
    <section className="page page--narrow">
      <h1>{title}</h1>
      {notice ? (
        <p className="alert alert--info" role="status">
          {notice}
        </p>
      ) : null}
      <CredentialsForm
        {...labels}
        onSubmit={async (credentials) => {
          signIn(await send(api, credentials));
        }}
      />
      <p>{children}</p>
    </section>
  );
}
