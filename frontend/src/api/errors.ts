// Turning API failures into words for people, and field errors into a map by field.
import { ApiError, ApiUnreachable } from "./client";

export interface ErrorDescription {
  title: string;
  message: string;
}

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ApiUnreachable) {
    return { title: "Can't reach the server", message: error.message };
  }
  if (error instanceof ApiError) {
    if (error.code === "temporal_unavailable") {
      return {
        title: "The job service is unavailable",
        message:
          "Temporal is not answering, so jobs cannot start or report progress. Try again shortly.",
      };
    }
    if (error.unavailable) {
      return {
        title: "Service unavailable",
        message: `${sentence(error.message)} Try again shortly.`,
      };
    }
    if (error.status === 401 && error.code !== "invalid_credentials") {
      return { title: "Your session has expired", message: "Log in again to continue." };
    }
    if (error.status === 429) {
      return { title: "Too many attempts", message: sentence(error.message) };
    }
    return { title: "That did not work", message: sentence(error.message) };
  }
  return {
    title: "Something went wrong",
    message: error instanceof Error ? error.message : String(error),
  };
}

/** Field name -> message, for the fields under `prefix` (e.g. "input." for a job's input). */
export function fieldErrors(error: unknown, prefix = ""): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const found: Record<string, string> = {};
  for (const { field, message } of error.fields) {
    if (prefix && !field.startsWith(prefix)) continue;
    const name = field.slice(prefix.length);
    found[name] ??= sentence(message);
  }
  return found;
}

/** The message for the whole form: whatever no visible field shows. */
export function formError(error: unknown, shownFields: readonly string[]): string | null {
  if (error === null || error === undefined) return null;
  const fields = fieldErrors(error);
  if (shownFields.some((name) => name in fields)) return null;
  const { title, message } = describeError(error);
  return `${title}: ${message}`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
