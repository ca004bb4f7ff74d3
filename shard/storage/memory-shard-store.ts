import { assert } from "../../domain/assert/assert.js";
import type { Mutation } from "./mutation.js";
import { keyString, type RecordKey } from "./record-keys.js";
import type { ShardStore } from "./shard-store.js";
import { RecordReadingStore } from "./stored-records.js";

/** Survives a "restart" of MemoryShardStore in tests: the twin of a shard's LMDB environment. */
export class MemoryShardData {
  /** Latin-1 key string -> value bytes. */
  readonly records = new Map<string, Buffer>();
  /** The keys of `records`, sorted (latin-1 strings sort as their bytes). */
  readonly sortedKeys: string[] = [];
  checkpointSequence = 1;
  /** Checkpoints written; tests count them. */
  checkpoints = 0;
}

/**
 * The in-memory twin of LmdbShardStore: the same bytes under the same keys,
 * read through the same decoders (stored-records.ts), so everything above
 * the key-value layer behaves identically. Values are copied on the way in
 * and out, so tests catch code that keeps or changes what it stored.
 */
export class MemoryShardStore extends RecordReadingStore implements ShardStore {
  private closed = false;

  constructor(private readonly data: MemoryShardData = new MemoryShardData()) {
    super();
  }

  get checkpointSequence(): number {
    return this.data.checkpointSequence;
  }

  async writeCheckpoint(mutations: Iterable<Mutation>, coveredSequence: number): Promise<void> {
    const copies = this.copyForCheckpoint(mutations, coveredSequence);
    await Promise.resolve();
    this.applyCheckpoint(copies, coveredSequence);
  }

  writeCheckpointSync(mutations: Iterable<Mutation>, coveredSequence: number): void {
    this.applyCheckpoint(this.copyForCheckpoint(mutations, coveredSequence), coveredSequence);
  }

  private copyForCheckpoint(mutations: Iterable<Mutation>, coveredSequence: number): [string, Buffer | null][] {
    this.assertOpen();
    assert(coveredSequence > this.data.checkpointSequence, "a checkpoint covers more of the log than the last one");
    const copies: [string, Buffer | null][] = [];
    for (const { key, value } of mutations) copies.push([keyString(key), value === null ? null : Buffer.from(value)]);
    return copies;
  }

  private applyCheckpoint(copies: readonly [string, Buffer | null][], coveredSequence: number): void {
    assert(coveredSequence > this.data.checkpointSequence, "checkpoints are applied in order");
    const { records, sortedKeys } = this.data;
    for (const [key, value] of copies) {
      const at = lowerBound(sortedKeys, key);
      const present = sortedKeys[at] === key;
      if (value === null) {
        records.delete(key);
        if (present) sortedKeys.splice(at, 1);
      } else {
        records.set(key, value);
        if (!present) sortedKeys.splice(at, 0, key);
      }
    }
    this.data.checkpointSequence = coveredSequence;
    this.data.checkpoints += 1;
  }

  async prefetchAccounts(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  get(key: RecordKey): Uint8Array | undefined {
    this.assertOpen();
    const value = this.data.records.get(keyString(key));
    return value === undefined ? undefined : Buffer.from(value);
  }

  *range(start: RecordKey, end: RecordKey, limit: number): Iterable<{ key: Uint8Array; value: Uint8Array }> {
    for (const key of this.keys(start, end, limit)) {
      const value = this.data.records.get(keyString(key));
      assert(value !== undefined, "a listed key has a value");
      yield { key, value: Buffer.from(value) };
    }
  }

  *keys(start: RecordKey, end: RecordKey, limit: number): Iterable<Uint8Array> {
    this.assertOpen();
    const to = keyString(end);
    const { sortedKeys } = this.data;
    // Latin-1 strings compare code unit by code unit: the same order as the bytes.
    let yielded = 0;
    for (let at = lowerBound(sortedKeys, keyString(start)); at < sortedKeys.length && yielded < limit; at += 1, yielded += 1) {
      const key = sortedKeys[at] as string;
      if (key >= to) return;
      yield Buffer.from(key, "latin1");
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("MemoryShardStore is closed");
  }
}

/** The first index of `sorted` whose key is not below `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
