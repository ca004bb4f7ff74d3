import type { Program } from "../../protocol/program-document.js";
import type { CommitLogOptions } from "../log/commit-log-options.js";
import type { MemoryCommitLog } from "../log/memory-commit-log.js";
import { MemoryShardFiles, openMemoryShardStorage } from "../memory-shard.js";
import { ShardActor, type ShardActorOptions } from "../shard-actor.js";
import type { ShardReply, ShardRequest } from "../shard-messages.js";
import { EVENT_KINDS } from "../operations/outbox-events.js";
import { PlacementTable } from "../../domain/placement/placement-table.js";
import type { MemoryShardStore } from "../storage/memory-shard-store.js";

/** A shard actor over in-memory storage and log, as a test drives it. */
export interface MemoryShardActor {
  readonly actor: ShardActor;
  readonly store: MemoryShardStore;
  readonly log: MemoryCommitLog;
  readonly files: MemoryShardFiles;
  /** Every reply so far, in the order sent. */
  readonly replies: ShardReply[];
  /** Hands the actor a request (its reply lands in `replies`). */
  send(request: ShardRequest): void;
  /** Hands the actor a request and resolves with its reply. */
  call(request: ShardRequest): Promise<ShardReply>;
}

/**
 * Opens an actor owning every logical shard (one shard thread's placement)
 * over `files` (new ones by default): the log's records after the store's
 * checkpoint are replayed first, as at a real start.
 */
export function openMemoryShardActor(
  options: {
    readonly program: Program | null;
    readonly clock?: () => number;
    readonly files?: MemoryShardFiles;
    readonly logOptions?: Omit<CommitLogOptions, "startSequence">;
    /** The logical shards it owns (one of several threads' placement); default all. */
    readonly ownedLogicalShards?: readonly number[];
  } & Partial<
    Pick<ShardActorOptions, "checkpoint" | "monotonicSeconds" | "eventKinds" | "campaigns">
  >,
): MemoryShardActor {
  const files = options.files ?? new MemoryShardFiles();
  const { store, log } = openMemoryShardStorage(files, options.logOptions);
  const actor = new ShardActor({
    shardIndex: 0,
    store,
    log,
    ownedLogicalShards: options.ownedLogicalShards ?? PlacementTable.roundRobin(1).logicalShardsOf(0),
    program: options.program,
    // Every kind, as if an endpoint took each: the outbox's tests and the payload pins see every event.
    eventKinds: options.eventKinds ?? EVENT_KINDS,
    clock: options.clock ?? (() => 42),
    monotonicSeconds: options.monotonicSeconds ?? (() => performance.now() / 1000),
    ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
    ...(options.campaigns === undefined ? {} : { campaigns: options.campaigns }),
  });
  const replies: ShardReply[] = [];
  return {
    actor,
    store,
    log,
    files,
    replies,
    send: (request) => actor.handle(request, (reply) => replies.push(reply)),
    call: (request) => new Promise((resolve) => actor.handle(request, resolve)),
  };
}

/** Lets several event-loop turns pass: enough for a memory log's group to "sync" and answers to go out. */
export async function settleTurns(turns = 6): Promise<void> {
  for (let turn = 0; turn < turns; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}
