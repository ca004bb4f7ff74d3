// Thread: any; pure domain (no I/O, no clock: time is passed in).
import type { SurveyAudience, SurveyDefinition, SurveyQuestion, SurveyQuestionKind, SurveyReward } from "../../protocol/survey-document.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../limits.js";
import { badRequest, readArray, readInteger, readObject, readOptionalBoolean, readOptionalInteger, readOptionalString, readString, refuseUnknownFields, type InputObject } from "../validation/fields.js";

/** Questions in one survey: a page a member answers on a phone in a few minutes. */
export const SURVEY_QUESTIONS_MAX = 50;
/** Options of one choice question: more do not fit a phone's screen as radio buttons. */
export const SURVEY_OPTIONS_MAX = 20;
/** A free-text answer's UTF-8 bytes at most (and a text question's `maxLength` at most): a few paragraphs; answers are kept per member on their shard. */
export const SURVEY_TEXT_ANSWER_BYTES_MAX = 2_000;
/** Steps of a scale (max - min) at most: a 0-10 or 1-100 rating, counted per value in the results. */
export const SURVEY_SCALE_STEPS_MAX = 100;
/** Surveys open (not closed, not past their end) at once: each is a page and an invitation sweep; a program runs a few. */
export const SURVEYS_OPEN_MAX = 32;
/** Surveys stored at all (open, closed, ended): the admin list answers them in one page. */
export const SURVEYS_STORED_MAX = 1_000;
/** Points one answer may be rewarded: as a campaign's fixed points. */
export const SURVEY_REWARD_POINTS_MAX = 1_000_000_000;
/** A reward's lifetime, as a program's points lifetime. */
export const SURVEY_LIFETIME_DAYS_MAX = 36_500;
/** A survey's or a question's text, and an option's. */
export const SURVEY_TITLE_LENGTH_MAX = 200;
export const SURVEY_DESCRIPTION_LENGTH_MAX = 2_000;
export const SURVEY_QUESTION_TEXT_LENGTH_MAX = 500;
export const SURVEY_OPTION_LENGTH_MAX = 200;
/** Times are epoch milliseconds below this (as campaigns'). */
const SURVEY_INSTANT_MAX_MILLISECONDS = 10_000_000_000_000;

/** Survey and question ids: letters, digits, "_" and "-" (no "." : a survey's link token separates its parts with dots). */
export const SURVEY_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
const QUESTION_KINDS: readonly SurveyQuestionKind[] = ["single", "multiple", "scale", "text"];
const SURVEY_FIELDS = new Set(["id", "title", "description", "questions", "audience", "start", "end", "reward"]);
const QUESTION_FIELDS: Readonly<Record<SurveyQuestionKind, ReadonlySet<string>>> = {
  single: new Set(["id", "text", "kind", "required", "options"]),
  multiple: new Set(["id", "text", "kind", "required", "options"]),
  scale: new Set(["id", "text", "kind", "required", "min", "max"]),
  text: new Set(["id", "text", "kind", "required", "maxLength"]),
};

/**
 * A survey definition read field by field (BAD_REQUEST naming the first bad
 * field, as `questions[2].options[0]`). A segment condition in the audience
 * is read by `readCondition` (the campaigns' validator, against the
 * program); a named segment's existence is the caller's to check.
 */
