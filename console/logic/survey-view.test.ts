import { describe, expect, it } from "vitest";
import type { Survey } from "../../protocol/survey-document.js";
import { definitionOf, formatHundredths, formatReward, parseDefinition, problemsOfRefusal, scaleRows, sharePercent, surveyPhase } from "./survey-view.js";

const SURVEY: Survey = {
  id: "visit",
  title: "How was your visit?",
  questions: [{ id: "store", text: "Which store?", kind: "single", options: ["Centre", "North"], required: true }],
  audience: null,
  start: 1_000,
  end: 2_000,
  reward: { points: 150, lifetimeDays: 90 },
  state: "open",
  createdAt: 500,
  updatedAt: 600,
  invitedAt: null,
};

describe("the surveys page's view of a survey", () => {
  it("shows a scale's average in hundredths as x.xx, and a dash when nobody answered", () => {
    expect(formatHundredths(800)).toBe("8.00");
    expect(formatHundredths(705)).toBe("7.05");
    expect(formatHundredths(-151)).toBe("-1.51");
    expect(formatHundredths(0)).toBe("0.00");
    expect(formatHundredths(null)).toBe("—");
  });

  it("says whether a survey is open, not started, ended or closed", () => {
    expect(surveyPhase(SURVEY, 999)).toBe("not started");
    expect(surveyPhase(SURVEY, 1_000)).toBe("open");
    expect(surveyPhase(SURVEY, 2_000)).toBe("ended");
    expect(surveyPhase({ ...SURVEY, state: "closed" }, 1_500)).toBe("closed");
  });

  it("describes a reward, none for zero points", () => {
    expect(formatReward({ points: 150, lifetimeDays: 90, partner: "p1" })).toBe("150 points, 90 days, by p1");
    expect(formatReward({ points: 0 })).toBe("none");
  });

  it("edits a stored survey as its definition, without its id and state", () => {
    expect(Object.keys(definitionOf(SURVEY)).sort()).toEqual(["audience", "end", "questions", "reward", "start", "title"]);
  });

  it("reads the editor's JSON, or says where it is broken", () => {
    expect(parseDefinition('{"title":"x"}')).toEqual({ ok: true, definition: { title: "x" } });
    const broken = parseDefinition("{ title");
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.problem.path).toBe("$");
  });

  it("puts a refusal's problem at the field path its message names, or takes the validator's own problems", () => {
    expect(problemsOfRefusal("BAD_REQUEST", "questions[0].options must have at least 2 items", [])).toEqual([{ path: "questions[0].options", message: "must have at least 2 items" }]);
    expect(problemsOfRefusal("BAD_REQUEST", "end must be after start", [])).toEqual([{ path: "end", message: "must be after start" }]);
    const own = [{ path: "audience.when.status[0]", message: "names no status" }];
    expect(problemsOfRefusal("BAD_REQUEST", "the condition is invalid", own)).toEqual(own);
    expect(problemsOfRefusal("CONFLICT", "questions cannot change", [])).toEqual([]);
  });

  it("counts choices as shares of those who answered, and lists scale values lowest first", () => {
    expect(sharePercent(1, 3)).toBe(33);
    expect(sharePercent(0, 0)).toBe(0);
    expect(scaleRows({ "10": 1, "7": 2, "-1": 1 })).toEqual([{ value: -1, count: 1 }, { value: 7, count: 2 }, { value: 10, count: 1 }]);
  });
});
