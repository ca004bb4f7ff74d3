// One survey on the Surveys page: its questions, Invite and Close, the answers' CSV, and the results per question.
import { useState } from "preact/hooks";
import type { Survey, SurveyInviteResult, SurveyQuestion, SurveyQuestionResult } from "../../protocol/survey-document.js";
import type { AdminApi } from "../api/admin-api.js";
import { downloadText } from "../components/download-text.js";
import { Empty, ErrorBox } from "../components/error-box.js";
import { useAsync } from "../components/use-async.js";
import { formatTime } from "../logic/format.js";
import { describeQuestion, formatHundredths, scaleRows, sharePercent } from "../logic/survey-view.js";

export function SurveyDetail(props: { readonly api: AdminApi; readonly survey: Survey; readonly mayRun: boolean; readonly onChanged: () => void; readonly onEdit: () => void }) {
  const { api, survey, mayRun, onChanged, onEdit } = props;
  return (
    <section class="survey-detail" aria-labelledby="survey-detail-heading">
      <h2 id="survey-detail-heading">Survey {survey.id}: {survey.title}</h2>
      {survey.description !== undefined && <p>{survey.description}</p>}
      <p class="hint">
        Audience: <code>{JSON.stringify(survey.audience)}</code>. Invitations {survey.invitedAt === null ? "not sent yet" : `first sent ${formatTime(survey.invitedAt)}`}.
      </p>
      <div class="table-wrap">
        <table aria-label="Questions">
          <thead><tr><th>Question</th><th>Text</th><th>Kind</th><th>Answer</th><th>Required</th></tr></thead>
          <tbody>
            {survey.questions.map((question) => (
              <tr key={question.id}>
                <td><code>{question.id}</code></td><td>{question.text}</td><td>{question.kind}</td><td>{describeQuestion(question)}</td><td>{question.required ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {mayRun && <SurveyActions api={api} survey={survey} onChanged={onChanged} onEdit={onEdit} />}
      <SurveyResultsView api={api} survey={survey} />
    </section>
  );
}

/** Invite, Close, Edit and the answers' CSV: for the roles with the `program` permission. */
function SurveyActions({ api, survey, onChanged, onEdit }: { readonly api: AdminApi; readonly survey: Survey; readonly onChanged: () => void; readonly onEdit: () => void }) {
  const [invited, setInvited] = useState<SurveyInviteResult | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const act = async (work: () => Promise<void>): Promise<void> => {
    setError(undefined);
    setInvited(undefined);
    setBusy(true);
    try {
      await work();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const invite = (): Promise<void> => act(async () => {
    setInvited(await api.inviteToSurvey(survey.id));
    onChanged();
  });
  const close = (): void => {
    if (!window.confirm(`Close survey ${survey.id}? Members can no longer answer it, and no more invitations go out; its answers stay.`)) return;
    void act(async () => {
      await api.closeSurvey(survey.id);
      onChanged();
    });
  };
  const download = (): Promise<void> => act(async () => downloadText(`survey-${survey.id}-answers.csv`, await api.surveyAnswersCsv(survey.id), "text/csv"));
  const closed = survey.state === "closed";
  return (
    <div class="survey-actions">
      <div class="inline-form">
        <button type="button" disabled={busy || closed} onClick={() => void invite()}>Invite</button>
        <button type="button" class="danger" disabled={busy || closed} onClick={close}>Close</button>
        <button type="button" onClick={onEdit}>Edit</button>
        <button type="button" disabled={busy} onClick={() => void download()}>Download answers (CSV)</button>
      </div>
      {invited !== undefined && (
        <p class="ok" role="status" data-testid="survey-invited">
          Invited {invited.invited} member(s) now; {invited.alreadyInvited} were invited before; {invited.scanned} scanned.
        </p>
      )}
      <ErrorBox error={error} />
    </div>
  );
}

/** The results per question: option counts as bars, a scale's values and average, how many answered a text. */
function SurveyResultsView({ api, survey }: { readonly api: AdminApi; readonly survey: Survey }) {
  const [results, reload] = useAsync(() => api.surveyResults(survey.id), [api, survey.id]);
  const questions = new Map(survey.questions.map((question) => [question.id, question] as const));
  return (
    <section class="survey-results" aria-labelledby="survey-results-heading">
      <h3 id="survey-results-heading">Results</h3>
      <button type="button" onClick={reload}>Refresh results</button>
      {results.state === "loading" && <p>Loading…</p>}
      {results.state === "failed" && <ErrorBox error={results.error} />}
      {results.state === "done" && (
        <div data-testid="survey-results">
          <p>
            <strong>{results.value.answers}</strong> answer(s); <strong>{results.value.pointsRewarded}</strong> points rewarded.
          </p>
          {results.value.answers === 0 ? <Empty>Nobody has answered yet.</Empty> : results.value.questions.map((result) => <QuestionResult key={result.question} result={result} question={questions.get(result.question)} />)}
        </div>
      )}
    </section>
  );
}

function QuestionResult({ result, question }: { readonly result: SurveyQuestionResult; readonly question: SurveyQuestion | undefined }) {
  const label = `${result.question}: ${question?.text ?? ""}`;
  const rows =
    result.options !== undefined
      ? result.options.map((count, index) => ({ key: String(index), name: question?.options?.[index] ?? `option ${index}`, count }))
      : scaleRows(result.values).map((row) => ({ key: String(row.value), name: String(row.value), count: row.count }));
  return (
    <div class="question-result">
      <h4>{label}</h4>
      <p>
        {result.answered} answered
        {result.kind === "scale" && <> · average <strong data-testid="survey-average">{formatHundredths(result.averageHundredths)}</strong></>}
      </p>
      {rows.length > 0 && (
        <table aria-label={`Results of ${result.question}`}>
          <thead><tr><th>{result.kind === "scale" ? "Value" : "Option"}</th><th>Answers</th><th>Share</th></tr></thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key}>
                <td>{row.name}</td>
                <td>{row.count}</td>
                <td><meter min={0} max={Math.max(result.answered, 1)} value={row.count} aria-label={`${row.name}: ${row.count}`} /> {sharePercent(row.count, result.answered)} %</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
