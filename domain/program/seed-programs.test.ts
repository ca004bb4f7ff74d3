import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { itEach } from "../test-support/table-tests.js";
import { FULL_EXAMPLE_PROGRAM, LOYMAX_STATUS_EXAMPLE_PROGRAM, SALON_RULES_EXAMPLE_PROGRAM } from "./seed-programs.js";
import { validateProgramDocument } from "./validate-program-document.js";

const SEEDS = { LOYMAX_STATUS_EXAMPLE_PROGRAM, SALON_RULES_EXAMPLE_PROGRAM, FULL_EXAMPLE_PROGRAM } as const;

const programPage = readFileSync(new URL("../../docs/program.md", import.meta.url), "utf8");

/** The JSON blocks of docs/program.md, each named by the `<!-- NAME -->` comment on the line before it. */
function documentedPrograms(): Map<string, unknown> {
  const blocks = new Map<string, unknown>();
  for (const match of programPage.matchAll(/^<!-- ([A-Z_]+) -->\n```json\n([\s\S]*?)\n```$/gm)) {
    blocks.set(String(match[1]), JSON.parse(String(match[2])));
  }
  return blocks;
}

describe("seed programs", () => {
  itEach<{ readonly name: string; readonly seed: keyof typeof SEEDS }>([
    { name: "the Loymax status example is a valid program document", seed: "LOYMAX_STATUS_EXAMPLE_PROGRAM" },
    { name: "the salon rules example is a valid program document", seed: "SALON_RULES_EXAMPLE_PROGRAM" },
    { name: "the full example is a valid program document", seed: "FULL_EXAMPLE_PROGRAM" },
  ])(({ seed }) => {
    expect(() => validateProgramDocument(SEEDS[seed])).not.toThrow();
  });

  itEach<{ readonly name: string; readonly seed: keyof typeof SEEDS }>([
    { name: "the Loymax status example survives a JSON round trip unchanged", seed: "LOYMAX_STATUS_EXAMPLE_PROGRAM" },
    { name: "the salon rules example survives a JSON round trip unchanged", seed: "SALON_RULES_EXAMPLE_PROGRAM" },
    { name: "the full example survives a JSON round trip unchanged", seed: "FULL_EXAMPLE_PROGRAM" },
  ])(({ seed }) => {
    expect(JSON.parse(JSON.stringify(SEEDS[seed]))).toEqual(SEEDS[seed]);
  });

  itEach<{ readonly name: string; readonly seed: keyof typeof SEEDS }>([
    { name: "docs/program.md shows the Loymax status example exactly", seed: "LOYMAX_STATUS_EXAMPLE_PROGRAM" },
    { name: "docs/program.md shows the salon rules example exactly", seed: "SALON_RULES_EXAMPLE_PROGRAM" },
    { name: "docs/program.md shows the full example exactly", seed: "FULL_EXAMPLE_PROGRAM" },
  ])(({ seed }) => {
    expect(documentedPrograms().get(seed)).toEqual(SEEDS[seed]);
  });

  it("the Loymax example gives Bronze by default and Silver and Gold above 10,000 and 20,000 roubles sold in a Moscow month", () => {
    const program = validateProgramDocument(LOYMAX_STATUS_EXAMPLE_PROGRAM);
    expect(program.timeZone).toBe("Europe/Moscow");
    expect(program.period).toEqual({ kind: "month" });
    expect(program.statuses?.counter).toBe("sold");
    expect(program.statuses?.entryLevel).toBe("bronze");
    expect(program.statuses?.levels.map((level) => [level.id, level.threshold, level.discountBasisPoints, level.bonus])).toEqual([
      ["bronze", 0, 200, { everyPurchases: 5, points: 100 }],
      ["silver", 1_000_000, 500, { everyPurchases: 5, points: 300 }],
      ["gold", 2_000_000, 1_000, { everyPurchases: 5, points: 500 }],
    ]);
  });

  it("the salon example has 5 % from 5,000 sold or from 3 visits, lapsing after 60 days, with the larger discount winning", () => {
    const program = validateProgramDocument(SALON_RULES_EXAMPLE_PROGRAM);
    expect(program.discountRules).toEqual([
      { id: "sold-5000", counter: "sold", from: 500_000, discountBasisPoints: 500 },
      { id: "visits-3", counter: "visits", from: 3, discountBasisPoints: 500 },
    ]);
    expect(program.discountLapseAfterDaysWithoutVisit).toBe(60);
    expect(program.discountPolicy).toEqual({ kind: "largest" });
    expect(program.statuses).toBeNull();
  });

  it("the salon example ranks Gold over Silver over Bronze by sold amount or visits", () => {
    const program = validateProgramDocument(SALON_RULES_EXAMPLE_PROGRAM);
    expect(program.classes?.classes.map((each) => [each.id, each.rank, each.criteria])).toEqual([
      ["bronze", 1, [{ counter: "sold", from: 2_000_000 }, { counter: "visits", from: 10 }]],
      ["silver", 2, [{ counter: "sold", from: 5_000_000 }, { counter: "visits", from: 30 }]],
      ["gold", 3, [{ counter: "sold", from: 10_000_000 }, { counter: "visits", from: 50 }]],
    ]);
  });

  it("the salon example's category rules name only its four categories and use every kind of condition but classes", () => {
    const program = validateProgramDocument(SALON_RULES_EXAMPLE_PROGRAM);
    expect(program.categories.map((each) => each.id)).toEqual(["economy", "standard", "vip", "lost"]);
    const kinds = new Set(program.categoryRules.map((rule) => Object.keys(rule.when).sort().join("+")));
    expect([...kinds].sort()).toEqual(["counter+from", "daysWithoutVisitMoreThan", "visitStatus"]);
    expect(program.categoryRules.filter((rule) => rule.action === "remove").map((rule) => rule.id)).toEqual([
      "economy-out-sold-10000",
      "vip-out-did-not-come",
    ]);
  });

  it("the full example combines the Loymax statuses with the salon's rules, classes and categories", () => {
    const full = validateProgramDocument(FULL_EXAMPLE_PROGRAM);
    const loymax = validateProgramDocument(LOYMAX_STATUS_EXAMPLE_PROGRAM);
    const salon = validateProgramDocument(SALON_RULES_EXAMPLE_PROGRAM);
    expect(full.statuses).toEqual(loymax.statuses);
    expect(full.points).toEqual(loymax.points);
    expect(full.discountRules).toEqual(salon.discountRules);
    expect(full.discountLapseAfterDaysWithoutVisit).toBe(salon.discountLapseAfterDaysWithoutVisit);
    expect(full.classes).toEqual(salon.classes);
    expect(full.categories).toEqual(salon.categories);
    expect(full.categoryRules).toEqual(salon.categoryRules);
    expect(full.discountPolicy).toEqual({ kind: "largest" });
  });
});
