// Thread: a shard worker thread, between messages.
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";

/** The pseudo member whose records keep each logical shard's walk progress (docs/notifications.md, "Backfill"). */
export const BACKFILL_MEMBER = "~backfill";

/** Where a walk of a logical shard's members is: after which member, and whether it is done. */
export interface WalkProgress {
  readonly after: string | null;
  readonly done: boolean;
}

/**
 * The progress of one kind of walk over the members of each logical shard a
 * thread owns (the reminder index's backfill, the class switch's walk): kept
 * in memory, read once from its record under BACKFILL_MEMBER, and written as
 * a record in the same log record as the walk's own writes, so a restart
 * resumes after the last member done.
 */
export class WalkProgressRecords<Progress extends WalkProgress> {
  private readonly progress = new Map<number, Progress>();

  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    /** The record's id under the pseudo member: one per kind of walk. */
    private readonly recordId: string,
    /** A logical shard's progress before any record: nothing to walk. */
    private readonly initial: Progress,
  ) {}

  of(logicalShard: number): Progress {
    let progress = this.progress.get(logicalShard);
    if (progress === undefined) {
      const record = this.state.readRecord(logicalShard, BACKFILL_MEMBER, ADMIN_RECORD_STORE, this.recordId);
      progress = record === undefined ? this.initial : (record.answer as unknown as Progress);
      this.progress.set(logicalShard, progress);
    }
    return progress;
  }

  /** Remembers a logical shard's progress once the record holding it is logged. */
  set(logicalShard: number, progress: Progress): void {
    this.progress.set(logicalShard, progress);
  }

  /** The record that holds a logical shard's progress. */
  write(logicalShard: number, progress: Progress): ShardWrite {
    return {
      kind: "receipt",
      receipt: { logicalShard, store: ADMIN_RECORD_STORE, receiptId: this.recordId, memberId: BACKFILL_MEMBER, fingerprint: "", answer: { ...progress } },
    };
  }

  /** Logical shards whose walk is not done (/metrics). */
  pending(): number {
    let pending = 0;
    for (const logicalShard of this.ownedLogicalShards) if (!this.of(logicalShard).done) pending += 1;
    return pending;
  }

  /**
   * Starts walks again: each logical shard `restarted` gives a new progress
   * for (null: it goes on as it is), all in one log record; false when the
   * log refused it (nothing changed).
   */
  restart(applyWithoutAccount: (writes: readonly ShardWrite[]) => boolean, restarted: (current: Progress) => Progress | null): boolean {
    const writes: ShardWrite[] = [];
    const changed: [number, Progress][] = [];
    for (const logicalShard of this.ownedLogicalShards) {
      const next = restarted(this.of(logicalShard));
      if (next === null) continue;
      writes.push(this.write(logicalShard, next));
      changed.push([logicalShard, next]);
    }
    if (writes.length === 0) return true;
    if (!applyWithoutAccount(writes)) return false;
    for (const [logicalShard, progress] of changed) this.progress.set(logicalShard, progress);
    return true;
  }

  /**
   * Walks at most `accountLimit` accounts over the logical shards not done
   * whose progress is `ready`; `walk` returns the accounts it walked, or
   * null when the log refused a record (false, and the step stops).
   */
  walkSome(accountLimit: number, ready: (progress: Progress) => boolean, walk: (logicalShard: number, progress: Progress, limit: number) => number | null): boolean {
    let budget = accountLimit;
    for (const logicalShard of this.ownedLogicalShards) {
      if (budget <= 0) break;
      const progress = this.of(logicalShard);
      if (progress.done || !ready(progress)) continue;
      const walked = walk(logicalShard, progress, budget);
      if (walked === null) return false;
      budget -= Math.max(1, walked);
    }
    return true;
  }
}
