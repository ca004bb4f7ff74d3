import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addReceipt, EMPTY_COUNTERS, type AccountCounters } from "../account/counters.js";
import {
  FULL_EXAMPLE_PROGRAM,
  LOYMAX_STATUS_EXAMPLE_PROGRAM,
  SALON_RULES_EXAMPLE_PROGRAM,
} from "../program/seed-programs.js";
import { compileProgram, DAY, moscow, programDocument } from "../test-support/loyalty-programs.js";
import { itEach } from "../test-support/table-tests.js";
import type { CategoryCondition, ImportanceClass } from "../../protocol/program-document.js";
import { CompiledProgram } from "./compiled-program.js";
import { categoriesAt, evaluateStanding, type DiscountSource, type StandingInput, type VisitStatus } from "./standing.js";

const LOYMAX = compileProgram(LOYMAX_STATUS_EXAMPLE_PROGRAM);
const SALON = compileProgram(SALON_RULES_EXAMPLE_PROGRAM);
const FULL = compileProgram(FULL_EXAMPLE_PROGRAM);

const CREATED_AT = moscow(2025, 12, 1, 10);
/** The member's last visit in the lifetime-counter tables. */
const LAST_VISIT = moscow(2026, 3, 10, 12);

/** A receipt for the counters: when, billed, paid with money. */
type Purchase = readonly [at: number, sold: number, paid?: number];

/** Counters after these purchases, each in the period the program's calendar puts it in. */
function countersAfter(compiled: CompiledProgram, purchases: readonly Purchase[]): AccountCounters {
  return purchases.reduce(
    (counters, [at, sold, paid]) => addReceipt(counters, compiled.calendar.periodOf(at).index, at, sold, paid ?? sold),
    EMPTY_COUNTERS,
  );
}

interface Lifetime {
  readonly sold?: number;
  readonly paid?: number;
  readonly visits?: number;
  readonly lastVisitAt?: number;
}

/** Counters with these lifetime totals: `visits` receipts up to `lastVisitAt`, the first carrying the money. */
function lifetimeCounters(compiled: CompiledProgram, { sold = 0, paid = sold, visits = 1, lastVisitAt = LAST_VISIT }: Lifetime): AccountCounters {
  const purchases: Purchase[] = [];
  for (let index = 0; index < visits; index += 1) {
    const at = lastVisitAt - (visits - 1 - index) * 60_000;
    purchases.push(index === 0 ? [at, sold, paid] : [at, 0, 0]);
  }
  return countersAfter(compiled, purchases);
}

function member(counters: AccountCounters, more: { readonly categories?: readonly string[]; readonly lastVisitStatus?: VisitStatus | null } = {}): StandingInput {
  return { counters, categories: more.categories ?? [], createdAt: CREATED_AT, lastVisitStatus: more.lastVisitStatus ?? null };
}

