import { describe, expect, it } from "vitest";
import { openAccount } from "../account/account.js";
import { FULL_EXAMPLE_PROGRAM, LOYMAX_STATUS_EXAMPLE_PROGRAM, SALON_RULES_EXAMPLE_PROGRAM } from "../program/seed-programs.js";
import type { AppliedRule, ReceiptCalculation, ReceiptLine } from "../receipt/receipt.js";
import {
  compileProgram,
  DAY,
  line,
  MemberJourney,
  moscow,
  moscowMonthIndex,
  receiptAt,
  TEST_PROFILE,
} from "../test-support/loyalty-programs.js";
import { randomInteger, seededRandom } from "../random/seeded-random.js";
import { itEach } from "../test-support/table-tests.js";
import type { CompiledProgram } from "./compiled-program.js";
import { calculateForMember, commitForMember, reportVisitForMember, standingView } from "./member-operations.js";
import type { Standing } from "./standing.js";

const LOYMAX = compileProgram(LOYMAX_STATUS_EXAMPLE_PROGRAM);
const SALON = compileProgram(SALON_RULES_EXAMPLE_PROGRAM);
const FULL = compileProgram(FULL_EXAMPLE_PROGRAM);

const ENROLLED = moscow(2025, 12, 20);

const LEVELS = {
  bronze: { discountBasisPoints: 200, bonus: 100 },
  silver: { discountBasisPoints: 500, bonus: 300 },
  gold: { discountBasisPoints: 1_000, bonus: 500 },
} as const;
type LevelId = keyof typeof LEVELS;

function discountRules(calculation: ReceiptCalculation): readonly AppliedRule[] {
  return calculation.rules.filter((rule) => rule.effect === "discount");
}

