import type { ProgramProblem } from "../../protocol/admin-wire.js";
import type { Survey, SurveyQuestion, SurveyReward } from "../../protocol/survey-document.js";

/**
 * What the Surveys page shows of a survey, and what it sends back. No rule of
 * a definition is checked here: `PUT /v1/admin/surveys/<id>` is the only judge,
 * and its refusals are shown at the field path they name.
 */

/** Where a problem naming no field (the JSON itself, or a refusal of the whole request) is shown. */
export const WHOLE_DEFINITION = "$";

/** A scale's average in hundredths (`averageHundredths`) as x.xx: 800 -> "8.00", -151 -> "-1.51", null -> a dash. */
export function formatHundredths(hundredths: number | null | undefined): string {
  if (hundredths === null || hundredths === undefined) return "—";
  const absolute = Math.abs(hundredths);
  return `${hundredths < 0 ? "-" : ""}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, "0")}`;
}

/** The state to show: the server's `closed`, else whether the period has begun or passed at `now`. */
export function surveyPhase(survey: Pick<Survey, "state" | "start" | "end">, now: number): "closed" | "not started" | "open" | "ended" {
  if (survey.state === "closed") return "closed";
  if (now < survey.start) return "not started";
  return now < survey.end ? "open" : "ended";
}

/** `150 points, 90 days, partner-1`; `none` for a reward of 0 points. */
export function formatReward(reward: SurveyReward): string {
  if (reward.points === 0) return "none";
  const parts = [`${reward.points} points`];
  if (reward.lifetimeDays !== undefined) parts.push(`${reward.lifetimeDays} days`);
  if (reward.partner !== undefined && reward.partner !== "") parts.push(`by ${reward.partner}`);
  return parts.join(", ");
}

/** What a question asks for: its options, its scale, or its text's length. */
export function describeQuestion(question: SurveyQuestion): string {
  switch (question.kind) {
    case "single":
      return `one of: ${(question.options ?? []).join(" | ")}`;
    case "multiple":
      return `any of: ${(question.options ?? []).join(" | ")}`;
    case "scale":
      return `a value from ${question.min ?? "?"} to ${question.max ?? "?"}`;
    case "text":
      return `text, up to ${question.maxLength ?? 2_000} bytes`;
  }
}

/** A stored survey's definition as the editor shows it: without its id (the path's) and its state. */
export function definitionOf(survey: Survey): Record<string, unknown> {
  const { id: _id, state: _state, createdAt: _created, updatedAt: _updated, invitedAt: _invited, ...definition } = survey;
  return definition;
}

/** A new survey's starting text: one question of each choice kind, open for a week from `now` (minutes), no reward. */
export function definitionTemplate(now: number): Record<string, unknown> {
  const start = Math.floor(now / 60_000) * 60_000;
  return {
    title: "How was your visit?",
    description: "Two quick questions.",
    questions: [
      { id: "recommend", text: "How likely are you to recommend us?", kind: "scale", min: 0, max: 10, required: true },
      { id: "store", text: "Which store did you visit?", kind: "single", options: ["Centre", "North"], required: false },
    ],
    audience: null,
    start,
    end: start + 7 * 86_400_000,
    reward: { points: 0 },
  };
}

export type ParsedDefinition = { readonly ok: true; readonly definition: unknown } | { readonly ok: false; readonly problem: ProgramProblem };

/** The editor's text as JSON, or a problem of the whole definition. */
export function parseDefinition(text: string): ParsedDefinition {
  try {
    return { ok: true, definition: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, problem: { path: WHOLE_DEFINITION, message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

/**
 * A BAD_REQUEST's problems at their field paths: the validator's own list when it sends one (an
 * audience's condition), else the path its message starts with (`questions[0].options must have
 * at least 2 items` -> `questions[0].options`). None for another refusal: it is shown as a whole.
 */
export function problemsOfRefusal(code: string, message: string, problems: readonly ProgramProblem[]): readonly ProgramProblem[] {
  if (code !== "BAD_REQUEST") return [];
  if (problems.length > 0) return problems;
  const named = /^([A-Za-z_][A-Za-z0-9_]*(?:\[\d+\]|\.[A-Za-z_][A-Za-z0-9_]*)*) (.+)$/s.exec(message);
  return named === null ? [{ path: WHOLE_DEFINITION, message }] : [{ path: named[1] ?? WHOLE_DEFINITION, message: named[2] ?? message }];
}

/** A choice's count as a share of those who answered the question, in whole percent. */
export function sharePercent(count: number, answered: number): number {
  return answered === 0 ? 0 : Math.round((100 * count) / answered);
}

/** A scale's counted values, lowest first. */
export function scaleRows(values: Readonly<Record<string, number>> | undefined): { readonly value: number; readonly count: number }[] {
  return Object.entries(values ?? {})
    .map(([value, count]) => ({ value: Number(value), count }))
    .sort((left, right) => left.value - right.value);
}
