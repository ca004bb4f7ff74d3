import type { Program } from "../../protocol/program-document.js";
import { PlacementTable } from "../../domain/placement/placement-table.js";
import { InProcessShardChannel } from "./in-process-shard-channel.js";
import { MemoryShardFiles, openMemoryShardStorage } from "../../shard/memory-shard.js";
import { ShardActor } from "../../shard/shard-actor.js";
import type { PartnerProgram } from "../../shard/program-set.js";
import { ShardCluster } from "./shard-cluster.js";

export interface InMemoryClusterOptions {
  readonly shardThreads: number;
  readonly program: Program | null;
  /** The partners' own programs in force at start; absent: none. */
  readonly partnerPrograms?: readonly PartnerProgram[];
  readonly clock: () => number;
  /** Pass the same data again to "restart" the cluster over what it stored. */
  readonly data?: readonly MemoryShardFiles[];
  readonly mailboxCapacity?: number;
}

/**
 * A whole shard cluster on the calling thread with in-memory stores and logs:
 * the same actors, placement and routing as production, without threads or
 * disks.
 */
export function createInMemoryCluster(options: InMemoryClusterOptions): {
  cluster: ShardCluster;
  data: MemoryShardFiles[];
  /** The actors, for tests that checkpoint or inspect them. */
  actors: ShardActor[];
} {
  const placement = PlacementTable.roundRobin(options.shardThreads);
  const data: MemoryShardFiles[] = [];
  const channels = [];
  const actors: ShardActor[] = [];
  for (let shardIndex = 0; shardIndex < options.shardThreads; shardIndex += 1) {
    const files = options.data?.[shardIndex] ?? new MemoryShardFiles();
    data.push(files);
    const { store, log } = openMemoryShardStorage(files);
    const actor = new ShardActor({
      shardIndex,
      store,
      log,
      ownedLogicalShards: placement.logicalShardsOf(shardIndex),
      program: options.program,
      ...(options.partnerPrograms === undefined ? {} : { partnerPrograms: options.partnerPrograms }),
      clock: options.clock,
      monotonicSeconds: () => performance.now() / 1000,
    });
    actors.push(actor);
    channels.push(new InProcessShardChannel(shardIndex, actor, options.mailboxCapacity));
  }
  return { cluster: new ShardCluster(placement, channels), data, actors };
}
