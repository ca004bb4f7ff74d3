import { ApiError } from "../api/api-error.js";

/** A refusal shown as the server gave it: its code and message; never a blank screen. */
export function ErrorBox({ error }: { readonly error: unknown }) {
  if (error === undefined || error === null) return null;
  const code = error instanceof ApiError ? error.code : "ERROR";
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <strong class="error-code">{code}</strong> {message}
    </div>
  );
}

/** Nothing to show yet, said plainly. */
export function Empty({ children }: { readonly children: preact.ComponentChildren }) {
  return <p class="empty">{children}</p>;
}
