// Names for the API's schemas, all generated from the OpenAPI document (schema.d.ts).
import type { components, operations } from "./schema";

type Schemas = components["schemas"];
/** An operation's query parameters: the API publishes them as parameters, not as a schema. */
type QueryOf<Operation extends keyof operations> = NonNullable<
  operations[Operation]["parameters"]["query"]
>;

export type Account = Schemas["AccountOut"];
export type Credentials = Schemas["Credentials"];
export type SignupBody = Schemas["SignupBody"];
export type TokenOut = Schemas["TokenOut"];
export type Task = Schemas["TaskOut"];
export type TaskCreate = Schemas["TaskCreate"];
export type TaskUpdate = Schemas["TaskUpdate"];
export type TaskPage = Schemas["TaskPage"];
export type TaskListQuery = QueryOf<"tasks_list_tasks">;
export type Job = Schemas["JobOut"];
export type JobStatus = Schemas["JobStatus"];
export type JobCreate = Schemas["JobCreate"];
export type JobPage = Schemas["JobPage"];
export type JobListQuery = QueryOf<"jobs_list_jobs">;
export type JobType = Schemas["JobTypeOut"];
export type EnvInfo = Schemas["EnvOut"];
export type ErrorBody = Schemas["ErrorBody"];

/** One entry of `error.details.fields` in a 4xx answer. */
export interface FieldError {
  field: string;
  message: string;
  type: string;
}

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

export function isFinished(job: Job): boolean {
  return FINISHED_JOB_STATUSES.includes(job.status);
}
