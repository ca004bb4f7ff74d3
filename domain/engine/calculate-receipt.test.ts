import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import type { CompiledProgram } from "./compiled-program.js";
import type { DiscountSource, Standing } from "./standing.js";
import type { ErrorCode } from "../../protocol/errors/error-codes.js";
import type { StatusLevel } from "../../protocol/program-document.js";
import { compileProgram, line, programDocument, receiptAt } from "../test-support/loyalty-programs.js";
import { sum } from "../test-support/sum.js";
import { itEach } from "../test-support/table-tests.js";
import { calculateReceipt, type CalculationOutcome } from "./calculate-receipt.js";
import type { Receipt, ReceiptCalculation, ReceiptLine } from "../receipt/receipt.js";

const AT = Date.UTC(2026, 5, 1, 9);
/** fast-check runs per property: enough for the corners, within the suite's time budget. */
const RUNS = 300;

const SILVER: StatusLevel = {
  id: "silver",
  name: "Silver",
  threshold: 1_000_000,
  discountBasisPoints: 500,
  bonus: { everyPurchases: 5, points: 300 },
};
const GOLD_WITH_RATE: StatusLevel = { id: "gold", name: "Gold", threshold: 2_000_000, discountBasisPoints: 1_000, accrualRateBasisPoints: 700 };

interface ProgramOptions {
  readonly accrualRateBasisPoints?: number;
  readonly maxRedeemShareBasisPoints?: number;
  readonly pointValueMinor?: number;
  readonly accrualBase?: "paidWithMoney" | "afterDiscount";
  readonly maxDiscountBasisPoints?: number;
  readonly noDiscountSkus?: readonly string[];
  readonly noPointsSkus?: readonly string[];
  readonly version?: number;
}

function program(options: ProgramOptions = {}): CompiledProgram {
  return compileProgram(
    programDocument({
      points: {
        accrualRateBasisPoints: options.accrualRateBasisPoints ?? 500,
        maxRedeemShareBasisPoints: options.maxRedeemShareBasisPoints ?? 10_000,
        pointValueMinor: options.pointValueMinor ?? 1,
        ...(options.accrualBase === undefined ? {} : { accrualBase: options.accrualBase }),
      },
      lines: {
        maxDiscountBasisPoints: options.maxDiscountBasisPoints ?? 10_000,
        noDiscountSkus: options.noDiscountSkus ?? ["TOBACCO"],
        noPointsSkus: options.noPointsSkus ?? ["GIFT-CARD"],
      },
    }),
    options.version ?? 3,
  );
}

/** A standing as evaluateStanding would give it: `rate` off, cited as one source, and an accrual rate. */
function standing(overrides: Partial<Standing> & { readonly rate?: number } = {}): Standing {
  const { rate = 0, ...rest } = overrides;
  const sources: DiscountSource[] = rate > 0 ? [{ rule: "rule:test", basisPoints: rate }] : [];
  return {
    period: 2026 * 12 + 5,
    status: null,
    importanceClass: null,
    categories: [],
    discountSources: sources,
    appliedDiscounts: sources,
    discountBasisPoints: rate,
    accrualRateBasisPoints: 0,
    discountLapsesAt: null,
    classLapsesAt: null,
    ...rest,
  };
}

interface Call {
  readonly compiled?: CompiledProgram;
  readonly standing?: Standing;
  readonly balance?: number;
  readonly purchaseNumberInPeriod?: number;
  readonly lines: readonly number[] | readonly ReceiptLine[];
  readonly redeem?: number;
}

function calculate(call: Call): CalculationOutcome {
  return calculateReceipt({
    compiled: call.compiled ?? program(),
    standing: call.standing ?? standing(),
    balance: call.balance ?? 0,
    purchaseNumberInPeriod: call.purchaseNumberInPeriod ?? 1,
    receipt: receiptAt(AT, call.lines),
    redeem: call.redeem ?? 0,
  });
}

function succeeded(outcome: CalculationOutcome): ReceiptCalculation {
  if (!outcome.ok) return expect.unreachable(`expected a calculation, got ${outcome.code}: ${outcome.message}`);
  return outcome.calculation;
}

