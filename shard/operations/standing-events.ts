// Thread: any (pure); run by a shard worker thread (docs/notifications.md, "Which operations emit which kinds").
import type { Account } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { importanceClassAt, statusAt } from "../../domain/engine/standing.js";
import type { EventData } from "../storage/records/outbox-codec.js";
import type { ShardWrite } from "../storage/shard-store.js";
import { eventWrites, type EventKind } from "./outbox-events.js";
import { historyWrite, type OperationResult } from "./operation-result.js";

/** Why a member's status or class changed outside a commit (the event's `cause`). */
export type StandingCause = "cancel" | "refund" | "adjust" | "payment" | "visit";

/** What the operation was about: a receipt's (cancel, refund, payment) or a visit's store; null fields when none. */
export interface StandingContext {
  readonly cause: StandingCause;
  readonly receipt: string | null;
  readonly store: string | null;
}

/** Whether any standing event could be written: the program has statuses or classes and an endpoint takes their kind (a cheap check first). */
export function standingEventsWanted(compiled: CompiledProgram, kinds: ReadonlySet<string>): boolean {
  const program = compiled.program;
  return (program.statuses !== null && kinds.has("status.changed")) || (program.classes !== null && kinds.has("class.changed"));
}

/**
 * The `status.changed` and `class.changed` events of an operation other than
 * a commit (a commit compares at the receipt's time: commitEvents): the
 * member's status and importance class at `now` on the account before it and
 * after it, under the same program; an event for each that differs, status
 * first. The same account before and after (an operation that does not move
 * the counters or the last visit) gives none, so nothing is written twice
 * for one transition: the next operation starts from this one's account.
 */
export function standingChangeEvents(compiled: CompiledProgram, before: Account, after: Account, now: number, kinds: ReadonlySet<string>, context: StandingContext): { kind: EventKind; data: EventData }[] {
  const events: { kind: EventKind; data: EventData }[] = [];
  const about = { receipt: context.receipt, store: context.store, cause: context.cause };
  if (compiled.program.statuses !== null && kinds.has("status.changed") && before.counters !== after.counters) {
    const period = compiled.calendar.periodOf(now).index;
    const from = statusAt(compiled, before.counters, period)?.id ?? null;
    const to = statusAt(compiled, after.counters, period)?.id ?? null;
    if (from !== to) events.push({ kind: "status.changed", data: { from, to, ...about } });
  }
  if (compiled.program.classes !== null && kinds.has("class.changed")) {
    const from = importanceClassAt(compiled, before, now)?.id ?? null;
    const to = importanceClassAt(compiled, after, now)?.id ?? null;
    if (from !== to) events.push({ kind: "class.changed", data: { from, to, ...about } });
  }
  return events;
}

/** The number the next event of an operation with these writes gets (its events are numbered 0, 1, ...). */
export function nextEventNumber(writes: readonly ShardWrite[]): number {
  let next = 0;
  for (const write of writes) if (write.kind === "event" && write.event.number >= next) next = write.event.number + 1;
  return next;
}

/**
 * A member's class changed by a program switch (the program's classes
 * changed, not the member): one operation of its own, as a reminder is:
 * the account's next sequence (the event's id), a `class` history entry, the
 * class.changed event (`cause` "program"), and `more` (the walk's progress)
 * in one log record.
 */
export function announceClassSwitch(account: Account, now: number, change: { readonly from: string | null; readonly to: string | null }, more: readonly ShardWrite[]): Extract<OperationResult, { kind: "applied" }> {
  const next: Account = { ...account, sequence: account.sequence + 1 };
  const data = { from: change.from, to: change.to, receipt: null, store: null, cause: "program" };
  return {
    kind: "applied",
    answer: { member: account.memberId },
    account: next,
    writes: [{ kind: "account", account: next }, historyWrite(next, now, "class", data), ...eventWrites(next, now, [{ kind: "class.changed", data }]), ...more],
  };
}
