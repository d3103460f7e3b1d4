import { useId } from "react";
import { errorAria } from "../components/errorAria";
import { FieldError } from "../components/FieldError";
import { TextField } from "../components/TextField";
import type { InputField, InputValues } from "./inputSchema";

interface Props {
  fields: readonly InputField[];
  values: InputValues;
  errors: Record<string, string>;
  onChange: (name: string, value: string | boolean) => void;
}

/** One labelled control per property of a job type's input schema. */
export function SchemaFields({ fields, values, errors, onChange }: Props) {
  if (fields.length === 0) return <p className="field-hint">This job takes no input.</p>;
  return (
    <>
      {fields.map((field) => {
        const value = values[field.name] ?? field.initial;
        const error = errors[field.name];
        if (field.kind === "boolean") {
          return (
            <CheckboxField
              key={field.name}
              field={field}
              checked={value === true}
              error={error}
              onChange={(checked) => {
                onChange(field.name, checked);
              }}
            />
          );
        }
        if (field.kind === "select") {
          return (
            <SelectField
              key={field.name}
              field={field}
              value={String(value)}
              error={error}
              onChange={(next) => {
                onChange(field.name, next);
              }}
            />
          );
        }
        return (
          <TextField
            key={field.name}
            label={field.label}
            name={field.name}
            type={field.kind === "integer" || field.kind === "number" ? "number" : "text"}
            multiline={field.kind === "textarea" || field.kind === "json"}
            required={field.required}
            maxLength={field.maxLength}
            min={field.minimum}
            max={field.maximum}
            hint={hintOf(field)}
            value={String(value)}
            error={error}
            onChange={(next) => {
              onChange(field.name, next);
            }}
          />
        );
      })}
    </>
  );
}

function hintOf(field: InputField): string | undefined {
  const range =
    field.minimum !== undefined && field.maximum !== undefined
      ? `${field.minimum} to ${field.maximum}`
      : undefined;
  const parts = [field.description, range, field.kind === "json" ? "JSON" : undefined];
  const text = parts.filter(Boolean).join("; ");
  return text ? `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}.` : undefined;
}

interface ControlProps<T> {
  field: InputField;
  error: string | undefined;
  onChange: (value: T) => void;
}

function CheckboxField({
  field,
  checked,
  error,
  onChange,
}: ControlProps<boolean> & { checked: boolean }) {
  const id = useId();
  return (
    <div className="field field--checkbox">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        {...errorAria(id, error)}
        onChange={(event) => {
          onChange(event.target.checked);
        }}
      />
      <label htmlFor={id}>{field.label}</label>
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}

function SelectField({ field, value, error, onChange }: ControlProps<string> & { value: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      <select
        id={id}
        value={value}
        required={field.required}
        {...errorAria(id, error)}
        onChange={(event) => {
          onChange(event.target.value);
        }}
      >
        {field.required ? null : <option value="">(none)</option>}
        {field.options?.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} error={error} />
    </div>
  );
}
