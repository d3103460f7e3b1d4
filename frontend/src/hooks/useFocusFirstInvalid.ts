import { useEffect, type RefObject } from "react";

/** After a failed submit, move focus to the first field the API rejected. */
export function useFocusFirstInvalid(
  form: RefObject<HTMLFormElement | null>,
  error: unknown,
): void {
  useEffect(() => {
    if (!error) return;
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [form, error]);
}
