import { useId, useMemo, useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Job, JobType } from "../api/types";
import { FieldError } from "../components/FieldError";
import { FormAlert } from "../components/FormAlert";
import { useAction } from "../hooks/useAction";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";
import { useApi } from "../session/context";
import { newIdempotencyKey } from "./idempotencyKey";
import { buildInput, initialValues, inputFields, type InputValues } from "./inputSchema";
import { SchemaFields } from "./SchemaFields";

interface Props {
  types: readonly JobType[];
  onStarted: (job: Job) => void;
}

export function JobStartForm({ types, onStarted }: Props) {
  const api = useApi();
  const selectId = useId();
  const [typeName, setTypeName] = useState(types[0]?.name ?? "");
  const jobType = types.find((type) => type.name === typeName);
  const fields = useMemo(() => (jobType ? inputFields(jobType.input_schema) : []), [jobType]);
  const [values, setValues] = useState<InputValues>(() => initialValues(fields));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const { busy, error, run, reset } = useAction();
  const [key, setKey] = useState(newIdempotencyKey);
  const form = useRef<HTMLFormElement>(null);
  useFocusFirstInvalid(form, error ?? (Object.keys(localErrors).length ? localErrors : null));

  const errors = { ...fieldErrors(error, "input."), ...localErrors };
  const typeError = fieldErrors(error).type;

  function chooseType(name: string) {
    const next = types.find((type) => type.name === name);
    setTypeName(name);
    setValues(initialValues(next ? inputFields(next.input_schema) : []));
    setLocalErrors({});
    reset();
    setKey(newIdempotencyKey());
  }

  function submit(event: SubmitEvent) {
    event.preventDefault();
    const built = buildInput(fields, values);
    setLocalErrors(built.errors);
    if (Object.keys(built.errors).length > 0) {
      reset();
      return;
    }
    run(async () => {
      const job = await api.startJob({ type: typeName, input: built.input, idempotency_key: key });
      onStarted(job);
      setValues(initialValues(fields));
      setKey(newIdempotencyKey());
    });
  }

  return (
    <form
      ref={form}
      className="form card"
      aria-labelledby="start-job-heading"
      noValidate
      onSubmit={submit}
    >
      <h2 id="start-job-heading">Start a job</h2>
      <FormAlert message={formError(error, ["type", ...fields.map((f) => `input.${f.name}`)])} />
      <div className={typeError ? "field field--invalid" : "field"}>
        <label htmlFor={selectId}>Job type</label>
        <select
          id={selectId}
          value={typeName}
          aria-describedby={`${selectId}-description${typeError ? ` ${selectId}-error` : ""}`}
          aria-invalid={typeError ? true : undefined}
          onChange={(event) => {
            chooseType(event.target.value);
          }}
        >
          {types.map((type) => (
            <option key={type.name} value={type.name}>
              {type.name}
            </option>
          ))}
        </select>
        <p id={`${selectId}-description`} className="field-hint">
          {jobType?.description}
        </p>
        <FieldError id={`${selectId}-error`} error={typeError} />
      </div>
      <SchemaFields
        fields={fields}
        values={values}
        errors={errors}
        onChange={(name, value) => {
          setValues((prev) => ({ ...prev, [name]: value }));
          setKey(newIdempotencyKey());
        }}
      />
      <button type="submit" disabled={busy || !jobType}>
        {busy ? "Starting…" : "Start job"}
      </button>
    </form>
  );
}
