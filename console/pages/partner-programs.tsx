import { useMemo, useState } from "preact/hooks";
import type { Program } from "../../protocol/admin-wire.js";
import type { AdminApi } from "../api/admin-api.js";
import { ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { ProgramEditor, type ProgramTarget } from "./program-editor.js";

/**
 * Partners' own programs (docs/program.md, "Partners' own programs"), on the Program page: which
 * program each partner's stores run, and for a chosen partner its own program to edit, a first one
 * made from a copy of the coalition program, or the return to the coalition program.
 */
export function PartnerPrograms({ api, coalition }: { readonly api: AdminApi; readonly coalition: Program }) {
  const [partners] = useAsync(() => api.partners(), [api]);
  const [inForce, reloadInForce] = useAsync(() => api.partnerPrograms(), [api]);
  const [chosen, setChosen] = useState("");
  const own = new Map(inForce.state === "done" ? inForce.value.programs.map((program) => [program.partner, program] as const) : []);
  return (
    <section class="partner-programs" aria-labelledby="partner-programs-heading">
      <h2 id="partner-programs-heading">Partners' own programs</h2>
      <p class="hint">
        A partner's stores take part in the coalition program, or run a program of the partner's own. Members, points and counters are shared; the calendar, coalition
        policy and point levels are always the coalition program's.
      </p>
      {partners.state === "failed" && <ErrorBox error={partners.error} />}
      {inForce.state === "failed" && <ErrorBox error={inForce.error} />}
      <label>
        Partner{" "}
        <select value={chosen} onChange={(event) => setChosen(event.currentTarget.value)}>
          <option value="">Choose a partner…</option>
          {(partners.state === "done" ? partners.value.partners : []).map((partner) => {
            const program = own.get(partner.id);
            return (
              <option key={partner.id} value={partner.id}>
                {partner.name} ({partner.id}){program === undefined ? " — coalition program" : ` — own program, version ${program.version}`}
              </option>
            );
          })}
        </select>
      </label>
      {chosen !== "" && <PartnerProgram key={chosen} api={api} coalition={coalition} partner={chosen} onChanged={reloadInForce} />}
    </section>
  );
}

/** One partner's program: which it runs, its editor, and the way back to the coalition program. */
function PartnerProgram(props: { readonly api: AdminApi; readonly coalition: Program; readonly partner: string; readonly onChanged: () => void }) {
  const { api, coalition, partner, onChanged } = props;
  const [current, reload] = useAsync(() => api.partnerProgram(partner), [api, partner]);
  const [editing, setEditing] = useState(false);
  const [removal, setRemoval] = useState<unknown>(undefined);
  const target = useMemo<ProgramTarget>(
    () => ({
      title: `A new version of ${partner}'s own program`,
      label: "Edit the partner's program",
      idPrefix: "partner-section",
      validate: (document) => api.validatePartnerProgram(partner, document),
      save: (document) => api.savePartnerProgram(partner, document),
    }),
    [api, partner],
  );
  const changed = (): void => {
    setEditing(false);
    reload();
    onChanged();
  };
  const remove = async (): Promise<void> => {
    if (!window.confirm(`Return ${partner} to the coalition program? Its next receipts are priced by the coalition program.`)) return;
    setRemoval(undefined);
    try {
      await api.removePartnerProgram(partner);
      changed();
    } catch (error) {
      setRemoval(error);
    }
  };
  if (current.state === "loading") return <p>Loading…</p>;
  if (current.state === "failed") return <ErrorBox error={current.error} />;
  const program = current.value.program;
  return (
    <div class="partner-program">
      <p class="partner-program-state">
        {program === null
          ? `${partner} takes part in the coalition program (version ${coalition.version}).`
          : `${partner} runs its own program: version ${current.value.version} — ${program.name}.`}
      </p>
      <div class="actions">
        {program === null && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Give it a program of its own
          </button>
        )}
        {program !== null && (
          <button type="button" onClick={() => void remove()}>
            Return to the coalition program
          </button>
        )}
      </div>
      <ErrorBox error={removal} />
      {(program !== null || editing) && <ProgramEditor api={api} base={program ?? coalition} onSaved={changed} target={target} />}
    </div>
  );
}
