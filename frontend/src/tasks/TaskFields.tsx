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
  // A field edits one key of the draft and shows the API's error under its own name.
  const edits = (key: keyof TaskDraft, name: string) => ({
    name,
    value: draft[key],
    onChange: (value: string) => {
      onChange({ ...draft, [key]: value });
    },
    error: errors[name],
  });

  return (
    <>
      <TextField
        label="Title"
        {...edits("title", "title")}
        required
        maxLength={200}
        inputRef={titleInput}
      />
      <TextField label="Notes" {...edits("notes", "notes")} multiline maxLength={2000} />
      <TextField label="Due" {...edits("due", "due_at")} type="datetime-local" />
    </>
  );
}
