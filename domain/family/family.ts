// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { hash } from "node:crypto";
import type { LotShare } from "../ledger/lot.js";

/**
 * Family (master) accounts: several members share one points pool
 * (docs/ARCHITECTURE.md, "Family accounts"). The pool is an account of its
 * own, keyed by its pool account id, so it hashes to a logical shard of its
 * own like a member does, and lives on some shard thread. A member's shard
 * keeps the member's counters, statuses and receipts; the points part of
 * what the member does goes to the pool as an **intent** written in the
 * same log record as the operation, and applied on the pool's shard exactly
 * once (idempotent by the intent's id).
 */

/** Family ids: what an administrator names a family, printable ASCII without spaces (they sit in keys). */
export const FAMILY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The pool's account id: "~family " then the family id. A "~" and a space never occur in a member
 * id (m + hex), so a pool is never taken for a member, and member ids never collide with pools.
 */
export function poolAccountId(familyId: string): string {
  return `~family ${familyId}`;
}

export function isPoolAccountId(accountId: string): boolean {
  return accountId.startsWith("~family ");
}

export function familyIdOfPool(poolId: string): string {
  return poolId.slice("~family ".length);
}

/** What happens to the leaving member's points: they stay in the pool, or the lots the member earned go with them. */
export type LeavePolicy = "stay" | "share";

/** A lot on its way from one account to another: its points and identity, and the member who earned it. */
export interface TransferLot {
  readonly points: number;
  readonly source: LotShare["source"];
  readonly partner: string;
  readonly reference: string;
  readonly activatesAt: number;
  readonly expiresAt: number | null;
  /** The member who earned the points (a pool's lot remembers it). */
  readonly origin: string;
}

/** The points part of a family member's receipt, for the pool: capture its hold (spending `redeem`), accrue `accrual`. */
export interface ReceiptIntent {
  readonly kind: "receipt";
  readonly id: string;
  readonly target: string;
  readonly member: string;
  readonly at: number;
  /** The pool's hold the receipt named (null: it redeemed nothing). */
  readonly hold: { readonly key: string; readonly points: number } | null;
  /** Points the receipt redeemed (at most the hold's); the rest of the hold is released. */
  readonly redeem: number;
  /** The partner of the store: the coalition policy on which of the pool's lots may pay. */
  readonly partner: string;
  readonly accrual: TransferLot | null;
}

/** A refund or cancel of a family receipt: the pool revokes part of its lot and gives redeemed points back. */
export interface ReverseIntent {
  readonly kind: "reverse";
  readonly id: string;
  readonly target: string;
  readonly member: string;
  readonly at: number;
  /** The receipt's intent, whose apply record on the pool says which lot it accrued and which lots paid. */
  readonly receiptIntent: string;
  readonly revoke: number;
  readonly giveBack: number;
  /** "cancel" or "refund <id>": names the return in the pool's settlement entries. */
  readonly operation: string;
}

/** A member joined: the member's points move into the pool as lots of that member's origin. */
export interface JoinIntent {
  readonly kind: "join";
  readonly id: string;
  readonly target: string;
  readonly member: string;
  readonly at: number;
  readonly lots: readonly TransferLot[];
}

/** A member left: under "share", the pool's lots the member earned go back to the member (a credit intent). */
export interface LeaveIntent {
  readonly kind: "leave";
  readonly id: string;
  readonly target: string;
  readonly member: string;
  readonly at: number;
  readonly policy: LeavePolicy;
}

/** Lots for a member's own ledger, from the pool (a leave under "share"). */
export interface CreditIntent {
  readonly kind: "credit";
  readonly id: string;
  readonly target: string;
  /** The pool account the lots came from. */
  readonly from: string;
  readonly at: number;
  readonly lots: readonly TransferLot[];
}

export type FamilyIntent = ReceiptIntent | ReverseIntent | JoinIntent | LeaveIntent | CreditIntent;

/** An intent's id: the account that wrote it and that account's sequence after the operation (unique, stable). */
export function intentId(accountId: string, sequence: number): string {
  return `${accountId}#${sequence}`;
}

/** The record id (at most 255 bytes in a key) of something keyed by a long text: a SHA-256, base64url. */
export function keyedRecordId(prefix: string, text: string): string {
  return `${prefix} ${hash("sha256", text, "base64url")}`;
}

/**
 * A pool lot's reference: JSON of [origin member, the reference the lot had] (for a receipt,
 * the receipt's [store, id] as JSON). The pool's detailed balance reads the origin from it.
 */
export function poolLotReference(origin: string, reference: string): string {
  return JSON.stringify([origin, reference]);
}

/** The member who earned a pool lot, from its reference; null for a reference of another form. */
export function originOfPoolLot(reference: string): string | null {
  if (!reference.startsWith("[")) return null;
  try {
    const parsed: unknown = JSON.parse(reference);
    return Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === "string" ? parsed[0] : null;
  } catch {
    return null;
  }
}

/** The shares taken from a ledger as lots on their way, of `origin` (or the origin each pool lot remembers). */
export function transferLots(shares: readonly LotShare[], origin: string | null): TransferLot[] {
  return shares.map((share) => ({
    points: share.points,
    source: share.source,
    partner: share.partner,
    reference: share.reference,
    activatesAt: share.activatesAt,
    expiresAt: share.expiresAt,
    origin: origin ?? originOfPoolLot(share.reference) ?? "",
  }));
}

/** A family member's hold key on the pool: member, store, receipt and the attempt's nonce (a new attempt, a new hold). */
export function familyHoldKey(memberId: string, store: string, receiptId: string, nonce: string): string {
  return JSON.stringify([memberId, store, receiptId, nonce]);
}

/** The member, store and receipt a family hold key names; null if it is not one. */
export function parseFamilyHoldKey(key: string): { readonly member: string; readonly store: string; readonly receiptId: string } | null {
  try {
    const parsed: unknown = JSON.parse(key);
    if (!Array.isArray(parsed) || parsed.length !== 4 || !parsed.every((part) => typeof part === "string")) return null;
    return { member: parsed[0] as string, store: parsed[1] as string, receiptId: parsed[2] as string };
  } catch {
    return null;
  }
}

/**
 * A pool's hold never lapses by time alone (only the abort protocol releases one): its TTL is this
 * far ahead, beyond any real receipt's life. A hold older than FAMILY_HOLD_STALE_MILLISECONDS is
 * resolved by asking the member's shard to abort it (gateway/operations/family-relay.ts).
 */
export const FAMILY_HOLD_TTL_MILLISECONDS = 100 * 365 * 24 * 60 * 60 * 1000;

/** A hold this old with no commit yet is asked about: a lane's commit follows its hold within a second or two. */
export const FAMILY_HOLD_STALE_MILLISECONDS = 60_000;

/**
 * Lots one join or leave moves at most. A lot on its way is about 150 bytes of JSON, and the intent is
 * in the operation's log record twice (the entry and the stored answer): 1,000 lots keep it near
 * 300 KB, under the log's 1 MiB record. A member buying daily with points that live a year has about
 * 365 open lots. A join of a member with more is refused (LEDGER_LIMIT); a leave under "share" moves the
 * member's first 1,000 lots by id, and the rest stay in the pool.
 */
export const TRANSFER_LOTS_MAX = 1_000;
