import { useId, useState } from "react";
import { formError } from "../api/errors";
import type { Task } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { useAction } from "../hooks/useAction";
import { useApi } from "../session/context";
import { formatDateTime } from "./dates";
import { TaskEditForm } from "./TaskEditForm";

interface Props {
  task: Task;
  onChanged: (task: Task) => void;
  onDeleted: (task: Task) => void;
}

export function TaskItem({ task, onChanged, onDeleted }: Props) {
  const api = useApi();
  const checkboxId = useId();
  const [editing, setEditing] = useState(false);
  // Closing the editor puts focus back on its Edit button, not on the page's start.
  const [focusEdit, setFocusEdit] = useState(false);
  // The box shows the state asked for while the API confirms it, and reverts on failure.
  const [requested, setRequested] = useState<boolean | null>(null);
  const { busy, error, run } = useAction();

  if (editing) {
    return (
      <li className="task">
        <TaskEditForm
          task={task}
          onCancel={() => {
            setEditing(false);
            setFocusEdit(true);
          }}
          onSaved={(saved) => {
            setEditing(false);
            setFocusEdit(true);
            onChanged(saved);
          }}
        />
      </li>
    );
  }

  const toggle = () => {
    setRequested(!task.completed);
    run(async () => {
      try {
        const changed = task.completed
          ? await api.updateTask(task.id, { completed: false })
          : await api.completeTask(task.id);
        onChanged(changed);
      } finally {
        setRequested(null);
      }
    });
  };
  const remove = () => {
    run(async () => {
      await api.deleteTask(task.id);
      onDeleted(task);
    });
  };

  return (
    <li className={task.completed ? "task task--done" : "task"}>
      <div className="task-main">
        <input
          id={checkboxId}
          type="checkbox"
          checked={requested ?? task.completed}
          disabled={busy}
          onChange={toggle}
        />
        <div className="task-text">
          <label htmlFor={checkboxId} className="task-title">
            {task.title}
          </label>
          {task.notes ? <p className="task-notes">{task.notes}</p> : null}
          <p className="task-meta">
            {task.completed && task.completed_at ? (
              <span>Done {formatDateTime(task.completed_at)}</span>
            ) : task.due_at ? (
              <span>Due {formatDateTime(task.due_at)}</span>
            ) : null}
          </p>
        </div>
      </div>
      <div className="actions">
        <button
          type="button"
          className="button-secondary"
          aria-label={`Edit ${task.title}`}
          disabled={busy}
          autoFocus={focusEdit}
          onClick={() => {
            setEditing(true);
          }}
        >
          Edit
        </button>
        <button
          type="button"
          className="button-danger"
          aria-label={`Delete ${task.title}`}
          disabled={busy}
          onClick={remove}
        >
          Delete
        </button>
      </div>
      <FormAlert message={formError(error, [])} />
    </li>
  );
}
