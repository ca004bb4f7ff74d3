import { describe, expect, it } from "vitest";
import { ProgramValidationError } from "../program/validate-program-document.js";
import { compileProgram, programDocument } from "../test-support/loyalty-programs.js";
import { itEach } from "../test-support/table-tests.js";
import { SEGMENT_CONDITIONS_MAX, SEGMENT_DEPTH_MAX, validateCampaign, validateCampaignsDocument } from "./validate-campaigns.js";

const PROGRAM = compileProgram(programDocument({ categories: [{ id: "vip", name: "VIP" }] })).program;

const VALID = {
  segments: [{ id: "vip", name: "VIP", when: { any: [{ inCategory: "vip" }, { fact: "lifetimeSold", atLeast: 100_000 }] } }],
  campaigns: [
    {
      id: "spring",
      name: "Spring",
      start: "2026-03-01",
      end: 1_780_000_000_000,
      state: "active",
      partner: "p1",
      audience: "vip",
      mechanics: [
        { kind: "points", rateBasisPoints: 500, skus: ["SKU-1"] },
        { kind: "discount", basisPoints: 1_000 },
      ],
    },
  ],
};

function problemsOf(run: () => unknown): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ProgramValidationError) return error.problems.map(({ path, message }) => ({ path, message }));
    throw error;
  }
  throw new Error("expected a refusal");
}

function nested(depth: number): unknown {
  return depth === 1 ? { inCategory: "vip" } : { not: nested(depth - 1) };
}

