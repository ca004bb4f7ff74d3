import type { Account } from "../../domain/account/account.js";
import type { Coupon } from "../../domain/campaigns/coupons.js";
import type { ReceiptSettlement } from "../../domain/engine/receipt-settlement.js";
import type { Mutation } from "./mutation.js";
import type { RecordKey, TriggerIndexWhich } from "./record-keys.js";
import type { OutboxEvent } from "./records/outbox-codec.js";

/**
 * What a shard remembers of one committed receipt: enough to answer a repeat
 * with the first answer, and to refuse the same id with other content.
 */
export interface ReceiptRecord {
  readonly logicalShard: number;
  readonly store: string;
  readonly receiptId: string;
  readonly memberId: string;
  /** Hash of the request's content (member, receipt, redeem). */
  readonly fingerprint: string;
  /** The answer given the first time, returned as is on every repeat (its type: the operation's, see storedAnswer). */
  readonly answer: object;
  /** A committed receipt: what it did to ledger and counters, for returns and cancels. */
  readonly settlement?: ReceiptSettlement;
}

/**
 * One entry of a member's activity history: a receipt, a return, a cancel, an
 * accrual, an expiry, a hold, an adjustment, a status change. Entries are
 * numbered per member by the account's operation sequence, so they are read
 * newest first by key order.
 */
