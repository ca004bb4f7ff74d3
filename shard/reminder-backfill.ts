// Thread: a shard worker thread, between messages.
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import { reminderBackfillWrites } from "./operations/reminders.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";

/**
 * Index entries one backfill record holds at most (a step stops before the
 * account that would pass it): an entry is about 40 bytes of payload, so a
 * record stays near 400 KiB, under the log's 1 MiB record bound, whatever
 * the members' lots.
 */
export const REMINDER_BACKFILL_ENTRIES_PER_RECORD_MAX = 10_000;
/** The pseudo member whose records keep each logical shard's backfill progress (docs/notifications.md, "Backfill"). */
export const BACKFILL_MEMBER = "~backfill";
const PROGRESS_RECORD_ID = "reminder index";

/** Where a logical shard's walk is: for which index settings, after which member, whether done, and the log position it waits for. */
interface BackfillProgress {
  readonly signature: string;
  readonly after: string | null;
  readonly done: boolean;
  /** The walk reads members from LMDB once a checkpoint covers every record before this sequence (members only in the overlay then are in it). */
  readonly from: number;
}

const NOTHING_INDEXED: BackfillProgress = { signature: "off", after: null, done: true, from: 0 };

/** What the backfill needs of the actor: log writes without an account, and the log's and LMDB's positions. */
export interface ReminderBackfillHost {
  applyWithoutAccount(writes: readonly ShardWrite[]): boolean;
  /** The sequence the next log record gets. */
  nextSequence(): number;
  /** Whether LMDB holds every record before `sequence` (a checkpoint covers it). */
  checkpointCovers(sequence: number): boolean;
}

/**
 * The reminder index's backfill (docs/notifications.md, "Backfill"): when
 * the index settings change (a reminder kind taken, its days changed; the
 * signature of reminderIndexSignature), each logical shard's members are
 * walked again, a bounded step at a time, and given the entries their lots
 * and last visit call for now. Each step's entries and the logical shard's
 * progress are one log record, so a restart resumes after the last member
 * done; an entry written twice is the same key, and a reminder already
 * written has its record: nothing is reminded twice.
 */
export class ReminderBackfill {
  private readonly progress = new Map<number, BackfillProgress>();
  /** Accounts walked since the thread started (/metrics). */
  accountsWalked = 0;

  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    private readonly host: ReminderBackfillHost,
  ) {}

  /** Logical shards whose walk for the current settings is not done (/metrics: 0 when the index is complete). */
  pending(): number {
    let pending = 0;
    for (const logicalShard of this.ownedLogicalShards) if (!this.progressOf(logicalShard).done) pending += 1;
    return pending;
  }

  /** Starts walks for new settings, then walks at most `accountLimit` accounts; false when the log refused a record. */
  step(accountLimit: number, now: number, compiled: CompiledProgram | null, kinds: ReadonlySet<string>, signature: string): boolean {
    if (!this.restart(signature)) return false;
    if (compiled === null || signature === "off") return true;
    let budget = accountLimit;
    for (const logicalShard of this.ownedLogicalShards) {
      if (budget <= 0) break;
      const progress = this.progressOf(logicalShard);
      if (progress.done || !this.host.checkpointCovers(progress.from)) continue;
      const walked = this.walk(logicalShard, progress, budget, now, compiled, kinds);
      if (walked === null) return false;
      budget -= Math.max(1, walked);
    }
    return true;
  }

  /** Every logical shard whose progress is for other settings starts again (one log record for all of them). */
  private restart(signature: string): boolean {
    const writes: ShardWrite[] = [];
    const restarted: [number, BackfillProgress][] = [];
    const from = this.host.nextSequence();
    for (const logicalShard of this.ownedLogicalShards) {
      if (this.progressOf(logicalShard).signature === signature) continue;
      const progress: BackfillProgress = { signature, after: null, done: signature === "off", from };
      writes.push(progressWrite(logicalShard, progress));
      restarted.push([logicalShard, progress]);
    }
    if (writes.length === 0) return true;
    if (!this.host.applyWithoutAccount(writes)) return false;
    for (const [logicalShard, progress] of restarted) this.progress.set(logicalShard, progress);
    return true;
  }

  /** One record of the walk of a logical shard: returns the accounts walked, or null when the log refused it. */
  private walk(logicalShard: number, progress: BackfillProgress, limit: number, now: number, compiled: CompiledProgram, kinds: ReadonlySet<string>): number | null {
    const members = this.state.scanStoredMembers(logicalShard, progress.after, limit);
    const entries: ShardWrite[] = [];
    let after = progress.after;
    let walked = 0;
    for (const memberId of members) {
      const account = this.state.readAccount(logicalShard, memberId, false);
      const writes = account === undefined ? [] : reminderBackfillWrites(compiled, account, now, kinds);
      if (walked > 0 && entries.length + writes.length > REMINDER_BACKFILL_ENTRIES_PER_RECORD_MAX) break;
      entries.push(...writes);
      after = memberId;
      walked += 1;
    }
    const next: BackfillProgress = { ...progress, after, done: walked === members.length && members.length < limit };
    if (!this.host.applyWithoutAccount([...entries, progressWrite(logicalShard, next)])) return null;
    this.progress.set(logicalShard, next);
    this.accountsWalked += walked;
    return walked;
  }

  private progressOf(logicalShard: number): BackfillProgress {
    let progress = this.progress.get(logicalShard);
    if (progress === undefined) {
      const record = this.state.readRecord(logicalShard, BACKFILL_MEMBER, ADMIN_RECORD_STORE, PROGRESS_RECORD_ID);
      progress = record === undefined ? NOTHING_INDEXED : (record.answer as unknown as BackfillProgress);
      this.progress.set(logicalShard, progress);
    }
    return progress;
  }
}

function progressWrite(logicalShard: number, progress: BackfillProgress): ShardWrite {
  return {
    kind: "receipt",
    receipt: { logicalShard, store: ADMIN_RECORD_STORE, receiptId: PROGRESS_RECORD_ID, memberId: BACKFILL_MEMBER, fingerprint: "", answer: { ...progress } },
  };
}
