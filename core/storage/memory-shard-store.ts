import type { Account } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { ACTIVITY_PAGE_SIZE_MAX, type ActivityRecord, type ReceiptRecord, type ShardStore, type ShardWrite } from "./shard-store.js";

/** Survives a "restart" of MemoryShardStore in tests: the twin of the data directory. */
export class MemoryShardData {
  readonly accounts = new Map<string, Account>();
  readonly receipts = new Map<string, ReceiptRecord>();
  /** Per member key, entries by sequence. */
  readonly activity = new Map<string, Map<number, ActivityRecord>>();
}

/**
 * The in-memory twin of LmdbShardStore. Values are deep-copied on the way in
 * and out (structuredClone) so tests catch code that mutates what it stored.
 */
export class MemoryShardStore implements ShardStore {
  private closed = false;

  constructor(private readonly data: MemoryShardData = new MemoryShardData()) {}

  readAccount(logicalShard: number, memberId: string): Account | undefined {
    this.assertOpen();
    const account = this.data.accounts.get(`${logicalShard}/${memberId}`);
    return account === undefined ? undefined : structuredClone(account);
  }

  readReceipt(logicalShard: number, memberId: string, store: string, receiptId: string): ReceiptRecord | undefined {
    this.assertOpen();
    const record = this.data.receipts.get(receiptKey(logicalShard, memberId, store, receiptId));
    return record === undefined ? undefined : structuredClone(record);
  }

  async writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    this.assertOpen();
    const copies = structuredClone(writes);
    await Promise.resolve();
    for (const write of copies) {
      if (write.kind === "account") {
        this.data.accounts.set(`${write.account.logicalShard}/${write.account.memberId}`, write.account);
      } else if (write.kind === "activity") {
        const memberKey = `${write.activity.logicalShard}/${write.activity.memberId}`;
        const entries = this.data.activity.get(memberKey) ?? new Map<number, ActivityRecord>();
        entries.set(write.activity.sequence, write.activity);
        this.data.activity.set(memberKey, entries);
      } else {
        const { logicalShard, memberId, store, receiptId } = write.receipt;
        this.data.receipts.set(receiptKey(logicalShard, memberId, store, receiptId), write.receipt);
      }
    }
  }

  readActivity(logicalShard: number, memberId: string, before: number | null, limit: number): ActivityRecord[] {
    this.assertOpen();
    assert(Number.isInteger(limit) && limit >= 1 && limit <= ACTIVITY_PAGE_SIZE_MAX, "a page is bounded");
    const entries = this.data.activity.get(`${logicalShard}/${memberId}`);
    if (entries === undefined) return [];
    return [...entries.values()]
      .filter((entry) => before === null || entry.sequence < before)
      .sort((left, right) => right.sequence - left.sequence)
      .slice(0, limit)
      .map((entry) => structuredClone(entry));
  }

  scanAccounts(logicalShard: number, afterMemberId: string | null, limit: number): Account[] {
    this.assertOpen();
    return [...this.data.accounts.values()]
      .filter((account) => account.logicalShard === logicalShard && (afterMemberId === null || account.memberId > afterMemberId))
      .sort((left, right) => (left.memberId < right.memberId ? -1 : left.memberId > right.memberId ? 1 : 0))
      .slice(0, limit)
      .map((account) => structuredClone(account));
  }

  countAccounts(logicalShard: number): number {
    this.assertOpen();
    let count = 0;
    for (const account of this.data.accounts.values()) if (account.logicalShard === logicalShard) count += 1;
    return count;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("MemoryShardStore is closed");
  }
}

function receiptKey(logicalShard: number, memberId: string, store: string, receiptId: string): string {
  return JSON.stringify([logicalShard, memberId, store, receiptId]);
}
