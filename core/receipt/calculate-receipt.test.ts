import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import type { ErrorCode } from "../errors/error-codes.js";
import type { Program } from "../program/program.js";
import { randomInteger, seededRandom } from "../test-support/seeded-random.js";
import { sum } from "../test-support/sum.js";
import { itEach } from "../test-support/table-tests.js";
import { calculateReceipt, type CalculationOutcome } from "./calculate-receipt.js";
import type { Receipt, ReceiptCalculation } from "./receipt.js";

const BASE_PROGRAM: Program = {
  version: 3,
  name: "Skeleton",
  accrualRateBasisPoints: 500,
  maxRedeemShareBasisPoints: 5_000,
  pointValueMinor: 1,
  entryStatusName: null,
};

function program(overrides: Partial<Program> = {}): Program {
  return { ...BASE_PROGRAM, ...overrides };
}

function receipt(amounts: readonly number[]): Receipt {
  return {
    id: "r-1",
    store: "store-1",
    at: Date.UTC(2024, 5, 1),
    lines: amounts.map((amount, index) => ({ sku: `sku-${index}`, qty: 1, price: amount, amount })),
  };
}

function succeeded(outcome: CalculationOutcome): ReceiptCalculation {
  if (!outcome.ok) {
    return expect.unreachable(`expected a calculation, got ${outcome.code}: ${outcome.message}`);
  }
  return outcome.calculation;
}

/** The per-line identities every successful calculation keeps. */
function expectConsistentLines(calculation: ReceiptCalculation, input: Receipt, context = ""): void {
  expect(calculation.lines.map((line) => line.sku), context).toEqual(input.lines.map((line) => line.sku));
  expect(calculation.lines.map((line) => line.amount), context).toEqual(input.lines.map((line) => line.amount));
  expect(sum(calculation.lines.map((line) => line.amount)), context).toBe(calculation.total);
  expect(sum(calculation.lines.map((line) => line.discount)), context).toBe(calculation.discount);
  expect(sum(calculation.lines.map((line) => line.payable)), context).toBe(calculation.payable);
  expect(sum(calculation.lines.map((line) => line.points)), context).toBe(calculation.points);
  expect(calculation.payable, context).toBe(calculation.total - calculation.discount);
  for (const line of calculation.lines) {
    expect(line.payable, context).toBe(line.amount - line.discount);
    expect(line.discount, context).toBeGreaterThanOrEqual(0);
    expect(line.discount, context).toBeLessThanOrEqual(line.amount);
    expect(line.points, context).toBeGreaterThanOrEqual(0);
    if (line.payable === 0) expect(line.points, context).toBe(0);
  }
}

