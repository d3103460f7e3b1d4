import { useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Task } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { useAction } from "../hooks/useAction";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";
import { useApi } from "../session/context";
import { fromLocalInput } from "./dates";
import { TASK_FIELDS, type TaskDraft } from "./taskDraft";
import { TaskFields } from "./TaskFields";

const EMPTY: TaskDraft = { title: "", notes: "", due: "" };

export function TaskCreateForm({ onCreated }: { onCreated: (task: Task) => void }) {
  const api = useApi();
  const [draft, setDraft] = useState(EMPTY);
  const { busy, error, run } = useAction();
  const form = useRef<HTMLFormElement>(null);
  const titleInput = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useFocusFirstInvalid(form, error);
  const errors = fieldErrors(error);

  function submit(event: SubmitEvent) {
    event.preventDefault();
    run(async () => {
      const { title, notes, due } = draft;
      const task = await api.createTask({ title, notes, due_at: fromLocalInput(due) });
      onCreated(task);
      setDraft(EMPTY);
      titleInput.current?.focus();
    });
  }

  return (
    <form
      ref={form}
      className="form card"
      aria-labelledby="new-task-heading"
      noValidate
      onSubmit={submit}
    >
      <h2 id="new-task-heading">New task</h2>
      <FormAlert message={formError(error, TASK_FIELDS)} />
      <TaskFields draft={draft} onChange={setDraft} errors={errors} titleInput={titleInput} />
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add task"}
      </button>
    </form>
  );
}
