// The survey editor: a survey's id and its definition as one JSON text, stored by PUT /v1/admin/surveys/<id>, whose refusals are shown at the field paths they name.
import { useState } from "preact/hooks";
import type { ProgramProblem } from "../../protocol/admin-wire.js";
import type { Survey } from "../../protocol/survey-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { ErrorBox } from "../components/error-box.js";
import { parseDefinition, problemsOfRefusal } from "../logic/survey-view.js";

/** What the editor starts from: a new survey (no id yet) or a stored one (its id fixed). */
export interface SurveyDraft {
  readonly id: string;
  readonly text: string;
  readonly existing: boolean;
}

export function SurveyEditor({ api, draft, onSaved, onCancel }: { readonly api: AdminApi; readonly draft: SurveyDraft; readonly onSaved: (survey: Survey) => void; readonly onCancel: () => void }) {
  const [id, setId] = useState(draft.id);
  const [text, setText] = useState(draft.text);
  const [problems, setProblems] = useState<readonly ProgramProblem[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [saving, setSaving] = useState(false);
  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setError(undefined);
    setProblems([]);
    const parsed = parseDefinition(text);
    if (!parsed.ok) {
      setProblems([parsed.problem]);
      return;
    }
    setSaving(true);
    try {
      onSaved(await api.saveSurvey(id.trim(), parsed.definition));
    } catch (failure) {
      const found = failure instanceof ApiError ? problemsOfRefusal(failure.code, failure.message, failure.problems) : [];
      if (found.length > 0) setProblems(found);
      else setError(failure);
    } finally {
      setSaving(false);
    }
  };
  const heading = draft.existing ? `Edit survey ${draft.id}` : "New survey";
  return (
    <form class="survey-editor" aria-label={heading} onSubmit={(event) => void save(event)}>
      <h2>{heading}</h2>
      <p class="hint">
        The definition is JSON (docs/surveys.md describes every field); <code>start</code> and <code>end</code> are epoch milliseconds. The server checks it when you
        save. Once invitations have gone out, the questions and the reward stay as they are.
      </p>
      <label>
        Survey id
        <input name="id" required readOnly={draft.existing} value={id} onInput={(event) => setId(event.currentTarget.value)} />
      </label>
      <label for="survey-definition">Definition</label>
      {problems.length > 0 && (
        <ul class="problems" id="survey-definition-problems" role="alert">
          {problems.map((problem) => (
            <li key={`${problem.path}:${problem.message}`}>
              <code>{problem.path}</code> {problem.message}
            </li>
          ))}
        </ul>
      )}
      <textarea
        id="survey-definition"
        name="definition"
        spellcheck={false}
        rows={Math.min(30, Math.max(8, text.split("\n").length))}
        aria-invalid={problems.length > 0}
        aria-describedby={problems.length > 0 ? "survey-definition-problems" : undefined}
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
      />
      <div class="actions">
        <button type="submit" disabled={saving}>Save survey</button>{" "}
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