describe("the campaigns document's validation", () => {
  it("keeps couponOnly only when true, and reads a stored campaign without a partner (\"\") again as it is", () => {
    const spring = VALID.campaigns[0] as Record<string, unknown>;
    expect(validateCampaign({ ...spring, couponOnly: true }, new Set(["vip"]))).toMatchObject({ couponOnly: true });
    expect(validateCampaign({ ...spring, couponOnly: false }, new Set(["vip"]))).not.toHaveProperty("couponOnly");
    expect(problemsOf(() => validateCampaign({ ...spring, couponOnly: "yes" }, new Set(["vip"])))).toEqual([{ path: "couponOnly", message: "must be true or false" }]);
    const stored = validateCampaign({ ...spring, partner: null }, new Set(["vip"]));
    expect(validateCampaign(stored, new Set(["vip"]))).toEqual(stored);
  });

  it("keeps a budget when given, leaves the key out when absent or null, and refuses one below 1 or above the limit", () => {
    const spring = VALID.campaigns[0] as Record<string, unknown>;
    expect(validateCampaign({ ...spring, budgetPoints: 5_000 }, new Set(["vip"]))).toMatchObject({ budgetPoints: 5_000 });
    expect(validateCampaign({ ...spring, budgetPoints: null }, new Set(["vip"]))).not.toHaveProperty("budgetPoints");
    expect(validateCampaign(spring, new Set(["vip"]))).not.toHaveProperty("budgetPoints");
    expect(problemsOf(() => validateCampaign({ ...spring, budgetPoints: 0 }, new Set(["vip"])))).toEqual([{ path: "budgetPoints", message: expect.stringContaining("1") }]);
    expect(problemsOf(() => validateCampaign({ ...spring, budgetPoints: 10 ** 14 }, new Set(["vip"])))).toHaveLength(1);
  });

  it("keeps a discount budget when given, leaves the key out when absent or null, and refuses one below 1 or above the limit", () => {
    const spring = VALID.campaigns[0] as Record<string, unknown>;
    expect(validateCampaign({ ...spring, budgetDiscount: 150_000 }, new Set(["vip"]))).toMatchObject({ budgetDiscount: 150_000 });
    expect(validateCampaign({ ...spring, budgetDiscount: null }, new Set(["vip"]))).not.toHaveProperty("budgetDiscount");
    expect(validateCampaign(spring, new Set(["vip"]))).not.toHaveProperty("budgetDiscount");
    expect(problemsOf(() => validateCampaign({ ...spring, budgetDiscount: 0 }, new Set(["vip"])))).toEqual([{ path: "budgetDiscount", message: expect.stringContaining("1") }]);
    expect(problemsOf(() => validateCampaign({ ...spring, budgetDiscount: 10 ** 14 }, new Set(["vip"])))).toHaveLength(1);
    expect(problemsOf(() => validateCampaign({ ...spring, budgetDiscount: 1.5 }, new Set(["vip"])))).toEqual([{ path: "budgetDiscount", message: expect.any(String) }]);
  });

  it("reads a valid document fully defaulted", () => {
    const read = validateCampaignsDocument(VALID, PROGRAM);
    expect(read.campaigns[0]?.mechanics[0]).toEqual({ kind: "points", rateBasisPoints: 500, fixedPoints: null, skus: ["SKU-1"], receiptTotalAtLeast: null, everyPurchases: null });
    expect(validateCampaignsDocument({ campaigns: [{ ...VALID.campaigns[0], audience: null, state: null, partner: null }] }, null).campaigns[0]).toMatchObject({
      audience: null,
      state: "draft",
      partner: "",
    });
  });

  it("collects every problem of a document with its path", () => {
    const bad = {
      segments: [{ id: "vip", name: "", when: { inCategory: "gold", fact: "age" } }],
      campaigns: [{ id: "x y", name: "X", start: "2026-02-30", end: 5, state: "live", audience: "nobody", mechanics: [{ kind: "points" }, { kind: "discount", basisPoints: 0, extra: 1 }] }],
      extra: true,
    };
    expect(problemsOf(() => validateCampaignsDocument(bad, PROGRAM))).toEqual([
      { path: "extra", message: "is not a known field" },
      { path: "segments[0].name", message: "must not be empty" },
      { path: "segments[0].when", message: "must have exactly one of fact, status, importanceClass, cardType, inCategory, answeredSurvey, all, any, not" },
      { path: "campaigns[0].id", message: "must be 1 to 64 characters from A-Z a-z 0-9 _ . -" },
      { path: "campaigns[0].start", message: "must be a date YYYY-MM-DD or epoch milliseconds" },
      { path: "campaigns[0].state", message: 'must be one of "draft", "active", "paused", "ended"' },
      { path: "campaigns[0].audience", message: 'must name a segment of the document; "nobody" is not one' },
      { path: "campaigns[0].mechanics[0]", message: "needs exactly one of rateBasisPoints and fixedPoints" },
      { path: "campaigns[0].mechanics[1].extra", message: "is not a known field" },
      { path: "campaigns[0].mechanics[1].basisPoints", message: "must be from 1 to 10000" },
    ]);
  });

  itEach([
    { name: "a segment naming a category the program lacks", input: { segments: [{ id: "s", name: "S", when: { inCategory: "gold" } }] }, path: "segments[0].when.inCategory" },
    { name: "a fact without bounds", input: { segments: [{ id: "s", name: "S", when: { fact: "age" } }] }, path: "segments[0].when" },
    { name: "bounds the wrong way round", input: { segments: [{ id: "s", name: "S", when: { fact: "age", atLeast: 30, atMost: 20 } }] }, path: "segments[0].when.atMost" },
    { name: "an unknown fact", input: { segments: [{ id: "s", name: "S", when: { fact: "shoeSize", atLeast: 1 } }] }, path: "segments[0].when.fact" },
    { name: "conditions nested too deep", input: { segments: [{ id: "s", name: "S", when: nested(SEGMENT_DEPTH_MAX + 1) }] }, path: `segments[0].when${".not".repeat(SEGMENT_DEPTH_MAX)}` },
    {
      name: "a segment with too many conditions",
      input: { segments: [{ id: "s", name: "S", when: { all: Array.from({ length: SEGMENT_CONDITIONS_MAX }, () => ({ inCategory: "vip" })) } }] },
      path: `segments[0].when.all[${SEGMENT_CONDITIONS_MAX - 1}]`,
    },
    { name: "a survey condition's option without its question", input: { segments: [{ id: "s", name: "S", when: { answeredSurvey: "nps", option: 9 } }] }, path: "segments[0].when.option" },
    { name: "a survey condition naming no survey", input: { segments: [{ id: "s", name: "S", when: { answeredSurvey: "" } }] }, path: "segments[0].when.answeredSurvey" },
    { name: "a survey condition with a field it lacks", input: { segments: [{ id: "s", name: "S", when: { answeredSurvey: "nps", value: 3 } }] }, path: "segments[0].when.value" },
    { name: "duplicate campaign ids", input: { ...VALID, campaigns: [VALID.campaigns[0], VALID.campaigns[0]] }, path: "campaigns[1].id" },
    { name: "an end before the start", input: { campaigns: [{ ...VALID.campaigns[0], audience: null, start: 10, end: 5 }] }, path: "campaigns[0].end" },
    { name: "no mechanics", input: { campaigns: [{ ...VALID.campaigns[0], audience: null, mechanics: [] }] }, path: "campaigns[0].mechanics" },
  ])((row) => {
    expect(problemsOf(() => validateCampaignsDocument(row.input, PROGRAM)).map((problem) => problem.path)).toContain(row.path);
  });

  it("reads a survey condition with its question and option absent as null", () => {
    const document = validateCampaignsDocument({ segments: [{ id: "s", name: "S", when: { any: [{ answeredSurvey: "nps" }, { answeredSurvey: "nps", question: "recommend", option: 9 }] } }] }, PROGRAM);
    expect(document.segments[0]?.when).toEqual({ any: [{ answeredSurvey: "nps", question: null, option: null }, { answeredSurvey: "nps", question: "recommend", option: 9 }] });
  });

  it("reads one campaign with paths relative to it, its audience among the given segments", () => {
    expect(validateCampaign(VALID.campaigns[0], new Set(["vip"])).id).toBe("spring");
    expect(problemsOf(() => validateCampaign(VALID.campaigns[0], new Set()))).toEqual([{ path: "audience", message: 'must name a segment of the document; "vip" is not one' }]);
  });
});
