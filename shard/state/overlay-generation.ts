import { assert } from "../../domain/assert/assert.js";
import type { Mutation } from "../storage/mutation.js";
import { isOutboxKey, keyString } from "../storage/record-keys.js";

/**
 * Bytes a staged mutation costs besides its key and value: the Map entry,
 * the Mutation object and its two buffers' headers (measured order of
 * magnitude for V8: 150-250 bytes). Counting it keeps the overlay's limit a
 * limit on memory, not only on payload.
 */
export const OVERLAY_ENTRY_OVERHEAD_BYTES = 200;

/**
 * Bytes a member costs while its account is pinned in memory (decoded, with
 * its lots): a decoded account is a few KiB of heap; 4 KiB is the estimate
 * for the limit, members with many lots are also counted by their chunk
 * mutations.
 */
export const PINNED_ACCOUNT_BYTES_ESTIMATE = 4 * 1024;

/**
 * The mutations of a run of log records that LMDB does not have yet: one
 * generation is filling (every operation stages here), at most one other is
 * being written by a checkpoint. A later mutation of a key replaces the
 * earlier one, so a member who buys ten times between checkpoints costs one
 * account write.
 */
export class OverlayGeneration {
  /** Latest mutation per key (latin-1 key string). */
  readonly entries = new Map<string, Mutation>();
  /** Members (by member id, which names the logical shard too) with a mutation here: their accounts stay pinned. */
  readonly members = new Set<string>();
  /** History sequences staged per member, for history reads. */
  readonly history = new Map<string, number[]>();
  /**
   * Keys under the outbox (record-keys.ts OUTBOX_MEMBER) whose latest mutation here is a put: outbox
   * reads walk these, not every entry. Deletions leave it: they only hide LMDB's keys, which a read
   * checks key by key. So it holds what waits for delivery, not everything delivered since the last
   * checkpoint. By logical shard (a key's first byte): a read walks its own logical shard's only.
   */
  readonly outboxPuts = new Map<number, Set<string>>();
  /** The last log sequence whose mutations are here (0: none). */
  lastSequence = 0;
  /** The last log sequence here that committed a receipt (0: none): what the gateway's receipt index must hold first. */
  lastReceiptSequence = 0;
  private accountedBytes = 0;

  /** Memory this generation holds, by the estimates above. */
  get bytes(): number {
    return this.accountedBytes;
  }

  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** Stages a log record's mutations; `member` (null: the record changes no account, an outbox delivery) stays pinned. */
  stage(sequence: number, member: string | null, mutations: readonly Mutation[], commitsReceipt: boolean): void {
    assert(sequence > this.lastSequence, "log records are staged in sequence order");
    this.lastSequence = sequence;
    if (commitsReceipt) this.lastReceiptSequence = sequence;
    if (member !== null && !this.members.has(member)) {
      this.members.add(member);
      this.accountedBytes += PINNED_ACCOUNT_BYTES_ESTIMATE;
    }
    for (const mutation of mutations) {
      const key = keyString(mutation.key);
      if (isOutboxKey(mutation.key)) {
        const logicalShard = mutation.key[0] as number;
        const puts = this.outboxPuts.get(logicalShard) ?? new Set<string>();
        if (mutation.value === null) puts.delete(key);
        else puts.add(key);
        this.outboxPuts.set(logicalShard, puts);
      }
      const previous = this.entries.get(key);
      if (previous !== undefined) this.accountedBytes -= mutationBytes(previous);
      this.entries.set(key, mutation);
      this.accountedBytes += mutationBytes(mutation);
    }
    assert(this.accountedBytes >= 0, "an overlay's bytes are never negative");
  }

  noteHistory(member: string, sequence: number): void {
    const staged = this.history.get(member);
    if (staged === undefined) this.history.set(member, [sequence]);
    else staged.push(sequence);
  }

  get(key: string): Mutation | undefined {
    return this.entries.get(key);
  }
}

function mutationBytes(mutation: Mutation): number {
  return mutation.key.length + (mutation.value?.length ?? 0) + OVERLAY_ENTRY_OVERHEAD_BYTES;
}
