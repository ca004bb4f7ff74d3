import { assert } from "../assert/assert.js";
import { LOGICAL_SHARD_COUNT, SHARD_FUNCTION_VERSION } from "./shard-function.js";

/**
 * Where each logical shard lives: today a shard thread of this process, later
 * a node of a cluster. Nothing else may assume a logical shard stays where it
 * is; everything asks the placement table.
 */
export interface PlacementDocument {
  readonly shardFunctionVersion: number;
  readonly logicalShardCount: number;
  readonly shardThreadCount: number;
  /** owners[logicalShard] = index of the shard thread that owns it. */
  readonly owners: readonly number[];
}

export class PlacementTable {
  private readonly owners: Uint16Array;

  private constructor(readonly document: PlacementDocument) {
    this.owners = Uint16Array.from(document.owners);
  }

  /** Logical shard k goes to thread k mod n: equal shares, and a fixed rule anyone can recompute. */
  static roundRobin(shardThreadCount: number): PlacementTable {
    assert(Number.isInteger(shardThreadCount) && shardThreadCount >= 1, "at least one shard thread");
    assert(shardThreadCount <= LOGICAL_SHARD_COUNT, "no more shard threads than logical shards");
    const owners: number[] = [];
    for (let logicalShard = 0; logicalShard < LOGICAL_SHARD_COUNT; logicalShard += 1) {
      owners.push(logicalShard % shardThreadCount);
    }
    return new PlacementTable({
      shardFunctionVersion: SHARD_FUNCTION_VERSION,
      logicalShardCount: LOGICAL_SHARD_COUNT,
      shardThreadCount,
      owners,
    });
  }

  /** Checks a stored document against this build's shard function before trusting it. */
  static fromDocument(document: PlacementDocument): PlacementTable {
    assert(document.shardFunctionVersion === SHARD_FUNCTION_VERSION, "placement was made by this shard function");
    assert(document.logicalShardCount === LOGICAL_SHARD_COUNT, "placement covers every logical shard");
    assert(document.owners.length === LOGICAL_SHARD_COUNT, "placement names an owner for every logical shard");
    for (const owner of document.owners) {
      assert(Number.isInteger(owner) && owner >= 0 && owner < document.shardThreadCount, "owner is a shard thread");
    }
    return new PlacementTable(document);
  }

  get shardThreadCount(): number {
    return this.document.shardThreadCount;
  }

  ownerOf(logicalShard: number): number {
    const owner = this.owners[logicalShard];
    assert(owner !== undefined, `logical shard ${logicalShard} exists`);
    return owner;
  }

  logicalShardsOf(shardThread: number): number[] {
    const owned: number[] = [];
    for (let logicalShard = 0; logicalShard < LOGICAL_SHARD_COUNT; logicalShard += 1) {
      if (this.owners[logicalShard] === shardThread) owned.push(logicalShard);
    }
    return owned;
  }
}
