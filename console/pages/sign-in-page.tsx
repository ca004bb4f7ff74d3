import { useState } from "preact/hooks";
import { AdminApi, signIn } from "../api/admin-api.js";
import { ErrorBox } from "../components/error-box.js";
import type { Session } from "../session.js";

/** An operator's name and password, or (for the first admin and automation) the node's admin token. */
export function SignInPage({ onSignedIn }: { readonly onSignedIn: (session: Session) => void }) {
  const [mode, setMode] = useState<"operator" | "token">("operator");
  const [name, setName] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = mode === "operator" ? (await signIn(name.trim(), secret)).token : secret.trim();
      const principal = await new AdminApi(token).me();
      onSignedIn({ token, principal });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <h1>loycore console</h1>
      <form onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <fieldset class="switch">
          <legend>Sign in with</legend>
          <label>
            <input type="radio" name="mode" checked={mode === "operator"} onChange={() => setMode("operator")} /> operator name and password
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "token"} onChange={() => setMode("token")} /> admin token
          </label>
        </fieldset>
        {mode === "operator" && (
          <label>
            Operator name
            <input name="name" autocomplete="username" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
          </label>
        )}
        <label>
          {mode === "operator" ? "Password" : "Admin token"}
          <input
            name="secret"
            type="password"
            autocomplete={mode === "operator" ? "current-password" : "off"}
            required
            value={secret}
            onInput={(event) => setSecret(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        <ErrorBox error={error} />
      </form>
      <p class="hint">The admin token is printed by the server at its first start (and by <code>npm start</code> every time).</p>
    </main>
  );
}
