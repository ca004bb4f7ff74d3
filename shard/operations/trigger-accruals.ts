// Thread: any (pure state changes); run by a shard worker thread.
import type { Account } from "../../domain/account/account.js";
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { reachPointLevel } from "../../domain/engine/point-levels.js";
import { accrueLot, ledgerTotals, settleLedger } from "../../domain/ledger/ledger.js";
import type { CampaignBudgetView } from "../../domain/campaigns/campaign-budgets.js";
import { triggerLotReference, triggerRecordId, type CompiledTrigger } from "../../domain/campaigns/compiled-triggers.js";
import type { LocalDateReader } from "../../domain/campaigns/local-date.js";
import { memberInSegment } from "../../domain/campaigns/segment-members.js";
import type { ReceiptRecord, ShardWrite } from "../storage/shard-store.js";
import type { BudgetGiven } from "./budget-writes.js";
import { historyWrite } from "./operation-result.js";
import { ADMIN_RECORD_STORE } from "./record-address.js";
import type { SurveyAnswerReader } from "../../domain/campaigns/segment.js";
import { eventWrites } from "./outbox-events.js";

/**
 * Campaign triggers (docs/campaigns.md, "Triggers"): points a campaign gives
 * when something happens to a member, not on a receipt. Each accrual is a
 * lot with source "campaign" (the funding partner's, the trigger's lifetime),
 * a record that makes it once per campaign and occurrence (the year of a
 * date trigger, "once" otherwise), a `trigger` history entry, and the
 * campaign's budget record when it has a budget: all in the log record of
 * the operation that fired it (enrolment, a commit reaching a status) or
 * of the walk's own operation for dates.
 */

/** A trigger due for a member, and its occurrence ("2026" for a date trigger's year, "once" for the others). */
export interface DueTrigger {
  readonly trigger: CompiledTrigger;
  readonly occurrence: string;
}

/** What firing needs besides the account: the program, the time, whether a record exists, the budgets. */
export interface TriggerContext {
  readonly program: CompiledProgram;
  readonly now: number;
  readonly dates: LocalDateReader;
  /** Whether the member has the record `recordId` (the trigger fired already). */
  readonly fired: (recordId: string) => boolean;
  readonly budgets: CampaignBudgetView | null;
  readonly budgetGiven: BudgetGiven | undefined;
  /** The member's survey answers, for audiences that name a survey (segment.ts). */
  readonly surveyAnswers: SurveyAnswerReader | null;
}

/** The occurrence that marks a trigger that fires once per member. */
export const ONCE = "once";

/**
 * Fires the due triggers that apply to the account at `now` (the campaign's
 * period, its audience, not fired before, its budget share covers the
 * points): the account after them (its sequence one more, its lots added)
 * and the writes; null when none applies (nothing to write). A trigger
 * whose budget share cannot cover its points gives none (never a part).
 */
export function fireTriggers(context: TriggerContext, account: Account, due: readonly DueTrigger[]): { account: Account; writes: ShardWrite[]; kinds: string[] } | null {
  const { program, now } = context;
  // A family member's points live in the family's pool, on another shard: a trigger gives them nothing (docs/campaigns.md, "Triggers").
  if (account.family !== undefined) return null;
  let ledger = settleLedger(account.ledger, now).ledger;
  const next = { ...account, sequence: account.sequence + 1 };
  const records: ShardWrite[] = [];
  const budgetWrites: ShardWrite[] = [];
  const accruals: { campaign: string; kind: string; occurrence: string; points: number; lot: number }[] = [];
  const expiries: (number | null)[] = [];
  for (const { trigger, occurrence } of due) {
    const campaign = trigger.campaign;
    if (now < campaign.startsAt || now >= campaign.endsAt) continue;
    const recordId = triggerRecordId(campaign.id, occurrence);
    if (context.fired(recordId)) continue;
    if (campaign.audience !== null && !memberInSegment(program, campaign.audience, account, now, context.dates, context.surveyAnswers)) continue;
    if (campaign.budgetPoints !== null && (context.budgets === null || context.budgets.pointsLeft(campaign) < trigger.points)) continue;
    const lifetime = trigger.lifetimeDays ?? program.program.points.lifetimeDays;
    const accrued = accrueLot(ledger, {
      points: trigger.points,
      source: "campaign",
      reference: triggerLotReference(trigger, occurrence),
      partner: campaign.partner,
      at: now,
      // Nothing returns a trigger's points: they are spendable at once, without a receipt's pending window.
      activatesAt: now,
      expiresAt: lifetime === null ? null : now + lifetime * MILLISECONDS_PER_DAY,
    });
    // An account at its open lots' limit gets nothing now (LEDGER_LIMIT): no record either, so a later walk may give it.
    if (!accrued.ok) continue;
    ledger = accrued.ledger;
    accruals.push({ campaign: campaign.id, kind: trigger.kind, occurrence, points: trigger.points, lot: accrued.lot.id });
    expiries.push(accrued.lot.expiresAt);
    const record: ReceiptRecord = { logicalShard: account.logicalShard, store: ADMIN_RECORD_STORE, receiptId: recordId, memberId: account.memberId, fingerprint: "", answer: { at: now, lot: accrued.lot.id, points: trigger.points } };
    records.push({ kind: "receipt", receipt: record });
    if (campaign.budgetPoints !== null && context.budgetGiven !== undefined) {
      const before = context.budgetGiven(account.logicalShard, campaign.id);
      const given = before.points + trigger.points;
      // The discount given is carried as it was (left out when 0: the record's bytes as before discount budgets).
      budgetWrites.push({ kind: "campaignBudget", budget: before.discount === 0 ? { logicalShard: account.logicalShard, campaign: campaign.id, given } : { logicalShard: account.logicalShard, campaign: campaign.id, given, discount: before.discount } });
    }
  }
  if (accruals.length === 0) return null;
  const levelled = reachPointLevel(program, { ...next, ledger, balance: ledgerTotals(ledger, now).available }, now);
  const after = levelled.ok ? levelled.account : { ...next, ledger, balance: ledgerTotals(ledger, now).available };
  // One campaign.accrued event per accrual, in the same log record (the shard drops it when no endpoint takes the kind).
  const events = accruals.map((accrual, index) => ({
    kind: "campaign.accrued" as const,
    data: { campaign: accrual.campaign, trigger: accrual.kind, occurrence: accrual.occurrence, points: accrual.points, balance: after.balance, lot: accrual.lot, expiresAt: expiries[index] ?? null },
  }));
  const writes: ShardWrite[] = [{ kind: "account", account: after }, ...records, historyWrite(after, now, "trigger", { accruals }), ...budgetWrites, ...eventWrites(after, now, events)];
  return { account: after, writes, kinds: accruals.map((accrual) => accrual.kind) };
}