export function validateSurvey(input: unknown, readCondition: (condition: unknown) => SegmentCondition): SurveyDefinition {
  const body = readObject(input, "survey");
  refuseUnknownFields(body, "", SURVEY_FIELDS);
  const id = readString(body["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, SURVEY_ID_PATTERN);
  const title = readString(body["title"], "title", SURVEY_TITLE_LENGTH_MAX);
  const description = readOptionalString(body["description"], "description", SURVEY_DESCRIPTION_LENGTH_MAX);
  const questions = readArray(body["questions"], "questions", 1, SURVEY_QUESTIONS_MAX).map((item, index) => readQuestion(item, `questions[${index}]`));
  const seen = new Set<string>();
  for (const [index, question] of questions.entries()) {
    if (seen.has(question.id)) throw badRequest(`questions[${index}].id`, `repeats ${question.id}`);
    seen.add(question.id);
  }
  const start = readInteger(body["start"], "start", 0, SURVEY_INSTANT_MAX_MILLISECONDS);
  const end = readInteger(body["end"], "end", 0, SURVEY_INSTANT_MAX_MILLISECONDS);
  if (end <= start) throw badRequest("end", "must be after start");
  const audience = readAudience(body["audience"], readCondition);
  const reward = readReward(body["reward"]);
  return { id, title, ...(description === undefined ? {} : { description }), questions, audience, start, end, reward };
}

function readQuestion(input: unknown, field: string): SurveyQuestion {
  const body = readObject(input, field);
  const kind = readString(body["kind"], `${field}.kind`, 16) as SurveyQuestionKind;
  if (!QUESTION_KINDS.includes(kind)) throw badRequest(`${field}.kind`, `must be one of ${QUESTION_KINDS.join(", ")}`);
  refuseUnknownFields(body, field, QUESTION_FIELDS[kind]);
  const id = readString(body["id"], `${field}.id`, CLIENT_IDENTIFIER_LENGTH_MAX, SURVEY_ID_PATTERN);
  const text = readString(body["text"], `${field}.text`, SURVEY_QUESTION_TEXT_LENGTH_MAX);
  const required = readOptionalBoolean(body["required"], `${field}.required`) ?? false;
  const common = { id, text, kind, required };
  if (kind === "single" || kind === "multiple") {
    const options = readArray(body["options"], `${field}.options`, 2, SURVEY_OPTIONS_MAX).map((option, index) => readString(option, `${field}.options[${index}]`, SURVEY_OPTION_LENGTH_MAX));
    return { ...common, options };
  }
  if (kind === "scale") {
    const min = readInteger(body["min"], `${field}.min`, -SURVEY_SCALE_STEPS_MAX, SURVEY_SCALE_STEPS_MAX);
    const max = readInteger(body["max"], `${field}.max`, -SURVEY_SCALE_STEPS_MAX, SURVEY_SCALE_STEPS_MAX);
    if (max <= min) throw badRequest(`${field}.max`, "must be more than min");
    if (max - min > SURVEY_SCALE_STEPS_MAX) throw badRequest(`${field}.max`, `must be at most ${SURVEY_SCALE_STEPS_MAX} above min`);
    return { ...common, min, max };
  }
  const maxLength = readOptionalInteger(body["maxLength"], `${field}.maxLength`, 1, SURVEY_TEXT_ANSWER_BYTES_MAX) ?? SURVEY_TEXT_ANSWER_BYTES_MAX;
  return { ...common, maxLength };
}

function readAudience(input: unknown, readCondition: (condition: unknown) => SegmentCondition): SurveyAudience {
  if (input === undefined || input === null) return null;
  const body: InputObject = readObject(input, "audience");
  refuseUnknownFields(body, "audience", new Set(["segment", "when"]));
  if ((body["segment"] === undefined) === (body["when"] === undefined)) throw badRequest("audience", "must have exactly one of segment and when (or be null: everyone)");
  if (body["segment"] !== undefined) return { segment: readString(body["segment"], "audience.segment", CLIENT_IDENTIFIER_LENGTH_MAX) };
  return { when: readCondition(body["when"]) };
}

function readReward(input: unknown): SurveyReward {
  const body = readObject(input, "reward");
  refuseUnknownFields(body, "reward", new Set(["points", "lifetimeDays", "partner"]));
  const points = readInteger(body["points"], "reward.points", 0, SURVEY_REWARD_POINTS_MAX);
  const lifetimeDays = readOptionalInteger(body["lifetimeDays"], "reward.lifetimeDays", 1, SURVEY_LIFETIME_DAYS_MAX);
  const partner = readOptionalString(body["partner"], "reward.partner", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  return { points, ...(lifetimeDays === undefined ? {} : { lifetimeDays }), ...(partner === undefined ? {} : { partner }) };
}
