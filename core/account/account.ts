import { assert, assertNonNegativeInteger } from "../assert/assert.js";
import { POINTS_BALANCE_MAX } from "../limits.js";
import type { ReceiptCalculation } from "../receipt/receipt.js";

/** What the member told us at enrolment. Static parameters: edited, not accumulated. */
export interface MemberProfile {
  readonly card: string;
  readonly phone: string | null;
  readonly name: string | null;
  /** ISO date, YYYY-MM-DD. */
  readonly birthDate: string | null;
}

/**
 * Dynamic parameters: changed only by operations, never edited directly
 * (Manzana's rule). Amounts are integer minor units.
 */
export interface AccountCounters {
  /** Billed before loyalty discounts, summed over committed receipts. */
  readonly sold: number;
  /** Actually paid (billed minus discounts and points), summed. */
  readonly paid: number;
  /** Committed receipts. */
  readonly visits: number;
  readonly firstVisitAt: number | null;
  readonly lastVisitAt: number | null;
}

export interface Account {
  readonly memberId: string;
  /** The logical shard the member id hashes to; the shard asserts it owns it. */
  readonly logicalShard: number;
  readonly profile: MemberProfile;
  /** Points. Never below zero: an assertion, not a check. */
  readonly balance: number;
  readonly counters: AccountCounters;
  readonly createdAt: number;
  /** Operations applied to this account; the transaction id counts with it. */
  readonly sequence: number;
}

export const EMPTY_COUNTERS: AccountCounters = {
  sold: 0,
  paid: 0,
  visits: 0,
  firstVisitAt: null,
  lastVisitAt: null,
};

export function openAccount(memberId: string, logicalShard: number, profile: MemberProfile, now: number): Account {
  return { memberId, logicalShard, profile, balance: 0, counters: EMPTY_COUNTERS, createdAt: now, sequence: 0 };
}

export function transactionIdentifier(memberId: string, sequence: number): string {
  return `${memberId}-${sequence}`;
}

/**
 * The account after a committed receipt: points redeemed leave the balance,
 * points accrued join it, counters grow. Asserts the invariants on both sides.
 */
export function applyReceiptCommit(account: Account, calculation: ReceiptCalculation, at: number): Account {
  assertNonNegativeInteger(account.balance, "balance before commit");
  assert(calculation.redeem <= account.balance, "a calculation never redeems more than the balance");
  const balance = account.balance - calculation.redeem + calculation.points;
  assertNonNegativeInteger(balance, "balance after commit");
  assert(balance <= POINTS_BALANCE_MAX, "balance stays under POINTS_BALANCE_MAX");
  const counters = account.counters;
  const next: Account = {
    ...account,
    balance,
    counters: {
      sold: counters.sold + calculation.total,
      paid: counters.paid + calculation.payable,
      visits: counters.visits + 1,
      firstVisitAt: counters.firstVisitAt === null ? at : Math.min(counters.firstVisitAt, at),
      lastVisitAt: counters.lastVisitAt === null ? at : Math.max(counters.lastVisitAt, at),
    },
    sequence: account.sequence + 1,
  };
  assertNonNegativeInteger(next.counters.sold, "sold");
  assertNonNegativeInteger(next.counters.paid, "paid");
  return next;
}