describe("calculateReceipt", () => {
  interface AccrualCase {
    readonly name: string;
    readonly amounts: readonly number[];
    readonly rate: number;
    readonly expectedPoints: number;
  }

  itEach<AccrualCase>([
    { name: "accrues 5 % of a 10,000-kopeck receipt as 500 points", amounts: [10_000], rate: 500, expectedPoints: 500 },
    { name: "rounds 5 % of 1,999 kopecks (99.95) down to 99 points", amounts: [1_999], rate: 500, expectedPoints: 99 },
    { name: "accrues 5 % of the sum of several lines, not of each line", amounts: [19, 19, 19, 19], rate: 500, expectedPoints: 3 },
    { name: "accrues nothing on 19 kopecks at 5 %", amounts: [19], rate: 500, expectedPoints: 0 },
    { name: "accrues nothing when the accrual rate is zero", amounts: [50_000], rate: 0, expectedPoints: 0 },
    { name: "accrues the whole paid amount at 10,000 basis points", amounts: [321, 123], rate: 10_000, expectedPoints: 444 },
  ])(({ amounts, rate, expectedPoints }) => {
    const input = receipt(amounts);
    const calculation = succeeded(calculateReceipt(program({ accrualRateBasisPoints: rate }), 0, input, 0));
    expect(calculation.points).toBe(expectedPoints);
    expect(calculation.total).toBe(sum(amounts));
    expect(calculation.discount).toBe(0);
    expect(calculation.payable).toBe(sum(amounts));
    expectConsistentLines(calculation, input);
  });

  it("accrues 5 % of the amount paid after redemption, not of the amount sold", () => {
    const calculation = succeeded(calculateReceipt(program(), 1_000, receipt([10_000]), 1_000));
    expect(calculation).toMatchObject({ total: 10_000, redeem: 1_000, discount: 1_000, payable: 9_000, points: 450 });
  });

  interface LimitCase {
    readonly name: string;
    readonly program: Program;
    readonly balance: number;
    readonly amounts: readonly number[];
    readonly redeem: number;
    readonly expected: { readonly discount: number; readonly payable: number; readonly points: number };
  }

  itEach<LimitCase>([
    {
      name: "accepts a redemption of exactly the 50 % cap, rounded down from 500.5 to 500 points",
      program: program(),
      balance: 10_000,
      amounts: [1_001],
      redeem: 500,
      expected: { discount: 500, payable: 501, points: 25 },
    },
    {
      name: "accepts a redemption of exactly the whole balance below the cap",
      program: program(),
      balance: 300,
      amounts: [10_000],
      redeem: 300,
      expected: { discount: 300, payable: 9_700, points: 485 },
    },
    {
      name: "pays 10 kopecks per point when pointValueMinor is 10",
      program: program({ pointValueMinor: 10 }),
      balance: 1_000,
      amounts: [1_005],
      redeem: 50,
      expected: { discount: 500, payable: 505, points: 25 },
    },
    {
      name: "lets a 100 % share redeem the whole receipt and then accrues nothing",
      program: program({ maxRedeemShareBasisPoints: 10_000 }),
      balance: 5_000,
      amounts: [1_200, 800],
      redeem: 2_000,
      expected: { discount: 2_000, payable: 0, points: 0 },
    },
  ])(({ program: rules, balance, amounts, redeem, expected }) => {
    const input = receipt(amounts);
    const calculation = succeeded(calculateReceipt(rules, balance, input, redeem));
    expect(calculation.redeem).toBe(redeem);
    expect(calculation).toMatchObject(expected);
    expectConsistentLines(calculation, input);
  });

  interface RefusalCase {
    readonly name: string;
    readonly program: Program;
    readonly balance: number;
    readonly amounts: readonly number[];
    readonly redeem: number;
    readonly code: ErrorCode;
  }

  itEach<RefusalCase>([
    {
      name: "answers INSUFFICIENT_POINTS for one point more than the balance",
      program: program(),
      balance: 300,
      amounts: [10_000],
      redeem: 301,
      code: "INSUFFICIENT_POINTS",
    },
    {
      name: "answers INSUFFICIENT_POINTS for any redemption from an empty balance",
      program: program(),
      balance: 0,
      amounts: [10_000],
      redeem: 1,
      code: "INSUFFICIENT_POINTS",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for one point above the 50 % cap",
      program: program(),
      balance: 10_000,
      amounts: [1_001],
      redeem: 501,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for one point above the cap at 10 kopecks a point",
      program: program({ pointValueMinor: 10 }),
      balance: 1_000,
      amounts: [1_005],
      redeem: 51,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for any redemption when the program's share is zero",
      program: program({ maxRedeemShareBasisPoints: 0 }),
      balance: 10_000,
      amounts: [10_000],
      redeem: 1,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers REDEEM_LIMIT_EXCEEDED for a redemption on a receipt of zero-amount lines",
      program: program(),
      balance: 10_000,
      amounts: [0, 0],
      redeem: 1,
      code: "REDEEM_LIMIT_EXCEEDED",
    },
    {
      name: "answers INSUFFICIENT_POINTS first when a redemption exceeds both the balance and the cap",
      program: program(),
      balance: 100,
      amounts: [100],
      redeem: 200,
      code: "INSUFFICIENT_POINTS",
    },
  ])(({ program: rules, balance, amounts, redeem, code }) => {
    let outcome: CalculationOutcome | undefined;
    expect(() => {
      outcome = calculateReceipt(rules, balance, receipt(amounts), redeem);
    }).not.toThrow();
    expect(outcome).toMatchObject({ ok: false, code });
    if (outcome !== undefined && !outcome.ok) {
      expect(outcome.message).toContain(String(redeem));
      expect(outcome).not.toHaveProperty("calculation");
    }
  });

  interface RedeemableCase {
    readonly name: string;
    readonly program: Program;
    readonly balance: number;
    readonly amounts: readonly number[];
    readonly expected: number;
  }

  itEach<RedeemableCase>([
    { name: "offers no points as payment from an empty balance", program: program(), balance: 0, amounts: [10_000], expected: 0 },
    { name: "offers the whole balance when it is under the cap", program: program(), balance: 100, amounts: [10_000], expected: 100 },
    { name: "offers the 50 % cap when the balance is larger", program: program(), balance: 1_000_000, amounts: [10_000], expected: 5_000 },
    { name: "offers the cap when the balance equals it", program: program(), balance: 5_000, amounts: [6_000, 4_000], expected: 5_000 },
    {
      name: "offers the cap in points, rounded down, at 3 kopecks a point",
      program: program({ pointValueMinor: 3 }),
      balance: 1_000_000,
      amounts: [1_000],
      expected: 166,
    },
    { name: "offers nothing on a receipt of zero-amount lines", program: program(), balance: 1_000, amounts: [0, 0, 0], expected: 0 },
  ])(({ program: rules, balance, amounts, expected }) => {
    const calculation = succeeded(calculateReceipt(rules, balance, receipt(amounts), 0));
    expect(calculation.redeemable).toBe(expected);
    // Redeeming exactly what is offered is always accepted; one point more never is.
    expect(calculateReceipt(rules, balance, receipt(amounts), expected).ok).toBe(true);
    expect(calculateReceipt(rules, balance, receipt(amounts), expected + 1).ok).toBe(false);
  });

  interface LinesCase {
    readonly name: string;
    readonly amounts: readonly number[];
    readonly balance: number;
    readonly redeem: number;
    readonly discounts: readonly number[];
    readonly payables: readonly number[];
    readonly points: readonly number[];
  }

  itEach<LinesCase>([
    {
      name: "spreads a 100-kopeck discount over three equal lines as 34, 33, 33 and their 145 points as 48, 49, 48",
      amounts: [1_000, 1_000, 1_000],
      balance: 1_000,
      redeem: 100,
      discounts: [34, 33, 33],
      payables: [966, 967, 967],
      points: [48, 49, 48],
    },
    {
      name: "spreads the discount and points of a receipt with zero-amount lines only over the non-zero line",
      amounts: [0, 500, 0],
      balance: 1_000,
      redeem: 100,
      discounts: [0, 100, 0],
      payables: [0, 400, 0],
      points: [0, 20, 0],
    },
    {
      name: "spreads points over lines in proportion to their amounts when nothing is redeemed",
      amounts: [2_000, 6_000, 2_000],
      balance: 1_000,
      redeem: 0,
      discounts: [0, 0, 0],
      payables: [2_000, 6_000, 2_000],
      points: [100, 300, 100],
    },
    {
      name: "answers all zeros for a receipt whose lines are all zero amounts",
      amounts: [0, 0],
      balance: 1_000,
      redeem: 0,
      discounts: [0, 0],
      payables: [0, 0],
      points: [0, 0],
    },
  ])(({ amounts, balance, redeem, discounts, payables, points }) => {
    const input = receipt(amounts);
    const calculation = succeeded(calculateReceipt(program(), balance, input, redeem));
    expect(calculation.lines.map((line) => line.discount)).toEqual(discounts);
    expect(calculation.lines.map((line) => line.payable)).toEqual(payables);
    expect(calculation.lines.map((line) => line.points)).toEqual(points);
    expectConsistentLines(calculation, input);
  });

  it("keeps per-line sums exact for a receipt at RECEIPT_TOTAL_MINOR_MAX redeemed to its cap", () => {
    const input = receipt([33_333_333_333, 33_333_333_333, 33_333_333_334]);
    const calculation = succeeded(calculateReceipt(program(), 1_000_000_000_000, input, 50_000_000_000));
    expect(calculation).toMatchObject({
      total: 100_000_000_000,
      redeemable: 50_000_000_000,
      discount: 50_000_000_000,
      payable: 50_000_000_000,
      points: 2_500_000_000,
    });
    expectConsistentLines(calculation, input);
  });

  it.each([1, 7, 1_000_000])("echoes the program version %i in the calculation", (version) => {
    const calculation = succeeded(calculateReceipt(program({ version }), 0, receipt([100]), 0));
    expect(calculation.programVersion).toBe(version);
  });

  it("gives the same answer for the same input and leaves the frozen input untouched", () => {
    const input = receipt([1_234, 5_678, 91]);
    const frozen: Receipt = Object.freeze({ ...input, lines: Object.freeze(input.lines.map((line) => Object.freeze(line))) });
    const rules = Object.freeze(program({ pointValueMinor: 2 }));
    const first = calculateReceipt(rules, 2_000, frozen, 777);
    const second = calculateReceipt(rules, 2_000, frozen, 777);
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    expect(frozen).toEqual(receipt([1_234, 5_678, 91]));
  });

  interface InvariantCase {
    readonly name: string;
    readonly balance: number;
    readonly redeem: number;
  }

  itEach<InvariantCase>([
    { name: "throws an InvariantError for a negative balance", balance: -1, redeem: 0 },
    { name: "throws an InvariantError for a fractional balance", balance: 1.5, redeem: 0 },
    { name: "throws an InvariantError for a negative redemption", balance: 100, redeem: -1 },
    { name: "throws an InvariantError for a fractional redemption", balance: 100, redeem: 0.5 },
  ])(({ balance, redeem }) => {
    expect(() => calculateReceipt(program(), balance, receipt([1_000]), redeem)).toThrow(InvariantError);
  });

  it("keeps the totals, caps and per-line identities over 300 seeded random receipts", () => {
    const random = seededRandom(8_675_309);
    for (let caseIndex = 0; caseIndex < 300; caseIndex += 1) {
      const rules = program({
        accrualRateBasisPoints: randomInteger(random, 10_000),
        maxRedeemShareBasisPoints: randomInteger(random, 10_000),
        pointValueMinor: 1 + randomInteger(random, 99),
      });
      const amounts = Array.from({ length: 1 + randomInteger(random, 19) }, () =>
        random() < 0.2 ? 0 : randomInteger(random, 1_000_000),
      );
      const input = receipt(amounts);
      const balance = randomInteger(random, 200_000);
      const total = sum(amounts);
      const capPoints = Math.floor(
        Math.floor((total * rules.maxRedeemShareBasisPoints) / 10_000) / rules.pointValueMinor,
      );
      const redeemable = Math.min(balance, capPoints);
      const redeem = randomInteger(random, redeemable);
      const context = `case ${caseIndex}: ${JSON.stringify({ rules, amounts, balance, redeem })}`;

      const calculation = succeeded(calculateReceipt(rules, balance, input, redeem));
      expect(calculation.total, context).toBe(total);
      expect(calculation.redeemable, context).toBe(redeemable);
      expect(calculation.redeem, context).toBe(redeem);
      expect(calculation.discount, context).toBe(redeem * rules.pointValueMinor);
      // points = floor(payable x rate / 10,000): points x 10,000 <= payable x rate < (points + 1) x 10,000.
      const accrualProduct = calculation.payable * rules.accrualRateBasisPoints;
      expect(calculation.points * 10_000, context).toBeLessThanOrEqual(accrualProduct);
      expect((calculation.points + 1) * 10_000, context).toBeGreaterThan(accrualProduct);
      expectConsistentLines(calculation, input, context);

      expect(calculateReceipt(rules, balance, input, redeemable + 1).ok, context).toBe(false);
    }
  });
});