describe("evaluateStanding: Loymax monthly statuses", () => {
  interface StatusCase {
    readonly name: string;
    readonly purchases: readonly Purchase[];
    readonly now: number;
    readonly status: string;
    readonly discountBasisPoints: number;
  }

  itEach<StatusCase>([
    { name: "holds Bronze, the entry level, as a new member without purchases", purchases: [], now: moscow(2026, 2, 10), status: "bronze", discountBasisPoints: 200 },
    {
      name: "holds Bronze in February after exactly 10,000 roubles in January: the threshold must be exceeded",
      purchases: [[moscow(2026, 1, 10), 1_000_000]],
      now: moscow(2026, 2, 10),
      status: "bronze",
      discountBasisPoints: 200,
    },
    {
      name: "holds Silver in February after 10,000.01 roubles in January",
      purchases: [[moscow(2026, 1, 10), 600_000], [moscow(2026, 1, 20), 400_001]],
      now: moscow(2026, 2, 10),
      status: "silver",
      discountBasisPoints: 500,
    },
    {
      name: "holds Silver, not Gold, after exactly 20,000 roubles",
      purchases: [[moscow(2026, 1, 10), 2_000_000]],
      now: moscow(2026, 2, 10),
      status: "silver",
      discountBasisPoints: 500,
    },
    {
      name: "holds Gold after 20,000.01 roubles",
      purchases: [[moscow(2026, 1, 10), 2_000_001]],
      now: moscow(2026, 2, 10),
      status: "gold",
      discountBasisPoints: 1_000,
    },
    {
      name: "reads the sold counter, not paid: 15,000 billed but 5,000 paid gives Silver",
      purchases: [[moscow(2026, 1, 10), 1_500_000, 500_000]],
      now: moscow(2026, 2, 10),
      status: "silver",
      discountBasisPoints: 500,
    },
    {
      name: "does not count the current month: 25,000 roubles in February leave February at Bronze",
      purchases: [[moscow(2026, 2, 3), 2_500_000]],
      now: moscow(2026, 2, 20),
      status: "bronze",
      discountBasisPoints: 200,
    },
    {
      name: "drops a Gold member back to Silver after a weak month",
      purchases: [[moscow(2026, 1, 10), 2_500_000], [moscow(2026, 2, 10), 1_500_000]],
      now: moscow(2026, 3, 10),
      status: "silver",
      discountBasisPoints: 500,
    },
    {
      name: "drops a Gold member to Bronze in the month after a month with no purchase at all",
      purchases: [[moscow(2026, 1, 10), 2_500_000]],
      now: moscow(2026, 3, 1, 0, 0),
      status: "bronze",
      discountBasisPoints: 200,
    },
    {
      name: "keeps Gold to the last millisecond of February after a strong January",
      purchases: [[moscow(2026, 1, 10), 2_500_000]],
      now: moscow(2026, 3, 1, 0, 0) - 1,
      status: "gold",
      discountBasisPoints: 1_000,
    },
    {
      name: "counts a receipt at 23:30 Moscow on 31 January (20:30 UTC) in January",
      purchases: [[moscow(2026, 1, 10), 900_000], [Date.UTC(2026, 0, 31, 20, 30), 200_000]],
      now: moscow(2026, 2, 10),
      status: "silver",
      discountBasisPoints: 500,
    },
    {
      name: "counts a receipt at 00:30 Moscow on 1 February (21:30 UTC on 31 January) in February",
      purchases: [[moscow(2026, 1, 10), 900_000], [Date.UTC(2026, 0, 31, 21, 30), 200_000]],
      now: moscow(2026, 2, 10),
      status: "bronze",
      discountBasisPoints: 200,
    },
  ])(({ purchases, now, status, discountBasisPoints }) => {
    const standing = evaluateStanding(LOYMAX, member(countersAfter(LOYMAX, purchases)), now);
    expect(standing.status?.id).toBe(status);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.appliedDiscounts).toEqual([{ rule: `status:${status}`, basisPoints: discountBasisPoints }]);
    // No base accrual in the Loymax example: points come only from the bonus.
    expect(standing.accrualRateBasisPoints).toBe(0);
  });

  itEach<{ readonly name: string; readonly now: number; readonly period: number }>([
    { name: "puts 20:59:59.999 UTC on 31 January (23:59:59.999 Moscow) in January", now: Date.UTC(2026, 0, 31, 20, 59, 59, 999), period: 2026 * 12 },
    { name: "puts 21:00 UTC on 31 January (midnight Moscow) in February", now: Date.UTC(2026, 0, 31, 21), period: 2026 * 12 + 1 },
    { name: "puts 21:30 UTC on 31 January in February", now: Date.UTC(2026, 0, 31, 21, 30), period: 2026 * 12 + 1 },
  ])(({ now, period }) => {
    expect(evaluateStanding(LOYMAX, member(EMPTY_COUNTERS), now).period).toBe(period);
  });

  it("reads the paid counter when the status system says so: 15,000 billed but 5,000 paid stays Bronze", () => {
    const byPaid = compileProgram({
      ...LOYMAX_STATUS_EXAMPLE_PROGRAM,
      statuses: { ...LOYMAX_STATUS_EXAMPLE_PROGRAM.statuses, counter: "paid" },
    });
    const counters = countersAfter(byPaid, [[moscow(2026, 1, 10), 1_500_000, 500_000]]);
    expect(evaluateStanding(byPaid, member(counters), moscow(2026, 2, 10)).status?.id).toBe("bronze");
    const paidEnough = countersAfter(byPaid, [[moscow(2026, 1, 10), 1_500_000, 1_000_001]]);
    expect(evaluateStanding(byPaid, member(paidEnough), moscow(2026, 2, 10)).status?.id).toBe("silver");
  });

  it("takes the level's own accrual rate, and the program's when the level sets none", () => {
    const withRates = compileProgram({
      ...LOYMAX_STATUS_EXAMPLE_PROGRAM,
      points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 10_000 },
      statuses: {
        ...LOYMAX_STATUS_EXAMPLE_PROGRAM.statuses,
        levels: LOYMAX_STATUS_EXAMPLE_PROGRAM.statuses.levels.map((level) =>
          level.id === "gold" ? { ...level, accrualRateBasisPoints: 700 } : level,
        ),
      },
    });
    const gold = countersAfter(withRates, [[moscow(2026, 1, 10), 2_500_000]]);
    expect(evaluateStanding(withRates, member(gold), moscow(2026, 2, 10)).accrualRateBasisPoints).toBe(700);
    expect(evaluateStanding(withRates, member(EMPTY_COUNTERS), moscow(2026, 2, 10)).accrualRateBasisPoints).toBe(100);
  });

  it("decides quarterly statuses on the previous calendar quarter", () => {
    const quarterly = compileProgram({ ...LOYMAX_STATUS_EXAMPLE_PROGRAM, period: { kind: "quarter" } });
    const counters = countersAfter(quarterly, [[moscow(2026, 1, 10), 1_500_000], [moscow(2026, 3, 31, 23, 59), 600_000]]);
    expect(evaluateStanding(quarterly, member(counters), moscow(2026, 3, 31, 23, 59)).status?.id).toBe("bronze");
    expect(evaluateStanding(quarterly, member(counters), moscow(2026, 4, 1, 0, 0)).status?.id).toBe("gold");
    expect(evaluateStanding(quarterly, member(counters), moscow(2026, 6, 30, 23, 59)).status?.id).toBe("gold");
    expect(evaluateStanding(quarterly, member(counters), moscow(2026, 7, 1, 0, 0)).status?.id).toBe("bronze");
  });
});

