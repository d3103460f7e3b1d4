import { useId, useState, type ButtonHTMLAttributes } from "react";
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

interface ActionProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  verb: string;
  task: Task;
}

/** A button whose accessible name says which task it acts on: "Edit Buy milk". */
function TaskAction({ verb, task, ...button }: ActionProps) {
  return (
    <button type="button" aria-label={`${verb} ${task.title}`} {...button}>
      {verb}
    </button>
  );
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
        <TaskAction
          verb="Edit"
          task={task}
          className="button-secondary"
          disabled={busy}
          autoFocus={focusEdit}
          onClick={() => {
            setEditing(true);
          }}
        />
        <TaskAction
          verb="Delete"
          task={task}
          className="button-danger"
          disabled={busy}
          onClick={remove}
        />
      </div>
      <FormAlert message={formError(error, [])} />
    </li>
  );
}