function column(calculation: ReceiptCalculation, name: "discount" | "pointsPaid" | "payable" | "points"): number[] {
  return calculation.lines.map((each) => each[name]);
}

/** The identities every successful calculation keeps, whatever the program. */
function expectBalancedLines(calculation: ReceiptCalculation, input: Receipt, context = ""): void {
  expect(calculation.lines.map((each) => each.sku), context).toEqual(input.lines.map((each) => each.sku));
  expect(calculation.lines.map((each) => each.amount), context).toEqual(input.lines.map((each) => each.amount));
  expect(calculation.total, context).toBe(sum(input.lines.map((each) => each.amount)));
  expect(sum(column(calculation, "discount")), context).toBe(calculation.discount);
  expect(sum(column(calculation, "pointsPaid")), context).toBe(calculation.pointsPaid);
  expect(sum(column(calculation, "payable")), context).toBe(calculation.payable);
  expect(sum(column(calculation, "points")), context).toBe(calculation.points);
  expect(calculation.total, context).toBe(calculation.discount + calculation.pointsPaid + calculation.payable);
  for (const each of calculation.lines) {
    expect(each.payable, context).toBe(each.amount - each.discount - each.pointsPaid);
    for (const value of [each.discount, each.pointsPaid, each.payable, each.points]) {
      expect(Number.isSafeInteger(value) && value >= 0, `${context} line ${each.sku}`).toBe(true);
    }
  }
}

describe("calculateReceipt: discounts", () => {
  interface DiscountCase {
    readonly name: string;
    readonly compiled?: CompiledProgram;
    readonly rate: number;
    readonly lines: readonly number[] | readonly ReceiptLine[];
    readonly discounts: readonly number[];
  }

  itEach<DiscountCase>([
    { name: "takes 5 % off a 10,000-kopeck receipt as 500 kopecks", rate: 500, lines: [10_000], discounts: [500] },
    {
      name: "rounds the discount down once on the discountable sum, not per line (5 % of 4 x 19 = 3.8 -> 3)",
      rate: 500,
      lines: [19, 19, 19, 19],
      discounts: [1, 1, 1, 0],
    },
    { name: "spreads a 100-kopeck discount over three equal lines as 34, 33, 33", rate: 1_000, lines: [334, 333, 333], discounts: [34, 33, 33] },
    {
      name: "gives a SKU in the program's noDiscountSkus no discount and takes the rate of the other lines only",
      rate: 1_000,
      lines: [line("TOBACCO", 10_000), line("MILK", 10_000)],
      discounts: [0, 1_000],
    },
    {
      name: "gives a line the POS flags noDiscount no discount although its SKU is not excluded",
      rate: 1_000,
      lines: [line("MILK", 10_000, { noDiscount: true }), line("BREAD", 5_000)],
      discounts: [0, 500],
    },
    {
      name: "gives a noPoints line its discount: the flags are independent",
      rate: 1_000,
      lines: [line("GIFT-CARD", 10_000), line("MILK", 10_000, { noPoints: true })],
      discounts: [1_000, 1_000],
    },
    {
      name: "caps every line at maxDiscountBasisPoints (3 %) when the rate (5 %) is higher",
      compiled: program({ maxDiscountBasisPoints: 300 }),
      rate: 500,
      lines: [10_000, 20_001],
      // caps floor(300) and floor(600.03): the receipt discount is their sum, not 5 % of 30,001.
      discounts: [300, 600],
    },
    {
      name: "gives no discount at all when maxDiscountBasisPoints is 0",
      compiled: program({ maxDiscountBasisPoints: 0 }),
      rate: 1_000,
      lines: [10_000],
      discounts: [0],
    },
    { name: "gives no discount to zero-amount lines", rate: 1_000, lines: [0, 1_000, 0], discounts: [0, 100, 0] },
    { name: "takes the whole receipt at 100 %", rate: 10_000, lines: [1_234, 5_678], discounts: [1_234, 5_678] },
  ])(({ compiled, rate, lines, discounts }) => {
    const input = receiptAt(AT, lines);
    const calculation = succeeded(calculate({ ...(compiled === undefined ? {} : { compiled }), standing: standing({ rate }), lines }));
    expect(column(calculation, "discount")).toEqual(discounts);
    expect(calculation.discount).toBe(sum(discounts));
    expect(calculation.discountBasisPoints).toBe(rate);
    expectBalancedLines(calculation, input);
  });

  it("cites every discount source the policy applied, with its rate, when the receipt got a discount", () => {
    const applied: DiscountSource[] = [
      { rule: "status:silver", basisPoints: 500 },
      { rule: "rule:sold-5000", basisPoints: 300 },
      { rule: "category:vip", basisPoints: 200 },
    ];
    const calculation = succeeded(
      calculate({ standing: standing({ discountBasisPoints: 1_000, discountSources: applied, appliedDiscounts: applied }), lines: [10_000] }),
    );
    expect(calculation.rules.filter((rule) => rule.effect === "discount")).toEqual([
      { rule: "status:silver", effect: "discount", basisPoints: 500 },
      { rule: "rule:sold-5000", effect: "discount", basisPoints: 300 },
      { rule: "category:vip", effect: "discount", basisPoints: 200 },
    ]);
  });

  it("cites no discount rule when every line is excluded from discounts, so nothing was taken off", () => {
    const calculation = succeeded(
      calculate({ standing: standing({ rate: 1_000 }), lines: [line("TOBACCO", 10_000), line("MILK", 10_000, { noDiscount: true })] }),
    );
    expect(calculation.discount).toBe(0);
    expect(calculation.rules).toEqual([]);
  });
});

