/** A form-level error: what no single field shows (a 503, a 429, a network failure). */
export function FormAlert({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="alert alert--error" role="alert">
      {message}
    </p>
  );
}
