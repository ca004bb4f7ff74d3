import { describe, expect, it } from "vitest";
import type { Survey } from "../../protocol/survey-document.js";
import { readSurveyAnswers } from "./survey-answers.js";
import { SurveyTally } from "./survey-results.js";

const survey: Pick<Survey, "id" | "questions"> = {
  id: "nps",
  questions: [
    { id: "recommend", text: "Recommend?", kind: "scale", min: 0, max: 10, required: true },
    { id: "visit", text: "Store?", kind: "single", options: ["Centre", "North"], required: false },
    { id: "likes", text: "Likes?", kind: "multiple", options: ["Prices", "Staff", "Choice"], required: false },
    { id: "words", text: "Else?", kind: "text", maxLength: 10, required: false },
  ],
};

const form = (fields: Record<string, string | string[]>): Map<string, string[]> => new Map(Object.entries(fields).map(([name, value]) => [name, Array.isArray(value) ? value : [value]]));

describe("a survey's answers", () => {
  it("are read in question order: indices for choices (ascending), a number for a scale, text as written; empty is unanswered", () => {
    const answers = readSurveyAnswers(survey, form({ words: "Готов", likes: ["2", "0"], recommend: "9", visit: "" }));
    expect(answers).toEqual({ recommend: 9, likes: [0, 2], words: "Готов" });
    expect(Object.keys(answers)).toEqual(["recommend", "likes", "words"]);
  });

  it.each([
    ["a required question left out", { visit: "1" }, "answers.recommend is required"],
    ["a field naming no question", { recommend: "1", colour: "red" }, "answers.colour names no question of this survey"],
    ["a scale value out of range", { recommend: "11" }, "answers.recommend must be from 0 to 10"],
    ["a scale value not a number", { recommend: "ten" }, "answers.recommend must be a whole number"],
    ["two values for a scale", { recommend: ["1", "2"] }, "answers.recommend must be one value"],
    ["an option past the last", { recommend: "1", visit: "2" }, "answers.visit must be an option from 0 to 1"],
    ["two options for a single choice", { recommend: "1", visit: ["0", "1"] }, "answers.visit must be one option"],
    ["an option twice", { recommend: "1", likes: ["1", "1"] }, "answers.likes names an option twice"],
    ["a text over its bytes (Cyrillic is two bytes a letter)", { recommend: "1", words: "Шестьбукв" }, "answers.words must be at most 10 bytes (UTF-8)"],
  ])("refuse %s, naming the field", (_, fields, message) => {
    expect(() => readSurveyAnswers(survey, form(fields))).toThrow(message);
  });

  it("are tallied per option, per scale value and as an average in hundredths", () => {
    const tally = new SurveyTally(survey);
    tally.add({ recommend: 9, visit: 0, likes: [0, 2] }, 100);
    tally.add({ recommend: 10, likes: [2], words: "ok" }, 100);
    tally.add({ recommend: 6 }, 0);
    expect(tally.result()).toEqual({
      survey: "nps",
      answers: 3,
      pointsRewarded: 200,
      questions: [
        { question: "recommend", kind: "scale", answered: 3, values: { "6": 1, "9": 1, "10": 1 }, averageHundredths: 833 },
        { question: "visit", kind: "single", answered: 1, options: [1, 0] },
        { question: "likes", kind: "multiple", answered: 2, options: [1, 0, 2] },
        { question: "words", kind: "text", answered: 1 },
      ],
    });
  });
});
