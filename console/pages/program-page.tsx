import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Program, ProgramProblem } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { assembleDocument, changedSections, problemsBySection, sectionTexts, WHOLE_DOCUMENT } from "../logic/program-sections.js";

/** Validation waits this long after the last keystroke: one request per pause, not per key. */
const VALIDATE_DELAY_MILLISECONDS = 400;

/** The program: the live version, an editor per section checked by the server as you type, and two versions side by side. */
export function ProgramPage({ api }: { readonly api: AdminApi }) {
  const [current, reload] = useAsync(() => api.program(), [api]);
  return (
    <section aria-labelledby="program-heading">
      <h1 id="program-heading">Program</h1>
      {current.state === "loading" && <p>Loading…</p>}
      {current.state === "failed" &&
        (current.error instanceof ApiError && current.error.code === "NOT_FOUND" ? (
          <>
            <Empty>No program has been stored yet: write the first version below.</Empty>
            <ProgramEditor api={api} base={{ name: "", points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5000 } }} onSaved={reload} />
          </>
        ) : (
          <ErrorBox error={current.error} />
        ))}
      {current.state === "done" && (
        <>
          <p class="live-version">
            Live: <strong>version {current.value.version}</strong> — {current.value.name}
          </p>
          <ProgramEditor api={api} base={current.value} onSaved={reload} />
          <VersionComparison api={api} live={current.value.version} />
        </>
      )}
    </section>
  );
}

type Checked = "unchecked" | "checking" | "valid" | "invalid";

/** A draft of a new program version: its section texts, the server's verdict on them, and saving. */
function useProgramDraft(api: AdminApi, base: object, onSaved: () => void) {
  const initial = useMemo(() => sectionTexts(base), [base]);
  const [texts, setTexts] = useState<Map<string, string>>(initial);
  const [problems, setProblems] = useState<readonly ProgramProblem[]>([]);
  const [checked, setChecked] = useState<Checked>("unchecked");
  const [saveError, setSaveError] = useState<unknown>(undefined);
  const [saved, setSaved] = useState<Program | undefined>(undefined);
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
      await api.validateProgram(assembled.document);
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
      setSaved(await api.saveProgram(assembled.document));
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

function ProgramEditor({ api, base, onSaved }: { readonly api: AdminApi; readonly base: object; readonly onSaved: () => void }) {
  const { texts, problems, checked, saveError, saved, edit, save } = useProgramDraft(api, base, onSaved);
  const grouped = problemsBySection(problems, texts.keys());
  return (
    <form
      class="program-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      aria-label="Edit the program"
    >
      <h2>Edit: a new version</h2>
      <p class="hint">Each section is JSON (docs/program.md describes every field). The server checks the whole document as you type; nothing is stored until you save.</p>
      <ProblemList problems={grouped.get(WHOLE_DOCUMENT) ?? []} />
      {[...texts.entries()].map(([section, text]) => {
        const sectionProblems = grouped.get(section) ?? [];
        const id = `section-${section}`;
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

function VersionComparison({ api, live }: { readonly api: AdminApi; readonly live: number }) {
  const [versions] = useAsync(() => api.programVersions(), [api, live]);
  const [left, setLeft] = useState(Math.max(1, live - 1));
  const [right, setRight] = useState(live);
  useEffect(() => {
    setLeft(Math.max(1, live - 1));
    setRight(live);
  }, [live]);
  const [pair] = useAsync(() => Promise.all([api.programVersion(left), api.programVersion(right)]), [api, left, right]);
  if (versions.state === "failed") return <ErrorBox error={versions.error} />;
  const choices = versions.state === "done" ? versions.value.versions : [];
  const picker = (label: string, value: number, set: (version: number) => void) => (
    <label>
      {label}
      <select value={String(value)} onChange={(event) => set(Number(event.currentTarget.value))}>
        {choices.map((version) => (
          <option key={version.version} value={String(version.version)}>
            {version.version}
            {version.version === live ? " (live)" : ""} — {version.name}
          </option>
        ))}
      </select>
    </label>
  );
  const changed = pair.state === "done" ? changedSections(pair.value[0], pair.value[1]) : new Set<string>();
  return (
    <section class="versions" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions side by side</h2>
      <div class="pickers">
        {picker("Left", left, setLeft)}
        {picker("Right", right, setRight)}
      </div>
      {pair.state === "failed" && <ErrorBox error={pair.error} />}
      {pair.state === "done" && (
        <>
          <p>{changed.size === 0 ? "The two versions are the same." : `Changed sections: ${[...changed].join(", ")}`}</p>
          <div class="side-by-side">
            {pair.value.map((program, index) => (
              <div key={index}>
                {[...sectionTexts(program)].map(([section, text]) => (
                  <pre key={section} class={changed.has(section) ? "changed" : undefined}>
                    <b>{section}</b>: {text}
                  </pre>
                ))}
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
