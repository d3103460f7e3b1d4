// Every call the React app makes, by name. Types come from the OpenAPI document.
import type { ApiClient } from "./client";
import type {
  Credentials,
  JobCreate,
  JobListQuery,
  SignupBody,
  TaskCreate,
  TaskListQuery,
  TaskUpdate,
} from "./types";

export function createApi(client: ApiClient) {
  return {
    signup: (body: SignupBody) => client.request("post", "/api/auth/signup", { body }),
    login: (body: Credentials) => client.request("post", "/api/auth/login", { body }),
    logout: () => client.request("post", "/api/auth/logout"),
    env: () => client.request("get", "/api/env"),

    listTasks: (query: Partial<TaskListQuery> = {}) =>
      client.request("get", "/api/tasks", { query }),
    createTask: (body: TaskCreate) => client.request("post", "/api/tasks", { body }),
    updateTask: (id: number, body: TaskUpdate) =>
      client.request("patch", "/api/tasks/{task_id}", { path: { task_id: id }, body }),
    completeTask: (id: number) =>
      client.request("post", "/api/tasks/{task_id}/complete", { path: { task_id: id } }),
    deleteTask: (id: number) =>
      client.request("delete", "/api/tasks/{task_id}", { path: { task_id: id } }),

    jobTypes: () => client.request("get", "/api/job-types"),
    listJobs: (query: Partial<JobListQuery> = {}) => client.request("get", "/api/jobs", { query }),
    startJob: (body: JobCreate) => client.request("post", "/api/jobs", { body }),
    getJob: (id: string) => client.request("get", "/api/jobs/{job_id}", { path: { job_id: id } }),
    cancelJob: (id: string) =>
      client.request("post", "/api/jobs/{job_id}/cancel", { path: { job_id: id } }),
    download: (url: string) => client.download(url),
  };
}

export type Api = ReturnType<typeof createApi>;