describe("calculateReceipt: paying with points", () => {
  interface PaymentCase {
    readonly name: string;
    readonly compiled?: CompiledProgram;
    readonly rate?: number;
    readonly balance: number;
    readonly lines: readonly number[] | readonly ReceiptLine[];
    readonly redeem: number;
    readonly redeemable: number;
    readonly pointsPaid: readonly number[];
  }

  itEach<PaymentCase>([
    {
      name: "offers the whole balance when it is under every cap, and pays it kopeck for point",
      balance: 300,
      lines: [10_000],
      redeem: 300,
      redeemable: 300,
      pointsPaid: [300],
    },
    {
      name: "offers maxRedeemShareBasisPoints of the receipt after its discount (50 % of 9,000)",
      compiled: program({ maxRedeemShareBasisPoints: 5_000 }),
      rate: 1_000,
      balance: 1_000_000,
      lines: [10_000],
      redeem: 4_500,
      redeemable: 4_500,
      pointsPaid: [4_500],
    },
    {
      name: "offers the cap in whole points at 3 kopecks a point, rounded down, and pays 3 kopecks per point",
      compiled: program({ pointValueMinor: 3, maxRedeemShareBasisPoints: 5_000 }),
      balance: 1_000_000,
      lines: [1_000],
      redeem: 166,
      redeemable: 166,
      pointsPaid: [498],
    },
    {
      name: "never lets points pay for a noDiscountSkus line: the room is the other lines' only",
      balance: 1_000_000,
      lines: [line("TOBACCO", 5_000), line("MILK", 5_000)],
      redeem: 5_000,
      redeemable: 5_000,
      pointsPaid: [0, 5_000],
    },
    {
      name: "never lets points pay for a POS noDiscount line",
      balance: 1_000_000,
      lines: [line("MILK", 5_000, { noDiscount: true }), line("BREAD", 2_000)],
      redeem: 2_000,
      redeemable: 2_000,
      pointsPaid: [0, 2_000],
    },
    {
      name: "lets points fill only what the discount left under maxDiscountBasisPoints: 20 % cap, 10 % discount, 10 % by points",
      compiled: program({ maxDiscountBasisPoints: 2_000 }),
      rate: 1_000,
      balance: 1_000_000,
      lines: [10_000, 5_000],
      redeem: 1_500,
      redeemable: 1_500,
      pointsPaid: [1_000, 500],
    },
    {
      name: "offers nothing when the discount already used the whole per-line cap",
      compiled: program({ maxDiscountBasisPoints: 1_000 }),
      rate: 1_000,
      balance: 1_000_000,
      lines: [10_000],
      redeem: 0,
      redeemable: 0,
      pointsPaid: [0],
    },
    {
      name: "offers nothing on a receipt of zero-amount lines",
      balance: 1_000,
      lines: [0, 0],
      redeem: 0,
      redeemable: 0,
      pointsPaid: [0, 0],
    },
    {
      name: "spreads points over lines by what is left of them after the discount",
      rate: 1_000,
      balance: 1_000_000,
      lines: [3_000, 1_000],
      redeem: 400,
      redeemable: 3_600,
      pointsPaid: [300, 100],
    },
  ])(({ compiled, rate, balance, lines, redeem, redeemable, pointsPaid }) => {
    const base: Call = { ...(compiled === undefined ? {} : { compiled }), standing: standing({ rate: rate ?? 0 }), balance, lines };
    const calculation = succeeded(calculate({ ...base, redeem }));
    expect(calculation.redeemable).toBe(redeemable);
    expect(calculation.redeem).toBe(redeem);
    expect(column(calculation, "pointsPaid")).toEqual(pointsPaid);
    expect(calculation.pointsPaid).toBe(sum(pointsPaid));
    expectBalancedLines(calculation, receiptAt(AT, lines));
    // Redeeming exactly what is offered is accepted; one point more never is.
    expect(calculate({ ...base, redeem: redeemable }).ok).toBe(true);
    expect(calculate({ ...base, redeem: redeemable + 1 }).ok).toBe(false);
  });

  interface RefusalCase {
    readonly name: string;
    readonly compiled?: CompiledProgram;
    readonly balance: number;
    readonly lines: readonly number[] | readonly ReceiptLine[];
    readonly redeem: number;
    readonly code: ErrorCode;
  }

  itEach<RefusalCase>([
    { name: "answers INSUFFICIENT_POINTS for one point more than the balance", balance: 300, lines: [10_000], redeem: 301, code: "INSUFFICIENT_POINTS" },
    { name: "answers INSUFFICIENT_POINTS for any redemption from an empty balance", balance: 0, lines: [10_000], redeem: 1, code: "INSUFFICIENT_POINTS" },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for one point above the 50 % share",
      compiled: program({ maxRedeemShareBasisPoints: 5_000 }),
      balance: 10_000,
      lines: [1_001],
      redeem: 501,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for any redemption when the program's share is zero",
      compiled: program({ maxRedeemShareBasisPoints: 0 }),
      balance: 10_000,
      lines: [10_000],
      redeem: 1,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for a redemption on a receipt of tobacco only",
      balance: 10_000,
      lines: [line("TOBACCO", 10_000)],
      redeem: 1,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for one point above the per-line cap",
      compiled: program({ maxDiscountBasisPoints: 2_500 }),
      balance: 10_000,
      lines: [4_000],
      redeem: 1_001,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers INSUFFICIENT_POINTS first when a redemption exceeds both the balance and the cap",
      compiled: program({ maxRedeemShareBasisPoints: 5_000 }),
      balance: 100,
      lines: [100],
      redeem: 200,
      code: "INSUFFICIENT_POINTS",
    },
  ])(({ compiled, balance, lines, redeem, code }) => {
    let outcome: CalculationOutcome | undefined;
    expect(() => {
      outcome = calculate({ ...(compiled === undefined ? {} : { compiled }), balance, lines, redeem });
    }).not.toThrow();
    expect(outcome).toMatchObject({ ok: false, code });
    expect(outcome).not.toHaveProperty("calculation");
    if (outcome !== undefined && !outcome.ok) expect(outcome.message).toContain(String(redeem));
  });
});