export interface ActivityRecord {
  readonly logicalShard: number;
  readonly memberId: string;
  /** The account's sequence after the operation: unique per member, increasing. */
  readonly sequence: number;
  readonly at: number;
  readonly kind: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/**
 * A settlement entry (domain/engine/partner-settlement.ts): points one
 * partner issued, spent at another's store (> 0), or given back by a return
 * or cancel (< 0), and their value; stored under the logical shard's
 * settlement prefix by day (record-keys.ts).
 */
export interface SettlementRecord {
  readonly logicalShard: number;
  /** UTC days since 1970 of the redemption or the return. */
  readonly day: number;
  readonly issuer: string;
  readonly redeemer: string;
  readonly memberId: string;
  /** The member's account sequence after the operation: unique per member. */
  readonly sequence: number;
  readonly at: number;
  readonly store: string;
  readonly receiptId: string;
  /** "commit", "refund <id>" or "cancel". */
  readonly operation: string;
  readonly points: number;
  /** points x the program's value of a point, minor units, signed as points. */
  readonly valueMinor: number;
}

/**
 * The points a campaign with a budget has given in one logical shard, net of
 * returns (domain/campaigns/campaign-budgets.ts): written, as the new total,
 * in the log record of the receipt or return that changed it.
 */
/** What a campaign has given in a logical shard (or a shard thread's logical shards), net of returns: points, and discount in minor units. */
export interface BudgetTotals {
  readonly points: number;
  readonly discount: number;
}

export interface CampaignBudgetRecord {
  readonly logicalShard: number;
  readonly campaign: string;
  readonly given: number;
  /** The discount, minor units, it has given there under a discount budget; absent: none (the record's bytes are as before discount budgets). */
  readonly discount?: number;
}

export type ShardWrite =
  | { readonly kind: "account"; readonly account: Account }
  | { readonly kind: "receipt"; readonly receipt: ReceiptRecord }
  | { readonly kind: "activity"; readonly activity: ActivityRecord }
  | { readonly kind: "settlement"; readonly settlement: SettlementRecord }
  /** An event for the outbox (docs/notifications.md), in the same log record as the operation that caused it. */
  | { readonly kind: "event"; readonly event: OutboxEvent }
  /** A reminder index entry (docs/notifications.md, "Reminders"): look at the member at `due`; `remove` deletes it. */
  | { readonly kind: "reminder"; readonly logicalShard: number; readonly memberId: string; readonly due: number; readonly remove?: true }
  /** A trigger index entry (docs/campaigns.md, "Triggers at scale"): look at the member on this local month-day; `remove` deletes it. */
  | { readonly kind: "triggerIndex"; readonly logicalShard: number; readonly memberId: string; readonly which: TriggerIndexWhich; readonly month: number; readonly day: number; readonly remove?: true }
  /** A logical shard's trigger progress record (the index's backfill, a walk); null deletes it. */
  | { readonly kind: "triggerProgress"; readonly logicalShard: number; readonly name: string; readonly progress: Readonly<Record<string, unknown>> | null }
  /**
   * A family intent or a pool's hold waiting for the relay (the outbox's family section, domain/family), in
   * the same log record as the operation that made it; `done` deletes one the relay has finished.
   */
  | { readonly kind: "family"; readonly entry: OutboxEvent }
  | { readonly kind: "familyDone"; readonly entry: Pick<OutboxEvent, "logicalShard" | "memberId" | "sequence" | "number"> }
  /** A campaign's points given in a logical shard, against its budget, in the same log record as the receipt or return. */
  | { readonly kind: "campaignBudget"; readonly budget: CampaignBudgetRecord }
  /** A coupon as issued or after a use is counted or given back (domain/campaigns/coupons.ts). */
  | { readonly kind: "coupon"; readonly logicalShard: number; readonly code: string; readonly coupon: Coupon }
  /** One use of a coupon by a receipt; `memberId` null: the use is given back (the key deleted). */
  | { readonly kind: "couponUse"; readonly logicalShard: number; readonly code: string; readonly store: string; readonly receiptId: string; readonly memberId: string | null };

/** A page of history is bounded: an admin screen shows tens, an export pages through. */
export const ACTIVITY_PAGE_SIZE_MAX = 500;

/**
 * The storage a shard owns: its state as of the last checkpoint. Reads are
 * synchronous (LMDB reads are memory mapped). The shard never writes record
 * by record: the commit log makes operations durable, and a checkpoint
 * writes what changed since the last one, with the log position it covers,
 * in one atomic, durable transaction (docs/ARCHITECTURE.md, "Durability").
 *
 * Keys start with the logical shard, so one logical shard's data can be
 * moved to another owner as one key range, then the member, so one
 * operation's records land next to each other (record-keys.ts).
 *
 * Two implementations run the same contract tests (shard-store.contract.ts):
 * LmdbShardStore for production and MemoryShardStore for tests.
 */
export interface ShardStore {
  /** The stored bytes of one key (record-keys.ts), as of the last checkpoint. */
  get(key: RecordKey): Uint8Array | undefined;
  /** Entries with start <= key < end, in key order, at most `limit` (settlement reports). */
  range(start: RecordKey, end: RecordKey, limit: number): Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>;
  readAccount(logicalShard: number, memberId: string): Account | undefined;
  /**
   * A member's record of a receipt (or of a cancel, refund, visit or
   * adjustment). Records are kept per member: the same (store, receipt id)
   * of another member is another record.
   */
  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined;
  /**
   * A member's activity, newest first: entries with sequence below `before`
   * (all when null), at most `limit` (<= ACTIVITY_PAGE_SIZE_MAX).
   */
  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[];
  /** Member ids of one logical shard that have an account, in key order, after `afterMemberId` (from the start when null), at most `limit`. */
  scanMembers(logicalShard: number, afterMemberId: string | null, limit: number): string[];
  /** Counts accounts of one logical shard (admin and tests; walks a key range). */
  countAccounts(logicalShard: number): number;
  /** The log sequence the stored state covers: a restart replays the log from here (1 for new storage). */
  readonly checkpointSequence: number;
  /**
   * Applies `mutations` in order (a later one of a key wins) and records
   * `coveredSequence` (> checkpointSequence) in one transaction; resolves once
   * it is durable. A checkpoint that fails for lack of space rejects with a
   * StorageFullError and nothing of it is applied.
   */
  writeCheckpoint(mutations: Iterable<Mutation>, coveredSequence: number): Promise<void>;
  /**
   * The same, blocking the calling thread: recovery's replay of the log
   * before the shard serves (each call one transaction, so an interrupted
   * replay resumes after the last call).
   */
  writeCheckpointSync(mutations: Iterable<Mutation>, coveredSequence: number): void;
  /** Brings these members' account records into memory off the calling thread (a hint; resolves when done or useless). */
  prefetchAccounts(members: readonly { readonly logicalShard: number; readonly memberId: string }[]): Promise<void>;
  close(): Promise<void>;
}
