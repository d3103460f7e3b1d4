// Names for the API's schemas, all generated from the OpenAPI document (schema.d.ts).
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Account = Schemas["AccountOut"];
export type Credentials = Schemas["Credentials"];
export type SignupBody = Schemas["SignupBody"];
export type TokenOut = Schemas["TokenOut"];
export type Task = Schemas["TaskOut"];
export type TaskCreate = Schemas["TaskCreate"];
export type TaskUpdate = Schemas["TaskUpdate"];
export type TaskPage = Schemas["TaskPage"];
export type TaskListQuery = Schemas["TaskListQuery"];
export type Job = Schemas["JobOut"];
export type JobStatus = Schemas["JobStatus"];
export type JobCreate = Schemas["JobCreate"];
export type JobPage = Schemas["JobPage"];
export type JobListQuery = Schemas["JobListQuery"];
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
