import { useRef, useState } from "preact/hooks";
import type { OperatorRole } from "../../protocol/admin-wire.js";
import type { Survey } from "../../protocol/survey-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";
import { definitionOf, definitionTemplate, formatReward, surveyPhase } from "../logic/survey-view.js";
import { hasProgramPermission } from "../logic/permissions.js";
import { SurveyDetail } from "./survey-detail.js";
import { SurveyEditor, type SurveyDraft } from "./survey-editor.js";

/**
 * Surveys (docs/surveys.md): the list; one survey's questions, results, and for the roles with
 * the `program` permission its invitations, closing, answers' CSV and editor; a new survey.
 */
export function SurveysPage({ api, role }: { readonly api: AdminApi; readonly role: OperatorRole }) {
  const [surveys, reload] = useAsync(() => api.surveys(), [api]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState<SurveyDraft | undefined>(undefined);
  const mayRun = hasProgramPermission(role);
  // The list as last loaded stays on the page while it reloads (after an action), so the survey shown keeps its state.
  const loaded = useRef<readonly Survey[] | undefined>(undefined);
  if (surveys.state === "done") loaded.current = surveys.value.surveys;
  const list = loaded.current ?? [];
  const shown = list.find((survey) => survey.id === selected);
  const now = Date.now();
  return (
    <section aria-labelledby="surveys-heading">
      <h1 id="surveys-heading">Surveys</h1>
      <p class="hint">Questions members answer on a page of their own behind a personal link, rewarded with points once (docs/surveys.md).</p>
      {surveys.state === "loading" && loaded.current === undefined && <p>Loading…</p>}
      {surveys.state === "failed" && <ErrorBox error={surveys.error} />}
      {loaded.current !== undefined && (list.length === 0 ? <Empty>No surveys yet.</Empty> : (
        <div class="table-wrap">
          <table aria-label="Surveys">
            <thead><tr><th>Survey</th><th>Title</th><th>State</th><th>Period</th><th>Reward</th><th>Invited</th><th>Actions</th></tr></thead>
            <tbody>
              {list.map((survey) => (
                <tr key={survey.id} data-survey={survey.id} aria-current={survey.id === selected ? "true" : undefined}>
                  <td><code>{survey.id}</code></td>
                  <td>{survey.title}</td>
                  <td data-testid="survey-state">{surveyPhase(survey, now)}</td>
                  <td>{formatTime(survey.start)} – {formatTime(survey.end)}</td>
                  <td>{formatReward(survey.reward)}</td>
                  <td>{survey.invitedAt === null ? "not yet" : formatTime(survey.invitedAt)}</td>
                  <td><button type="button" onClick={() => setSelected(survey.id)}>Show</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
      {mayRun && draft === undefined && (
        <button type="button" onClick={() => setDraft({ id: "", text: JSON.stringify(definitionTemplate(Date.now()), null, 2), existing: false })}>New survey</button>
      )}
      {mayRun && draft !== undefined && (
        <SurveyEditor
          key={`${draft.id}:${draft.existing}`}
          api={api}
          draft={draft}
          onCancel={() => setDraft(undefined)}
          onSaved={(saved: Survey) => {
            setDraft(undefined);
            setSelected(saved.id);
            reload();
          }}
        />
      )}
      {shown !== undefined && (
        <SurveyDetail
          key={shown.id}
          api={api}
          survey={shown}
          mayRun={mayRun}
          onChanged={reload}
          onEdit={() => setDraft({ id: shown.id, text: JSON.stringify(definitionOf(shown), null, 2), existing: true })}
        />
      )}
    </section>
  );
}
