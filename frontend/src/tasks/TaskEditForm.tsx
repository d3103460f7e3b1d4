import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Task } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { useAction } from "../hooks/useAction";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";
import { useApi } from "../session/context";
import { fromLocalInput, toLocalInput } from "./dates";
import { TASK_FIELDS } from "./taskDraft";
import { TaskFields } from "./TaskFields";

interface Props {
  task: Task;
  onSaved: (task: Task) => void;
  onCancel: () => void;
}

export function TaskEditForm({ task, onSaved, onCancel }: Props) {
  const api = useApi();
  const [draft, setDraft] = useState({
    title: task.title,
    notes: task.notes,
    due: toLocalInput(task.due_at),
  });
  const { busy, error, run } = useAction();
  const form = useRef<HTMLFormElement>(null);
  const titleInput = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useFocusFirstInvalid(form, error);
  const errors = fieldErrors(error);

  useEffect(() => {
    titleInput.current?.focus();
  }, []);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    run(async () => {
      const { title, notes, due } = draft;
      onSaved(await api.updateTask(task.id, { title, notes, due_at: fromLocalInput(due) }));
    });
  }

  return (
    <form
      ref={form}
      className="form task-edit"
      aria-label={`Edit task ${task.title}`}
      noValidate
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      <FormAlert message={formError(error, TASK_FIELDS)} />
      <TaskFields draft={draft} onChange={setDraft} errors={errors} titleInput={titleInput} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save"}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
