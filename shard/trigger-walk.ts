// Thread: a shard worker thread, between messages.
import type { Account } from "../domain/account/account.js";
import type { CompiledCampaigns } from "../domain/campaigns/compiled-campaigns.js";
import type { CompiledTrigger } from "../domain/campaigns/compiled-triggers.js";
import type { LocalDate } from "../domain/campaigns/local-date.js";
import { addDays, birthMonthDay, celebratesOn, dateText, monthDaysOn, registrationAnniversaryOn } from "../domain/campaigns/trigger-dates.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import { triggerIndexWrites } from "./operations/trigger-index.js";
import { fireTriggers, ONCE, type DueTrigger, type TriggerContext } from "./operations/trigger-accruals.js";
import type { OperationResult } from "./operations/operation-result.js";
import type { CampaignBudgetLedger } from "./campaign-budget-ledger.js";
import type { ShardState } from "./state/shard-state.js";
import type { TriggerIndexWhich } from "./storage/record-keys.js";
import type { ShardWrite } from "./storage/shard-store.js";
import { surveyAnswerReader } from "./operations/survey-operations.js";

/**
 * Days a walk of member dates goes back after a stop: birthdays of a week
 * the shard was down still get their points; older ones are let go (a
 * birthday present a month late is no present).
 */
export const TRIGGER_CATCH_UP_DAYS_MAX = 7;

/** The progress records of a logical shard (record-keys.ts, kind "w"). */
export const INDEX_PROGRESS = "index";
export const DATES_PROGRESS = "dates";
export function oneTimeProgress(campaign: string): string {
  return `once ${campaign}`;
}

/** What the walk needs of the actor: log an operation on an account, or writes without one; false when the log refused. */
export interface TriggerWalkHost {
  apply(before: Account, result: Extract<OperationResult, { kind: "applied" }>): boolean;
  applyWithoutAccount(writes: readonly ShardWrite[]): boolean;
}

/** What one step did: members looked at (index entries, backfilled or swept accounts) and accruals fired by trigger kind. */
export interface TriggerStepReport {
  walked: number;
  backfilled: number;
  readonly fired: Record<string, number>;
  /** Progress records written (a backfill page, a day or a part of one walked, a sweep's page): 0 when the step found nothing to do. */
  progressed: number;
  /** Whether the log refused a write: the step stopped there (nothing is lost: it starts again from its last progress). */
  stopped: boolean;
}

/** What a step runs with: the time, the program and campaigns in force, the budgets. */
export interface TriggerStepInput {
  readonly now: number;
  readonly program: CompiledProgram;
  readonly campaigns: CompiledCampaigns;
  readonly budgets: CampaignBudgetLedger;
}

/**
 * The trigger walk (docs/campaigns.md, "Triggers at scale"), a bounded step
 * on the shard's timer. Per logical shard: while a member-date trigger is
 * active, first the index's backfill (a page of LMDB's accounts a step,
 * resumable by its progress record), then the local day's month-day entries
 * (and the days missed since the last walked, at most a week back), never
 * the members; and each oneTime trigger's sweep over the members from its
 * date on. An accrual and its "fired" record go in one log record
 * (fireTriggers), so each (campaign, member, year) fires once whatever the
 * walk repeats after a restart or a crash; progress records only spare it
 * the repeat.
 */
export class TriggerWalk {
  /** The day the walk is on, and the lag behind today in days (for /metrics): the earliest over the logical shards. */
  lagDays = 0;
  backfillPending = 0;
  /** The local day the walk is on, as YYYYMMDD (today once every logical shard walked it); 0 before any walk. */
  walkingDay = 0;
  /**
   * What the progress records say is finished, remembered so an idle tick reads
   * none of them: logical shards whose index is complete, the day (and
   * campaigns) each walked through, the oneTime sweeps done. The walk is the
   * only writer of those records while the shard runs (forget() when they go).
   * Bounded by what they describe: one entry per owned logical shard (256 at
   * most), and per logical shard and oneTime campaign (CAMPAIGNS_MAX, 64).
   */
  /** Logical shard -> the time zone its complete index was built in. */
  private readonly indexed = new Map<number, string>();
  private readonly walkedThrough = new Map<number, string>();
  private readonly sweptOnce = new Set<string>();

