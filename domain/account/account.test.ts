import { describe, expect, it } from "vitest";
import { EMPTY_LEDGER } from "../ledger/ledger.js";
import { InvariantError } from "../assert/assert.js";
import { POINTS_BALANCE_MAX } from "../limits.js";
import type { ReceiptCalculation } from "../receipt/receipt.js";
import { itEach } from "../test-support/table-tests.js";
import { applyReceiptCommit, openAccount, transactionIdentifier, type Account, type MemberProfile } from "./account.js";
import { addReceipt, EMPTY_COUNTERS, type AccountCounters } from "./counters.js";

const PROFILE: MemberProfile = { card: "2000000000015", phone: "79001234567", name: "Anna", birthDate: "1990-02-03" };
const OPENED_AT = Date.UTC(2024, 0, 10);
const DAY = 86_400_000;
const JANUARY_2024 = 2024 * 12;

/** A balanced calculation: total = discount + pointsPaid + payable unless an override breaks it on purpose. */
function calculation(overrides: Partial<ReceiptCalculation> = {}): ReceiptCalculation {
  return {
    lines: [],
    total: 10_000,
    discount: 0,
    pointsPaid: 0,
    payable: 10_000,
    points: 500,
    bonusPoints: 0,
    redeemable: 0,
    redeem: 0,
    discountBasisPoints: 0,
    rules: [],
    programVersion: 1,
    ...overrides,
  };
}

function account(overrides: Partial<Account> = {}): Account {
  return { ...openAccount("m-1", 42, PROFILE, OPENED_AT), ...overrides };
}

function countersAfter(...receipts: readonly (readonly [period: number, at: number, sold: number, paid: number])[]): AccountCounters {
  return receipts.reduce((counters, [period, at, sold, paid]) => addReceipt(counters, period, at, sold, paid), EMPTY_COUNTERS);
}

describe("openAccount", () => {
  it("opens an account with a zero balance, empty counters, no categories, no visit status and sequence 0", () => {
    expect(openAccount("m-9", 3, PROFILE, OPENED_AT)).toEqual({
      memberId: "m-9",
      logicalShard: 3,
      profile: PROFILE,
      balance: 0,
      ledger: EMPTY_LEDGER,
      counters: EMPTY_COUNTERS,
      categories: [],
      lastVisitStatus: null,
      createdAt: OPENED_AT,
      sequence: 0,
    });
  });
});

describe("transactionIdentifier", () => {
  itEach([
    { name: "joins member id m-1 and sequence 1 as m-1-1", memberId: "m-1", sequence: 1, expected: "m-1-1" },
    { name: "joins member id abc and sequence 1024 as abc-1024", memberId: "abc", sequence: 1_024, expected: "abc-1024" },
  ])(({ memberId, sequence, expected }) => {
    expect(transactionIdentifier(memberId, sequence)).toBe(expected);
  });
});