describe("evaluateStanding: salon discount rules", () => {
  interface RuleCase {
    readonly name: string;
    readonly lifetime: Lifetime;
    readonly discountBasisPoints: number;
    /** Every holding rule: each is its own discount source. */
    readonly sources: readonly string[];
    readonly rules: readonly string[];
  }

  itEach<RuleCase>([
    { name: "gives no discount below 5,000 sold and with two visits", lifetime: { sold: 499_999, visits: 2 }, discountBasisPoints: 0, sources: [], rules: [] },
    { name: "gives 5 % from exactly 5,000 sold", lifetime: { sold: 500_000, visits: 1 }, discountBasisPoints: 500, sources: ["rule:sold-5000"], rules: ["rule:sold-5000"] },
    {
      name: "gives 5 % on the sold amount even when less was paid",
      lifetime: { sold: 500_000, paid: 100_000, visits: 1 },
      discountBasisPoints: 500,
      sources: ["rule:sold-5000"],
      rules: ["rule:sold-5000"],
    },
    { name: "gives 5 % after three visits (more than two)", lifetime: { sold: 100, visits: 3 }, discountBasisPoints: 500, sources: ["rule:visits-3"], rules: ["rule:visits-3"] },
    {
      name: "gives one 5 %, not 10 %, when both rules hold: the larger discount wins, the earlier rule on a tie",
      lifetime: { sold: 600_000, visits: 5 },
      discountBasisPoints: 500,
      sources: ["rule:sold-5000", "rule:visits-3"],
      rules: ["rule:sold-5000"],
    },
  ])(({ lifetime, discountBasisPoints, sources, rules }) => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, lifetime)), LAST_VISIT + DAY);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.discountSources.map((source) => source.rule)).toEqual(sources);
    expect(standing.appliedDiscounts.map((source) => source.rule)).toEqual(rules);
    expect(standing.status).toBeNull();
  });

  interface LapseCase {
    readonly name: string;
    readonly now: number;
    readonly discountBasisPoints: number;
    readonly discountLapsesAt: number | null;
  }

  itEach<LapseCase>([
    { name: "keeps the rules' 5 % a day after the last visit, and says it lapses 60 days after that visit", now: LAST_VISIT + DAY, discountBasisPoints: 500, discountLapsesAt: LAST_VISIT + 60 * DAY },
    { name: "keeps the rules' 5 % at exactly 60 days without a visit", now: LAST_VISIT + 60 * DAY, discountBasisPoints: 500, discountLapsesAt: LAST_VISIT + 60 * DAY },
    { name: "drops the rules' discount to 0 one millisecond after 60 days without a visit", now: LAST_VISIT + 60 * DAY + 1, discountBasisPoints: 0, discountLapsesAt: null },
    { name: "keeps the rules' discount at 0 a year later", now: LAST_VISIT + 365 * DAY, discountBasisPoints: 0, discountLapsesAt: null },
  ])(({ now, discountBasisPoints, discountLapsesAt }) => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, { sold: 600_000, visits: 5 })), now);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.discountLapsesAt).toBe(discountLapsesAt);
  });

  it("says nothing lapses for a member no rule gives a discount yet", () => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, { sold: 100, visits: 1 })), LAST_VISIT + DAY);
    expect(standing.discountLapsesAt).toBeNull();
  });

  it("says nothing lapses in a program without discountLapseAfterDaysWithoutVisit", () => {
    const noLapse = compileProgram({ ...SALON_RULES_EXAMPLE_PROGRAM, discountLapseAfterDaysWithoutVisit: null });
    const standing = evaluateStanding(noLapse, member(lifetimeCounters(noLapse, { sold: 600_000 })), LAST_VISIT + 1_000 * DAY);
    expect(standing.discountBasisPoints).toBe(500);
    expect(standing.discountLapsesAt).toBeNull();
  });

  itEach<{ readonly name: string; readonly now: number; readonly discountBasisPoints: number; readonly rules: readonly string[] }>([
    { name: "gives a Bronze member with three visits the rules' 5 % over Bronze's 2 % in the full example", now: LAST_VISIT + DAY, discountBasisPoints: 500, rules: ["rule:sold-5000"] },
    { name: "leaves the status's 2 % once the rules lapsed after 60 days without a visit", now: LAST_VISIT + 61 * DAY, discountBasisPoints: 200, rules: ["status:bronze"] },
  ])(({ now, discountBasisPoints, rules }) => {
    const standing = evaluateStanding(FULL, member(lifetimeCounters(FULL, { sold: 600_000, visits: 3 })), now);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.appliedDiscounts.map((source) => source.rule)).toEqual(rules);
  });

  it("keeps a quarterly Gold status's 10 % after the rules lapsed: the lapse takes the rules' discount only", () => {
    const quarterly = compileProgram({ ...FULL_EXAMPLE_PROGRAM, period: { kind: "quarter" } });
    const counters = countersAfter(quarterly, [[moscow(2026, 1, 15), 2_500_000]]);
    const now = moscow(2026, 5, 1);
    const standing = evaluateStanding(quarterly, member(counters), now);
    expect(now - moscow(2026, 1, 15)).toBeGreaterThan(60 * DAY);
    expect(standing.status?.id).toBe("gold");
    expect(standing.discountSources.map((source) => source.rule)).toEqual(["status:gold"]);
    expect(standing.discountBasisPoints).toBe(1_000);
    expect(standing.discountLapsesAt).toBeNull();
  });
});

