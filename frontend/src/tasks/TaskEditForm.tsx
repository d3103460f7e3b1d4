import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Task } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { TextField } from "../components/TextField";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";
import { useApi } from "../session/context";
import { fromLocalInput, toLocalInput } from "./dates";

interface Props {
  task: Task;
  onSaved: (task: Task) => void;
  onCancel: () => void;
}

export function TaskEditForm({ task, onSaved, onCancel }: Props) {
  const api = useApi();
  const [title, setTitle] = useState(task.title);
  const [notes, setNotes] = useState(task.notes);
  const [due, setDue] = useState(toLocalInput(task.due_at));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  const titleInput = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useFocusFirstInvalid(form, error);
  const errors = fieldErrors(error);

  useEffect(() => {
    titleInput.current?.focus();
  }, []);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.updateTask(task.id, { title, notes, due_at: fromLocalInput(due) }));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form
      ref={form}
      className="form task-edit"
      aria-label={`Edit task ${task.title}`}
      noValidate
      onSubmit={(event) => void submit(event)}
      onKeyDown={(event) => {
        if (event.key === "Escape") onCancel();
      }}
    >
      <FormAlert message={formError(error, ["title", "notes", "due_at"])} />
      <TextField
        label="Title"
        name="title"
        required
        maxLength={200}
        value={title}
        onChange={setTitle}
        error={errors.title}
        inputRef={titleInput}
      />
      <TextField
        label="Notes"
        name="notes"
        multiline
        maxLength={2000}
        value={notes}
        onChange={setNotes}
        error={errors.notes}
      />
      <TextField
        label="Due"
        name="due_at"
        type="datetime-local"
        value={due}
        onChange={setDue}
        error={errors.due_at}
      />
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
