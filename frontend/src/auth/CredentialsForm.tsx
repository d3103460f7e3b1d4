import { useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Credentials } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { TextField } from "../components/TextField";
import { useAction } from "../hooks/useAction";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";

export interface CredentialsFormLabels {
  submitLabel: string;
  busyLabel: string;
  passwordAutoComplete: "current-password" | "new-password";
  passwordHint?: string;
}

interface Props extends CredentialsFormLabels {
  onSubmit: (credentials: Credentials) => Promise<void>;
}

/** Email + password, shared by sign-up and login; the API's field errors show under each field. */
export function CredentialsForm({
  submitLabel,
  busyLabel,
  passwordAutoComplete,
  passwordHint,
  onSubmit,
}: Props) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, run } = useAction();
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error);

  const errors = fieldErrors(error);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    run(() => onSubmit({ email, password }));
  }

  return (
    <form ref={form} className="form" noValidate onSubmit={submit}>
      <FormAlert message={formError(error, ["email", "password"])} />
      <TextField
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={setEmail}
        error={errors.email}
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete={passwordAutoComplete}
        required
        value={password}
        onChange={setPassword}
        error={errors.password}
        hint={passwordHint}
      />
      <button type="submit" disabled={busy}>
        {busy ? busyLabel : submitLabel}
      </button>
    </form>
  );
}