describe("evaluateStanding: salon importance classes", () => {
  interface ClassCase {
    readonly name: string;
    readonly lifetime: Lifetime;
    readonly importanceClass: string | null;
  }

  itEach<ClassCase>([
    { name: "gives no class below 20,000 sold and 10 visits", lifetime: { sold: 1_999_999, visits: 9 }, importanceClass: null },
    { name: "gives Bronze from exactly 20,000 sold", lifetime: { sold: 2_000_000, visits: 1 }, importanceClass: "bronze" },
    { name: "gives Bronze from 10 visits with little sold: either criterion suffices", lifetime: { sold: 100, visits: 10 }, importanceClass: "bronze" },
    { name: "gives Silver from 50,000 sold", lifetime: { sold: 5_000_000, visits: 1 }, importanceClass: "silver" },
    { name: "gives Silver from 30 visits", lifetime: { sold: 0, visits: 30 }, importanceClass: "silver" },
    { name: "gives Gold from 100,000 sold", lifetime: { sold: 10_000_000, visits: 1 }, importanceClass: "gold" },
    { name: "gives Gold from 50 visits although sold only reaches Bronze: the higher class wins", lifetime: { sold: 2_000_000, visits: 50 }, importanceClass: "gold" },
    { name: "gives Silver for 50,000 sold and 10 visits: the higher of Silver and Bronze", lifetime: { sold: 5_000_000, visits: 10 }, importanceClass: "silver" },
    { name: "does not read paid for classes whose criteria are sold and visits", lifetime: { sold: 1_000_000, paid: 1_000_000, visits: 9 }, importanceClass: null },
  ])(({ lifetime, importanceClass }) => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, lifetime)), LAST_VISIT + DAY);
    expect(standing.importanceClass?.id ?? null).toBe(importanceClass);
  });

  itEach<{ readonly name: string; readonly now: number; readonly importanceClass: string | null; readonly classLapsesAt: number | null }>([
    { name: "keeps the class at exactly 180 days without a visit and says it lapses then", now: LAST_VISIT + 180 * DAY, importanceClass: "gold", classLapsesAt: LAST_VISIT + 180 * DAY },
    { name: "removes the class one millisecond after 180 days without a visit", now: LAST_VISIT + 180 * DAY + 1, importanceClass: null, classLapsesAt: null },
  ])(({ now, importanceClass, classLapsesAt }) => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, { sold: 10_000_000 })), now);
    expect(standing.importanceClass?.id ?? null).toBe(importanceClass);
    expect(standing.classLapsesAt).toBe(classLapsesAt);
  });

  it("gives the held class's discount only, not the lower classes' too", () => {
    const discounted = compileProgram({
      ...SALON_RULES_EXAMPLE_PROGRAM,
      discountRules: [],
      discountPolicy: { kind: "sum", capBasisPoints: 10_000 },
      classes: {
        ...SALON_RULES_EXAMPLE_PROGRAM.classes,
        classes: SALON_RULES_EXAMPLE_PROGRAM.classes.classes.map((each) => ({ ...each, discountBasisPoints: 100 * each.rank })),
      },
    });
    const standing = evaluateStanding(discounted, member(lifetimeCounters(discounted, { sold: 10_000_000 })), LAST_VISIT + DAY);
    expect(standing.appliedDiscounts).toEqual([{ rule: "class:gold", basisPoints: 300 }]);
    expect(standing.discountBasisPoints).toBe(300);
  });
});

