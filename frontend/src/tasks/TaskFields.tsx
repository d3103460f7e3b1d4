import type { RefObject } from "react";
import { TextField } from "../components/TextField";
import type { TaskDraft } from "./taskDraft";

interface Props {
  draft: TaskDraft;
  onChange: (draft: TaskDraft) => void;
  errors: Record<string, string>;
  titleInput: RefObject<(HTMLInputElement & HTMLTextAreaElement) | null>;
}

/** Title, notes and due date, shared by the create and edit forms. */
export function TaskFields({ draft, onChange, errors, titleInput }: Props) {
  return (
    <>
      <TextField
        label="Title"
        name="title"
        required
        maxLength={200}
        value={draft.title}
        onChange={(title) => {
          onChange({ ...draft, title });
        }}
        error={errors.title}
        inputRef={titleInput}
      />
      <TextField
        label="Notes"
        name="notes"
        multiline
        maxLength={2000}
        value={draft.notes}
        onChange={(notes) => {
          onChange({ ...draft, notes });
        }}
        error={errors.notes}
      />
      <TextField
        label="Due"
        name="due_at"
        type="datetime-local"
        value={draft.due}
        onChange={(due) => {
          onChange({ ...draft, due });
        }}
        error={errors.due_at}
      />
    </>
  );
}
