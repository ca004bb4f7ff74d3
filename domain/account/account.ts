import { assert, assertNonNegativeInteger } from "../assert/assert.js";
import { POINTS_BALANCE_MAX } from "../limits.js";
import type { ReceiptCalculation } from "../receipt/receipt.js";
import { EMPTY_LEDGER, type Ledger } from "../ledger/ledger.js";
import type { Consent } from "../../protocol/terminal-wire.js";
import { addReceipt, EMPTY_COUNTERS, type AccountCounters } from "./counters.js";

/** Consent to communications by channel; a member who said nothing consented to none. */
export type MemberConsent = Consent;

export const NO_CONSENT: MemberConsent = Object.freeze({ sms: false, email: false });

/**
 * What the member told us at enrolment, or support changed since. Static
 * parameters: edited, not accumulated.
 *
 * `email` and `consent` came later: a profile without them (every account
 * stored before, and a member who gave none) has no e-mail and consented to
 * nothing. A profile is kept canonical (`withContact`): the key is there only
 * when it says something, so an account without them is stored exactly as
 * before (account-codec.ts) and compares equal to an enrolment that gave none.
 */
export interface MemberProfile {
  readonly card: string;
  readonly phone: string | null;
  readonly name: string | null;
  /** ISO date, YYYY-MM-DD. */
  readonly birthDate: string | null;
  /** As the member gave it (validated); searched lower-cased. Absent: none. */
  readonly email?: string;
  /** Absent: consented to nothing (NO_CONSENT). */
  readonly consent?: MemberConsent;
}

export function profileEmail(profile: MemberProfile): string | null {
  return profile.email ?? null;
}

export function profileConsent(profile: MemberProfile): MemberConsent {
  return profile.consent ?? NO_CONSENT;
}

/** The profile with this e-mail and consent, canonical: no key for no e-mail, none for no consent; keys in one order. */
export function withContact(profile: MemberProfile, email: string | null, consent: MemberConsent): MemberProfile {
  const { card, phone, name, birthDate } = profile;
  const consentGiven = consent.sms || consent.email;
  return {
    card,
    phone,
    name,
    birthDate,
    ...(email === null ? {} : { email }),
    ...(consentGiven ? { consent: { sms: consent.sms, email: consent.email } } : {}),
  };
}

export interface Account {
  readonly memberId: string;
  /** The logical shard the member id hashes to; the shard asserts it owns it. */
  readonly logicalShard: number;
  readonly profile: MemberProfile;
  /**
   * Points the member could spend at the account's last operation: the
   * ledger's available points then. Never below zero: an assertion, not a
   * check. Views recompute it from the ledger at their own time (pending
   * points activate, lots expire).
   */
  readonly balance: number;
  /** Every point as a lot: pending, active, held, spent, expired, revoked (domain/ledger). */
  readonly ledger: Ledger;
  readonly counters: AccountCounters;
  /** Category membership after the member's last event (rules re-apply at every read). */
  readonly categories: readonly string[];
  /** The status of the last visit event ("came", "didNotCome"), which category rules may test. */
  readonly lastVisitStatus: "came" | "didNotCome" | null;
  readonly createdAt: number;
  /** Operations applied to this account; the transaction id counts with it. */
  readonly sequence: number;
  /** The level by active points last reached (program pointLevels), while it holds; absent: none. */
  readonly pointLevel?: PointLevelState;
  /**
   * The family (master account) the member belongs to (domain/family): its pool holds the points
   * the member earns and pays with; absent: none. A pool's own account never has one.
   */
  readonly family?: string;
  /**
   * Purchases counted in the own periods of campaigns that give on every
   * k-th purchase (domain/campaigns/campaign-purchases.ts); absent for a
   * member who never bought while such a campaign applied to them.
   */
  readonly campaignPurchases?: readonly CampaignPurchaseCount[];
}

/** A member's purchases in one campaign's own period (domain/campaigns/campaign-purchases.ts). */
export interface CampaignPurchaseCount {
  readonly campaign: string;
  readonly startsAt: number;
  readonly endsAt: number;
  /** Committed receipts the campaign applied to, less those cancelled. */
  readonly count: number;
}

/** A level by active points reached (domain/engine/point-levels.ts). */
export interface PointLevelState {
  readonly id: string;
  readonly reachedAt: number;
  /** From this time on the level no longer holds; null: until a higher level. */
  readonly expiresAt: number | null;
}

export function openAccount(memberId: string, logicalShard: number, profile: MemberProfile, now: number): Account {
  return {
    memberId,
    logicalShard,
    profile,
    balance: 0,
    ledger: EMPTY_LEDGER,
    counters: EMPTY_COUNTERS,
    categories: [],
    lastVisitStatus: null,
    createdAt: now,
    sequence: 0,
  };
}

export function transactionIdentifier(memberId: string, sequence: number): string {
  return `${memberId}-${sequence}`;
}

/**
 * The account after a committed receipt of `period` at `at`: points redeemed
 * leave the balance, points accrued join it, counters grow (sold = billed
 * total, paid = paid with money). Asserts the invariants on both sides.
 */
/** `paid`: the money paid now, when less than the receipt's payable (a receipt paid in part); the payable otherwise. */
export function applyReceiptCommit(account: Account, calculation: ReceiptCalculation, at: number, period: number, paid = calculation.payable): Account {
  assertNonNegativeInteger(account.balance, "balance before commit");
  assert(calculation.redeem <= account.balance, "a calculation never redeems more than the balance");
  const balance = account.balance - calculation.redeem + calculation.points;
  assertNonNegativeInteger(balance, "balance after commit");
  assert(balance <= POINTS_BALANCE_MAX, "balance stays under POINTS_BALANCE_MAX");
  assert(calculation.total === calculation.discount + calculation.pointsPaid + calculation.payable, "the receipt balances");
  assert(Number.isSafeInteger(paid) && paid >= 0 && paid <= calculation.payable, "a receipt is paid at most its payable");
  const next: Account = {
    ...account,
    balance,
    counters: addReceipt(account.counters, period, at, calculation.total, paid),
    sequence: account.sequence + 1,
  };
  assert(next.sequence === account.sequence + 1, "one operation, one sequence number");
  return next;
}