describe("the Loymax status example, month by month through commitForMember", () => {
  interface MonthRow {
    readonly year: number;
    readonly month: number;
    readonly status: LevelId;
    /** The month's receipts in kopecks, one a day from the 2nd at noon Moscow time. */
    readonly receipts: readonly number[];
  }

  interface JourneyCase {
    readonly name: string;
    readonly months: readonly MonthRow[];
  }

  itEach<JourneyCase>([
    {
      name: "follows docs/program.md's member: Bronze, Silver, Silver at exactly 20,000, Gold, Bronze after an empty April, Bronze at exactly 10,000",
      months: [
        { year: 2026, month: 1, status: "bronze", receipts: [200_000, 200_000, 200_000, 200_000, 200_000, 100_000, 100_000] },
        { year: 2026, month: 2, status: "silver", receipts: [500_000, 500_000, 500_000, 500_000] },
        { year: 2026, month: 3, status: "silver", receipts: Array.from({ length: 10 }, () => 210_000) },
        { year: 2026, month: 4, status: "gold", receipts: [] },
        { year: 2026, month: 5, status: "bronze", receipts: [200_000, 200_000, 200_000, 200_000, 200_000] },
        { year: 2026, month: 6, status: "bronze", receipts: [100_000] },
      ],
    },
    {
      name: "rises to Gold above 20,000, drops to Silver after a 15,000 month and to Bronze after a 1,000 month",
      months: [
        { year: 2026, month: 1, status: "bronze", receipts: [2_500_000] },
        { year: 2026, month: 2, status: "gold", receipts: [250_000, 250_000, 250_000, 250_000, 250_000, 250_000] },
        { year: 2026, month: 3, status: "silver", receipts: [100_000] },
        { year: 2026, month: 4, status: "bronze", receipts: [100_000] },
      ],
    },
    {
      name: "falls from Silver straight to Bronze after skipping a whole month",
      months: [
        { year: 2026, month: 1, status: "bronze", receipts: [1_100_000] },
        { year: 2026, month: 2, status: "silver", receipts: [] },
        { year: 2026, month: 3, status: "bronze", receipts: [50_000] },
      ],
    },
    {
      name: "keeps Silver on 10,000.01 billed although the 5 % discount leaves less than 10,000 paid",
      months: [
        { year: 2026, month: 1, status: "bronze", receipts: [1_100_000] },
        { year: 2026, month: 2, status: "silver", receipts: [1_000_001] },
        { year: 2026, month: 3, status: "silver", receipts: [] },
      ],
    },
    {
      name: "carries statuses over New Year: 20,000.01 in December gives Gold in January",
      months: [
        { year: 2025, month: 12, status: "bronze", receipts: [2_000_001] },
        { year: 2026, month: 1, status: "gold", receipts: [10_000] },
        { year: 2026, month: 2, status: "bronze", receipts: [] },
      ],
    },
  ])(({ months }) => {
    const journey = new MemberJourney(LOYMAX, moscow(2025, 11, 1));
    let expectedBalance = 0;
    for (const row of months) {
      const context = `${row.year}-${row.month}`;
      const monthStart = moscow(row.year, row.month, 1, 0, 0);
      expect(journey.statusAt(monthStart), context).toBe(row.status);
      expect(journey.view(monthStart), context).toMatchObject({
        status: { id: row.status },
        discountBasisPoints: LEVELS[row.status].discountBasisPoints,
        discountSources: [{ rule: `status:${row.status}`, basisPoints: LEVELS[row.status].discountBasisPoints }],
      });
      row.receipts.forEach((amount, index) => {
        const purchase = index + 1;
        const calculation = journey.buy(moscow(row.year, row.month, 2 + index), [amount]);
        const level = LEVELS[row.status];
        const bonus = purchase % 5 === 0 ? level.bonus : 0;
        const receiptContext = `${context}, purchase ${purchase}`;
        expect(calculation.discountBasisPoints, receiptContext).toBe(level.discountBasisPoints);
        expect(calculation.discount, receiptContext).toBe(Math.floor((amount * level.discountBasisPoints) / 10_000));
        expect(calculation.bonusPoints, receiptContext).toBe(bonus);
        expect(calculation.points, receiptContext).toBe(bonus);
        expect(discountRules(calculation), receiptContext).toEqual([
          { rule: `status:${row.status}`, effect: "discount", basisPoints: level.discountBasisPoints },
        ]);
        expect(calculation.rules.filter((rule) => rule.effect === "bonus"), receiptContext).toEqual(
          bonus > 0 ? [{ rule: `status:${row.status}`, effect: "bonus", points: bonus }] : [],
        );
        expectedBalance += bonus;
        expect(journey.account.balance, receiptContext).toBe(expectedBalance);
      });
      // The status holds for the whole month: reading at its last millisecond gives the same level.
      expect(journey.statusAt(moscow(row.year, row.month + 1, 1, 0, 0) - 1), context).toBe(row.status);
    }
  });

  interface BoundaryCase {
    readonly name: string;
    readonly at: number;
    readonly status: LevelId;
    readonly bonusPoints: number;
    readonly periodOfNextReceipts: "January" | "February";
  }

  itEach<BoundaryCase>([
    {
      name: "counts a receipt at 23:30 Moscow on 31 January (20:30 UTC) as January's 5th purchase, at Bronze with its bonus",
      at: Date.UTC(2026, 0, 31, 20, 30),
      status: "bronze",
      bonusPoints: 100,
      periodOfNextReceipts: "January",
    },
    {
      name: "counts a receipt at 00:30 Moscow on 1 February (21:30 UTC on 31 January) as February's 1st purchase, at Silver",
      at: Date.UTC(2026, 0, 31, 21, 30),
      status: "silver",
      bonusPoints: 0,
      periodOfNextReceipts: "February",
    },
  ])(({ at, status, bonusPoints, periodOfNextReceipts }) => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    for (const day of [5, 6, 7, 8]) journey.buy(moscow(2026, 1, day), [300_000]);
    const boundary = journey.buy(at, [100_000]);
    expect(boundary.discountBasisPoints).toBe(LEVELS[status].discountBasisPoints);
    expect(boundary.bonusPoints).toBe(bonusPoints);
    // Four more February receipts: the 5th purchase of February is the last one only if the boundary receipt was in January.
    const february = [2, 3, 4, 5].map((day) => journey.buy(moscow(2026, 2, day), [10_000]));
    expect(february.map((each) => each.bonusPoints)).toEqual(periodOfNextReceipts === "February" ? [0, 0, 0, 300] : [0, 0, 0, 0]);
    // January held 1,200,000 (+100,000 if the boundary receipt was January's): Silver either way.
    expect(february.every((each) => each.discountBasisPoints === 500)).toBe(true);
  });

  it("counts a late receipt for the remembered previous month in that month: it lifts the current month's status", () => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [600_000]);
    journey.buy(moscow(2026, 2, 1), [10_000]);
    expect(journey.statusAt(moscow(2026, 2, 2))).toBe("bronze");
    // The offline lane sends January's last receipt on 2 February: it is January's 2nd purchase, at January's Bronze.
    const late = journey.buy(moscow(2026, 1, 31), [500_000]);
    expect(late.discountBasisPoints).toBe(200);
    expect(journey.statusAt(moscow(2026, 2, 2))).toBe("silver");
    expect(journey.account.counters.lastVisitAt).toBe(moscow(2026, 2, 1));
  });

  it("lifts February to Silver with a late January receipt even when January had no receipt before", () => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    journey.buy(moscow(2026, 2, 10), [10_000]);
    // January's receipt arrives after February's first one: priced at January's Bronze, counted in January.
    expect(journey.buy(moscow(2026, 1, 20), [1_500_000]).discountBasisPoints).toBe(200);
    expect(journey.statusAt(moscow(2026, 2, 11))).toBe("silver");
    expect(journey.buy(moscow(2026, 2, 11), [10_000]).discountBasisPoints).toBe(500);
  });

  it("calculates a late February receipt that arrives in March at February's status: January is still remembered", () => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [1_500_000]);
    expect(journey.buy(moscow(2026, 2, 27), [10_000]).discountBasisPoints).toBe(500);
    expect(journey.buy(moscow(2026, 3, 2), [10_000]).discountBasisPoints).toBe(200);
    const late = journey.buy(moscow(2026, 2, 28), [10_000]);
    expect(late.discountBasisPoints).toBe(500);
    expect(late.rules).toEqual([{ rule: "status:silver", effect: "discount", basisPoints: 500 }]);
    // It is February's 2nd purchase and counts in February; March, decided by February, stays Bronze.
    expect(journey.account.counters.recentPeriods.map((totals) => [totals.period, totals.visits])).toEqual([
      [moscowMonthIndex(moscow(2026, 3, 2)), 1],
      [moscowMonthIndex(moscow(2026, 2, 27)), 2],
      [moscowMonthIndex(moscow(2026, 1, 10)), 1],
    ]);
    expect(journey.statusAt(moscow(2026, 3, 3))).toBe("bronze");
  });

  it("prices a receipt two months late at the entry level, the documented limit: the month before it is forgotten", () => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    // December's 15,000 roubles make January a Silver month, as a January receipt sent in time shows.
    journey.buy(moscow(2025, 12, 22), [1_500_000]);
    expect(journey.statusAt(moscow(2026, 1, 15))).toBe("silver");
    journey.buy(moscow(2026, 3, 2), [10_000]);
    // March's receipt moved the window to March, February and January: December is forgotten.
    expect(journey.statusAt(moscow(2026, 1, 15))).toBe("bronze");
    const twoMonthsLate = journey.buy(moscow(2026, 1, 15), [1_100_000]);
    expect(twoMonthsLate.discountBasisPoints).toBe(200);
    // Still counted in January, which is in the window: it makes February Silver.
    expect(journey.statusAt(moscow(2026, 2, 15))).toBe("silver");
    expect(journey.buy(moscow(2026, 2, 15), [10_000]).discountBasisPoints).toBe(500);
  });

  it("counts a receipt three months late in the lifetime totals only and prices it as its period's 1st purchase at the entry level", () => {
    const journey = new MemberJourney(LOYMAX, ENROLLED);
    for (const day of [2, 3, 4, 5]) journey.buy(moscow(2025, 12, day), [600_000]);
    journey.buy(moscow(2026, 3, 2), [10_000]);
    // December had four purchases: in time, the fifth would earn Bronze's bonus; forgotten, it is a 1st purchase.
    const threeMonthsLate = journey.buy(moscow(2025, 12, 6), [10_000]);
    expect(threeMonthsLate.discountBasisPoints).toBe(200);
    expect(threeMonthsLate.bonusPoints).toBe(0);
    expect(journey.account.counters.lifetime).toMatchObject({ sold: 2_420_000, visits: 6 });
    expect(journey.account.counters.recentPeriods.map((totals) => totals.period)).toEqual([moscowMonthIndex(moscow(2026, 3, 2))]);
    expect(journey.account.counters.firstVisitAt).toBe(moscow(2025, 12, 2));
  });
});