describe("evaluateStanding: salon categories", () => {
  interface CategoryCase {
    readonly name: string;
    readonly lifetime: Lifetime;
    readonly categories: readonly string[];
  }

  itEach<CategoryCase>([
    { name: "puts a member below 2,000 sold in no category", lifetime: { sold: 199_999 }, categories: [] },
    { name: "puts a member in Economy from 2,000 sold", lifetime: { sold: 200_000 }, categories: ["economy"] },
    { name: "keeps Economy up to 9,999.99 sold", lifetime: { sold: 999_999 }, categories: ["economy"] },
    { name: "adds Standard and removes Economy at 10,000 sold: remove wins over Economy's add rule", lifetime: { sold: 1_000_000 }, categories: ["standard"] },
    { name: "adds VIP by 30,000 paid", lifetime: { sold: 3_000_000, paid: 3_000_000 }, categories: ["standard", "vip"] },
    { name: "does not add VIP by 30,000 sold when less was paid", lifetime: { sold: 3_000_000, paid: 2_999_999 }, categories: ["standard"] },
    { name: "adds VIP by 20 visits alone", lifetime: { sold: 0, visits: 20 }, categories: ["vip"] },
    { name: "does not add VIP at 19 visits", lifetime: { sold: 0, visits: 19 }, categories: [] },
  ])(({ lifetime, categories }) => {
    const standing = evaluateStanding(SALON, member(lifetimeCounters(SALON, lifetime)), LAST_VISIT + DAY);
    expect(standing.categories).toEqual(categories);
  });

  interface AbsenceCase {
    readonly name: string;
    readonly now: number;
    readonly categories: readonly string[];
  }

  itEach<AbsenceCase>([
    { name: "adds nothing at exactly 45 days without a visit", now: LAST_VISIT + 45 * DAY, categories: ["economy"] },
    { name: "adds Standard after more than 45 days without a visit", now: LAST_VISIT + 45 * DAY + 1, categories: ["economy", "standard"] },
    { name: "does not add Lost at exactly 90 days without a visit", now: LAST_VISIT + 90 * DAY, categories: ["economy", "standard"] },
    { name: "adds Lost after more than 90 days without a visit, and every matching category applies", now: LAST_VISIT + 90 * DAY + 1, categories: ["economy", "standard", "lost"] },
    { name: "gives the same answer when read 100 days after the last visit", now: LAST_VISIT + 100 * DAY, categories: ["economy", "standard", "lost"] },
    { name: "gives the same answer when read ten years after the last visit", now: LAST_VISIT + 3_650 * DAY, categories: ["economy", "standard", "lost"] },
  ])(({ now, categories }) => {
    const input = Object.freeze(member(lifetimeCounters(SALON, { sold: 300_000 })));
    const snapshot = structuredClone(input);
    expect(evaluateStanding(SALON, input, now).categories).toEqual(categories);
    // Reading is lazy and pure: nothing is written, so any later read starts from the same state.
    expect(input).toEqual(snapshot);
  });

  it("counts days without a visit from enrolment for a member who never visited", () => {
    const input = member(EMPTY_COUNTERS);
    expect(evaluateStanding(SALON, input, CREATED_AT + 90 * DAY).categories).toEqual(["standard"]);
    expect(evaluateStanding(SALON, input, CREATED_AT + 90 * DAY + 1).categories).toEqual(["standard", "lost"]);
  });

  it("keeps a stored membership no rule removes: a member stored in Lost stays there after visiting again", () => {
    const input = member(lifetimeCounters(SALON, { sold: 300_000 }), { categories: ["lost", "standard"] });
    expect(evaluateStanding(SALON, input, LAST_VISIT + DAY).categories).toEqual(["economy", "standard", "lost"]);
  });

  it("drops a stored category the program no longer defines", () => {
    const input = member(lifetimeCounters(SALON, { sold: 300_000 }), { categories: ["retired-category", "economy"] });
    expect(evaluateStanding(SALON, input, LAST_VISIT + DAY).categories).toEqual(["economy"]);
  });

  itEach<{ readonly name: string; readonly lifetime: Lifetime; readonly lastVisitStatus: VisitStatus; readonly categories: readonly string[] }>([
    { name: "puts a member whose visit status is came in Economy below 2,000 sold", lifetime: { sold: 100 }, lastVisitStatus: "came", categories: ["economy"] },
    { name: "keeps a came member with 10,000 sold out of Economy: the removal at 10,000 wins", lifetime: { sold: 1_000_000 }, lastVisitStatus: "came", categories: ["standard"] },
    { name: "takes a 20-visit VIP whose visit status is didNotCome out of VIP", lifetime: { sold: 0, visits: 20 }, lastVisitStatus: "didNotCome", categories: [] },
    { name: "takes a 30,000-paid VIP whose visit status is didNotCome out of VIP", lifetime: { sold: 3_000_000 }, lastVisitStatus: "didNotCome", categories: ["standard"] },
    { name: "does not put a didNotCome member in Economy below 2,000 sold", lifetime: { sold: 100 }, lastVisitStatus: "didNotCome", categories: [] },
  ])(({ lifetime, lastVisitStatus, categories }) => {
    const input = member(lifetimeCounters(SALON, lifetime), { categories: [], lastVisitStatus });
    expect(evaluateStanding(SALON, input, LAST_VISIT + DAY).categories).toEqual(categories);
  });

  it("follows rules that test classes and other categories, in any order of the rules", () => {
    const chained = compileProgram(
      programDocument({
        classes: { classes: [{ id: "gold", name: "Gold", rank: 1, criteria: [{ counter: "sold", from: 1_000 }] }] },
        categories: [
          { id: "family", name: "Family", discountBasisPoints: 300 },
          { id: "club", name: "Club" },
        ],
        // "family" depends on "club", which is added by a later rule: a single pass would miss it.
        categoryRules: [
          { id: "family-from-club", action: "add", category: "family", when: { inCategory: "club" } },
          { id: "club-from-gold", action: "add", category: "club", when: { hasClass: "gold" } },
        ],
      }),
    );
    const gold = evaluateStanding(chained, member(lifetimeCounters(chained, { sold: 1_000 })), LAST_VISIT + DAY);
    expect(gold.categories).toEqual(["family", "club"]);
    expect(gold.appliedDiscounts).toEqual([{ rule: "category:family", basisPoints: 300 }]);
    const notGold = evaluateStanding(chained, member(lifetimeCounters(chained, { sold: 999 })), LAST_VISIT + DAY);
    expect(notGold.categories).toEqual([]);
  });
});

