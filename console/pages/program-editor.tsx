// The program editor: one JSON field per section of a program document, checked by the server as you type, saved as a new version of its target (the coalition program, or a partner's own).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ProgramProblem } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { ErrorBox } from "../components/error-box.js";
import { assembleDocument, problemsBySection, sectionTexts, WHOLE_DOCUMENT } from "../logic/program-sections.js";

/** Validation waits this long after the last keystroke: one request per pause, not per key. */
const VALIDATE_DELAY_MILLISECONDS = 400;

type Checked = "unchecked" | "checking" | "valid" | "invalid";

/** Where an editor's drafts are checked and saved: the coalition program, or one partner's own program. */
export interface ProgramTarget {
  /** The editor's heading, and its form's accessible name. */
  readonly title: string;
  readonly label: string;
  /** The prefix of its sections' element ids (two editors on one page keep theirs apart). */
  readonly idPrefix: string;
  validate(document: unknown): Promise<unknown>;
  save(document: unknown): Promise<{ readonly version: number }>;
}

function coalitionTarget(api: AdminApi): ProgramTarget {
  return {
    title: "Edit: a new version",
    label: "Edit the program",
    idPrefix: "section",
    validate: (document) => api.validateProgram(document),
    save: (document) => api.saveProgram(document),
  };
}

/** A draft of a new program version: its section texts, the server's verdict on them, and saving. */
function useProgramDraft(target: ProgramTarget, base: object, onSaved: () => void) {
  const initial = useMemo(() => sectionTexts(base), [base]);
  const [texts, setTexts] = useState<Map<string, string>>(initial);
  const [problems, setProblems] = useState<readonly ProgramProblem[]>([]);
  const [checked, setChecked] = useState<Checked>("unchecked");
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<{ readonly version: number } | undefined>(undefined);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => setTexts(initial), [initial]);

  const validate = async (next: ReadonlyMap<string, string>): Promise<boolean> => {
    const assembled = assembleDocument(next);
    if (!assembled.ok) {
      setProblems(assembled.problems);
      setChecked("invalid");
      return false;
    }
    setChecked("checking");
    try {
      await target.validate(assembled.document);
      setProblems([]);
      setChecked("valid");
      return true;
    } catch (error) {
      setProblems(problemsOfRefusal(error));
      setChecked("invalid");
      return false;
    }
  };
  const edit = (section: string, text: string): void => {
    const next = new Map(texts).set(section, text);
    setTexts(next);
    setSaved(undefined);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void validate(next), VALIDATE_DELAY_MILLISECONDS);
  };
  const save = async (): Promise<void> => {
    setSaveError(undefined);
    window.clearTimeout(timer.current);
    if (!(await validate(texts))) return;
    const assembled = assembleDocument(texts);
    if (!assembled.ok) return;
    try {
      setSaved(await target.save(assembled.document));
      onSaved();
    } catch (error) {
      setSaveError(error);
    }
  };
  return { texts, problems, checked, saveError, saved, edit, save };
}

/** The validator's problems of a refusal, or the refusal itself as a problem of the whole document. */
function problemsOfRefusal(error: unknown): readonly ProgramProblem[] {
  if (error instanceof ApiError && error.problems.length > 0) return error.problems;
  const code = error instanceof ApiError ? error.code : "ERROR";
  return [{ path: WHOLE_DOCUMENT, message: `${code}: ${error instanceof Error ? error.message : String(error)}` }];
}

export function ProgramEditor({ api, base, onSaved, target }: { readonly api: AdminApi; readonly base: object; readonly onSaved: () => void; readonly target?: ProgramTarget }) {
  const aim = useMemo(() => target ?? coalitionTarget(api), [api, target]);
  const { texts, problems, checked, saveError, saved, edit, save } = useProgramDraft(aim, base, onSaved);
  const grouped = problemsBySection(problems, texts.keys());
  return (
    <form
      class="program-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      aria-label={aim.label}
    >
      <h2>{aim.title}</h2>
      <p class="hint">Each section is JSON (docs/program.md describes every field). The server checks the whole document as you type; nothing is stored until you save.</p>
      <ProblemList problems={grouped.get(WHOLE_DOCUMENT) ?? []} />
      {[...texts.entries()].map(([section, text]) => {
        const sectionProblems = grouped.get(section) ?? [];
        const id = `${aim.idPrefix}-${section}`;
        return (
          <div class={sectionProblems.length > 0 ? "section invalid" : "section"} key={section}>
            <label for={id}>{section}</label>
            <ProblemList id={`${id}-problems`} problems={sectionProblems} />
            <textarea
              id={id}
              name={section}
              spellcheck={false}
              rows={Math.min(18, Math.max(1, text.split("\n").length))}
              aria-invalid={sectionProblems.length > 0}
              aria-describedby={sectionProblems.length > 0 ? `${id}-problems` : undefined}
              value={text}
              onInput={(event) => edit(section, event.currentTarget.value)}
            />
          </div>
        );
      })}
      <div class="actions">
        <button type="submit" disabled={checked === "invalid" || checked === "checking"}>Save as a new version</button>
        <span class={`check ${checked}`} role="status">
          {checked === "checking" ? "checking…" : checked === "valid" ? "valid" : checked === "invalid" ? `${problems.length} problem(s)` : ""}
        </span>
      </div>
      <ErrorBox error={saveError} />
      {saved !== undefined && <p class="ok" role="status">Saved: version {saved.version} is live.</p>}
    </form>
  );
}

function ProblemList({ problems, id }: { readonly problems: readonly ProgramProblem[]; readonly id?: string }) {
  if (problems.length === 0) return null;
  return (
    <ul class="problems" id={id}>
      {problems.map((problem) => (
        <li key={`${problem.path}:${problem.message}`}>
          <code>{problem.path}</code> {problem.message}
        </li>
      ))}
    </ul>
  );
}