describe("the salon rules example, visit by visit through commitForMember", () => {
  /** Amounts of the 30 visits: sold reaches 2,500 after 2, 4,000 after 3, 6,000 after 5, 9,000 after 10, 12,000 after 12, 25,000 after 20, 52,000 after 30 (roubles). */
  const VISITS: readonly number[] = [
    100_000, 150_000, 150_000, 100_000, 100_000,
    ...Array.from({ length: 5 }, () => 60_000),
    150_000, 150_000,
    ...Array.from({ length: 8 }, () => 162_500),
    ...Array.from({ length: 10 }, () => 270_000),
  ];
  const FIRST_VISIT = moscow(2026, 1, 5, 11);
  const visitAt = (index: number): number => FIRST_VISIT + index * 3 * DAY;
  const LAST = visitAt(VISITS.length - 1);

  interface Checkpoint {
    readonly afterVisits: number;
    readonly sold: number;
    readonly discountBasisPoints: number;
    readonly importanceClass: string | null;
    readonly categories: readonly string[];
  }

  const CHECKPOINTS: readonly Checkpoint[] = [
    { afterVisits: 2, sold: 250_000, discountBasisPoints: 0, importanceClass: null, categories: ["economy"] },
    { afterVisits: 3, sold: 400_000, discountBasisPoints: 500, importanceClass: null, categories: ["economy"] },
    { afterVisits: 5, sold: 600_000, discountBasisPoints: 500, importanceClass: null, categories: ["economy"] },
    { afterVisits: 10, sold: 900_000, discountBasisPoints: 500, importanceClass: "bronze", categories: ["economy"] },
    { afterVisits: 12, sold: 1_200_000, discountBasisPoints: 500, importanceClass: "bronze", categories: ["standard"] },
    { afterVisits: 20, sold: 2_500_000, discountBasisPoints: 500, importanceClass: "bronze", categories: ["standard", "vip"] },
    { afterVisits: 30, sold: 5_200_000, discountBasisPoints: 500, importanceClass: "silver", categories: ["standard", "vip"] },
  ];

  function salonJourney(visits = VISITS.length): MemberJourney {
    const journey = new MemberJourney(SALON, FIRST_VISIT - DAY);
    for (let index = 0; index < visits; index += 1) journey.buy(visitAt(index), [VISITS[index] ?? 0]);
    return journey;
  }

  itEach<Checkpoint & { readonly name: string }>(
    CHECKPOINTS.map((checkpoint) => ({
      ...checkpoint,
      name: `stands as docs/program.md's table says after visit ${checkpoint.afterVisits}: ${checkpoint.discountBasisPoints / 100} %, class ${checkpoint.importanceClass ?? "none"}, ${checkpoint.categories.join(" and ")}`,
    })),
  )(({ afterVisits, sold, discountBasisPoints, importanceClass, categories }) => {
    const journey = salonJourney(afterVisits);
    const now = visitAt(afterVisits - 1) + 1;
    expect(journey.account.counters.lifetime).toMatchObject({ sold, visits: afterVisits });
    expect(journey.account.categories).toEqual(categories);
    const standing = journey.standing(now);
    expect(standing.discountBasisPoints).toBe(discountBasisPoints);
    expect(standing.importanceClass?.id ?? null).toBe(importanceClass);
    expect(standing.categories).toEqual(categories);
    // The larger discount wins: one 5 % source, never 10 % from two rules.
    expect(standing.appliedDiscounts).toHaveLength(discountBasisPoints > 0 ? 1 : 0);
    for (const source of standing.appliedDiscounts) {
      expect(source.basisPoints).toBe(500);
      expect(["rule:sold-5000", "rule:visits-3"]).toContain(source.rule);
    }
    expect(journey.view(now)).toMatchObject({
      status: null,
      importanceClass: importanceClass === null ? null : { id: importanceClass },
      categories: categories.map((id) => ({ id })),
      discountBasisPoints,
    });
  });

  it("calculates each receipt on the standing before it: the 3rd visit pays in full, the 4th gets visits-3's 5 %", () => {
    const journey = salonJourney(4);
    const [first, second, third, fourth] = journey.calculations;
    expect([first, second, third].map((each) => each?.discount)).toEqual([0, 0, 0]);
    expect(third?.rules).toEqual([]);
    expect(fourth?.discount).toBe(5_000);
    expect(fourth?.rules).toEqual([{ rule: "rule:visits-3", effect: "discount", basisPoints: 500 }]);
    // Sold counts the billed amount; paid what was left after the discount.
    expect(journey.account.counters.lifetime).toEqual({ sold: 500_000, paid: 495_000, visits: 4 });
  });

  interface AbsenceCase {
    readonly name: string;
    readonly now: number;
    readonly discountBasisPoints: number;
    readonly discountLapsesAt: number | null;
    readonly importanceClass: string | null;
    readonly classLapsesAt: number | null;
    readonly categories: readonly string[];
  }

  itEach<AbsenceCase>([
    {
      name: "keeps everything 45 days after the last visit, Standard already being held",
      now: LAST + 45 * DAY + 1,
      discountBasisPoints: 500,
      discountLapsesAt: LAST + 60 * DAY,
      importanceClass: "silver",
      classLapsesAt: LAST + 180 * DAY,
      categories: ["standard", "vip"],
    },
    {
      name: "keeps the 5 % at exactly 60 days without a visit",
      now: LAST + 60 * DAY,
      discountBasisPoints: 500,
      discountLapsesAt: LAST + 60 * DAY,
      importanceClass: "silver",
      classLapsesAt: LAST + 180 * DAY,
      categories: ["standard", "vip"],
    },
    {
      name: "drops the discount to 0 after more than 60 days without a visit (classes and categories give none here)",
      now: LAST + 60 * DAY + 1,
      discountBasisPoints: 0,
      discountLapsesAt: null,
      importanceClass: "silver",
      classLapsesAt: LAST + 180 * DAY,
      categories: ["standard", "vip"],
    },
    {
      name: "adds Lost after more than 90 days without a visit while Standard and VIP stay",
      now: LAST + 90 * DAY + 1,
      discountBasisPoints: 0,
      discountLapsesAt: null,
      importanceClass: "silver",
      classLapsesAt: LAST + 180 * DAY,
      categories: ["standard", "vip", "lost"],
    },
    {
      name: "removes the class after more than 180 days without a visit",
      now: LAST + 180 * DAY + 1,
      discountBasisPoints: 0,
      discountLapsesAt: null,
      importanceClass: null,
      classLapsesAt: null,
      categories: ["standard", "vip", "lost"],
    },
  ])(({ now, discountBasisPoints, discountLapsesAt, importanceClass, classLapsesAt, categories }) => {
    const journey = salonJourney();
    const stored = structuredClone(journey.account);
    expect(journey.view(now)).toMatchObject({
      discountBasisPoints,
      discountLapsesAt,
      importanceClass: importanceClass === null ? null : { id: importanceClass },
      classLapsesAt,
      categories: categories.map((id) => ({ id })),
    });
    // Lazy: the answer is computed at read time and nothing is written.
    expect(journey.account).toEqual(stored);
  });

  it("calculates the receipt that ends a 200-day absence without the lapsed discount, then restores discount and class but keeps Lost", () => {
    const journey = salonJourney();
    const comeback = journey.buy(LAST + 200 * DAY, [100_000]);
    expect(comeback.discount).toBe(0);
    const after = journey.standing(LAST + 200 * DAY + 1);
    expect(after.discountBasisPoints).toBe(500);
    expect(after.discountLapsesAt).toBe(LAST + 260 * DAY);
    expect(after.importanceClass?.id).toBe("silver");
    expect(after.categories).toEqual(["standard", "vip", "lost"]);
    expect(journey.account.categories).toEqual(["standard", "vip", "lost"]);
    expect(journey.buy(LAST + 201 * DAY, [100_000]).discount).toBe(5_000);
  });
});