  constructor(
    private readonly state: ShardState,
    private readonly ownedLogicalShards: readonly number[],
    private readonly host: TriggerWalkHost,
  ) {}

  /** Looks at most `memberLimit` members (index entries, accounts); returns what it did. */
  step(memberLimit: number, input: TriggerStepInput): TriggerStepReport {
    const report: TriggerStepReport = { walked: 0, backfilled: 0, fired: {}, progressed: 0, stopped: false };
    const { memberDates, oneTime } = input.campaigns.triggers;
    const today = input.campaigns.dates.dateAt(input.now);
    const todayText = dateText(today);
    let budget = memberLimit;
    let lag = 0;
    let pending = 0;
    for (const logicalShard of this.ownedLogicalShards) {
      if (budget <= 0 || report.stopped) break;
      if (memberDates.length > 0) {
        const indexed = this.readIndexComplete(logicalShard, input.campaigns.timeZone);
        if (!indexed) {
          pending += 1;
          budget -= this.backfill(logicalShard, budget, input, report);
          continue;
        }
        const used = this.walkDates(logicalShard, budget, input, today, report);
        budget -= used.looked;
        lag = Math.max(lag, used.lagDays);
      }
      for (const trigger of oneTime) {
        if (budget <= 0 || report.stopped) break;
        if (trigger.date !== null && trigger.date <= todayText) budget -= this.sweepOneTime(logicalShard, trigger, budget, input, report);
      }
    }
    this.lagDays = lag;
    this.backfillPending = pending;
    if (memberDates.length > 0) this.walkingDay = Number(addDays(todayText, -lag).replaceAll("-", ""));
    return report;
  }

  /** Forgets what it remembered of the progress records (they were deleted: campaign-triggers.ts, dropIndexIfOff). */
  forget(): void {
    this.indexed.clear();
    this.walkedThrough.clear();
  }

  /**
   * Whether the logical shard's index is complete in `timeZone`: the
   * registrations' month-days are local, so an index built in another time
   * zone (the program's changed) is built again (stale entries go as walked).
   */
  private readIndexComplete(logicalShard: number, timeZone: string): boolean {
    if (this.indexed.get(logicalShard) === timeZone) return true;
    const progress = this.state.readTriggerProgress(logicalShard, INDEX_PROGRESS);
    const complete = progress?.["complete"] === true && progress["timeZone"] === timeZone;
    if (complete) this.indexed.set(logicalShard, timeZone);
    return complete;
  }

  /** One page of the index's backfill: LMDB's accounts after the progress's member, their entries and the new progress in one log record. */
  private backfill(logicalShard: number, limit: number, input: TriggerStepInput, report: TriggerStepReport): number {
    const progress = this.state.readTriggerProgress(logicalShard, INDEX_PROGRESS);
    const timeZone = input.campaigns.timeZone;
    // A backfill begun in another time zone starts again from the first member.
    const after = typeof progress?.["after"] === "string" && progress["timeZone"] === timeZone ? progress["after"] : null;
    const memberIds = this.state.scanStoredMembers(logicalShard, after, limit);
    const writes: ShardWrite[] = [];
    for (const memberId of memberIds) {
      const account = this.state.readAccount(logicalShard, memberId, false);
      if (account !== undefined) writes.push(...triggerIndexWrites(account, input.campaigns.dates));
    }
    const done = memberIds.length < limit;
    // The accounts no checkpoint has written yet are not in LMDB's scan: the last page adds theirs, in
    // records of at most `limit` accounts (a log record stays far below its payload limit), before its own.
    if (done && !this.indexPinned(logicalShard, limit, input)) {
      report.stopped = true;
      return Math.max(1, memberIds.length);
    }
    const next = done ? { complete: true, timeZone } : { complete: false, after: memberIds.at(-1) ?? null, timeZone };
    writes.push({ kind: "triggerProgress", logicalShard, name: INDEX_PROGRESS, progress: next });
    if (!this.host.applyWithoutAccount(writes)) report.stopped = true;
    report.backfilled += memberIds.length;
    report.progressed += 1;
    return Math.max(1, memberIds.length);
  }

