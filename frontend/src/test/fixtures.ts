import type { EnvInfo, Job, JobType, Task, TokenOut } from "../api/types";

export const ACCOUNT = { id: 7, email: "ada@example.com" };

export function tokenAnswer(token = "token-1"): TokenOut {
  return { token, expires_at: "2999-01-01T00:00:00Z", account: ACCOUNT };
}

export const DEV_ENV: EnvInfo = {
  kind: "development",
  pr_number: null,
  namespace: null,
  commit: "unknown",
  public_url: null,
  temporal: {
    address: "localhost:7233",
    rule: "local",
    rule_description: "development or test: the local dev server",
    namespace: "default",
    task_queue: "app-jobs",
  },
  temporal_ui_url: "http://localhost:8233",
};

let nextTaskId = 100;

export function task(fields: Partial<Task> = {}): Task {
  nextTaskId += 1;
  return {
    id: nextTaskId,
    title: `Task ${nextTaskId}`,
    notes: "",
    due_at: null,
    completed: false,
    completed_at: null,
    created_at: "2026-11-27T10:00:00Z",
    updated_at: "2026-11-27T10:00:00Z",
    ...fields,
  };
}

export function job(fields: Partial<Job> = {}): Job {
  const id = fields.id ?? "3f2a9c1e-0000-4000-8000-000000000001";
  return {
    id,
    type: "export",
    status: "queued",
    input: {},
    result: null,
    error: null,
    progress: null,
    idempotency_key: null,
    created_at: "2026-11-27T10:00:00Z",
    started_at: null,
    finished_at: null,
    cancel_requested_at: null,
    artifact_url: null,
    workflow_id: `job-${id}`,
    stale: false,
    ...fields,
  };
}

export const JOB_TYPES: JobType[] = [
  {
    name: "echo",
    description: "Returns its input, after an optional delay.",
    input_schema: {
      additionalProperties: false,
      properties: {
        message: {
          description: "returned unchanged",
          maxLength: 10000,
          title: "Message",
          type: "string",
        },
        delay_ms: {
          default: 0,
          description: "how long the activity waits before answering",
          maximum: 600000,
          minimum: 0,
          title: "Delay Ms",
          type: "integer",
        },
      },
      required: ["message"],
      title: "EchoInput",
      type: "object",
    },
  },
  {
    name: "export",
    description: "Exports your tasks to a CSV file, with progress; cancellable.",
    input_schema: {
      additionalProperties: false,
      properties: {
        delay_ms_per_row: {
          default: 0,
          description: "pause after each row, to watch progress",
          maximum: 10000,
          minimum: 0,
          title: "Delay Ms Per Row",
          type: "integer",
        },
      },
      title: "ExportInput",
      type: "object",
    },
  },
];