describe("visit-status events through reportVisitForMember", () => {
  it("puts a member whose visit is marked came in Economy and leaves counters and balance alone", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [10_000]);
    const before = journey.account;
    const after = journey.report("came", moscow(2026, 1, 11));
    expect(after.categories).toEqual(["economy"]);
    expect(after.lastVisitStatus).toBe("came");
    expect(after.counters).toEqual(before.counters);
    expect(after.balance).toBe(before.balance);
    expect(after.sequence).toBe(before.sequence + 1);
    // Membership is state: a read a month later still has Economy.
    expect(journey.standing(moscow(2026, 2, 11)).categories).toEqual(["economy"]);
  });

  it("does not count a came event as a visit: days without a visit still run from the last receipt", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [10_000]);
    journey.report("came", moscow(2026, 3, 1));
    expect(journey.account.counters.lastVisitAt).toBe(moscow(2026, 1, 10));
    expect(journey.standing(moscow(2026, 1, 10) + 90 * DAY + 1).categories).toContain("lost");
  });

  it("keeps a came member with 10,000 sold out of Economy: the removal rule wins", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [1_000_000]);
    expect(journey.report("came", moscow(2026, 1, 11)).categories).toEqual(["standard"]);
  });

  it("takes a 20-visit VIP out of VIP while their last visit is marked didNotCome, and back in after came", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    for (let day = 0; day < 20; day += 1) journey.buy(moscow(2026, 1, 2) + day * DAY, [1_000]);
    expect(journey.account.categories).toEqual(["vip"]);
    expect(journey.report("didNotCome", moscow(2026, 1, 25)).categories).toEqual([]);
    expect(journey.standing(moscow(2026, 1, 26)).categories).toEqual([]);
    expect(journey.report("came", moscow(2026, 1, 27)).categories).toEqual(["economy", "vip"]);
  });
});