describe("applyReceiptCommit", () => {
  interface CommitCase {
    readonly name: string;
    readonly before: Account;
    readonly calculation: ReceiptCalculation;
    readonly at: number;
    readonly period: number;
    readonly balance: number;
    readonly counters: AccountCounters;
    readonly sequence: number;
  }

  itEach<CommitCase>([
    {
      name: "credits accrued points and starts the counters on a first visit",
      before: account(),
      calculation: calculation({ total: 10_000, payable: 10_000, points: 500 }),
      at: OPENED_AT + DAY,
      period: JANUARY_2024,
      balance: 500,
      counters: countersAfter([JANUARY_2024, OPENED_AT + DAY, 10_000, 10_000]),
      sequence: 1,
    },
    {
      name: "takes redeemed points off the balance before adding accrued points, and counts paid without points or discount",
      before: account({ balance: 1_000, sequence: 4 }),
      calculation: calculation({ total: 10_000, discount: 500, redeem: 1_000, pointsPaid: 1_000, payable: 8_500, points: 425 }),
      at: OPENED_AT + DAY,
      period: JANUARY_2024,
      balance: 425,
      counters: countersAfter([JANUARY_2024, OPENED_AT + DAY, 10_000, 8_500]),
      sequence: 5,
    },
    {
      name: "takes points worth 10 kopecks each off the balance by count, not by value",
      before: account({ balance: 100 }),
      calculation: calculation({ total: 1_000, redeem: 60, pointsPaid: 600, payable: 400, points: 0 }),
      at: OPENED_AT,
      period: JANUARY_2024,
      balance: 40,
      counters: countersAfter([JANUARY_2024, OPENED_AT, 1_000, 400]),
      sequence: 1,
    },
    {
      name: "allows redeeming exactly the whole balance",
      before: account({ balance: 300 }),
      calculation: calculation({ total: 600, redeem: 300, pointsPaid: 300, payable: 300, points: 0 }),
      at: OPENED_AT,
      period: JANUARY_2024,
      balance: 0,
      counters: countersAfter([JANUARY_2024, OPENED_AT, 600, 300]),
      sequence: 1,
    },
    {
      name: "counts a receipt paid entirely by discount and points as sold but not paid",
      before: account({ balance: 5_000 }),
      calculation: calculation({ total: 5_000, discount: 1_000, redeem: 4_000, pointsPaid: 4_000, payable: 0, points: 0 }),
      at: OPENED_AT,
      period: JANUARY_2024,
      balance: 1_000,
      counters: countersAfter([JANUARY_2024, OPENED_AT, 5_000, 0]),
      sequence: 1,
    },
    {
      name: "adds a receipt of the next period to the counters of the period it is given, rolling January over",
      before: account({ counters: countersAfter([JANUARY_2024, OPENED_AT, 7_000, 7_000]), balance: 70, sequence: 1 }),
      calculation: calculation({ total: 1_000, payable: 1_000, points: 50 }),
      at: OPENED_AT + 30 * DAY,
      period: JANUARY_2024 + 1,
      balance: 120,
      counters: countersAfter([JANUARY_2024, OPENED_AT, 7_000, 7_000], [JANUARY_2024 + 1, OPENED_AT + 30 * DAY, 1_000, 1_000]),
      sequence: 2,
    },
  ])(({ before, calculation: committed, at, period, balance, counters, sequence }) => {
    const after = applyReceiptCommit(before, committed, at, period);
    expect(after.balance).toBe(balance);
    expect(after.counters).toEqual(counters);
    expect(after.sequence).toBe(sequence);
  });

  it("keeps the member id, shard, profile, categories, visit status and creation time and leaves the frozen input unchanged", () => {
    const before = Object.freeze(
      account({ balance: 200, sequence: 9, categories: ["vip"], lastVisitStatus: "came" }),
    );
    const snapshot = structuredClone(before);
    const after = applyReceiptCommit(
      before,
      calculation({ redeem: 100, pointsPaid: 100, payable: 9_900, points: 495 }),
      OPENED_AT,
      JANUARY_2024,
    );
    expect(after).not.toBe(before);
    expect(before).toEqual(snapshot);
    expect(after).toMatchObject({
      memberId: "m-1",
      logicalShard: 42,
      profile: PROFILE,
      createdAt: OPENED_AT,
      categories: ["vip"],
      lastVisitStatus: "came",
      balance: 595,
      sequence: 10,
    });
  });

  it("accepts a balance that lands exactly on POINTS_BALANCE_MAX", () => {
    const after = applyReceiptCommit(account({ balance: POINTS_BALANCE_MAX - 500 }), calculation({ points: 500 }), OPENED_AT, JANUARY_2024);
    expect(after.balance).toBe(POINTS_BALANCE_MAX);
  });

  interface InvariantCase {
    readonly name: string;
    readonly before: Account;
    readonly calculation: ReceiptCalculation;
  }

  itEach<InvariantCase>([
    {
      name: "throws an InvariantError when the calculation redeems one point more than the balance",
      before: account({ balance: 299 }),
      calculation: calculation({ redeem: 300, pointsPaid: 300, payable: 9_700, points: 485 }),
    },
    {
      name: "throws an InvariantError when the calculation redeems from an empty balance",
      before: account(),
      calculation: calculation({ redeem: 1, pointsPaid: 1, payable: 9_999, points: 0 }),
    },
    {
      name: "throws an InvariantError when the receipt does not balance: payable one kopeck short",
      before: account(),
      calculation: calculation({ total: 10_000, discount: 500, payable: 9_499 }),
    },
    {
      name: "throws an InvariantError when the receipt does not balance: points paid left out of the total",
      before: account({ balance: 1_000 }),
      calculation: calculation({ total: 10_000, redeem: 1_000, pointsPaid: 1_000, payable: 10_000 }),
    },
    {
      name: "throws an InvariantError when the receipt does not balance: discount counted twice",
      before: account(),
      calculation: calculation({ total: 10_000, discount: 1_000, payable: 10_000 }),
    },
    {
      name: "throws an InvariantError when the balance before the commit is negative",
      before: account({ balance: -1 }),
      calculation: calculation(),
    },
    {
      name: "throws an InvariantError when the balance before the commit is fractional",
      before: account({ balance: 10.5 }),
      calculation: calculation(),
    },
    {
      name: "throws an InvariantError when accrual would pass POINTS_BALANCE_MAX",
      before: account({ balance: POINTS_BALANCE_MAX }),
      calculation: calculation({ points: 1 }),
    },
    {
      name: "throws an InvariantError when the receipt would pay more than it bills (negative discount)",
      before: account(),
      calculation: calculation({ total: 10_000, discount: -1, payable: 10_001 }),
    },
  ])(({ before, calculation: committed }) => {
    expect(() => applyReceiptCommit(before, committed, OPENED_AT, JANUARY_2024)).toThrow(InvariantError);
  });
});
