import { describe, expect, it } from "vitest";
import type { Program } from "../../protocol/program-document.js";
import { caught } from "../test-support/caught.js";
import { programDocument } from "../test-support/loyalty-programs.js";
import { partnerPricingProgram, validatePartnerProgramDocument } from "./partner-program.js";
import { ProgramValidationError, validateProgramDocument } from "./validate-program-document.js";

const LEVELS = { levels: [{ id: "club", name: "Club", threshold: 1_000 }] };
const COALITION: Program = {
  ...validateProgramDocument(
    programDocument({
      points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 },
      coalition: { redemption: "issuerOnly" },
      pointLevels: LEVELS,
    }),
  ),
  version: 7,
};

/** A partner's document: 30 % back, its own categories and rules, without the shared sections. */
const OWN = {
  name: "Cafe",
  points: { accrualRateBasisPoints: 3_000, maxRedeemShareBasisPoints: 1_000 },
  categories: [
    { id: "regular", name: "Regular", discountBasisPoints: 300 },
    { id: "vip", name: "VIP", discountBasisPoints: 700 },
  ],
  categoryRules: [
    { id: "add-regular", action: "add", category: "regular", when: { counter: "visits", from: 3 } },
    { id: "add-vip", action: "add", category: "vip", when: { inCategory: "regular" } },
  ],
};

function problemsOf(action: () => unknown): { path: string; message: string }[] {
  const error = caught(action);
  expect(error).toBeInstanceOf(ProgramValidationError);
  return (error as ProgramValidationError).problems.map(({ path, message }) => ({ path, message }));
}

describe("a partner's own program document", () => {
  it("takes the coalition program's calendar, coalition policy and point levels when it leaves them out", () => {
    const definition = validatePartnerProgramDocument(OWN, COALITION);
    expect(definition).toMatchObject({ name: "Cafe", timeZone: "Europe/Moscow", period: { kind: "month" }, coalition: { redemption: "issuerOnly" }, pointLevels: COALITION.pointLevels });
    expect(definition.points.accrualRateBasisPoints).toBe(3_000);
  });

  it("accepts the shared sections given equal to the coalition program's, whatever their key order (a copy of it, edited)", () => {
    const copy = { ...OWN, timeZone: "Europe/Moscow", period: { kind: "month" }, coalition: { redemption: "issuerOnly" }, pointLevels: { levels: [{ threshold: 1_000, name: "Club", id: "club" }] } };
    expect(validatePartnerProgramDocument(copy, COALITION).points.accrualRateBasisPoints).toBe(3_000);
    // null is absent, as everywhere in a program document.
    expect(validatePartnerProgramDocument({ ...OWN, pointLevels: null, timeZone: null }, COALITION).pointLevels).toEqual(COALITION.pointLevels);
  });

  it("refuses every shared section that differs from the coalition program's, each at its path", () => {
    const differing = { ...OWN, timeZone: "UTC", period: { kind: "quarter" }, coalition: { redemption: "anywhere" }, pointLevels: { levels: [{ id: "own", name: "Own", threshold: 5 }] } };
    const problems = problemsOf(() => validatePartnerProgramDocument(differing, COALITION));
    expect(problems.map(({ path }) => path)).toEqual(["timeZone", "period", "coalition", "pointLevels"]);
    expect(problems[0]?.message).toBe(`must be absent or the coalition program's ("Europe/Moscow"): a member's period counters are kept in the coalition program's calendar`);
  });

  it("refuses a document the coalition program's validation refuses, with the same problems", () => {
    const bad = { ...OWN, points: { accrualRateBasisPoints: 10_001, maxRedeemShareBasisPoints: 0 } };
    expect(problemsOf(() => validatePartnerProgramDocument(bad, COALITION))).toEqual(problemsOf(() => validateProgramDocument(bad)));
  });

  it("prices with the partner's rules, the coalition program's current shared sections, and its categories under the partner's ids", () => {
    const own: Program = { ...validatePartnerProgramDocument(OWN, COALITION), version: 3 };
    const laterCoalition: Program = { ...COALITION, timeZone: "Asia/Tokyo", coalition: { redemption: "anywhere" }, pointLevels: null, version: 8 };
    const pricing = partnerPricingProgram(laterCoalition, own, "cafe");
    expect(pricing).toMatchObject({ version: 3, name: "Cafe", timeZone: "Asia/Tokyo", coalition: { redemption: "anywhere" }, pointLevels: null });
    expect(pricing.categories.map((category) => category.id)).toEqual(["cafe:regular", "cafe:vip"]);
    expect(pricing.categoryRules.map(({ category, when }) => [category, when])).toEqual([
      ["cafe:regular", { counter: "visits", from: 3 }],
      ["cafe:vip", { inCategory: "cafe:regular" }],
    ]);
  });
});