  /** Writes the index entries of the logical shard's pinned accounts, `limit` accounts a log record; false when the log refused. */
  private indexPinned(logicalShard: number, limit: number, input: TriggerStepInput): boolean {
    const pinned = this.state.pinnedOf(logicalShard);
    for (let start = 0; start < pinned.length; start += limit) {
      const writes = pinned.slice(start, start + limit).flatMap((account) => triggerIndexWrites(account, input.campaigns.dates));
      if (!this.host.applyWithoutAccount(writes)) return false;
    }
    return true;
  }

  /** Walks the day due in the logical shard's member-date index, from its progress, for at most `limit` entries. */
  private walkDates(logicalShard: number, limit: number, input: TriggerStepInput, today: LocalDate, report: TriggerStepReport): { looked: number; lagDays: number } {
    const { memberDates } = input.campaigns.triggers;
    const campaignIds = memberDates.map((trigger) => trigger.campaign.id).join(" ");
    const todayText = dateText(today);
    if (this.walkedThrough.get(logicalShard) === `${todayText} ${campaignIds}`) return { looked: 0, lagDays: 0 };
    const place = this.dayToWalk(logicalShard, todayText, campaignIds);
    if (place === null) {
      this.walkedThrough.set(logicalShard, `${todayText} ${campaignIds}`);
      return { looked: 0, lagDays: 0 };
    }
    const day = parseDay(place.day);
    const parts = walkParts(memberDates, day);
    let { part, after } = place;
    let looked = 0;
    const removals: ShardWrite[] = [];
    while (part < parts.length && looked < limit && !report.stopped) {
      const { which, month, day: dayOfMonth } = parts[part] as WalkPart;
      const requested = limit - looked;
      const entries = this.state.readTriggerIndex(logicalShard, which, month, dayOfMonth, after, requested);
      for (const entry of entries) {
        if (report.stopped) break;
        const kept = this.lookAtMember(logicalShard, entry.memberId, which, day, input, report);
        if (!kept) removals.push({ kind: "triggerIndex", logicalShard, memberId: entry.memberId, which, month, day: dayOfMonth, remove: true });
        after = entry.key;
      }
      looked += entries.length;
      report.walked += entries.length;
      if (entries.length < requested && !report.stopped) {
        part += 1;
        after = null;
      }
    }
    if (report.stopped) return { looked, lagDays: daysBetween(place.day, dateText(today)) };
    const progress = part >= parts.length ? { through: place.day, campaigns: campaignIds } : { day: place.day, part, after, campaigns: campaignIds };
    if (!this.host.applyWithoutAccount([...removals, { kind: "triggerProgress", logicalShard, name: DATES_PROGRESS, progress }])) report.stopped = true;
    report.progressed += 1;
    return { looked: Math.max(1, looked), lagDays: daysBetween(place.day, dateText(today)) };
  }

  /** Where the walk of a logical shard stands: the day in progress, else the day after the last walked (a week back at most), else today again for new campaigns; null: nothing to walk. */
  private dayToWalk(logicalShard: number, today: string, campaignIds: string): { day: string; part: number; after: string | null } | null {
    const progress = this.state.readTriggerProgress(logicalShard, DATES_PROGRESS);
    if (typeof progress?.["day"] === "string") {
      return { day: progress["day"], part: Number(progress["part"] ?? 0), after: typeof progress["after"] === "string" ? progress["after"] : null };
    }
    const through = typeof progress?.["through"] === "string" ? progress["through"] : null;
    if (through === null) return { day: today, part: 0, after: null };
    if (through < today) {
      const earliest = addDays(today, -TRIGGER_CATCH_UP_DAYS_MAX);
      const next = addDays(through, 1);
      return { day: next < earliest ? earliest : next, part: 0, after: null };
    }
    // Today was walked, but for other campaigns: again for the new ones (the others' records make it fire nothing twice).
    if (through === today && progress?.["campaigns"] !== campaignIds) return { day: today, part: 0, after: null };
    return null;
  }

