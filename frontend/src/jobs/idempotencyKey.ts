/** A fresh key per distinct submission, so a retried request cannot start a second job. */
export function newIdempotencyKey(): string {
  // getRandomValues works on plain-http hosts too, unlike crypto.randomUUID.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `ui-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
}
