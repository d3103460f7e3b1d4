import { useRef, useState, type SubmitEvent } from "react";
import { fieldErrors, formError } from "../api/errors";
import type { Task } from "../api/types";
import { FormAlert } from "../components/FormAlert";
import { TextField } from "../components/TextField";
import { useFocusFirstInvalid } from "../hooks/useFocusFirstInvalid";
import { useApi } from "../session/context";
import { fromLocalInput } from "./dates";

const FIELDS = ["title", "notes", "due_at"];

export function TaskCreateForm({ onCreated }: { onCreated: (task: Task) => void }) {
  const api = useApi();
  const [title, setTitle] = useState("");
  const [notes, setNotes] = useState("");
  const [due, setDue] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  const titleInput = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  useFocusFirstInvalid(form, error);
  const errors = fieldErrors(error);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const task = await api.createTask({ title, notes, due_at: fromLocalInput(due) });
      onCreated(task);
      setTitle("");
      setNotes("");
      setDue("");
      titleInput.current?.focus();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      ref={form}
      className="form card"
      aria-labelledby="new-task-heading"
      noValidate
      onSubmit={(event) => void submit(event)}
    >
      <h2 id="new-task-heading">New task</h2>
      <FormAlert message={formError(error, FIELDS)} />
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
      <button type="submit" disabled={busy}>
        {busy ? "Adding…" : "Add task"}
      </button>
    </form>
  );
}
