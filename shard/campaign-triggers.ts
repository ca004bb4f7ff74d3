// Thread: a shard worker thread (the ShardActor's).
import type { Account } from "../domain/account/account.js";
import type { CompiledCampaigns } from "../domain/campaigns/compiled-campaigns.js";
import { needsDateIndex, NO_TRIGGERS, type CompiledTrigger, type CompiledTriggers } from "../domain/campaigns/compiled-triggers.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import type { CampaignBudgetLedger } from "./campaign-budget-ledger.js";
import type { OperationResult } from "./operations/operation-result.js";
import { ADMIN_RECORD_STORE } from "./operations/record-address.js";
import { fireTriggers, ONCE, type TriggerContext } from "./operations/trigger-accruals.js";
import { birthDateIndexWrites, triggerIndexWrites } from "./operations/trigger-index.js";
import type { ShardState } from "./state/shard-state.js";
import type { BudgetTotals, ShardWrite } from "./storage/shard-store.js";
import { DATES_PROGRESS, INDEX_PROGRESS, TriggerWalk, type TriggerStepReport, type TriggerWalkHost } from "./trigger-walk.js";
import { surveyAnswerReader } from "./operations/survey-operations.js";

type Applied<Answer extends object = object> = Extract<OperationResult<Answer>, { kind: "applied" }>;

/** What the shard's triggers read of the actor: what is in force now. */
export interface TriggerHost extends TriggerWalkHost {
  readonly program: () => CompiledProgram | null;
  readonly campaigns: () => CompiledCampaigns | null;
  readonly budgets: CampaignBudgetLedger;
  readonly clock: () => number;
}

/**
 * A shard's campaign triggers (docs/campaigns.md, "Triggers"): the
 * event-driven ones join the log record of the operation that fires them
 * (an enrolment; a commit that brings the member's status to the named
 * one); the month-day index joins enrolments and profile edits while a
 * member-date trigger is active; the walk (trigger-walk.ts) runs on the
 * shard's timer. With no active trigger, every hook is one length test.
 */
export class ShardTriggers {
  private readonly walk: TriggerWalk;

  constructor(
    private readonly state: ShardState,
    private readonly owned: readonly number[],
    private readonly host: TriggerHost,
  ) {
    this.walk = new TriggerWalk(state, owned, host);
  }

  private get triggers(): CompiledTriggers {
    return this.host.campaigns()?.triggers ?? NO_TRIGGERS;
  }

  /** An enrolment's result with the enrolment triggers fired and the index entries of the new account, in its own record; `view` shapes the answer again. */
  onEnrolment<Answer extends object>(result: Applied<Answer>, view: (account: Account) => Answer): Applied<Answer> {
    const triggers = this.triggers;
    if (triggers.enrolment.length === 0 && !needsDateIndex(triggers)) return result;
    const campaigns = this.host.campaigns() as CompiledCampaigns;
    const indexed = needsDateIndex(triggers) ? { ...result, writes: [...result.writes, ...triggerIndexWrites(result.account, campaigns.dates)] } : result;
    const fired = this.fired(indexed, triggers.enrolment);
    return fired === indexed ? indexed : { ...fired, answer: view(fired.account) };
  }

  /** A commit's result with the statusReached triggers of the status it reached fired in its record (the answer is the receipt's, as given). */
  onCommit<Answer extends object>(result: OperationResult<Answer>): OperationResult<Answer> {
    const statusTriggers = this.triggers.statusReached;
    if (statusTriggers.length === 0 || result.kind !== "applied") return result;
    const reached = statusReachedBy(result.writes);
    if (reached === null) return result;
    const fired = this.fired(result, statusTriggers.filter((trigger) => trigger.status === reached));
    return fired === result ? result : withBalanceAfter(fired, result.answer);
  }

  /** A profile edit's result with its birth date's index entries moved, while a member-date trigger is active. */
  onProfileEdit<Answer extends object>(before: Account, result: OperationResult<Answer>): OperationResult<Answer> {
    if (!needsDateIndex(this.triggers) || result.kind !== "applied") return result;
    const moved = birthDateIndexWrites(before, result.account);
    return moved.length === 0 ? result : { ...result, writes: [...result.writes, ...moved] };
  }

