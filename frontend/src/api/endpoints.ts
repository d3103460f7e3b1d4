// Every call the React app makes, by name. Paths, bodies and answers are typed by openapi-fetch
// from the OpenAPI document; `unwrap` turns an error answer into an ApiError.
import { filenameFrom, unwrap, type ApiClient, type Download } from "./client";
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
  const task = (id: number) => ({ params: { path: { task_id: id } } });
  const job = (id: string) => ({ params: { path: { job_id: id } } });
  return {
    signup: (body: SignupBody) => unwrap(client.POST("/api/auth/signup", { body })),
    login: (body: Credentials) => unwrap(client.POST("/api/auth/login", { body })),
    logout: () => unwrap(client.POST("/api/auth/logout")),
    env: () => unwrap(client.GET("/api/env")),

    listTasks: (query: Partial<TaskListQuery> = {}) =>
      unwrap(client.GET("/api/tasks", { params: { query } })),
    createTask: (body: TaskCreate) => unwrap(client.POST("/api/tasks", { body })),
    updateTask: (id: number, body: TaskUpdate) =>
      unwrap(client.PATCH("/api/tasks/{task_id}", { ...task(id), body })),
    completeTask: (id: number) => unwrap(client.POST("/api/tasks/{task_id}/complete", task(id))),
    deleteTask: (id: number) => unwrap(client.DELETE("/api/tasks/{task_id}", task(id))),

    jobTypes: () => unwrap(client.GET("/api/job-types")),
    listJobs: (query: Partial<JobListQuery> = {}) =>
      unwrap(client.GET("/api/jobs", { params: { query } })),
    startJob: (body: JobCreate) => unwrap(client.POST("/api/jobs", { body })),
    getJob: (id: string) => unwrap(client.GET("/api/jobs/{job_id}", job(id))),
    cancelJob: (id: string) => unwrap(client.POST("/api/jobs/{job_id}/cancel", job(id))),
    /** A finished export's file, sent with the token, under the server's file name. */
    downloadArtifact: async (id: string): Promise<Download> => {
      const answer = client.GET("/api/jobs/{job_id}/artifact", { ...job(id), parseAs: "blob" });
      const { response } = await answer;
      const blob = await unwrap(answer);
      const filename = filenameFrom(response.headers.get("Content-Disposition")) ?? "download";
      return { blob, filename };
    },
  };
}

export type Api = ReturnType<typeof createApi>;