describe("calculateReceipt: accrual and bonus", () => {
  interface AccrualCase {
    readonly name: string;
    readonly standing: Standing;
    readonly balance?: number;
    readonly redeem?: number;
    readonly purchaseNumberInPeriod?: number;
    readonly lines: readonly number[] | readonly ReceiptLine[];
    readonly points: readonly number[];
    readonly bonusPoints: number;
  }

  itEach<AccrualCase>([
    {
      name: "accrues 5 % of a 10,000-kopeck receipt as 500 points",
      standing: standing({ accrualRateBasisPoints: 500 }),
      lines: [10_000],
      points: [500],
      bonusPoints: 0,
    },
    {
      name: "rounds accrual down once on the receipt (5 % of 4 x 19 = 3.8 -> 3), spreading it by payable",
      standing: standing({ accrualRateBasisPoints: 500 }),
      lines: [19, 19, 19, 19],
      points: [1, 1, 1, 0],
      bonusPoints: 0,
    },
    {
      name: "accrues on what was paid with money: 10 % off and 1,000 points paid leave 8,000, 5 % of which is 400",
      standing: standing({ rate: 1_000, accrualRateBasisPoints: 500 }),
      balance: 1_000,
      redeem: 1_000,
      lines: [10_000],
      points: [400],
      bonusPoints: 0,
    },
    {
      name: "earns nothing on a SKU in the program's noPointsSkus and accrues only on the other lines",
      standing: standing({ accrualRateBasisPoints: 500 }),
      lines: [line("GIFT-CARD", 10_000), line("MILK", 4_000)],
      points: [0, 200],
      bonusPoints: 0,
    },
    {
      name: "earns nothing on a line the POS flags noPoints",
      standing: standing({ accrualRateBasisPoints: 500 }),
      lines: [line("MILK", 10_000, { noPoints: true }), line("BREAD", 4_000)],
      points: [0, 200],
      bonusPoints: 0,
    },
    {
      name: "earns on a tobacco line: no discount does not mean no points",
      standing: standing({ accrualRateBasisPoints: 500 }),
      lines: [line("TOBACCO", 10_000)],
      points: [500],
      bonusPoints: 0,
    },
    {
      name: "adds the status bonus of 300 points on the 5th purchase of the period",
      standing: standing({ status: SILVER, rate: 500 }),
      purchaseNumberInPeriod: 5,
      lines: [3_000, 1_000],
      points: [225, 75],
      bonusPoints: 300,
    },
    {
      name: "adds no bonus on the 4th purchase of the period",
      standing: standing({ status: SILVER, rate: 500 }),
      purchaseNumberInPeriod: 4,
      lines: [3_000, 1_000],
      points: [0, 0],
      bonusPoints: 0,
    },
    {
      name: "adds no bonus on the 6th purchase of the period",
      standing: standing({ status: SILVER, rate: 500 }),
      purchaseNumberInPeriod: 6,
      lines: [3_000, 1_000],
      points: [0, 0],
      bonusPoints: 0,
    },
    {
      name: "adds the bonus again on the 10th purchase of the period",
      standing: standing({ status: SILVER, rate: 500 }),
      purchaseNumberInPeriod: 10,
      lines: [4_000],
      points: [300],
      bonusPoints: 300,
    },
    {
      name: "puts the bonus only on lines that earn points",
      standing: standing({ status: SILVER }),
      purchaseNumberInPeriod: 5,
      lines: [line("GIFT-CARD", 9_000), line("MILK", 1_000), line("BREAD", 1_000, { noPoints: true })],
      points: [0, 300, 0],
      bonusPoints: 300,
    },
    {
      name: "gives no bonus on a receipt whose every line is excluded from points: there is no line to carry it",
      standing: standing({ status: SILVER }),
      purchaseNumberInPeriod: 5,
      lines: [line("GIFT-CARD", 9_000)],
      points: [0],
      bonusPoints: 0,
    },
    {
      name: "spreads the bonus by amount when points paid the whole receipt",
      standing: standing({ status: SILVER }),
      purchaseNumberInPeriod: 5,
      balance: 10_000,
      redeem: 4_000,
      lines: [3_000, 1_000],
      points: [225, 75],
      bonusPoints: 300,
    },
    {
      name: "adds accrual at the level's own rate and the bonus together",
      standing: standing({ status: { ...GOLD_WITH_RATE, bonus: { everyPurchases: 2, points: 50 } }, accrualRateBasisPoints: 700 }),
      purchaseNumberInPeriod: 2,
      lines: [10_000],
      points: [750],
      bonusPoints: 50,
    },
  ])(({ standing: given, balance, redeem, purchaseNumberInPeriod, lines, points, bonusPoints }) => {
    const calculation = succeeded(
      calculate({ standing: given, balance: balance ?? 0, redeem: redeem ?? 0, purchaseNumberInPeriod: purchaseNumberInPeriod ?? 1, lines }),
    );
    expect(column(calculation, "points")).toEqual(points);
    expect(calculation.points).toBe(sum(points));
    expect(calculation.bonusPoints).toBe(bonusPoints);
    expectBalancedLines(calculation, receiptAt(AT, lines));
  });

  interface RulesCase {
    readonly name: string;
    readonly standing: Standing;
    readonly purchaseNumberInPeriod: number;
    readonly rules: ReceiptCalculation["rules"];
  }

  itEach<RulesCase>([
    {
      name: "cites the program for accrual at the program's rate",
      standing: standing({ accrualRateBasisPoints: 500 }),
      purchaseNumberInPeriod: 1,
      rules: [{ rule: "program", effect: "accrual", basisPoints: 500, points: 500 }],
    },
    {
      name: "cites the status for accrual at a rate the level sets itself",
      standing: standing({ status: GOLD_WITH_RATE, accrualRateBasisPoints: 700 }),
      purchaseNumberInPeriod: 1,
      rules: [{ rule: "status:gold", effect: "accrual", basisPoints: 700, points: 700 }],
    },
    {
      name: "cites the status's discount and its bonus on the 5th purchase, and no accrual at a zero rate",
      standing: standing({
        status: SILVER,
        discountBasisPoints: 500,
        discountSources: [{ rule: "status:silver", basisPoints: 500 }],
        appliedDiscounts: [{ rule: "status:silver", basisPoints: 500 }],
      }),
      purchaseNumberInPeriod: 5,
      rules: [
        { rule: "status:silver", effect: "discount", basisPoints: 500 },
        { rule: "status:silver", effect: "bonus", points: 300 },
      ],
    },
    {
      name: "cites nothing when nothing was taken off or earned",
      standing: standing({ status: SILVER }),
      purchaseNumberInPeriod: 4,
      rules: [],
    },
  ])(({ standing: given, purchaseNumberInPeriod, rules }) => {
    const calculation = succeeded(calculate({ standing: given, purchaseNumberInPeriod, lines: [10_000] }));
    expect(calculation.rules).toEqual(rules);
  });
});

