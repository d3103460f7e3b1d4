import { useId, type ChangeEvent, type Ref } from "react";
import { FieldError } from "./FieldError";

interface Props {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  type?: "text" | "email" | "password" | "number" | "datetime-local";
  multiline?: boolean;
  required?: boolean;
  autoComplete?: string;
  maxLength?: number | undefined;
  min?: number | undefined;
  max?: number | undefined;
  inputRef?: Ref<HTMLInputElement & HTMLTextAreaElement>;
}

/** A labelled input whose error (from the API's `details.fields`) sits right under it. */
export function TextField({
  label,
  name,
  value,
  onChange,
  error,
  hint,
  type = "text",
  multiline = false,
  required = false,
  autoComplete,
  maxLength,
  min,
  max,
  inputRef,
}: Props) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  const shared = {
    id,
    name,
    value,
    required,
    maxLength,
    ref: inputRef,
    "aria-invalid": error ? true : undefined,
    "aria-describedby": describedBy || undefined,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(event.target.value);
    },
  };
  return (
    <div className={error ? "field field--invalid" : "field"}>
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {multiline ? (
        <textarea rows={3} {...shared} />
      ) : (
        <input type={type} autoComplete={autoComplete} min={min} max={max} {...shared} />
      )}
      {hint ? (
        <p id={hintId} className="field-hint">
          {hint}
        </p>
      ) : null}
      <FieldError id={errorId} error={error} />
    </div>
  );
}