  /** One bounded step of the walk; null when no date or oneTime trigger is active (or no program). */
  step(memberLimit: number): TriggerStepReport | null {
    const campaigns = this.host.campaigns();
    const program = this.host.program();
    const triggers = campaigns?.triggers ?? NO_TRIGGERS;
    if (campaigns === null || program === null || (triggers.memberDates.length === 0 && triggers.oneTime.length === 0)) return null;
    return this.walk.step(memberLimit, { now: this.host.clock(), program, campaigns, budgets: this.host.budgets });
  }

  /** The walk's lag behind today in days, the day it is on (YYYYMMDD) and the logical shards whose index is still being built (/metrics). */
  progress(): { lagDays: number; backfillPending: number; walkingDay: number } {
    return { lagDays: this.walk.lagDays, backfillPending: this.walk.backfillPending, walkingDay: this.walk.walkingDay };
  }

  /**
   * With no member-date trigger active, enrolments and edits stop keeping the
   * index: its progress records go (one log record, before any operation that
   * skips the index), so the next such trigger builds it again and walks from
   * its own first day. False when the log refused.
   */
  dropIndexIfOff(): boolean {
    if (needsDateIndex(this.triggers)) return true;
    const writes: ShardWrite[] = [];
    for (const logicalShard of this.owned) {
      for (const name of [INDEX_PROGRESS, DATES_PROGRESS]) {
        if (this.state.readTriggerProgress(logicalShard, name) !== null) writes.push({ kind: "triggerProgress", logicalShard, name, progress: null });
      }
    }
    if (writes.length === 0) return true;
    this.walk.forget();
    return this.host.applyWithoutAccount(writes);
  }

  /** The result with `due` fired on its account in the same record (its account write replaced), or the result itself when none applies. */
  private fired<Answer extends object>(result: Applied<Answer>, due: readonly CompiledTrigger[]): Applied<Answer> {
    const program = this.host.program();
    const campaigns = this.host.campaigns();
    if (due.length === 0 || program === null || campaigns === null) return result;
    const account = result.account;
    // The operation's own budget records (a commit's campaign points) are not applied yet: counted first.
    const ledger = this.host.budgets;
    const pending = (logicalShard: number, campaign: string): BudgetTotals | undefined => {
      let given: BudgetTotals | undefined;
      for (const write of result.writes) {
        if (write.kind === "campaignBudget" && write.budget.logicalShard === logicalShard && write.budget.campaign === campaign) given = { points: write.budget.given, discount: write.budget.discount ?? 0 };
      }
      return given;
    };
    const budgetGiven = (logicalShard: number, campaign: string): BudgetTotals => pending(logicalShard, campaign) ?? ledger.given(logicalShard, campaign);
    const context: TriggerContext = {
      program,
      now: this.host.clock(),
      dates: campaigns.dates,
      fired: (recordId) => this.state.readRecord(account.logicalShard, account.memberId, ADMIN_RECORD_STORE, recordId) !== undefined,
      surveyAnswers: surveyAnswerReader(this.state, account.logicalShard, account.memberId),
      budgets: {
        pointsLeft: (campaign) => ledger.pointsLeft(campaign) - (budgetGiven(account.logicalShard, campaign.id).points - ledger.given(account.logicalShard, campaign.id).points),
        // Triggers give points only.
        discountLeft: (campaign) => ledger.discountLeft(campaign),
      },
      budgetGiven,
    };
    const fired = fireTriggers(context, account, due.map((trigger) => ({ trigger, occurrence: ONCE })));
    if (fired === null) return result;
    return { ...result, account: fired.account, writes: [...result.writes.filter((write) => write.kind !== "account"), ...fired.writes] };
  }
}

/** The status a commit's history entry says it reached; null when its status did not change. */
function statusReachedBy(writes: readonly ShardWrite[]): string | null {
  for (const write of writes) {
    if (write.kind !== "activity") continue;
    const change = write.activity.detail["statusChange"] as { readonly to: string | null } | undefined;
    return change?.to ?? null;
  }
  return null;
}

/**
 * A commit whose record also fired a trigger answers with the balance after
 * both, in its answer and in the receipt record a repeat of it answers from
 * (the same object: commit-receipt.ts stores the answer it gives).
 */
function withBalanceAfter<Answer extends object>(fired: Applied<Answer>, answer: Answer): Applied<Answer> {
  if (!("balance" in answer)) return fired;
  const after = { ...answer, balance: fired.account.balance };
  const writes = fired.writes.map((write) => (write.kind === "receipt" && write.receipt.answer === answer ? { ...write, receipt: { ...write.receipt, answer: after } } : write));
  return { ...fired, answer: after, writes };
}
