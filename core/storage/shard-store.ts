import type { Account } from "../account/account.js";
import type { ReceiptSettlement } from "../engine/receipt-settlement.js";

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
  /** The answer given the first time, returned as is on every repeat. */
  readonly answer: Readonly<Record<string, unknown>>;
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

export type ShardWrite =
  | { readonly kind: "account"; readonly account: Account }
  | { readonly kind: "receipt"; readonly receipt: ReceiptRecord }
  | { readonly kind: "activity"; readonly activity: ActivityRecord };

/** A page of history is bounded: an admin screen shows tens, an export pages through. */
export const ACTIVITY_PAGE_SIZE_MAX = 500;

/**
 * The storage a shard owns. Reads are synchronous (LMDB reads are memory
 * mapped); writes go in batches that are atomic and resolve only once durable.
 * Keys start with the logical shard, so one logical shard's data can be moved
 * to another owner as one key range, then the member, so one commit's writes
 * land next to each other.
 *
 * Two implementations run the same contract tests (shard-store.contract.ts):
 * LmdbShardStore for production and MemoryShardStore for tests.
 */
export interface ShardStore {
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
  /** Applies every write in one transaction; resolves when it is durable. */
  writeBatch(writes: readonly ShardWrite[]): Promise<void>;
  /** Accounts of one logical shard in member id order, after `afterMemberId` (from the start when null), at most `limit`. */
  scanAccounts(logicalShard: number, afterMemberId: string | null, limit: number): Account[];
  /** Counts accounts of one logical shard (admin and tests; walks a key range). */
  countAccounts(logicalShard: number): number;
  close(): Promise<void>;
}
