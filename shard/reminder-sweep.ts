// Thread: a shard worker thread, between messages.
import type { Account } from "../domain/account/account.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import type { OperationResult } from "./operations/operation-result.js";
import { dueReminders, remindMember } from "./operations/reminders.js";
import type { ShardState } from "./state/shard-state.js";
import type { ShardWrite } from "./storage/shard-store.js";

/** What the sweep needs of the actor: log an operation on an account, or writes without one; false when the log refused. */
export interface ReminderSweepHost {
  apply(before: Account, result: Extract<OperationResult, { kind: "applied" }>): boolean;
  applyWithoutAccount(writes: readonly ShardWrite[]): boolean;
}

/**
 * The reminder sweep (docs/notifications.md, "Reminders"): walks the reminder
 * index entries due by now, earliest first, never the members: each names a
 * member to look at; the member's account says what is due (dueReminders).
 * The reminders due and the entry's removal go in one log record, so a
 * reminder is written once, and an entry that finds nothing due only goes.
 * Entries are read from the start each step: those done are gone.
 */
export class ReminderSweep {
  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    private readonly host: ReminderSweepHost,
  ) {}

  /** Handles at most `entryLimit` due entries; returns how many reminders it wrote. */
  step(entryLimit: number, now: number, compiled: CompiledProgram, kinds: ReadonlySet<string>): number {
    let budget = entryLimit;
    let written = 0;
    for (const logicalShard of this.ownedLogicalShards) {
      if (budget <= 0) break;
      const entries = this.state.readRemindersDue(logicalShard, now, budget);
      budget -= entries.length;
      const removals: ShardWrite[] = [];
      for (const entry of entries) {
        const removal: ShardWrite = { kind: "reminder", logicalShard, memberId: entry.memberId, due: entry.due, remove: true };
        const account = this.state.readAccount(logicalShard, entry.memberId, false);
        const reminded = (recordId: string): boolean => this.state.readRecord(logicalShard, entry.memberId, ADMIN_RECORD_STORE, recordId) !== undefined;
        const due = account === undefined ? [] : dueReminders(compiled, account, now, kinds, reminded);
        if (account === undefined || due.length === 0) {
          removals.push(removal);
          continue;
        }
        if (!this.host.apply(account, remindMember(account, now, due, [removal]))) return written;
        written += due.length;
      }
      if (removals.length > 0 && !this.host.applyWithoutAccount(removals)) return written;
    }
    return written;
  }
}
