import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import { badRequest } from "../validation/fields.js";
import { SURVEY_OPTIONS_MAX, SURVEY_QUESTIONS_MAX, SURVEY_TEXT_ANSWER_BYTES_MAX, validateSurvey } from "./validate-survey.js";

const readCondition = (condition: unknown): SegmentCondition => {
  if (typeof condition !== "object" || condition === null || !("status" in condition)) throw badRequest("audience.when", "must be a condition");
  return condition as SegmentCondition;
};

const valid = {
  id: "nps-2026",
  title: "How are we doing?",
  questions: [
    { id: "recommend", text: "Would you recommend us?", kind: "scale", min: 0, max: 10, required: true },
    { id: "visit", text: "Which store?", kind: "single", options: ["Centre", "North"] },
    { id: "likes", text: "What do you like?", kind: "multiple", options: ["Prices", "Staff", "Choice"] },
    { id: "words", text: "Anything else?", kind: "text", maxLength: 500 },
  ],
  audience: null,
  start: 1_767_225_600_000,
  end: 1_769_904_000_000,
  reward: { points: 100, lifetimeDays: 90, partner: "partner-1" },
};

describe("a survey definition", () => {
  it("is read with its defaults: not required, text up to the bytes limit, everyone", () => {
    const survey = validateSurvey({ ...valid, questions: [{ id: "q", text: "Say", kind: "text" }] }, readCondition);
    expect(survey.questions[0]).toEqual({ id: "q", text: "Say", kind: "text", required: false, maxLength: SURVEY_TEXT_ANSWER_BYTES_MAX });
    expect(survey.audience).toBeNull();
    expect(validateSurvey(valid, readCondition).reward).toEqual({ points: 100, lifetimeDays: 90, partner: "partner-1" });
  });

  it("accepts the example of docs/surveys.md as it is written there", () => {
    const page = readFileSync(new URL("../../docs/surveys.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)\n```/.exec(page)?.[1] ?? "";
    const survey = validateSurvey({ id: "visit", ...(JSON.parse(example) as object) }, readCondition);
    expect(survey.questions.map((question) => question.kind)).toEqual(["scale", "single", "multiple", "text"]);
  });

  it("takes an audience as a segment id or a condition read by the campaigns' reader", () => {
    expect(validateSurvey({ ...valid, audience: { segment: "loyal" } }, readCondition).audience).toEqual({ segment: "loyal" });
    expect(validateSurvey({ ...valid, audience: { when: { status: ["gold"] } } }, readCondition).audience).toEqual({ when: { status: ["gold"] } });
  });

  const question = (change: Record<string, unknown>, index = 1): Record<string, unknown> => ({ ...valid, questions: valid.questions.map((each, at) => (at === index ? { ...each, ...change } : each)) });
  const manyOptions = Array.from({ length: SURVEY_OPTIONS_MAX + 1 }, (_, index) => `option ${index}`);
  const manyQuestions = Array.from({ length: SURVEY_QUESTIONS_MAX + 1 }, (_, index) => ({ id: `q${index}`, text: "Q", kind: "text" }));

  it.each([
    ["an unknown field", { ...valid, colour: "red" }, "colour is not a known field"],
    ["an id with a dot", { ...valid, id: "a.b" }, "id must match"],
    ["no title", { ...valid, title: "" }, "title must not be empty"],
    ["no questions", { ...valid, questions: [] }, "questions must have at least 1 items"],
    ["too many questions", { ...valid, questions: manyQuestions }, `questions must have at most ${SURVEY_QUESTIONS_MAX} items`],
    ["an unknown kind", question({ kind: "essay" }), "questions[1].kind must be one of single, multiple, scale, text"],
    ["one option", question({ options: ["Only"] }), "questions[1].options must have at least 2 items"],
    ["too many options", question({ options: manyOptions }), `questions[1].options must have at most ${SURVEY_OPTIONS_MAX} items`],
    ["an empty option", question({ options: ["A", ""] }), "questions[1].options[1] must not be empty"],
    ["a scale field on a choice", question({ min: 1 }), "questions[1].min is not a known field"],
    ["a scale upside down", question({ min: 5, max: 5 }, 0), "questions[0].max must be more than min"],
    ["a scale too long", question({ min: -100, max: 100 }, 0), "questions[0].max must be at most 100 above min"],
    ["a text longer than the bytes limit", question({ maxLength: SURVEY_TEXT_ANSWER_BYTES_MAX + 1 }, 3), `questions[3].maxLength must be at most ${SURVEY_TEXT_ANSWER_BYTES_MAX}`],
    ["a question id twice", question({ id: "recommend" }), "questions[1].id repeats recommend"],
    ["required not a boolean", question({ required: "yes" }), "questions[1].required must be true or false"],
    ["an end before the start", { ...valid, end: valid.start }, "end must be after start"],
    ["an audience with both", { ...valid, audience: { segment: "a", when: { status: ["gold"] } } }, "audience must have exactly one of segment and when"],
    ["an audience condition the reader refuses", { ...valid, audience: { when: { nonsense: 1 } } }, "audience.when must be a condition"],
    ["no reward", { ...valid, reward: undefined }, "reward must be an object"],
    ["negative points", { ...valid, reward: { points: -1 } }, "reward.points must be at least 0"],
    ["fractional points", { ...valid, reward: { points: 1.5 } }, "reward.points must be an integer"],
    ["a zero lifetime", { ...valid, reward: { points: 1, lifetimeDays: 0 } }, "reward.lifetimeDays must be at least 1"],
  ])("refuses %s, naming the field", (_, input, message) => {
    expect(() => validateSurvey(input, readCondition)).toThrow(message);
  });
});
