// A job type's input form, derived simply from the JSON schema /api/job-types gives.

export type InputKind = "text" | "textarea" | "integer" | "number" | "boolean" | "select" | "json";

export interface InputField {
  name: string;
  label: string;
  kind: InputKind;
  required: boolean;
  description?: string | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  maxLength?: number | undefined;
  options?: string[] | undefined;
  initial: string | boolean;
}

export type InputValues = Record<string, string | boolean>;

interface PropertySchema {
  type?: unknown;
  title?: unknown;
  description?: unknown;
  default?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  maxLength?: unknown;
  enum?: unknown;
}

const LONG_TEXT = 500;

export function inputFields(schema: Record<string, unknown>): InputField[] {
  const properties = (schema.properties ?? {}) as Record<string, PropertySchema>;
  const required = Array.isArray(schema.required) ? (schema.required as unknown[]) : [];
  return Object.entries(properties).map(([name, property]) => {
    const kind = kindOf(property);
    return {
      name,
      label: typeof property.title === "string" ? property.title : name,
      kind,
      required: required.includes(name),
      description: typeof property.description === "string" ? property.description : undefined,
      minimum: numberOrUndefined(property.minimum),
      maximum: numberOrUndefined(property.maximum),
      maxLength: numberOrUndefined(property.maxLength),
      options: Array.isArray(property.enum) ? property.enum.map(String) : undefined,
      initial: initialValue(kind, property.default),
    };
  });
}

function kindOf(property: PropertySchema): InputKind {
  if (Array.isArray(property.enum)) return "select";
  switch (property.type) {
    case "string":
      return typeof property.maxLength === "number" && property.maxLength <= LONG_TEXT
        ? "text"
        : "textarea";
    case "integer":
      return "integer";
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    default:
      return "json";
  }
}

function initialValue(kind: InputKind, value: unknown): string | boolean {
  if (kind === "boolean") return value === true;
  if (value === undefined || value === null) return "";
  return typeof value === "string" && kind !== "json" ? value : JSON.stringify(value);
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

export function initialValues(fields: readonly InputField[]): InputValues {
  return Object.fromEntries(fields.map((field) => [field.name, field.initial]));
}

/**
 * The job's `input` object from the form, or field errors for what cannot even be sent
 * (a number that is not a number). Ranges and lengths are for the API to judge.
 */
export function buildInput(
  fields: readonly InputField[],
  values: InputValues,
): { input: Record<string, unknown>; errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name] ?? field.initial;
    if (typeof value === "boolean") {
      input[field.name] = value;
      continue;
    }
    if (value === "" && !field.required) continue;
    if (field.kind === "integer" || field.kind === "number") {
      const parsed = Number(value);
      const whole = field.kind === "integer" ? Number.isInteger(parsed) : Number.isFinite(parsed);
      if (value.trim() === "" || !whole) {
        errors[field.name] = field.kind === "integer" ? "Enter a whole number." : "Enter a number.";
      } else {
        input[field.name] = parsed;
      }
    } else if (field.kind === "json") {
      try {
        input[field.name] = JSON.parse(value) as unknown;
      } catch {
        errors[field.name] = "Enter valid JSON.";
      }
    } else {
      input[field.name] = value;
    }
  }
  return { input, errors };
}
