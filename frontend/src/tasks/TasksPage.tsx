import { useCallback } from "react";
import type { Task } from "../api/types";
import { LoadError } from "../components/LoadError";
import { LoadMore } from "../components/LoadMore";
import { Loading } from "../components/Loading";
import { usePagedList } from "../hooks/usePagedList";
import { useApi } from "../session/context";
import { TaskCreateForm } from "./TaskCreateForm";
import { TaskItem } from "./TaskItem";

export const TASKS_PER_PAGE = 20;

export function TasksPage() {
  const api = useApi();
  const list = usePagedList<Task>(
    "tasks",
    useCallback((cursor: string | null) => api.listTasks({ limit: TASKS_PER_PAGE, cursor }), [api]),
  );
  const { state } = list;

  return (
    <section className="page">
      <h1>Tasks</h1>
      <TaskCreateForm onCreated={list.prepend} />
      <section aria-labelledby="task-list-heading">
        <h2 id="task-list-heading">Your tasks</h2>
        {state.status === "loading" ? <Loading what="tasks" /> : null}
        {state.status === "failed" ? <LoadError error={state.error} onRetry={list.reload} /> : null}
        {state.status === "ready" && state.items.length === 0 ? (
          <p className="empty">No tasks yet. Add one above.</p>
        ) : null}
        {state.status === "ready" && state.items.length > 0 ? (
          <ul className="task-list" aria-labelledby="task-list-heading">
            {state.items.map((task) => (
              <TaskItem
                key={task.id}
                task={task}
                onChanged={list.replace}
                onDeleted={list.remove}
              />
            ))}
          </ul>
        ) : null}
        <LoadMore list={list} what="tasks" />
      </section>
    </section>
  );
}
