// Thread: any (pure); run by a shard worker thread (docs/notifications.md, "Reminders").
import type { Account } from "../../domain/account/account.js";
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { evaluateStanding, importanceClassAt } from "../../domain/engine/standing.js";
import type { EventData } from "../storage/records/outbox-codec.js";
import type { ReceiptRecord, ShardWrite } from "../storage/shard-store.js";
import { ADMIN_RECORD_STORE } from "./record-address.js";
import { eventWrites, type EventKind } from "./outbox-events.js";
import { historyWrite, type OperationResult } from "./operation-result.js";

/** The reminder kinds, each written once per member and occurrence (a lot, a lapse date) some days ahead. */
export const REMINDER_KINDS = ["points.expiring", "discount.lapsing", "class.lapsing"] as const satisfies readonly EventKind[];
/** What the timer index writes: the reminders, and the class.changed of a class that lapsed by time (no operation causes it). */
type TimedKind = (typeof REMINDER_KINDS)[number] | "class.changed";

/** A reminder (or a lapse) due now: its kind, what it is about (its record's id: once per occurrence), its event's data. */
interface Reminder {
  readonly kind: TimedKind;
  readonly occurrence: string;
  readonly data: EventData;
}

/** Where the record that a reminder was written is kept (it makes the reminder once per occurrence). */
export function reminderRecordId(kind: TimedKind, occurrence: string): string {
  return `reminder ${kind} ${occurrence}`;
}

/**
 * The reminder index entries an operation adds (a commit's): when to look at
 * the member again. A new lot that expires: its expiry less the days ahead;
 * a visit that moved the last visit: its lapses less the days ahead. Only
 * for reminders the program sets and `kinds` (the subscribed ones) include.
 * Stale entries are harmless: at its time an entry finds nothing due and goes.
 */
export function reminderIndexWrites(compiled: CompiledProgram, before: Account, after: Account, kinds: ReadonlySet<string>): ShardWrite[] {
  const dues = new Set<number>();
  const lastSeen = after.counters.lastVisitAt;
  const classLapse = compiled.program.classes?.lapseAfterDaysWithoutVisit ?? null;
  // The class lapses by time: look again just after its lapse, to write its class.changed (classLapseDue).
  if (classLapse !== null && lastSeen !== null && lastSeen !== before.counters.lastVisitAt && kinds.has("class.changed")) dues.add(lastSeen + classLapse * MILLISECONDS_PER_DAY + 1);
  const settings = compiled.program.reminders;
  if (settings !== undefined) reminderDues(compiled, settings, before, after, kinds, dues);
  return [...dues].map((due) => ({ kind: "reminder", logicalShard: after.logicalShard, memberId: after.memberId, due: Math.max(0, due) }));
}

/** The reminders' due times of an operation from `before` to `after`, added to `dues`. */
function reminderDues(compiled: CompiledProgram, settings: NonNullable<CompiledProgram["program"]["reminders"]>, before: Account, after: Account, kinds: ReadonlySet<string>, dues: Set<number>): void {
  const { pointsExpiringDays, discountLapsingDays, classLapsingDays } = settings;
  if (pointsExpiringDays !== null && kinds.has("points.expiring")) {
    const newestBefore = before.ledger.lots.at(-1)?.id ?? -1;
    for (const lot of after.ledger.lots) if (lot.id > newestBefore && lot.expiresAt !== null) dues.add(lot.expiresAt - pointsExpiringDays * MILLISECONDS_PER_DAY);
  }
  const lastSeen = after.counters.lastVisitAt;
  if (lastSeen !== null && lastSeen !== before.counters.lastVisitAt) {
    const discountLapse = compiled.program.discountLapseAfterDaysWithoutVisit;
    if (discountLapsingDays !== null && discountLapse !== null && kinds.has("discount.lapsing")) dues.add(lastSeen + (discountLapse - discountLapsingDays) * MILLISECONDS_PER_DAY);
    const classLapse = compiled.program.classes?.lapseAfterDaysWithoutVisit ?? null;
    if (classLapsingDays !== null && classLapse !== null && kinds.has("class.lapsing")) dues.add(lastSeen + (classLapse - classLapsingDays) * MILLISECONDS_PER_DAY);
  }
}