describe("evaluateStanding: discount policies", () => {
  /** Status 2 %, rule 5 %, class 3 %, category 1 %: every kind of source at once. */
  function everySource(policy: Record<string, unknown>, more: Record<string, unknown> = {}): CompiledProgram {
    return compileProgram(
      programDocument({
        statuses: { counter: "sold", entryLevel: "base", levels: [{ id: "base", name: "Base", threshold: 0, discountBasisPoints: 200 }] },
        discountRules: [{ id: "sold-1", counter: "sold", from: 1, discountBasisPoints: 500 }],
        classes: { classes: [{ id: "gold", name: "Gold", rank: 1, criteria: [{ counter: "visits", from: 1 }], discountBasisPoints: 300 }] },
        categories: [{ id: "vip", name: "VIP", discountBasisPoints: 100 }],
        categoryRules: [{ id: "vip-1", action: "add", category: "vip", when: { counter: "visits", from: 1 } }],
        discountPolicy: policy,
        ...more,
      }),
    );
  }

  const ALL: readonly DiscountSource[] = [
    { rule: "status:base", basisPoints: 200 },
    { rule: "rule:sold-1", basisPoints: 500 },
    { rule: "class:gold", basisPoints: 300 },
    { rule: "category:vip", basisPoints: 100 },
  ];

  interface PolicyCase {
    readonly name: string;
    readonly policy: Record<string, unknown>;
    readonly discountBasisPoints: number;
    readonly applied: readonly DiscountSource[];
  }

  itEach<PolicyCase>([
    { name: "applies only the largest source under largest", policy: { kind: "largest" }, discountBasisPoints: 500, applied: [{ rule: "rule:sold-1", basisPoints: 500 }] },
    { name: "adds every source under sum with a cap above the sum", policy: { kind: "sum", capBasisPoints: 5_000 }, discountBasisPoints: 1_100, applied: ALL },
    { name: "caps the sum at capBasisPoints", policy: { kind: "sum", capBasisPoints: 800 }, discountBasisPoints: 800, applied: ALL },
    { name: "gives the sum exactly when it equals the cap", policy: { kind: "sum", capBasisPoints: 1_100 }, discountBasisPoints: 1_100, applied: ALL },
    { name: "gives nothing under a sum capped at 0", policy: { kind: "sum", capBasisPoints: 0 }, discountBasisPoints: 0, applied: ALL },
  ])(({ policy, discountBasisPoints, applied }) => {
    const compiled = everySource(policy);
    const standing = evaluateStanding(compiled, member(lifetimeCounters(compiled, { sold: 1 })), LAST_VISIT + DAY);
    expect(standing.discountSources).toEqual(ALL);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.appliedDiscounts).toEqual(applied);
  });

  it("caps a sum of sources above 100 % at 100 %", () => {
    const compiled = compileProgram(
      programDocument({
        statuses: { counter: "sold", entryLevel: "base", levels: [{ id: "base", name: "Base", threshold: 0, discountBasisPoints: 6_000 }] },
        categories: [{ id: "vip", name: "VIP", discountBasisPoints: 6_000 }],
        categoryRules: [{ id: "vip-1", action: "add", category: "vip", when: { counter: "visits", from: 1 } }],
        discountPolicy: { kind: "sum", capBasisPoints: 10_000 },
      }),
    );
    const standing = evaluateStanding(compiled, member(lifetimeCounters(compiled, { sold: 1 })), LAST_VISIT + DAY);
    expect(standing.discountBasisPoints).toBe(10_000);
  });

  it("lists no source for a zero discount and gives 0 when nothing offers one", () => {
    const compiled = compileProgram(programDocument({ discountPolicy: { kind: "sum", capBasisPoints: 10_000 } }));
    const standing = evaluateStanding(compiled, member(EMPTY_COUNTERS), LAST_VISIT);
    expect(standing).toMatchObject({ discountSources: [], appliedDiscounts: [], discountBasisPoints: 0, status: null, importanceClass: null });
  });

  /** everySource's program with two discount rules, both holding for a member with 1 sold, and the status's discount. */
  function twoRules(policy: Record<string, unknown>, status: number, first: number, second: number): CompiledProgram {
    return everySource(policy, {
      statuses: { counter: "sold", entryLevel: "base", levels: [{ id: "base", name: "Base", threshold: 0, discountBasisPoints: status }] },
      discountRules: [
        { id: "sold-1", counter: "sold", from: 1, discountBasisPoints: first },
        { id: "sold-1b", counter: "sold", from: 1, discountBasisPoints: second },
      ],
    });
  }

  interface TwoRulesCase {
    readonly name: string;
    readonly policy: Record<string, unknown>;
    /** The status's discount; 200 unless given. */
    readonly status?: number;
    readonly rules: readonly [first: number, second: number];
    readonly discountBasisPoints: number;
    readonly applied: readonly string[];
  }

  itEach<TwoRulesCase>([
    {
      name: "adds every holding discount rule under sum, as docs/program.md's Combining discounts says",
      policy: { kind: "sum", capBasisPoints: 10_000 },
      rules: [500, 300],
      discountBasisPoints: 200 + 500 + 300 + 300 + 100,
      applied: ["status:base", "rule:sold-1", "rule:sold-1b", "class:gold", "category:vip"],
    },
    {
      name: "caps the sum of every holding rule and the other sources at capBasisPoints",
      policy: { kind: "sum", capBasisPoints: 1_000 },
      rules: [500, 300],
      discountBasisPoints: 1_000,
      applied: ["status:base", "rule:sold-1", "rule:sold-1b", "class:gold", "category:vip"],
    },
    {
      name: "applies the later rule under largest when it is the largest source",
      policy: { kind: "largest" },
      rules: [500, 700],
      discountBasisPoints: 700,
      applied: ["rule:sold-1b"],
    },
    {
      name: "applies the earlier rule under largest when two rules tie for the largest",
      policy: { kind: "largest" },
      rules: [500, 500],
      discountBasisPoints: 500,
      applied: ["rule:sold-1"],
    },
    {
      name: "applies a rule over the class under largest when they tie: rules come before the class",
      policy: { kind: "largest" },
      rules: [100, 300],
      discountBasisPoints: 300,
      applied: ["rule:sold-1b"],
    },
    {
      name: "applies the status over a rule under largest when they tie: the status is the earliest source",
      policy: { kind: "largest" },
      status: 700,
      rules: [700, 500],
      discountBasisPoints: 700,
      applied: ["status:base"],
    },
  ])(({ policy, status = 200, rules: [first, second], discountBasisPoints, applied }) => {
    const compiled = twoRules(policy, status, first, second);
    const standing = evaluateStanding(compiled, member(lifetimeCounters(compiled, { sold: 1 })), LAST_VISIT + DAY);
    expect(standing.discountSources).toEqual([
      { rule: "status:base", basisPoints: status },
      { rule: "rule:sold-1", basisPoints: first },
      { rule: "rule:sold-1b", basisPoints: second },
      { rule: "class:gold", basisPoints: 300 },
      { rule: "category:vip", basisPoints: 100 },
    ]);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.appliedDiscounts.map((source) => source.rule)).toEqual(applied);
  });
});