describe("calculateReceipt: purity and invariants", () => {
  it.each([1, 7, 1_000_000])("echoes the program version %i in the calculation", (version) => {
    expect(succeeded(calculate({ compiled: program({ version }), lines: [100] })).programVersion).toBe(version);
  });

  it("gives the same answer for the same input and leaves the frozen input untouched", () => {
    const input = receiptAt(AT, [1_234, 5_678, 91]);
    const frozen: Receipt = Object.freeze({ ...input, lines: Object.freeze(input.lines.map((each) => Object.freeze(each))) });
    const compiled = program({ pointValueMinor: 2 });
    const given = Object.freeze(standing({ rate: 700, accrualRateBasisPoints: 300, status: SILVER }));
    const run = (): CalculationOutcome =>
      calculateReceipt({ compiled, standing: given, balance: 2_000, purchaseNumberInPeriod: 5, receipt: frozen, redeem: 777 });
    const first = run();
    expect(first.ok).toBe(true);
    expect(run()).toEqual(first);
    expect(frozen).toEqual(receiptAt(AT, [1_234, 5_678, 91]));
  });

  it("keeps per-line sums exact for a receipt at RECEIPT_TOTAL_MINOR_MAX paid half by points", () => {
    const lines = [33_333_333_333, 33_333_333_333, 33_333_333_334];
    const calculation = succeeded(
      calculate({
        compiled: program({ maxRedeemShareBasisPoints: 5_000 }),
        standing: standing({ rate: 1_000, accrualRateBasisPoints: 500 }),
        balance: 1_000_000_000_000,
        redeem: 45_000_000_000,
        lines,
      }),
    );
    expect(calculation).toMatchObject({
      total: 100_000_000_000,
      discount: 10_000_000_000,
      redeemable: 45_000_000_000,
      pointsPaid: 45_000_000_000,
      payable: 45_000_000_000,
      points: 2_250_000_000,
    });
    expectBalancedLines(calculation, receiptAt(AT, lines));
  });

  itEach<{ readonly name: string; readonly balance: number; readonly redeem: number }>([
    { name: "throws an InvariantError for a negative balance", balance: -1, redeem: 0 },
    { name: "throws an InvariantError for a fractional balance", balance: 1.5, redeem: 0 },
    { name: "throws an InvariantError for a negative redemption", balance: 100, redeem: -1 },
    { name: "throws an InvariantError for a fractional redemption", balance: 100, redeem: 0.5 },
  ])(({ balance, redeem }) => {
    expect(() => calculate({ balance, redeem, lines: [1_000] })).toThrow(InvariantError);
  });
});

