import type { Account } from "../account/account.js";
import type { ReceiptRecord, ShardStore, ShardWrite } from "./shard-store.js";

/** Survives a "restart" of MemoryShardStore in tests: the twin of the data directory. */
export class MemoryShardData {
  readonly accounts = new Map<string, Account>();
  readonly receipts = new Map<string, ReceiptRecord>();
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

  readReceipt(logicalShard: number, store: string, receiptId: string): ReceiptRecord | undefined {
    this.assertOpen();
    const record = this.data.receipts.get(receiptKey(logicalShard, store, receiptId));
    return record === undefined ? undefined : structuredClone(record);
  }

  async writeBatch(writes: readonly ShardWrite[]): Promise<void> {
    this.assertOpen();
    const copies = structuredClone(writes);
    await Promise.resolve();
    for (const write of copies) {
      if (write.kind === "account") {
        this.data.accounts.set(`${write.account.logicalShard}/${write.account.memberId}`, write.account);
      } else {
        const { logicalShard, store, receiptId } = write.receipt;
        this.data.receipts.set(receiptKey(logicalShard, store, receiptId), write.receipt);
      }
    }
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

function receiptKey(logicalShard: number, store: string, receiptId: string): string {
  return JSON.stringify([logicalShard, store, receiptId]);
}
