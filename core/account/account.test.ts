import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { POINTS_BALANCE_MAX } from "../limits.js";
import type { ReceiptCalculation } from "../receipt/receipt.js";
import { itEach } from "../test-support/table-tests.js";
import {
  applyReceiptCommit,
  EMPTY_COUNTERS,
  openAccount,
  transactionIdentifier,
  type Account,
  type AccountCounters,
  type MemberProfile,
} from "./account.js";

const PROFILE: MemberProfile = { card: "2000000000015", phone: "79001234567", name: "Anna", birthDate: "1990-02-03" };
const OPENED_AT = Date.UTC(2024, 0, 10);
const DAY = 86_400_000;

function calculation(overrides: Partial<ReceiptCalculation> = {}): ReceiptCalculation {
  return {
    lines: [],
    total: 10_000,
    discount: 0,
    points: 500,
    redeemable: 0,
    redeem: 0,
    payable: 10_000,
    programVersion: 1,
    ...overrides,
  };
}

function account(overrides: Partial<Account> = {}): Account {
  return { ...openAccount("m-1", 42, PROFILE, OPENED_AT), ...overrides };
}

describe("openAccount", () => {
  it("opens an account with a zero balance, empty counters and sequence 0", () => {
    expect(openAccount("m-9", 3, PROFILE, OPENED_AT)).toEqual({
      memberId: "m-9",
      logicalShard: 3,
      profile: PROFILE,
      balance: 0,
      counters: { sold: 0, paid: 0, visits: 0, firstVisitAt: null, lastVisitAt: null },
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
      balance: 500,
      counters: { sold: 10_000, paid: 10_000, visits: 1, firstVisitAt: OPENED_AT + DAY, lastVisitAt: OPENED_AT + DAY },
      sequence: 1,
    },
    {
      name: "takes redeemed points off the balance before adding accrued points",
      before: account({ balance: 1_000, sequence: 4 }),
      calculation: calculation({ total: 10_000, discount: 1_000, redeem: 1_000, payable: 9_000, points: 450 }),
      at: OPENED_AT + DAY,
      balance: 450,
      counters: { sold: 10_000, paid: 9_000, visits: 1, firstVisitAt: OPENED_AT + DAY, lastVisitAt: OPENED_AT + DAY },
      sequence: 5,
    },
    {
      name: "allows redeeming exactly the whole balance",
      before: account({ balance: 300 }),
      calculation: calculation({ total: 600, discount: 300, redeem: 300, payable: 300, points: 0 }),
      at: OPENED_AT,
      balance: 0,
      counters: { sold: 600, paid: 300, visits: 1, firstVisitAt: OPENED_AT, lastVisitAt: OPENED_AT },
      sequence: 1,
    },
    {
      name: "adds to existing counters and moves the last visit forward for a later receipt",
      before: account({
        balance: 70,
        counters: { sold: 5_000, paid: 4_000, visits: 3, firstVisitAt: OPENED_AT + DAY, lastVisitAt: OPENED_AT + 2 * DAY },
        sequence: 3,
      }),
      calculation: calculation({ total: 1_000, payable: 1_000, points: 50 }),
      at: OPENED_AT + 5 * DAY,
      balance: 120,
      counters: { sold: 6_000, paid: 5_000, visits: 4, firstVisitAt: OPENED_AT + DAY, lastVisitAt: OPENED_AT + 5 * DAY },
      sequence: 4,
    },
    {
      name: "moves the first visit back for an offline receipt older than every earlier one",
      before: account({
        balance: 70,
        counters: { sold: 5_000, paid: 4_000, visits: 3, firstVisitAt: OPENED_AT + DAY, lastVisitAt: OPENED_AT + 2 * DAY },
        sequence: 3,
      }),
      calculation: calculation({ total: 1_000, payable: 1_000, points: 50 }),
      at: OPENED_AT,
      balance: 120,
      counters: { sold: 6_000, paid: 5_000, visits: 4, firstVisitAt: OPENED_AT, lastVisitAt: OPENED_AT + 2 * DAY },
      sequence: 4,
    },
    {
      name: "keeps both visit times for a receipt between the first and the last visit",
      before: account({
        counters: { sold: 100, paid: 100, visits: 2, firstVisitAt: OPENED_AT, lastVisitAt: OPENED_AT + 10 * DAY },
      }),
      calculation: calculation({ total: 0, payable: 0, points: 0 }),
      at: OPENED_AT + 3 * DAY,
      balance: 0,
      counters: { sold: 100, paid: 100, visits: 3, firstVisitAt: OPENED_AT, lastVisitAt: OPENED_AT + 10 * DAY },
      sequence: 1,
    },
  ])(({ before, calculation: committed, at, balance, counters, sequence }) => {
    const after = applyReceiptCommit(before, committed, at);
    expect(after.balance).toBe(balance);
    expect(after.counters).toEqual(counters);
    expect(after.sequence).toBe(sequence);
  });

  it("keeps the member id, shard, profile and creation time and leaves the frozen input account unchanged", () => {
    const before = Object.freeze(account({ balance: 200, sequence: 9 }));
    const snapshot = structuredClone(before);
    const after = applyReceiptCommit(before, calculation({ redeem: 100, discount: 100, payable: 9_900, points: 495 }), OPENED_AT);
    expect(after).not.toBe(before);
    expect(before).toEqual(snapshot);
    expect(after).toMatchObject({ memberId: "m-1", logicalShard: 42, profile: PROFILE, createdAt: OPENED_AT });
    expect(EMPTY_COUNTERS).toEqual({ sold: 0, paid: 0, visits: 0, firstVisitAt: null, lastVisitAt: null });
  });

  it("accepts a balance that lands exactly on POINTS_BALANCE_MAX", () => {
    const after = applyReceiptCommit(account({ balance: POINTS_BALANCE_MAX - 500 }), calculation({ points: 500 }), OPENED_AT);
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
      calculation: calculation({ redeem: 300, discount: 300, payable: 9_700, points: 485 }),
    },
    {
      name: "throws an InvariantError when the calculation redeems from an empty balance",
      before: account(),
      calculation: calculation({ redeem: 1, discount: 1, payable: 9_999, points: 0 }),
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
      name: "throws an InvariantError when the sold counter would pass Number.MAX_SAFE_INTEGER",
      before: account({ counters: { ...EMPTY_COUNTERS, sold: Number.MAX_SAFE_INTEGER } }),
      calculation: calculation({ total: 1, payable: 1, points: 0 }),
    },
  ])(({ before, calculation: committed }) => {
    expect(() => applyReceiptCommit(before, committed, OPENED_AT)).toThrow(InvariantError);
  });
});
