// Thread: any (pure): the survey page's HTML (docs/surveys.md, "The page"), every text escaped.
import type { Survey, SurveyAnswerResult, SurveyQuestion } from "../../protocol/survey-document.js";

/** A scale with at most this many values is radio buttons; a longer one is a number field. */
const SCALE_BUTTONS_MAX = 11;

/** Text for HTML content and attribute values: the five characters that matter, escaped. */
export function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;").replaceAll("'", "&#39;");
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f6f7f9;color:#1d2330;line-height:1.4}
main{max-width:40rem;margin:0 auto;background:#fff;border-radius:.5rem;padding:1rem 1.25rem;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin:.2rem 0 .8rem}fieldset{border:0;border-top:1px solid #e3e6ea;margin:0;padding:.9rem 0}
legend{font-weight:600;padding:0}label{display:block;padding:.35rem 0;font-size:1.05rem}label.inline{display:inline-block;margin-right:.9rem}
input[type=radio],input[type=checkbox]{transform:scale(1.3);margin-right:.5rem}textarea,input[type=number]{width:100%;box-sizing:border-box;font:inherit;padding:.5rem}
button{font:inherit;font-size:1.1rem;padding:.7rem 1.4rem;border:0;border-radius:.4rem;background:#2357d9;color:#fff;width:100%}
.error{background:#fdecec;color:#8a1c1c;padding:.6rem .8rem;border-radius:.4rem}.code{font-family:monospace;font-size:.9rem;color:#555}.req{color:#b3261e}`;

/** A whole page: small, no script, readable on a phone. */
export function surveyPageHtml(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** A refused submission: its message, and what was sent (shown again, so nothing typed is lost). */
export interface RefusedSubmission {
  readonly code: string;
  readonly message: string;
  readonly given: ReadonlyMap<string, readonly string[]>;
}

/** The survey's questions as a form posting back to the same link; a refused submission's message above them, its values filled in. */
export function surveyFormHtml(survey: Survey, refused: RefusedSubmission | null = null): string {
  const intro = survey.description === undefined ? "" : `<p>${escapeHtml(survey.description)}</p>`;
  const reward = survey.reward.points > 0 ? `<p>You get <strong>${survey.reward.points}</strong> points for answering.</p>` : "";
  const problem = refused === null ? "" : `<p class="error" role="alert">${escapeHtml(refused.message)} <span class="code">${escapeHtml(refused.code)}</span></p>`;
  const questions = survey.questions.map((question) => questionHtml(question, refused?.given.get(question.id) ?? [])).join("");
  return surveyPageHtml(survey.title, `<h1>${escapeHtml(survey.title)}</h1>${intro}${reward}${problem}<form method="post" accept-charset="utf-8">${questions}<button type="submit">Send my answers</button></form>`);
}

function questionHtml(question: SurveyQuestion, given: readonly string[]): string {
  const name = escapeHtml(question.id);
  const checked = (value: string): string => (given.includes(value) ? " checked" : "");
  const legend = `<legend>${escapeHtml(question.text)}${question.required ? ' <span class="req" title="required">*</span>' : ""}</legend>`;
  const required = question.required ? " required" : "";
  switch (question.kind) {
    case "single":
    case "multiple": {
      const type = question.kind === "single" ? "radio" : "checkbox";
      const options = (question.options ?? []).map((option, index) => `<label><input type="${type}" name="${name}" value="${index}"${checked(String(index))}${type === "radio" ? required : ""}>${escapeHtml(option)}</label>`);
      return `<fieldset>${legend}${options.join("")}</fieldset>`;
    }
    case "scale": {
      const min = question.min ?? 0;
      const max = question.max ?? 0;
      if (max - min + 1 > SCALE_BUTTONS_MAX) return `<fieldset>${legend}<input type="number" name="${name}" min="${min}" max="${max}" step="1" value="${escapeHtml(given[0] ?? "")}"${required}></fieldset>`;
      const values = Array.from({ length: max - min + 1 }, (_, index) => min + index);
      return `<fieldset>${legend}${values.map((value) => `<label class="inline"><input type="radio" name="${name}" value="${value}"${checked(String(value))}${required}>${value}</label>`).join("")}</fieldset>`;
    }
    case "text":
      return `<fieldset>${legend}<textarea name="${name}" rows="4" maxlength="${question.maxLength ?? 0}"${required}>${escapeHtml(given[0] ?? "")}</textarea></fieldset>`;
  }
}

/** After an answer: thanks, and the points it rewarded (`repeat`: the survey had been answered already; these are the first answer's). */
export function surveyThanksHtml(survey: Survey, result: SurveyAnswerResult, repeat: boolean): string {
  const heading = repeat ? "You have already answered this survey" : "Thank you for your answers";
  const points = result.points > 0 ? `<p id="reward">${repeat ? "You were rewarded" : "You have been rewarded"} <strong>${result.points}</strong> points. Your balance: <strong>${result.balance}</strong> points.</p>` : "";
  return surveyPageHtml(survey.title, `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(survey.title)}</p>${points}`);
}

/** A link that leads to no survey to answer: what happened, and its code. */
export function surveyRefusalHtml(code: string, message: string): string {
  return surveyPageHtml("Survey", `<h1>This survey cannot be answered</h1><p class="error" role="alert">${escapeHtml(message)}</p><p class="code">${escapeHtml(code)}</p>`);
}