/**
 * The class.changed of the member's importance class lapsing by time, once
 * its lapse has passed at `now`: the class held at the lapse's instant (the
 * last one not lapsed) to none, `cause` "lapse". Once per class and lapse
 * date (the occurrence, whatever the class: a later return cannot make it
 * a second one); none while the class holds, or when there was none.
 */
function classLapseDue(compiled: CompiledProgram, account: Account, now: number): Reminder | null {
  const lapseDays = compiled.program.classes?.lapseAfterDaysWithoutVisit ?? null;
  if (lapseDays === null) return null;
  const lapsesAt = (account.counters.lastVisitAt ?? account.createdAt) + lapseDays * MILLISECONDS_PER_DAY;
  if (now <= lapsesAt) return null;
  const held = importanceClassAt(compiled, account, lapsesAt);
  if (held === null) return null;
  return { kind: "class.changed", occurrence: `lapse ${lapsesAt}`, data: { from: held.id, to: null, receipt: null, store: null, cause: "lapse" } };
}

/**
 * The reminders due for the member at `now` that `kinds` include and
 * `reminded` (its record exists) does not: lots expiring within the days
 * ahead with points left, and the discount's or class's lapse within them.
 */
export function dueReminders(compiled: CompiledProgram, account: Account, now: number, kinds: ReadonlySet<string>, reminded: (recordId: string) => boolean): Reminder[] {
  const due: Reminder[] = [];
  const add = (reminder: Reminder): void => {
    if (kinds.has(reminder.kind) && !reminded(reminderRecordId(reminder.kind, reminder.occurrence))) due.push(reminder);
  };
  if (kinds.has("class.changed")) {
    const lapse = classLapseDue(compiled, account, now);
    if (lapse !== null) add(lapse);
  }
  const settings = compiled.program.reminders;
  if (settings === undefined) return due;
  const within = (at: number | null, days: number | null): at is number => at !== null && days !== null && at > now && at - days * MILLISECONDS_PER_DAY <= now;
  const { pointsExpiringDays, discountLapsingDays, classLapsingDays } = settings;
  for (const lot of account.ledger.lots) {
    if (lot.remaining > 0 && within(lot.expiresAt, pointsExpiringDays)) {
      add({ kind: "points.expiring", occurrence: `lot ${lot.id}`, data: { lot: lot.id, points: lot.remaining, expiresAt: lot.expiresAt, days: pointsExpiringDays } });
    }
  }
  if (discountLapsingDays === null && classLapsingDays === null) return due;
  const standing = evaluateStanding(compiled, account, now);
  if (within(standing.discountLapsesAt, discountLapsingDays)) {
    add({ kind: "discount.lapsing", occurrence: String(standing.discountLapsesAt), data: { lapsesAt: standing.discountLapsesAt, discountBasisPoints: standing.discountBasisPoints, days: discountLapsingDays } });
  }
  const importanceClass = standing.importanceClass;
  if (importanceClass !== null && within(standing.classLapsesAt, classLapsingDays)) {
    add({ kind: "class.lapsing", occurrence: `${importanceClass.id} ${standing.classLapsesAt}`, data: { class: importanceClass.id, lapsesAt: standing.classLapsesAt, days: classLapsingDays } });
  }
  return due;
}

/**
 * The member's reminders as one operation: the account's next sequence (the
 * events' ids), a `reminder` history entry, a record per reminder (so it is
 * never written again) and its event, and the removal of the index entries
 * `done`, all in one log record.
 */