describe("line policy and rule citations through commitForMember on the full example", () => {
  const MILK = 1_000_000;
  const TOBACCO = 500_000;
  const GIFT = 100_000;
  const LINES: readonly ReceiptLine[] = [line("MILK", MILK), line("TOBACCO-0001", TOBACCO), line("GIFT-CARD-1000", GIFT)];

  function silverMemberWithBalance(): MemberJourney {
    const journey = new MemberJourney(FULL, ENROLLED);
    // January: five purchases, 20,000 sold: Silver in February, 100 points from the 5th purchase.
    for (const day of [5, 6, 7, 8, 9]) journey.buy(moscow(2026, 1, day), [400_000]);
    return journey;
  }

  it("gives Silver's 5 % on discountable lines only, lets points pay only those lines, and puts the 5th purchase's bonus on earning lines", () => {
    const journey = silverMemberWithBalance();
    expect(journey.account.balance).toBe(100);
    for (const day of [2, 3, 4, 5]) journey.buy(moscow(2026, 2, day), [1_000]);
    const fifth = journey.buy(moscow(2026, 2, 6), LINES, 100);
    expect(fifth.lines.map((each) => [each.sku, each.discount, each.pointsPaid, each.points])).toEqual([
      // Tobacco takes no discount and no points payment, but it earns: the bonus goes by what each line paid.
      ["MILK", 50_000, 91, 197],
      ["TOBACCO-0001", 0, 0, 103],
      ["GIFT-CARD-1000", 5_000, 9, 0],
    ]);
    expect(fifth).toMatchObject({ total: 1_600_000, discount: 55_000, pointsPaid: 100, payable: 1_544_900, points: 300, bonusPoints: 300 });
    expect(fifth.rules).toEqual([
      { rule: "status:silver", effect: "discount", basisPoints: 500 },
      { rule: "status:silver", effect: "bonus", points: 300 },
    ]);
    expect(journey.account.balance).toBe(300);
  });

  it("honours the POS's noDiscount and noPoints flags like the program's SKU lists", () => {
    const journey = silverMemberWithBalance();
    for (const day of [2, 3, 4, 5]) journey.buy(moscow(2026, 2, day), [1_000]);
    const fifth = journey.buy(moscow(2026, 2, 6), [line("WINE", MILK, { noDiscount: true }), line("BREAD", GIFT, { noPoints: true }), line("EGGS", GIFT)], 0);
    expect(fifth.lines.map((each) => [each.sku, each.discount, each.points])).toEqual([
      ["WINE", 0, 274],
      ["BREAD", 5_000, 0],
      ["EGGS", 5_000, 26],
    ]);
  });

  it("refuses a redemption above the balance without changing the account", () => {
    const journey = silverMemberWithBalance();
    const before = journey.account;
    const outcome = commitForMember(FULL, before, receiptAt(moscow(2026, 2, 2), LINES), 101);
    expect(outcome).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    expect(journey.account).toBe(before);
  });

  it("refuses paying a tobacco-only receipt with points with REDEEM_LIMIT_EXCEEDED", () => {
    const journey = silverMemberWithBalance();
    const outcome = commitForMember(FULL, journey.account, receiptAt(moscow(2026, 2, 2), [line("TOBACCO-0002", 100_000)]), 1);
    expect(outcome).toMatchObject({ ok: false, code: "REDEEM_LIMIT_EXCEEDED" });
  });

  it("calculates exactly what a commit would, without changing the account", () => {
    const journey = silverMemberWithBalance();
    const before = structuredClone(journey.account);
    const receipt = receiptAt(moscow(2026, 2, 2), LINES);
    const calculated = calculateForMember(FULL, journey.account, receipt, 50);
    expect(journey.account).toEqual(before);
    const committed = commitForMember(FULL, journey.account, receipt, 50);
    expect(calculated.ok && committed.ok).toBe(true);
    if (calculated.ok && committed.ok) expect(committed.calculation).toEqual(calculated.calculation);
  });

  it("shows an empty standing when no program is installed", () => {
    expect(standingView(null, openAccount("m-1", 0, TEST_PROFILE, ENROLLED), ENROLLED)).toEqual({
      status: null,
      importanceClass: null,
      categories: [],
      discountBasisPoints: 0,
      discountSources: [],
      discountLapsesAt: null,
      classLapsesAt: null,
      pointLevel: null,
    });
  });
});

/**
 * Lazy equals eager. The engine keeps the counters of the three most recent
 * periods with receipts and evaluates statuses, lapses and time-based
 * categories only when asked. A reference model recomputes the same answers
 * from the whole receipt history with an independent calendar and its own
 * statement of the window: a period's totals are known while the period is
 * within three of the newest period with a receipt, and zero once it fell
 * out, so a late receipt is priced on its own period's status exactly when
 * its previous period is still within the window, and at the entry level
 * otherwise. The histories include such late receipts (an offline lane's
 * receipts, up to 110 days old). A second run of the same history with extra
 * reads at every period boundary and every lapse instant must give identical
 * commits and an identical final account.
 */
