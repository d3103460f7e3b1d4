/** The fields a task form shows, in the API's names. */
export const TASK_FIELDS = ["title", "notes", "due_at"] as const;

/** What the user is typing into a task form: `due` is the datetime-local input's value. */
export interface TaskDraft {
  title: string;
  notes: string;
  due: string;
}
