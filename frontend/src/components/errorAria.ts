/** A control's accessibility attributes for its error, for the `FieldError` under `${id}-error`. */
export function errorAria(id: string, error: string | undefined) {
  return {
    "aria-invalid": error ? true : undefined,
    "aria-describedby": error ? `${id}-error` : undefined,
  } as const;
}