describe("calculateReceipt: properties over random programs and receipts", () => {
  const SKUS: readonly string[] = ["MILK", "BREAD", "TOBACCO", "GIFT-CARD", "WINE"];

  const scenario = fc.record({
    accrualRateBasisPoints: fc.integer({ min: 0, max: 10_000 }),
    maxRedeemShareBasisPoints: fc.oneof(fc.constant(10_000), fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
    pointValueMinor: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1_000 })),
    maxDiscountBasisPoints: fc.oneof(fc.constant(10_000), fc.integer({ min: 0, max: 10_000 })),
    noDiscountSkus: fc.subarray([...SKUS]),
    noPointsSkus: fc.subarray([...SKUS]),
    rate: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10_000 })),
    levelRate: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: undefined }),
    bonus: fc.option(fc.record({ everyPurchases: fc.integer({ min: 1, max: 6 }), points: fc.integer({ min: 0, max: 100_000 }) }), {
      nil: undefined,
    }),
    purchaseNumberInPeriod: fc.integer({ min: 1, max: 12 }),
    lines: fc.array(
      fc.record({
        sku: fc.constantFrom(...SKUS),
        amount: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 10_000_000 })),
        noDiscount: fc.boolean(),
        noPoints: fc.boolean(),
      }),
      { minLength: 1, maxLength: 50 },
    ),
    balance: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 1_000_000_000 })),
    redeemPermille: fc.oneof(fc.constant(1_000), fc.integer({ min: 0, max: 1_000 })),
    excess: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 1_000_000_000 })),
  });

  type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

  function build(drawn: Scenario): { compiled: CompiledProgram; given: Standing; input: Receipt } {
    const compiled = program({
      accrualRateBasisPoints: drawn.accrualRateBasisPoints,
      maxRedeemShareBasisPoints: drawn.maxRedeemShareBasisPoints,
      pointValueMinor: drawn.pointValueMinor,
      maxDiscountBasisPoints: drawn.maxDiscountBasisPoints,
      noDiscountSkus: drawn.noDiscountSkus,
      noPointsSkus: drawn.noPointsSkus,
    });
    const level: StatusLevel = {
      id: "level",
      name: "Level",
      threshold: 0,
      discountBasisPoints: drawn.rate,
      ...(drawn.levelRate === undefined ? {} : { accrualRateBasisPoints: drawn.levelRate }),
      ...(drawn.bonus === undefined ? {} : { bonus: drawn.bonus }),
    };
    const given = standing({
      rate: drawn.rate,
      status: level,
      accrualRateBasisPoints: drawn.levelRate ?? drawn.accrualRateBasisPoints,
    });
    const input = receiptAt(
      AT,
      drawn.lines.map((each) =>
        line(each.sku, each.amount, { ...(each.noDiscount ? { noDiscount: true } : {}), ...(each.noPoints ? { noPoints: true } : {}) }),
      ),
    );
    return { compiled, given, input };
  }

  it("keeps every column summing to its total, every line within its cap and exclusions, and the totals on the documented formulas", () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { compiled, given, input } = build(drawn);
        const run = (redeem: number): CalculationOutcome =>
          calculateReceipt({ compiled, standing: given, balance: drawn.balance, purchaseNumberInPeriod: drawn.purchaseNumberInPeriod, receipt: input, redeem });
        const offered = succeeded(run(0));
        const redeem = Math.floor((offered.redeemable * drawn.redeemPermille) / 1_000);
        const calculation = succeeded(run(redeem));
        expectBalancedLines(calculation, input);

        const discountable = input.lines.map((each) => each.noDiscount !== true && !drawn.noDiscountSkus.includes(each.sku));
        const earning = input.lines.map((each) => each.noPoints !== true && !drawn.noPointsSkus.includes(each.sku));
        const caps = input.lines.map((each, index) =>
          discountable[index] ? Math.floor((each.amount * drawn.maxDiscountBasisPoints) / 10_000) : 0,
        );
        calculation.lines.forEach((each, index) => {
          expect(each.discount + each.pointsPaid).toBeLessThanOrEqual(caps[index] ?? -1);
          if (!discountable[index]) expect([each.discount, each.pointsPaid]).toEqual([0, 0]);
          if (!earning[index]) expect(each.points).toBe(0);
        });

        // Totals on the formulas of calculate-receipt.ts, recomputed independently.
        const discountableAmount = sum(input.lines.filter((_, index) => discountable[index]).map((each) => each.amount));
        const capSum = sum(caps);
        const discount = Math.min(Math.floor((discountableAmount * drawn.rate) / 10_000), capSum);
        expect(calculation.discount).toBe(discount);
        const shareCap = Math.floor(((calculation.total - discount) * drawn.maxRedeemShareBasisPoints) / 10_000);
        const redeemable = Math.min(drawn.balance, Math.floor(Math.min(shareCap, capSum - discount) / drawn.pointValueMinor));
        expect(calculation.redeemable).toBe(redeemable);
        expect(calculation.redeem).toBe(redeem);
        expect(calculation.pointsPaid).toBe(redeem * drawn.pointValueMinor);
        const earningPayable = sum(calculation.lines.filter((_, index) => earning[index]).map((each) => each.payable));
        const earningAmount = sum(input.lines.filter((_, index) => earning[index]).map((each) => each.amount));
        const accrual = Math.floor((earningPayable * given.accrualRateBasisPoints) / 10_000);
        const bonus =
          drawn.bonus !== undefined && earningAmount > 0 && drawn.purchaseNumberInPeriod % drawn.bonus.everyPurchases === 0
            ? drawn.bonus.points
            : 0;
        expect(calculation.bonusPoints).toBe(bonus);
        expect(calculation.points).toBe(accrual + bonus);
      }),
      { numRuns: RUNS, seed: 20_260_201 },
    );
  });

  it("refuses any redemption above what is redeemable with INSUFFICIENT_POINTS or REDEEM_LIMIT_EXCEEDED, and never throws", () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { compiled, given, input } = build(drawn);
        const run = (redeem: number): CalculationOutcome =>
          calculateReceipt({ compiled, standing: given, balance: drawn.balance, purchaseNumberInPeriod: drawn.purchaseNumberInPeriod, receipt: input, redeem });
        const redeemable = succeeded(run(0)).redeemable;
        const redeem = redeemable + drawn.excess;
        let outcome: CalculationOutcome | undefined;
        expect(() => {
          outcome = run(redeem);
        }).not.toThrow();
        expect(outcome?.ok).toBe(false);
        if (outcome !== undefined && !outcome.ok) {
          expect(outcome.code).toBe(redeem > drawn.balance ? "INSUFFICIENT_POINTS" : "REDEEM_LIMIT_EXCEEDED");
        }
      }),
      { numRuns: RUNS, seed: 20_260_202 },
    );
  });
});

describe("calculateReceipt accrual base", () => {
  it("accrues on what was paid with money by default, not on what points paid", () => {
    const calculation = succeeded(
      calculate({ standing: standing({ rate: 1_000, accrualRateBasisPoints: 500 }), balance: 1_000, lines: [10_000], redeem: 1_000 }),
    );
    // 10,000 less 10 % is 9,000; points pay 1,000 of it; 5 % of the 8,000 paid with money.
    expect(calculation).toMatchObject({ discount: 1_000, pointsPaid: 1_000, payable: 8_000, points: 400 });
  });

  it("accrues on the amount after discounts, points payment included, with accrualBase afterDiscount", () => {
    const calculation = succeeded(
      calculate({
        compiled: program({ accrualBase: "afterDiscount" }),
        standing: standing({ rate: 1_000, accrualRateBasisPoints: 500 }),
        balance: 1_000,
        lines: [10_000],
        redeem: 1_000,
      }),
    );
    expect(calculation).toMatchObject({ discount: 1_000, pointsPaid: 1_000, payable: 8_000, points: 450 });
  });
});
