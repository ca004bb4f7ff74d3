import { useState } from "preact/hooks";
import type { MemberView } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { ErrorBox } from "../components/error-box.js";
import { newAdjustmentId } from "../logic/format.js";
import { draftOf, editOf, problemFieldOf, type ProfileDraft, type ProfileField } from "../logic/profile-form.js";

/**
 * Edits the member's profile (`POST /v1/admin/members/{member}/profile`): only the fields changed are
 * sent, with an idempotency key per click; a refusal about one field (BAD_REQUEST naming it,
 * PHONE_TAKEN) is shown at that field, any other above the button.
 */
export function ProfileForm({ api, view, onDone }: { readonly api: AdminApi; readonly view: MemberView; readonly onDone: () => void }) {
  const before = draftOf(view);
  const [draft, setDraft] = useState<ProfileDraft>(before);
  const [problem, setProblem] = useState<{ readonly field: ProfileField | null; readonly error: unknown } | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setProblem(undefined);
    setDone(undefined);
    const edit = editOf(newAdjustmentId(Date.now()), before, draft);
    if (edit === null) {
      setDone("Nothing changed.");
      return;
    }
    setBusy(true);
    try {
      const result = await api.editProfile(view.member, edit);
      setDone(`Saved: ${Object.keys(result.changed).join(", ") || "no change"}.`);
      onDone();
    } catch (error) {
      setProblem({ field: error instanceof ApiError ? problemFieldOf(error.code, error.message) : null, error });
    } finally {
      setBusy(false);
    }
  };
  const text = (field: "name" | "phone" | "birthDate" | "email", label: string) => (
    <div class="field">
      <label>
        {label}
        <input
          name={field}
          value={draft[field]}
          aria-invalid={problem?.field === field ? "true" : undefined}
          aria-describedby={problem?.field === field ? `profile-${field}-problem` : undefined}
          onInput={(event) => setDraft({ ...draft, [field]: event.currentTarget.value })}
        />
      </label>
      {problem?.field === field && <FieldProblem id={`profile-${field}-problem`} error={problem.error} />}
    </div>
  );
  return (
    <form class="card profile-form" onSubmit={(event) => void submit(event)} aria-label="Edit profile">
      <h2>Profile</h2>
      {text("name", "Name")}
      {text("phone", "Phone")}
      {text("birthDate", "Birth date (YYYY-MM-DD)")}
      {text("email", "E-mail")}
      <fieldset aria-invalid={problem?.field === "consent" ? "true" : undefined}>
        <legend>Consent to communications</legend>
        <label class="check-label">
          <input type="checkbox" name="smsConsent" checked={draft.smsConsent} onChange={(event) => setDraft({ ...draft, smsConsent: event.currentTarget.checked })} /> By SMS
        </label>
        <label class="check-label">
          <input type="checkbox" name="emailConsent" checked={draft.emailConsent} onChange={(event) => setDraft({ ...draft, emailConsent: event.currentTarget.checked })} /> By e-mail
        </label>
        {problem?.field === "consent" && <FieldProblem id="profile-consent-problem" error={problem.error} />}
      </fieldset>
      <button type="submit" disabled={busy}>Save profile</button>
      {problem !== undefined && problem.field === null && <ErrorBox error={problem.error} />}
      {done !== undefined && <p class="ok" role="status">{done}</p>}
    </form>
  );
}

function FieldProblem({ id, error }: { readonly id: string; readonly error: unknown }) {
  const code = error instanceof ApiError ? error.code : "ERROR";
  const message = error instanceof Error ? error.message : String(error);
  return (
    <span class="field-problem" id={id} role="alert">
      <strong class="error-code">{code}</strong> {message}
    </span>
  );
}