describe("lazy evaluation equals an eager replay over seeded random histories", () => {
  const MOSCOW_OFFSET = 3 * 3_600_000;
  const moscowDay = (at: number): number => Math.floor((at + MOSCOW_OFFSET) / DAY);

  interface Variant {
    readonly name: string;
    readonly compiled: CompiledProgram;
    readonly statusCounter: "sold" | "paid";
    readonly periodOf: (at: number) => number;
    /** Start of the period after the one `at` falls in. */
    readonly nextBoundary: (at: number) => number;
  }

  const ROLLING_ANCHOR_DAY = Date.UTC(2026, 0, 5) / DAY;
  const VARIANTS: readonly Variant[] = [
    {
      name: "the full example on Moscow months, statuses by sold",
      compiled: FULL,
      statusCounter: "sold",
      periodOf: moscowMonthIndex,
      nextBoundary: (at) => {
        const index = moscowMonthIndex(at) + 1;
        return moscow(Math.floor(index / 12), (index % 12) + 1, 1, 0, 0);
      },
    },
    {
      name: "the full example on 14-day periods from 5 January 2026, statuses by paid",
      compiled: compileProgram({
        ...FULL_EXAMPLE_PROGRAM,
        period: { kind: "rollingDays", days: 14, anchorDate: "2026-01-05" },
        statuses: { ...FULL_EXAMPLE_PROGRAM.statuses, counter: "paid" },
      }),
      statusCounter: "paid",
      periodOf: (at) => Math.floor((moscowDay(at) - ROLLING_ANCHOR_DAY) / 14),
      nextBoundary: (at) => {
        const index = Math.floor((moscowDay(at) - ROLLING_ANCHOR_DAY) / 14) + 1;
        return (ROLLING_ANCHOR_DAY + index * 14) * DAY - MOSCOW_OFFSET;
      },
    },
  ];

  type Event =
    | { readonly kind: "buy"; readonly at: number; readonly lines: readonly ReceiptLine[]; readonly redeemPermille: number }
    | { readonly kind: "came"; readonly at: number };

  function randomHistory(seed: number): Event[] {
    const random = seededRandom(seed);
    const events: Event[] = [];
    let at = ENROLLED + randomInteger(random, 10 * DAY);
    let lastReceiptAt: number | null = null;
    while (at < moscow(2028, 6, 1)) {
      const gap = random();
      // Mostly regular visits; sometimes a month or two away; now and then long enough for every lapse.
      at += gap < 0.75 ? randomInteger(random, 6 * DAY) : gap < 0.93 ? 20 * DAY + randomInteger(random, 50 * DAY) : 60 * DAY + randomInteger(random, 150 * DAY);
      if (random() < 0.08) {
        events.push({ kind: "came", at });
        continue;
      }
      const lines = Array.from({ length: 1 + randomInteger(random, 2) }, (_, index) => {
        const sku = ["MILK", "TOBACCO-0001", "GIFT-CARD-1000", "BREAD"][randomInteger(random, 3)] ?? "MILK";
        return line(`${sku}`, random() < 0.1 ? 0 : randomInteger(random, 900_000), index === 1 && random() < 0.3 ? { noDiscount: true } : {});
      });
      const redeemPermille = random() < 0.5 ? 0 : randomInteger(random, 1_000);
      // Now and then an offline lane's receipt arrives late: dated up to 30 or up to 110 days before the latest receipt
      // (never before enrolment), where the member's busy periods are.
      const lateFrom = lastReceiptAt !== null && random() < 0.2 ? lastReceiptAt : null;
      const receiptAt = lateFrom === null ? at : Math.max(ENROLLED + 1, lateFrom - 1 - randomInteger(random, (random() < 0.5 ? 30 : 110) * DAY));
      if (lateFrom === null) lastReceiptAt = at;
      events.push({ kind: "buy", at: receiptAt, lines, redeemPermille });
    }
    return events;
  }

  /** What the engine must answer at `now`, recomputed from the whole history. */
  interface Expected {
    readonly status: string;
    readonly discountBasisPoints: number;
    readonly importanceClass: string | null;
    readonly categories: readonly string[];
    readonly discountLapsesAt: number | null;
    readonly classLapsesAt: number | null;
  }

  /** How many periods the counters remember (PERIODS_REMEMBERED), written out: the model's own statement of the window. */
  const WINDOW = 3;

  const levelOf = (total: number): LevelId => (total > 2_000_000 ? "gold" : total > 1_000_000 ? "silver" : "bronze");

  class ReferenceModel {
    /** Every committed receipt, in the order they arrived. */
    readonly receipts: { readonly at: number; readonly sold: number; readonly paid: number }[] = [];
    everCame = false;
    /** The longest stretch without a visit that an event (a commit or a visit report) saw, and so stored in the categories. */
    longestStoredGap = Number.NEGATIVE_INFINITY;

    constructor(
      readonly variant: Variant,
      readonly createdAt: number,
    ) {}

    /** The latest receipt's time, whatever order they arrived in; enrolment before the first one. */
    lastSeen(): number {
      return this.receipts.length === 0 ? this.createdAt : Math.max(...this.receipts.map((each) => each.at));
    }

    /** The newest period with a receipt (minus infinity before the first one). */
    newestPeriod(): number {
      return Math.max(Number.NEGATIVE_INFINITY, ...this.receipts.map((each) => this.variant.periodOf(each.at)));
    }

    /** Whether the counters still hold a period's totals: it is within WINDOW periods of the newest period with a receipt. */
    remembers(period: number): boolean {
      return period > this.newestPeriod() - WINDOW;
    }

    /** A counter's total over a period, from the whole history, whatever the window. */
    historyTotal(period: number, counter: "sold" | "paid" | "visits"): number {
      const receipts = this.receipts.filter((each) => this.variant.periodOf(each.at) === period);
      return counter === "visits" ? receipts.length : receipts.reduce((total, each) => total + each[counter], 0);
    }

    /** A counter's total over a period as the engine knows it: the history's while remembered, zero once forgotten. */
    knownTotal(period: number, counter: "sold" | "paid" | "visits"): number {
      return this.remembers(period) ? this.historyTotal(period, counter) : 0;
    }

    /** An event (commit or visit report) at `at` stores the categories it sees, "days without a visit" included. */
    noteEvent(at: number): void {
      this.longestStoredGap = Math.max(this.longestStoredGap, at - this.lastSeen());
    }

    expectedAt(now: number): Expected {
      const period = this.variant.periodOf(now);
      const status = levelOf(this.knownTotal(period - 1, this.variant.statusCounter));
      const sold = this.receipts.reduce((total, each) => total + each.sold, 0);
      const paid = this.receipts.reduce((total, each) => total + each.paid, 0);
      const visits = this.receipts.length;
      const lastSeen = this.lastSeen();
      // Longest stretch without a visit: stored by an earlier event, or the one up to now (negative for a read in the past).
      const longestGap = Math.max(this.longestStoredGap, now - lastSeen);
      const ruleHolds = sold >= 500_000 || visits >= 3;
      const rulesLapsed = now - lastSeen > 60 * DAY;
      const ruleDiscount = ruleHolds && !rulesLapsed ? 500 : 0;
      const statusDiscount = LEVELS[status].discountBasisPoints;
      const classLapsed = now - lastSeen > 180 * DAY;
      const importanceClass = classLapsed
        ? null
        : sold >= 10_000_000 || visits >= 50
          ? "gold"
          : sold >= 5_000_000 || visits >= 30
            ? "silver"
            : sold >= 2_000_000 || visits >= 10
              ? "bronze"
              : null;
      const categories = [
        sold < 1_000_000 && (sold >= 200_000 || this.everCame) ? "economy" : null,
        sold >= 1_000_000 || longestGap > 45 * DAY ? "standard" : null,
        paid >= 3_000_000 || visits >= 20 ? "vip" : null,
        longestGap > 90 * DAY ? "lost" : null,
      ].filter((id): id is string => id !== null);
      return {
        status,
        discountBasisPoints: Math.max(statusDiscount, ruleDiscount),
        importanceClass,
        categories,
        discountLapsesAt: ruleHolds && !rulesLapsed ? lastSeen + 60 * DAY : null,
        classLapsesAt: importanceClass === null ? null : lastSeen + 180 * DAY,
      };
    }

    purchaseNumber(at: number): number {
      return this.knownTotal(this.variant.periodOf(at), "visits") + 1;
    }
  }

  function observed(standing: Standing): Expected {
    return {
      status: standing.status?.id ?? "none",
      discountBasisPoints: standing.discountBasisPoints,
      importanceClass: standing.importanceClass?.id ?? null,
      categories: standing.categories,
      discountLapsesAt: standing.discountLapsesAt,
      classLapsesAt: standing.classLapsesAt,
    };
  }

  /** Late receipts of a run, by how the window treats them. */
  interface LateReceipts {
    /** Priced above the entry level on its own period's status: the previous period is still remembered. */
    onOwnStatus: number;
    /** Priced at the entry level although the history gives its period a higher status: the previous period is forgotten. */
    atEntryLevel: number;
    /** Its own period fell out of the window: it counts in the lifetime totals only. */
    lifetimeOnly: number;
  }

  interface Run {
    readonly calculations: ReceiptCalculation[];
    readonly journey: MemberJourney;
    readonly reads: number;
    readonly late: LateReceipts;
  }

  /** Replays a history; with `eager`, reads at every boundary and lapse instant in between and checks them against the model. */
  function replay(variant: Variant, history: readonly Event[], eager: boolean, context: string): Run {
    const journey = new MemberJourney(variant.compiled, ENROLLED);
    const model = new ReferenceModel(variant, ENROLLED);
    const late: LateReceipts = { onOwnStatus: 0, atEntryLevel: 0, lifetimeOnly: 0 };
    let reads = 0;
    const check = (now: number, label: string): void => {
      reads += 1;
      const where = `${context}, ${label} at ${new Date(now).toISOString()}`;
      expect(observed(journey.standing(now)), where).toEqual(model.expectedAt(now));
    };
    let previousAt = ENROLLED;
    for (const event of history) {
      if (eager) {
        // Every period boundary between the previous event and this one, and the instants around it.
        for (let boundary = variant.nextBoundary(previousAt); boundary <= event.at; boundary = variant.nextBoundary(boundary)) {
          for (const now of [boundary - 1, boundary, boundary + 1]) if (now > previousAt && now < event.at) check(now, "boundary");
        }
        // Every lapse instant since the last visit, on both sides.
        const lastSeen = journey.account.counters.lastVisitAt ?? ENROLLED;
        for (const days of [45, 60, 90, 180]) {
          for (const now of [lastSeen + days * DAY, lastSeen + days * DAY + 1]) if (now > previousAt && now < event.at) check(now, `${days} days`);
        }
        // A calculation is a read too.
        calculateForMember(variant.compiled, journey.account, receiptAt(event.at, [line("MILK", 12_345)]), 0);
        journey.view(event.at);
      }
      check(event.at, "before the event");
      if (event.kind === "came") {
        journey.report("came", event.at);
        model.noteEvent(event.at);
        model.everCame = true;
      } else {
        const expected = model.expectedAt(event.at);
        const period = variant.periodOf(event.at);
        if (period < model.newestPeriod()) {
          const inTimeOrder = levelOf(model.historyTotal(period - 1, variant.statusCounter));
          if (!model.remembers(period)) late.lifetimeOnly += 1;
          if (model.remembers(period - 1) && expected.status !== "bronze") late.onOwnStatus += 1;
          if (!model.remembers(period - 1) && inTimeOrder !== "bronze") late.atEntryLevel += 1;
        }
        const offered = calculateForMember(variant.compiled, journey.account, receiptAt(event.at, event.lines), 0);
        const redeemable = offered.ok ? offered.calculation.redeemable : 0;
        const calculation = journey.buy(event.at, event.lines, Math.floor((redeemable * event.redeemPermille) / 1_000));
        const where = `${context}, receipt at ${new Date(event.at).toISOString()}`;
        expect(calculation.discountBasisPoints, where).toBe(expected.discountBasisPoints);
        const level = LEVELS[expected.status as LevelId];
        const earns = event.lines.some((each) => each.amount > 0 && each.sku !== "GIFT-CARD-1000");
        expect(calculation.bonusPoints, where).toBe(earns && model.purchaseNumber(event.at) % 5 === 0 ? level.bonus : 0);
        model.noteEvent(event.at);
        model.receipts.push({ at: event.at, sold: calculation.total, paid: calculation.payable });
      }
      check(event.at, "after the event");
      // A late receipt leaves the clock where it was: the next boundaries to read are after the latest event.
      previousAt = Math.max(previousAt, event.at);
    }
    return { calculations: journey.calculations, journey, reads, late };
  }

  itEach<Variant>(VARIANTS)((variant) => {
    const late: LateReceipts = { onOwnStatus: 0, atEntryLevel: 0, lifetimeOnly: 0 };
    for (let seed = 1; seed <= 12; seed += 1) {
      const history = randomHistory(seed * 7_919);
      const context = `${variant.name}, seed ${seed * 7_919}`;
      const lazy = replay(variant, history, false, context);
      const eager = replay(variant, history, true, context);
      expect(eager.reads, context).toBeGreaterThan(lazy.reads);
      expect(eager.calculations, context).toEqual(lazy.calculations);
      expect(eager.journey.account, context).toEqual(lazy.journey.account);
      expect(eager.late, context).toEqual(lazy.late);
      late.onOwnStatus += lazy.late.onOwnStatus;
      late.atEntryLevel += lazy.late.atEntryLevel;
      late.lifetimeOnly += lazy.late.lifetimeOnly;
      // And whenever the lazy member is read afterwards, it agrees with the eager one.
      const end = Math.max(ENROLLED, ...history.map((event) => event.at));
      for (const later of [end + DAY, end + 61 * DAY, end + 400 * DAY]) {
        expect(lazy.journey.standing(later), context).toEqual(eager.journey.standing(later));
      }
    }
    // The histories reach every side of the window: late receipts on their own status (a window of two would fail
    // them), at the entry level (an unlimited window would fail them), and forgotten. Sparse histories make the first
    // rare on 14-day periods: the seeds give 11 and 2 of them.
    expect(late.onOwnStatus, variant.name).toBeGreaterThan(0);
    expect(late.atEntryLevel, variant.name).toBeGreaterThan(0);
    expect(late.lifetimeOnly, variant.name).toBeGreaterThan(0);
  });
});