export function remindMember(account: Account, now: number, reminders: readonly Reminder[], done: readonly ShardWrite[]): Extract<OperationResult, { kind: "applied" }> {
  const next: Account = { ...account, sequence: account.sequence + 1 };
  const records: ShardWrite[] = reminders.map((reminder) => {
    const record: ReceiptRecord = {
      logicalShard: account.logicalShard,
      store: ADMIN_RECORD_STORE,
      receiptId: reminderRecordId(reminder.kind, reminder.occurrence),
      memberId: account.memberId,
      fingerprint: "",
      answer: { at: now },
    };
    return { kind: "receipt", receipt: record };
  });
  return {
    kind: "applied",
    answer: { member: account.memberId },
    account: next,
    writes: [
      { kind: "account", account: next },
      ...records,
      historyWrite(next, now, "reminder", { reminders: reminders.map((reminder) => ({ kind: reminder.kind, ...reminder.data })) }),
      ...eventWrites(next, now, reminders.map(({ kind, data }) => ({ kind, data }))),
      ...done,
    ],
  };
}

/**
 * What the reminder index is kept for (program settings and kinds taken), as
 * a string: a backfill walks the members again whenever it changes
 * (reminder-backfill.ts). "off" while nothing is indexed.
 */
export function reminderIndexSignature(compiled: CompiledProgram | null, kinds: ReadonlySet<string>): string {
  const program = compiled?.program;
  if (program === undefined) return "off";
  const settings = program.reminders;
  const taken = (kind: string, days: number | null | undefined): number | null => (kinds.has(kind) ? (days ?? null) : null);
  const classLapse = program.classes?.lapseAfterDaysWithoutVisit ?? null;
  const parts = [
    taken("points.expiring", settings?.pointsExpiringDays),
    taken("discount.lapsing", settings?.discountLapsingDays),
    taken("class.lapsing", settings?.classLapsingDays),
    taken("class.changed", classLapse),
  ];
  if (parts.every((part) => part === null)) return "off";
  return JSON.stringify([...parts, program.discountLapseAfterDaysWithoutVisit, classLapse]);
}

/**
 * Every reminder index entry a member's account calls for now (the backfill
 * of a kind just taken or of days changed): each lot with points left that
 * expires later, and the lapses of the last visit still ahead. Entries
 * already there are the same keys (written again, harmlessly); what was
 * already reminded has its record, so the sweep never writes it twice.
 */
export function reminderBackfillWrites(compiled: CompiledProgram, account: Account, now: number, kinds: ReadonlySet<string>): ShardWrite[] {
  const dues = new Set<number>();
  const settings = compiled.program.reminders;
  const pointsDays = kinds.has("points.expiring") ? (settings?.pointsExpiringDays ?? null) : null;
  if (pointsDays !== null) {
    for (const lot of account.ledger.lots) if (lot.remaining > 0 && lot.expiresAt !== null && lot.expiresAt > now) dues.add(lot.expiresAt - pointsDays * MILLISECONDS_PER_DAY);
  }
  const lastSeen = account.counters.lastVisitAt;
  if (lastSeen !== null) {
    const ahead = (lapseDays: number | null, days: number | null, offset: number): void => {
      if (lapseDays === null || days === null) return;
      const lapsesAt = lastSeen + lapseDays * MILLISECONDS_PER_DAY;
      if (lapsesAt >= now) dues.add(lapsesAt - days * MILLISECONDS_PER_DAY + offset);
    };
    const classLapse = compiled.program.classes?.lapseAfterDaysWithoutVisit ?? null;
    ahead(compiled.program.discountLapseAfterDaysWithoutVisit, kinds.has("discount.lapsing") ? (settings?.discountLapsingDays ?? null) : null, 0);
    ahead(classLapse, kinds.has("class.lapsing") ? (settings?.classLapsingDays ?? null) : null, 0);
    // The class's lapse itself (class.changed), only when still ahead: a lapse long past is not news.
    ahead(classLapse, kinds.has("class.changed") ? 0 : null, 1);
  }
  return [...dues].map((due) => ({ kind: "reminder", logicalShard: account.logicalShard, memberId: account.memberId, due: Math.max(0, due) }));
}