describe("categoriesAt over random rules", () => {
  /** The rules' definition as first written: a new set per pass, every rule applied, compared whole. */
  function categoriesByDefinition(compiled: CompiledProgram, input: StandingInput, importanceClass: ImportanceClass | null, now: number): string[] {
    const rules = compiled.program.categoryRules;
    let members = new Set(input.categories.filter((id) => compiled.categoriesById.has(id)));
    const holds = (condition: CategoryCondition, before: ReadonlySet<string>): boolean => {
      if ("counter" in condition) return input.counters.lifetime[condition.counter] >= condition.from;
      if ("daysWithoutVisitMoreThan" in condition) return now - (input.counters.lastVisitAt ?? input.createdAt) > condition.daysWithoutVisitMoreThan * DAY;
      if ("visitStatus" in condition) return condition.visitStatus === input.lastVisitStatus;
      if ("inCategory" in condition) return before.has(condition.inCategory);
      return importanceClass?.id === condition.hasClass;
    };
    for (let pass = 0; pass <= rules.length; pass += 1) {
      const before: ReadonlySet<string> = members;
      const next = new Set(before);
      for (const rule of rules) if (rule.action === "add" && holds(rule.when, before)) next.add(rule.category);
      for (const rule of rules) if (rule.action === "remove" && holds(rule.when, before)) next.delete(rule.category);
      const changed = next.size !== before.size || [...next].some((id) => !before.has(id));
      members = next;
      if (!changed) break;
    }
    return compiled.program.categories.map((category) => category.id).filter((id) => members.has(id));
  }

  it("gives what the rules' definition gives, with rules that refer to categories, flip them and never settle", () => {
    const ids = ["a", "b", "c", "d"];
    const conditionArb: fc.Arbitrary<CategoryCondition> = fc.oneof(
      fc.record({ counter: fc.constantFrom("sold" as const, "paid" as const, "visits" as const), from: fc.nat(5) }),
      fc.record({ daysWithoutVisitMoreThan: fc.nat(3) }),
      fc.record({ visitStatus: fc.constantFrom("came" as const, "didNotCome" as const) }),
      fc.record({ inCategory: fc.constantFrom(...ids, "unknown") }),
      fc.record({ hasClass: fc.constantFrom("gold", "none") }),
    );
    const ruleArb = fc.record({ action: fc.constantFrom("add" as const, "remove" as const), category: fc.constantFrom(...ids, "unknown"), when: conditionArb });
    fc.assert(
      fc.property(
        fc.array(ruleArb, { maxLength: 8 }),
        fc.subarray([...ids, "unknown"]),
        fc.record({ sold: fc.nat(6), paid: fc.nat(6), visits: fc.nat(6) }),
        fc.constantFrom(null, "came" as const, "didNotCome" as const),
        fc.nat(5),
        fc.boolean(),
        (rules, categories, lifetime, lastVisitStatus, days, gold) => {
          const compiled = new CompiledProgram({
            ...SALON.program,
            categories: ids.map((id) => ({ id, name: id, discountBasisPoints: 0 })),
            categoryRules: rules.map((rule, index) => ({ id: `r${index}`, ...rule })),
          });
          const input: StandingInput = { counters: { ...EMPTY_COUNTERS, lifetime }, categories, createdAt: 0, lastVisitStatus };
          const importanceClass: ImportanceClass | null = gold ? { id: "gold", name: "Gold", rank: 1, criteria: [], discountBasisPoints: 0 } : null;
          expect(categoriesAt(compiled, input, importanceClass, days * DAY)).toEqual(categoriesByDefinition(compiled, input, importanceClass, days * DAY));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
