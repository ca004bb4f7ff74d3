// Thread: any; pure domain (no I/O, no clock).
import type { Survey, SurveyAnswers, SurveyQuestion } from "../../protocol/survey-document.js";
import { badRequest } from "../validation/fields.js";
import { SURVEY_OPTIONS_MAX, SURVEY_QUESTIONS_MAX } from "./validate-survey.js";

/** Fields one submission carries at most (values of a multiple choice counted): every option of every question, and no more. */
export const SURVEY_FORM_VALUES_MAX = SURVEY_QUESTIONS_MAX * (SURVEY_OPTIONS_MAX + 1);

const INTEGER_TEXT = /^-?[0-9]{1,4}$/;

/**
 * A submission's answers (the form's fields: question id -> the values sent)
 * checked against the survey's questions, in question order: a required
 * question answered, a choice within the options (each option once), a scale
 * value within min and max, a text within its length in UTF-8 bytes. An
 * empty text or no value is no answer. A field naming no question is refused.
 * BAD_REQUEST names the field (`answers.<question id>`).
 */
export function readSurveyAnswers(survey: Pick<Survey, "questions">, fields: ReadonlyMap<string, readonly string[]>): SurveyAnswers {
  const known = new Set(survey.questions.map((question) => question.id));
  let values = 0;
  for (const [name, given] of fields) {
    if (!known.has(name)) throw badRequest(`answers.${name}`, "names no question of this survey");
    values += given.length;
  }
  if (values > SURVEY_FORM_VALUES_MAX) throw badRequest("answers", `must have at most ${SURVEY_FORM_VALUES_MAX} values`);
  const answers: Record<string, number | readonly number[] | string> = {};
  for (const question of survey.questions) {
    const given = (fields.get(question.id) ?? []).filter((value) => value.length > 0);
    const field = `answers.${question.id}`;
    if (given.length === 0) {
      if (question.required) throw badRequest(field, "is required");
      continue;
    }
    answers[question.id] = readAnswer(question, given, field);
  }
  return answers;
}

function readAnswer(question: SurveyQuestion, given: readonly string[], field: string): number | readonly number[] | string {
  switch (question.kind) {
    case "single":
      if (given.length > 1) throw badRequest(field, "must be one option");
      return readIndex(given[0] ?? "", question, field);
    case "multiple": {
      const indices = given.map((value) => readIndex(value, question, field));
      if (new Set(indices).size !== indices.length) throw badRequest(field, "names an option twice");
      return indices.sort((left, right) => left - right);
    }
    case "scale": {
      if (given.length > 1) throw badRequest(field, "must be one value");
      const value = readWhole(given[0] ?? "", field);
      const min = question.min ?? 0;
      const max = question.max ?? 0;
      if (value < min || value > max) throw badRequest(field, `must be from ${min} to ${max}`);
      return value;
    }
    case "text": {
      if (given.length > 1) throw badRequest(field, "must be one text");
      const text = given[0] ?? "";
      const bytes = Buffer.byteLength(text, "utf8");
      if (bytes > (question.maxLength ?? 0)) throw badRequest(field, `must be at most ${question.maxLength} bytes (UTF-8)`);
      return text;
    }
  }
}

function readIndex(value: string, question: SurveyQuestion, field: string): number {
  const index = readWhole(value, field);
  const count = question.options?.length ?? 0;
  if (index < 0 || index >= count) throw badRequest(field, `must be an option from 0 to ${count - 1}`);
  return index;
}

function readWhole(value: string, field: string): number {
  if (!INTEGER_TEXT.test(value)) throw badRequest(field, "must be a whole number");
  return Number(value);
}