describe("commitForMember keeps categories in step with the receipt", () => {
  it("moves a member from Economy to Standard on the receipt that reaches 10,000 sold, not on the next read", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [900_000]);
    expect(journey.account.categories).toEqual(["economy"]);
    journey.buy(moscow(2026, 1, 11), [100_000]);
    expect(journey.account.categories).toEqual(["standard"]);
  });

  it("stores a time-based category the member earned during an absence when their next receipt commits", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [300_000]);
    journey.buy(moscow(2026, 1, 10) + 91 * DAY, [1_000]);
    expect(journey.account.categories).toEqual(["economy", "standard", "lost"]);
  });

  it("stamps the program version on the calculation", () => {
    const journey = new MemberJourney(compileProgram(SALON_RULES_EXAMPLE_PROGRAM, 42), ENROLLED);
    expect(journey.buy(moscow(2026, 1, 10), [1_000]).programVersion).toBe(42);
  });

  it("counts one sequence number per commit and per visit event", () => {
    const journey = new MemberJourney(SALON, ENROLLED);
    journey.buy(moscow(2026, 1, 10), [1_000]);
    journey.report("came", moscow(2026, 1, 11));
    journey.buy(moscow(2026, 1, 12), [1_000]);
    expect(journey.account.sequence).toBe(3);
    expect(reportVisitForMember(SALON, journey.account, "didNotCome", moscow(2026, 1, 13)).sequence).toBe(4);
  });
});

