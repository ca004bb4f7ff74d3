import { MemoryShardData, MemoryShardStore } from "./storage/memory-shard-store.js";
import type { CommitLogOptions } from "./log/commit-log-options.js";
import { MemoryCommitLogDisk, openMemoryCommitLog, type MemoryCommitLog } from "./log/memory-commit-log.js";
import { replayInto } from "./recovery.js";

/** What survives a "restart" of an in-memory shard: its store's records and its log's durable records. */
export class MemoryShardFiles {
  readonly store = new MemoryShardData();
  readonly log = new MemoryCommitLogDisk();
}

/**
 * Opens an in-memory shard's storage as openShardStorage opens a real one:
 * the store as of its last checkpoint, then the log's records after it
 * replayed into the store. Tests and the in-memory cluster start shards here.
 */
export function openMemoryShardStorage(
  files: MemoryShardFiles,
  logOptions: Omit<CommitLogOptions, "startSequence"> = {},
): { store: MemoryShardStore; log: MemoryCommitLog } {
  const store = new MemoryShardStore(files.store);
  const opened = openMemoryCommitLog({ ...logOptions, disk: files.log, startSequence: store.checkpointSequence });
  replayInto(store, opened.replay(store.checkpointSequence));
  return { store, log: opened.log };
}