  /** Fires the member's date triggers of `day` if its date is still the entry's; false when the entry is stale (the date moved, the account is gone). */
  private lookAtMember(logicalShard: number, memberId: string, which: TriggerIndexWhich, day: LocalDate, input: TriggerStepInput, report: TriggerStepReport): boolean {
    const account = this.state.readAccount(logicalShard, memberId, false);
    if (account === undefined) return false;
    const dates = input.campaigns.dates;
    if (which === "birthday") {
      const birth = birthMonthDay(account.profile.birthDate);
      if (birth === null || !celebratesOn(birth, day)) return false;
    } else {
      if (!celebratesOn(dates.dateAt(account.createdAt), day)) return false;
      if (!registrationAnniversaryOn(account.createdAt, day, dates)) return true;
    }
    const kind = which === "birthday" ? "birthday" : "registrationAnniversary";
    const due = input.campaigns.triggers.memberDates.filter((trigger) => trigger.kind === kind).map((trigger) => ({ trigger, occurrence: String(day.year) }));
    this.fire(account, due, input, report);
    return true;
  }

  /** One page of a oneTime trigger's sweep over the logical shard's accounts, from its progress. */
  private sweepOneTime(logicalShard: number, trigger: CompiledTrigger, limit: number, input: TriggerStepInput, report: TriggerStepReport): number {
    const name = oneTimeProgress(trigger.campaign.id);
    if (this.sweptOnce.has(`${logicalShard} ${name}`)) return 0;
    const progress = this.state.readTriggerProgress(logicalShard, name);
    if (progress?.["done"] === true) {
      this.sweptOnce.add(`${logicalShard} ${name}`);
      return 0;
    }
    const after = typeof progress?.["after"] === "string" ? progress["after"] : null;
    const memberIds = this.state.scanStoredMembers(logicalShard, after, limit);
    const due: DueTrigger[] = [{ trigger, occurrence: ONCE }];
    for (const memberId of memberIds) {
      const account = this.state.readAccount(logicalShard, memberId, false);
      if (account !== undefined && !report.stopped) this.fire(account, due, input, report);
    }
    const done = memberIds.length < limit;
    // Members enrolled since the last checkpoint are not in LMDB's scan yet: the last page looks at them too.
    if (done) for (const account of this.state.pinnedOf(logicalShard)) if (!report.stopped) this.fire(account, due, input, report);
    report.walked += memberIds.length;
    if (report.stopped) return memberIds.length;
    const next = done ? { done: true } : { done: false, after: memberIds.at(-1) ?? null };
    if (!this.host.applyWithoutAccount([{ kind: "triggerProgress", logicalShard, name, progress: next }])) report.stopped = true;
    report.progressed += 1;
    return Math.max(1, memberIds.length);
  }

  private fire(account: Account, due: readonly DueTrigger[], input: TriggerStepInput, report: TriggerStepReport): void {
    if (due.length === 0) return;
    const context: TriggerContext = {
      program: input.program,
      now: input.now,
      dates: input.campaigns.dates,
      fired: (recordId) => this.state.readRecord(account.logicalShard, account.memberId, ADMIN_RECORD_STORE, recordId) !== undefined,
      surveyAnswers: surveyAnswerReader(this.state, account.logicalShard, account.memberId),
      budgets: input.budgets,
      budgetGiven: input.budgets.given,
    };
    const fired = fireTriggers(context, account, due);
    if (fired === null) return;
    if (!this.host.apply(account, { kind: "applied", answer: {}, account: fired.account, writes: fired.writes })) {
      report.stopped = true;
      return;
    }
    for (const kind of fired.kinds) report.fired[kind] = (report.fired[kind] ?? 0) + 1;
  }
}

interface WalkPart {
  readonly which: TriggerIndexWhich;
  readonly month: number;
  readonly day: number;
}

/** The index ranges a day's walk reads, in a fixed order (the progress names a part by its place). */
function walkParts(triggers: readonly CompiledTrigger[], day: LocalDate): WalkPart[] {
  const parts: WalkPart[] = [];
  const kinds: [TriggerIndexWhich, string][] = [
    ["birthday", "birthday"],
    ["registration", "registrationAnniversary"],
  ];
  for (const [which, kind] of kinds) {
    if (!triggers.some((trigger) => trigger.kind === kind)) continue;
    for (const monthDay of monthDaysOn(day)) parts.push({ which, month: monthDay.month, day: monthDay.day });
  }
  return parts;
}

function parseDay(text: string): LocalDate {
  const [year, month, day] = text.split("-").map(Number);
  return { year: year ?? 0, month: month ?? 0, day: day ?? 0 };
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
