// Thread: a shard worker thread, between messages.
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { reminderBackfillWrites } from "./operations/reminders.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";
import { WalkProgressRecords } from "./walk-progress.js";

/**
 * Index entries one backfill record holds at most (a step stops before the
 * account that would pass it): an entry is about 40 bytes of payload, so a
 * record stays near 400 KiB, under the log's 1 MiB record bound, whatever
 * the members' lots.
 */
export const REMINDER_BACKFILL_ENTRIES_PER_RECORD_MAX = 10_000;
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
  private readonly progress: WalkProgressRecords<BackfillProgress>;
  /** Accounts walked since the thread started (/metrics). */
  accountsWalked = 0;

  constructor(
    private readonly state: ShardState,
    ownedLogicalShards: readonly number[],
    private readonly host: ReminderBackfillHost,
  ) {
    this.progress = new WalkProgressRecords(state, ownedLogicalShards, PROGRESS_RECORD_ID, NOTHING_INDEXED);
  }

  /** Logical shards whose walk for the current settings is not done (/metrics: 0 when the index is complete). */
  pending(): number {
    return this.progress.pending();
  }

  /** Starts walks for new settings, then walks at most `accountLimit` accounts; false when the log refused a record. */
  step(accountLimit: number, now: number, compiled: CompiledProgram | null, kinds: ReadonlySet<string>, signature: string): boolean {
    // Every logical shard whose progress is for other settings starts again (one log record for all of them).
    const from = this.host.nextSequence();
    const restarted = (current: BackfillProgress): BackfillProgress | null => (current.signature === signature ? null : { signature, after: null, done: signature === "off", from });
    if (!this.progress.restart((writes) => this.host.applyWithoutAccount(writes), restarted)) return false;
    if (compiled === null || signature === "off") return true;
    return this.progress.walkSome(
      accountLimit,
      (progress) => this.host.checkpointCovers(progress.from),
      (logicalShard, progress, limit) => this.walk(logicalShard, progress, limit, now, compiled, kinds),
    );
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
    if (!this.host.applyWithoutAccount([...entries, this.progress.write(logicalShard, next)])) return null;
    this.progress.set(logicalShard, next);
    this.accountsWalked += walked;
    return walked;
  }
}
