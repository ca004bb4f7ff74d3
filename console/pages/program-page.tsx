import { useEffect, useState } from "preact/hooks";
import type { AdminApi } from "../api/admin-api.js";
import { ApiError } from "../api/api-error.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { changedSections, sectionTexts } from "../logic/program-sections.js";
import { PartnerPrograms } from "./partner-programs.js";
import { ProgramEditor } from "./program-editor.js";

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
          <PartnerPrograms api={api} coalition={current.value} />
        </>
      )}
    </section>
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
