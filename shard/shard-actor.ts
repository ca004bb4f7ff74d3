// Thread: a shard worker thread (one actor per thread, one message at a time).
import { balanceResult, identifyResult } from "./operations/cashier-view.js";
import { profileConsent, profileEmail, type Account } from "../domain/account/account.js";
import { assert } from "../domain/assert/assert.js";
import { failure, type Outcome } from "../protocol/errors/loycore-error.js";
import type { CompiledProgram } from "../domain/engine/compiled-program.js";
import { calculateWithSpendable, standingView } from "../domain/engine/member-operations.js";
import { ledgerTotals, settleLedger } from "../domain/ledger/ledger.js";
import type { Program } from "../protocol/program-document.js";
import type { CampaignSet } from "../protocol/campaign-document.js";
import { CompiledCampaigns } from "../domain/campaigns/compiled-campaigns.js";
import { CampaignBudgetLedger } from "./campaign-budget-ledger.js";
import { campaignHistoryPreview, segmentPreviewPage } from "./campaign-previews.js";
import { handleCoupon } from "./coupon-requests.js";
import { surveyAnswersPage, surveyInvitePage } from "./survey-requests.js";
import { answerOf, answerSurvey, surveyAnswerReader, surveyAnswerRecordId, type StoredSurveyAnswer } from "./operations/survey-operations.js";
import type { SurveyAnswerReader } from "../domain/campaigns/segment.js";
import { SURVEY_MEMBER } from "./storage/record-keys.js";
import { memberSegmentCoupon, segmentCouponsPage } from "./segment-coupons.js";
import type { PointLot } from "../protocol/terminal-wire.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { encodeOperation } from "./storage/mutations.js";
import type { ShardStore, ShardWrite } from "./storage/shard-store.js";
import { DurableReplies } from "./durable-replies.js";
import { ExpirySweep } from "./expiry-sweep.js";
import type { CommitLog } from "./log/commit-log.js";
import { calculationAnswer, commitReceipt } from "./operations/commit-receipt.js";
import {
  adjustmentAddress,
  adjustPoints,
  paymentAddress,
  payTowardReceipt,
  cancelAddress,
  cancelReceipt,
  editProfile,
  profileEditAddress,
  refundAddress,
  refundReceipt,
  reportVisit,
  visitAddress,
  type KeyedInput,
  type RecordInput,
} from "./operations/keyed-operations.js";
import { ADMIN_RECORD_STORE, type RecordAddress } from "./operations/record-address.js";
import { enrollMember, holdPoints } from "./operations/member-changes.js";
import { cardChangeAddress, recordCardChange } from "./operations/card-change.js";
import { REMINDER_KINDS, reminderIndexSignature, reminderIndexWrites } from "./operations/reminders.js";
import { ReminderBackfill } from "./reminder-backfill.js";
import { ClassSwitchWalk, classesSignature } from "./class-switch-walk.js";
import { nextEventNumber, standingChangeEvents, standingEventsWanted, type StandingContext } from "./operations/standing-events.js";
import { eventWrites } from "./operations/outbox-events.js";
import { ReminderSweep } from "./reminder-sweep.js";
import { ShardTriggers } from "./campaign-triggers.js";
import type { TriggerStepReport } from "./trigger-walk.js";
import { abortAddress } from "./operations/family-operations.js";
import { familyHoldRequiredMessage, withPoolPoints } from "./operations/family-commit.js";
import { familyOperation, forgetFamilyEntries } from "./family-requests.js";
import type { OperationResult } from "./operations/operation-result.js";
import {
  failureReply,
  type MemberLookup,
  type PreviewCampaignShardRequest,
  type ReceiptShardRequest,
  type ShardAnswers,
  type ShardFailureReply,
  type SettlementEntry,
  type SettlementPage,
  type ShardHealth,
  type ShardReply,
  type ShardRequest,
  type ShardRequestKind,
  type SurveyInviteShardRequest,
} from "./shard-messages.js";
import { applyOutboxChanges, outboxPage, outboxStats, type OutboxHost } from "./outbox-requests.js";
import { ProgramSet, type PartnerProgram } from "./program-set.js";
import { CHECKPOINT_DEFAULTS, Checkpointer, type CheckpointConfig, type CheckpointCrashPoint } from "./state/checkpointer.js";
import { ShardState } from "./state/shard-state.js";

/** Instruments the actor reports to; the worker binds them to prom-client. */
export interface ShardInstruments {
  /** A group of answers became durable and was released: how many, and seconds from waiting to durable. */
  observeBatch(answers: number, flushSeconds: number): void;
  /** A commit's answer was released: seconds from its arrival to its durable answer. */
  observeCommit(seconds: number): void;
  /** An operation was refused because the log had no room on disk (optional: the worker may not count it). */
  observeStorageFull?(refusedOperations: number): void;
  /** A checkpoint became durable: bytes of overlay written, seconds it took. */
  observeCheckpoint?(bytes: number, seconds: number): void;
}

/** A last checkpoint at shutdown waits this long for the receipt index at most: a shorter restart, not durability. */
const SHUTDOWN_CHECKPOINT_WAIT_MILLISECONDS = 5_000;

export const SILENT_INSTRUMENTS: ShardInstruments = {
  observeBatch: () => undefined,
  observeCommit: () => undefined,
};

export interface ShardActorOptions {
  readonly shardIndex: number;
  /** The shard's state as of its last checkpoint (recovery has replayed the log into it). */
  readonly store: ShardStore;
  /** The shard's commit log, opened and replayed: the actor is its only writer. */
  readonly log: CommitLog;
  readonly ownedLogicalShards: readonly number[];
  readonly program: Program | null;
  /** The partners' own programs in force at start (docs/program.md, "Partners' own programs"); absent: none. */
  readonly partnerPrograms?: readonly PartnerProgram[];
  /** The event kinds written to the outbox (some webhook endpoint takes them); none when absent. */
  readonly eventKinds?: readonly string[];
  /** The campaigns version in force at start; absent or null: none stored yet. */
  readonly campaigns?: CampaignSet | null;
  /** Wall clock in epoch milliseconds; passed in so tests control time. */
  readonly clock: () => number;
  /** Monotonic seconds for latency figures and checkpoint timing. */
  readonly monotonicSeconds: () => number;
  readonly instruments?: ShardInstruments;
  /** Checkpoint policy and the overlay's limit; CHECKPOINT_DEFAULTS for what is not given. */
  readonly checkpoint?: Partial<CheckpointConfig>;
  readonly onCrashPoint?: (point: CheckpointCrashPoint) => void;
  /** The gateway's receipt index is durable through this log sequence (ShardWorkerData). Default: every record (tests without a gateway). */
  readonly receiptIndexThrough?: number;
}

/** Sends the reply to a request of `Kind`. */
type Reply<Kind extends ShardRequestKind = ShardRequestKind> = (reply: ShardReply<Kind>) => void;

/** Sends a failure: any request's reply accepts one. */
type FailureReply = (reply: ShardFailureReply) => void;

/** Requests of the admin API, the coupons' own shard and the survey pages (ShardActor.adminRequest). */
const ADMIN_REQUEST_KINDS = new Set([
  "memberProfiles",
  "activity",
  "previewCampaign",
  "previewCampaignHistory",
  "segmentPreview",
  "segmentCoupons",
  "memberCoupon",
  "couponIssue",
  "couponUse",
  "couponRelease",
  "couponRead",
  "couponList",
  "couponRevoke",
  "campaignBudget",
  "surveyInvite",
  "surveyAnswers",
  "surveyAnswer",
  "surveyAnswered",
] as const);
type AdminRequest = Extract<ShardRequest, { kind: typeof ADMIN_REQUEST_KINDS extends ReadonlySet<infer Kind> ? Kind : never }>;

function isAdminRequest(request: ShardRequest): request is AdminRequest {
  return (ADMIN_REQUEST_KINDS as ReadonlySet<string>).has(request.kind);
}

/**
 * A shard: the sole owner of the accounts of its logical shards. Messages are
 * handled one at a time, synchronously, in arrival order.
 *
 * A state change is decided by a pure operation (operations/), its
 * mutations are appended to the commit log as one record and applied to the
 * in-memory state at once (so the next message sees them), and its answer is
 * released once that record is durable (DurableReplies). The log groups the
 * records of a turn into one write and one fdatasync. Checkpoints write the
 * state to LMDB later, off this path (state/checkpointer.ts).
 */
export class ShardActor {
  /** The coalition program and the partners' own programs (program-set.ts). */
  private readonly programs: ProgramSet;
  /** The campaigns version as stored, and compiled against the program's time zone (rebuilt when either changes). */
  private campaignSet: CampaignSet | null;
  private campaigns: CompiledCampaigns | null;
  private readonly owned: ReadonlySet<number>;
  private readonly state: ShardState;
  private readonly checkpointer: Checkpointer;
  private readonly replies: DurableReplies;
  private readonly sweep: ExpirySweep;
  private readonly instruments: ShardInstruments;
  private stopped = false;
  /** The event kinds some webhook endpoint takes: an operation's other events are not written (no one would read them). */
  private eventKinds: ReadonlySet<string>;
  /** The program sets reminders and some endpoint takes a reminder kind, or classes lapse and one takes class.changed: commits add reminder index entries, the reminder sweep runs. */
  private remindersOn = false;
  private readonly reminderSweep: ReminderSweep;
  /** What the reminder index is kept for now ("off": nothing); the backfill walks members again when it changes. */
  private reminderSignature = "off";
  private readonly reminderBackfill: ReminderBackfill;
  /** The program's classes while an endpoint takes class.changed ("off": none takes it); a walk tells members when they change. */
  private classesTarget = "off";
  private readonly classSwitchWalk: ClassSwitchWalk;
  private readonly outbox: OutboxHost;
  /** Campaign budgets: this thread's shares and what its logical shards gave (docs/campaigns.md, "Budgets"). */
  private readonly budgets: CampaignBudgetLedger;
  /** Campaign triggers: those an operation fires, the month-day index, the walk (docs/campaigns.md, "Triggers"). */
  private readonly triggers: ShardTriggers;

  constructor(private readonly options: ShardActorOptions) {
    this.programs = new ProgramSet(options.program, options.partnerPrograms ?? []);
    this.eventKinds = new Set(options.eventKinds ?? []);
    this.campaignSet = options.campaigns ?? null;
    this.campaigns = this.compileCampaigns();
    this.owned = new Set(options.ownedLogicalShards);
    this.instruments = options.instruments ?? SILENT_INSTRUMENTS;
    this.state = new ShardState(options.store);
    this.budgets = new CampaignBudgetLedger(options.ownedLogicalShards, (logicalShard, campaign) => this.state.readCampaignBudget(logicalShard, campaign));
    const observeCheckpoint = this.instruments.observeCheckpoint?.bind(this.instruments);
    this.checkpointer = new Checkpointer({
      state: this.state,
      store: options.store,
      log: options.log,
      config: { ...CHECKPOINT_DEFAULTS, ...options.checkpoint },
      monotonicMilliseconds: () => options.monotonicSeconds() * 1000,
      ...(observeCheckpoint === undefined ? {} : { observeCheckpoint }),
      ...(options.onCrashPoint === undefined ? {} : { onCrashPoint: options.onCrashPoint }),
      receiptIndexThrough: options.receiptIndexThrough ?? Number.MAX_SAFE_INTEGER,
    });
    this.replies = new DurableReplies(options.log, (answers, seconds) => this.instruments.observeBatch(answers, seconds), options.monotonicSeconds);
    this.outbox = {
      state: this.state,
      owned: this.owned,
      refusal: () => this.checkpointer.refusal(),
      logWithoutAccount: (payload, mutations) => {
        const appended = this.options.log.append(payload);
        if (!appended.ok) {
          if (appended.code === "STORAGE_FULL") this.instruments.observeStorageFull?.(1);
          return appended;
        }
        this.state.applyWithoutAccount(appended.sequence, mutations);
        return { ok: true, sequence: appended.sequence };
      },
    };
    const host = this.timerHost();
    this.sweep = new ExpirySweep(this.state, options.ownedLogicalShards, host.apply);
    this.reminderSweep = new ReminderSweep(this.state, options.ownedLogicalShards, host);
    this.reminderBackfill = new ReminderBackfill(this.state, options.ownedLogicalShards, host);
    this.classSwitchWalk = new ClassSwitchWalk(this.state, options.ownedLogicalShards, host);
    this.refreshReminders();
    this.triggers = new ShardTriggers(this.state, options.ownedLogicalShards, {
      ...host,
      program: () => this.program,
      campaigns: () => this.campaigns,
      budgets: this.budgets,
      clock: options.clock,
    });
    this.triggers.dropIndexIfOff();
  }

  /**
   * What the sweeps and walks on the shard's timer write through: an
   * operation on an account, writes without one (the outbox's records), the
   * log's next position, and whether a checkpoint covers a position.
   */
  private timerHost(): {
    apply: (before: Account | undefined, result: Extract<OperationResult, { kind: "applied" }>) => boolean;
    applyWithoutAccount: (writes: readonly ShardWrite[]) => boolean;
    nextSequence: () => number;
    checkpointCovers: (sequence: number) => boolean;
  } {
    return {
      apply: (before, result) => this.logAndApply(before, result).ok,
      applyWithoutAccount: (writes) => {
        const { payload, mutations } = encodeOperation(undefined, writes);
        return this.outbox.logWithoutAccount(payload, mutations).ok;
      },
      nextSequence: () => this.options.log.nextSequence,
      checkpointCovers: (sequence) => this.options.store.checkpointSequence >= sequence,
    };
  }

  /** Reminders on: an applied operation's reminder index entries (its new lots, its visit) join its record (reminders.ts). */
  private withReminderIndex<Answer extends object>(found: { readonly account: Account; readonly program: CompiledProgram }, result: OperationResult<Answer>): OperationResult<Answer> {
    if (!this.remindersOn || result.kind !== "applied") return result;
    return { ...result, writes: [...result.writes, ...reminderIndexWrites(found.program, found.account, result.account, this.eventKinds)] };
  }

  /** Whether reminders (and class lapses' events) are written: after the program or the event kinds change. */
  private refreshReminders(): void {
    const program = this.program?.program;
    const reminders = program?.reminders !== undefined && REMINDER_KINDS.some((kind) => this.eventKinds.has(kind));
    const classLapses = (program?.classes?.lapseAfterDaysWithoutVisit ?? null) !== null && this.eventKinds.has("class.changed");
    this.remindersOn = reminders || classLapses;
    this.reminderSignature = this.remindersOn ? reminderIndexSignature(this.program, this.eventKinds) : "off";
    this.classesTarget = this.program !== null && this.eventKinds.has("class.changed") ? classesSignature(this.program) : "off";
  }

  /** The coalition program; null before the first is stored. */
  private get program(): CompiledProgram | null {
    return this.programs.coalition;
  }

  /** Handles one message; `reply` gets the answer of the request's kind (ShardAnswers), now or once durable. */
  handle<Request extends ShardRequest>(request: Request, reply: Reply<Request["kind"]>): void {
    this.dispatch(request, reply as Reply);
  }

  /** Each branch answers with its own kind's reply (the handlers' types say which). */
  private dispatch(request: ShardRequest, reply: Reply): void {
    assert(!this.stopped, "a stopped shard handles no messages");
    if (isAdminRequest(request)) {
      this.adminRequest(request, reply);
      return;
    }
    switch (request.kind) {
      case "lookup":
        this.lookup(request, reply);
        return;
      case "identify":
      case "balance":
        this.laneView(request, reply);
        return;
      case "calculate":
        if (request.hold === true) this.hold(request, reply);
        else this.calculate(request, reply);
        return;
      case "commit":
        this.commit(request, reply);
        return;
      case "enroll":
        this.enroll(request, reply);
        return;
      case "reportVisit":
      case "cancel":
      case "refund":
      case "payment":
      case "adjust":
        this.keyed(request, reply);
        return;
      case "editProfile":
        this.editProfile(request, reply);
        return;
      case "recordCardChange":
        this.recordCardChange(request, reply);
        return;
      case "family":
        this.family(request, reply);
        return;
      case "settlement":
      case "outboxRead":
      case "outboxStats":
      case "outboxUpdate":
      case "familyForget":
        this.shardWide(request, reply);
        return;
      case "setEventKinds":
      case "setProgram":
      case "setPartnerProgram":
      case "setCampaigns":
      case "health":
      case "receiptIndexFloor":
      case "metrics":
        this.control(request, reply);
        return;
    }
  }

  /** Requests of the admin API, the coupons' own shard and the survey pages: pages, previews, coupons, a campaign's budget, surveys. */
  private adminRequest(request: AdminRequest, reply: Reply): void {
    switch (request.kind) {
      case "surveyInvite":
      case "surveyAnswers":
      case "surveyAnswer":
      case "surveyAnswered":
        this.survey(request, reply);
        return;
      case "memberProfiles": {
        if (!this.owned.has(request.logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${request.logicalShard}`);
        reply({ ref: request.ref, ok: true, value: this.memberProfiles(request.logicalShard, request.afterMemberId, request.limit) });
        return;
      }
      case "activity": {
        this.assertOwned(request.logicalShard, request.memberId);
        const page = this.state.readHistory(request.logicalShard, request.memberId, request.before, request.limit);
        reply({ ref: request.ref, ok: true, value: { activity: page.map(({ sequence, at, kind, detail }) => ({ sequence, at, kind, ...detail })) } });
        return;
      }
      case "previewCampaign":
        this.previewCampaign(request, reply);
        return;
      case "previewCampaignHistory":
      case "segmentPreview":
        this.preview(request, reply);
        return;
      case "couponIssue":
      case "couponUse":
      case "couponRelease":
      case "couponRead":
      case "couponList":
      case "couponRevoke":
        this.coupon(request, reply);
        return;
      case "segmentCoupons":
        this.segmentCoupons(request, reply);
        return;
      case "memberCoupon":
        this.assertOwned(request.logicalShard, request.memberId);
        reply({ ref: request.ref, ok: true, value: { code: memberSegmentCoupon(this.outbox, request.logicalShard, request.memberId, request.campaign) ?? null } });
        return;
      case "campaignBudget":
        reply({ ref: request.ref, ok: true, value: this.budgets.standing(request.campaign, request.budgetPoints, request.budgetDiscount ?? null) });
        return;
    }
  }

  /** A coupon's issue, use, release or read, on the logical shard its code hashes to (coupon-requests.ts). */
  /** A page of a segment's personal coupons (shard/segment-coupons.ts), answered once its log record is durable. */
  private segmentCoupons(request: Extract<ShardRequest, { kind: "segmentCoupons" }>, reply: Reply): void {
    if (!this.owned.has(request.logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${request.logicalShard}`);
    if (this.program === null) {
      reply(failureReply(request.ref, failure("NO_PROGRAM", "no loyalty program is configured")));
      return;
    }
    const handled = segmentCouponsPage(this.outbox, this.program, request, this.options.clock());
    if (!handled.ok) this.replies.afterEverythingAppended(reply, failureReply(request.ref, handled));
    else if (handled.sequence === null) this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: handled.value } as ShardReply);
    else this.replies.afterRecord(handled.sequence, reply, { ref: request.ref, ok: true, value: handled.value, sequence: handled.sequence } as ShardReply);
  }

  private coupon(request: Extract<ShardRequest, { kind: "couponIssue" | "couponUse" | "couponRelease" | "couponRead" | "couponList" | "couponRevoke" }>, reply: Reply): void {
    const handled = handleCoupon(this.outbox, request);
    if (!handled.ok) this.replies.afterEverythingAppended(reply, failureReply(request.ref, handled));
    else if (handled.sequence === null) this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: handled.value } as ShardReply);
    else this.replies.afterRecord(handled.sequence, reply, { ref: request.ref, ok: true, value: handled.value, sequence: handled.sequence } as ShardReply);
  }

  /** Requests about the shard's entries of no one member: settlement pages and the outbox. */
  private shardWide(request: Extract<ShardRequest, { kind: "settlement" | "outboxRead" | "outboxStats" | "outboxUpdate" | "familyForget" }>, reply: Reply): void {
    switch (request.kind) {
      case "settlement":
        reply({ ref: request.ref, ok: true, value: this.settlementPage(request) });
        return;
      case "outboxRead":
        reply({ ref: request.ref, ok: true, value: outboxPage(this.outbox, request) });
        return;
      case "outboxStats":
        reply({ ref: request.ref, ok: true, value: outboxStats(this.outbox) });
        return;
      case "familyForget": {
        const forgotten = forgetFamilyEntries(this.outbox, request.entries);
        if (!forgotten.ok) reply(failureReply(request.ref, forgotten));
        else if (forgotten.sequence === null) this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: { applied: 0 } });
        else this.replies.afterRecord(forgotten.sequence, reply, { ref: request.ref, ok: true, value: { applied: forgotten.applied }, sequence: forgotten.sequence });
        return;
      }
      case "outboxUpdate": {
        const updated = applyOutboxChanges(this.outbox, request.changes);
        if (!updated.ok) reply(failureReply(request.ref, updated));
        else if (updated.sequence === null) this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: { applied: 0 } });
        else this.replies.afterRecord(updated.sequence, reply, { ref: request.ref, ok: true, value: { applied: updated.applied }, sequence: updated.sequence });
        return;
      }
    }
  }

  /** The gateway's control of the shard: what it runs (program, campaigns, event kinds), health, the receipt index's floor, metrics. */
  private control(
    request: Extract<ShardRequest, { kind: "setEventKinds" | "setProgram" | "setPartnerProgram" | "setCampaigns" | "health" | "receiptIndexFloor" | "metrics" }>,
    reply: Reply,
  ): void {
    switch (request.kind) {
      case "setEventKinds":
        this.eventKinds = new Set(request.kinds);
        this.refreshReminders();
        reply({ ref: request.ref, ok: true, value: { kinds: this.eventKinds.size } });
        return;
      case "setProgram":
        // One reference swap between two messages: no request sees half a program.
        // The partners' own programs are compiled again with it: their shared sections are its.
        this.programs.setCoalition(request.program);
        // Campaign dates are local to the program's time zone: compiled again with the new program.
        this.campaigns = this.compileCampaigns();
        this.refreshReminders();
        this.triggers.dropIndexIfOff();
        reply({ ref: request.ref, ok: true, value: { version: request.program.version } });
        return;
      case "setPartnerProgram":
        // One reference swap between two messages, as for the coalition program.
        this.programs.setPartner(request.partner, request.program);
        reply({ ref: request.ref, ok: true, value: { partner: request.partner, version: request.program?.version ?? null } });
        return;
      case "setCampaigns":
        // One reference swap between two messages, as for the program.
        this.campaignSet = request.campaigns;
        this.campaigns = this.compileCampaigns();
        this.budgets.forget();
        // Logged before any later enrolment that keeps no index entry (campaign-triggers.ts).
        this.triggers.dropIndexIfOff();
        reply({ ref: request.ref, ok: true, value: { version: request.campaigns.version } });
        return;
      case "health":
        reply({ ref: request.ref, ok: true, value: this.healthView() });
        return;
      case "receiptIndexFloor":
        this.checkpointer.raiseReceiptIndexFloor(request.through);
        reply({ ref: request.ref, ok: true, value: {} });
        return;
      case "metrics":
        // Metrics live in the worker's registry, not in the actor.
        reply({ ref: request.ref, ok: true, value: {} });
        return;
    }
  }

  /** Whether the member's account is in memory (pinned or cached): reading it touches no page of LMDB. */
  isResident(logicalShard: number, memberId: string): boolean {
    return this.state.isResident(logicalShard, memberId);
  }

  /** Called after each array of messages and on a timer: starts a checkpoint when one is due. */
  tick(): void {
    if (!this.stopped) this.checkpointer.maybeStart();
  }

  /** One bounded step of the reminder sweep (reminder-sweep.ts), when reminders are on; returns how many reminders it wrote. */
  sweepReminders(entryLimit: number): number {
    if (!this.remindersOn || this.program === null || this.checkpointer.refusal() !== null) return 0;
    return this.reminderSweep.step(entryLimit, this.options.clock(), this.program, this.eventKinds);
  }

  /** One bounded step of the trigger walk (trigger-walk.ts); null when no date or oneTime trigger is active. */
  walkTriggers(memberLimit: number): TriggerStepReport | null {
    if (this.checkpointer.refusal() !== null) return null;
    return this.triggers.step(memberLimit);
  }

  /** The trigger walk's lag in days, the day it is on and the logical shards whose index is being built (/metrics). */
  triggerProgress(): { lagDays: number; backfillPending: number; walkingDay: number } {
    return this.triggers.progress();
  }

  /**
   * One bounded step of the reminder index's backfill (reminder-backfill.ts):
   * after the index settings changed, existing members' entries, at most
   * `accountLimit` accounts; returns the accounts walked so far and the
   * logical shards still to walk (/metrics).
   */
  backfillReminders(accountLimit: number): { readonly walked: number; readonly pending: number } {
    if (this.checkpointer.refusal() === null) this.reminderBackfill.step(accountLimit, this.options.clock(), this.program, this.eventKinds, this.reminderSignature);
    return { walked: this.reminderBackfill.accountsWalked, pending: this.reminderBackfill.pending() };
  }

  /**
   * One bounded step of the walk after the program's classes changed
   * (class-switch-walk.ts): at most `accountLimit` accounts, each member whose
   * class changed told once; returns the logical shards still to walk.
   */
  walkClassSwitch(accountLimit: number): number {
    if (this.checkpointer.refusal() === null) this.classSwitchWalk.step(accountLimit, this.options.clock(), this.program, this.classesTarget);
    return this.classSwitchWalk.pending();
  }

  /** One bounded step of the expiry sweep (expiry-sweep.ts); returns how many accounts it changed. */
  sweepExpired(accountLimit: number): number {
    if (this.program === null || this.checkpointer.refusal() !== null) return 0;
    return this.sweep.step(accountLimit, this.options.clock());
  }

  /** Writes everything applied so far to the store now (after a running checkpoint): tests and shutdown. */
  async checkpointNow(): Promise<void> {
    await this.checkpointer.flush();
  }

  /**
   * Waits until every answer is released, writes a last checkpoint (if the
   * receipt index lets it within SHUTDOWN_CHECKPOINT_WAIT_MILLISECONDS; the
   * log has everything either way), and stops: shutdown.
   */
  async drain(): Promise<void> {
    await this.replies.drained();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_CHECKPOINT_WAIT_MILLISECONDS);
    });
    await Promise.race([this.checkpointer.flush(), gaveUp]);
    clearTimeout(timer);
    this.checkpointer.abandon();
    this.stopped = true;
  }

  private lookup(request: Extract<ShardRequest, { kind: "lookup" }>, reply: Reply<"lookup">): void {
    const view = this.lookedUp(request, request.detail === true, reply);
    if (view !== undefined) reply({ ref: request.ref, ok: true, value: view });
  }

  /** A lane's identify and balance: the lookup, shaped here as the lane may see it (cashier-view.ts), so it crosses packed. */
  private laneView(request: Extract<ShardRequest, { kind: "identify" | "balance" }>, reply: Reply<"identify" | "balance">): void {
    const view = this.lookedUp(request, request.kind === "balance" && request.detail, reply);
    if (view === undefined) return;
    const value = request.kind === "identify" ? identifyResult(view, request.presented) : balanceResult(view, request.detail);
    reply({ ref: request.ref, ok: true, value });
  }

  /** The member's view, with its open lots when `detail`; undefined once `reply` has answered UNKNOWN_MEMBER. */
  private lookedUp<Kind extends ShardRequestKind>(
    request: { readonly ref: number; readonly logicalShard: number; readonly memberId: string; readonly partner?: string | undefined },
    detail: boolean,
    reply: Reply<Kind>,
  ): MemberLookup | undefined {
    const account = this.readAccount(request.logicalShard, request.memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, request.memberId));
      return undefined;
    }
    const view = this.memberView(account, request.partner);
    if (!detail) return view;
    const settled = settleLedger(account.ledger, this.options.clock()).ledger;
    const lots = settled.lots.map(
      (lot): PointLot => ({
        id: lot.id,
        source: lot.source,
        reference: lot.reference,
        partner: lot.partner,
        points: lot.points,
        remaining: lot.remaining,
        held: lot.held,
        accruedAt: lot.accruedAt,
        activatesAt: lot.activatesAt,
        expiresAt: lot.expiresAt,
      }),
    );
    return { ...view, lots };
  }

  private calculate(request: ReceiptShardRequest, reply: Reply<"calculate">): void {
    const found = this.memberAndProgram(request, reply);
    if (found === null) return;
    const { program } = found;
    const context = { ...this.pricingContext(request), couponCampaign: request.coupon?.campaign ?? null };
    let account = found.account;
    if (account.family !== undefined) {
      // A family member's points are the pool's: the gateway asks the pool and calculates again with them.
      if (request.familyPoints === undefined) {
        reply(failureReply(request.ref, failure("FAMILY_HOLD_REQUIRED", familyHoldRequiredMessage(account.family))));
        return;
      }
      account = withPoolPoints(account, request.familyPoints, request.partner, context.now);
    }
    const { outcome, spendable } = calculateWithSpendable(program, account, request.receipt, request.redeem, context);
    if (!outcome.ok) {
      reply(failureReply(request.ref, outcome));
      return;
    }
    reply({ ref: request.ref, ok: true, value: calculationAnswer(account.memberId, request.receipt, outcome.calculation, spendable) });
  }

  private hold(request: ReceiptShardRequest, reply: Reply<"calculate">): void {
    const found = this.memberAndProgram(request, reply, true);
    if (found === null) return;
    // A family member's points are held on the pool at the commit (docs/ARCHITECTURE.md, "Family accounts"): the calculation alone.
    if (found.account.family !== undefined) {
      this.calculate(request, reply);
      return;
    }
    const context = { ...this.pricingContext(request), couponCampaign: request.coupon?.campaign ?? null };
    this.settle(request.ref, reply, found.account, holdPoints(found.program, found.account, request.receipt, request.redeem, context));
  }

  private commit(request: ReceiptShardRequest, reply: Reply<"commit">): void {
    const arrivedSeconds = this.options.monotonicSeconds();
    const release = (answer: ShardReply<"commit">): void => {
      this.instruments.observeCommit(this.options.monotonicSeconds() - arrivedSeconds);
      reply(answer);
    };
    const found = this.memberAndProgram(request, release, true);
    if (found === null) return;
    const { logicalShard, memberId, receipt } = request;
    const existing = this.state.readRecord(logicalShard, memberId, receipt.store, receipt.id);
    const result = commitReceipt({
      program: found.program,
      account: found.account,
      existing,
      receipt,
      redeem: request.redeem,
      partner: request.partner,
      cardType: request.cardType ?? null,
      ...(request.paid === undefined ? {} : { paid: request.paid }),
      now: this.options.clock(),
      campaigns: this.campaigns,
      budgets: this.budgets,
      ...(request.coupon === undefined ? {} : { coupon: request.coupon }),
      surveyAnswers: this.surveyAnswersFor(request),
      // No endpoint takes any event: none is even built (withSubscribedEvents drops the kinds no endpoint takes).
      events: this.eventKinds.size > 0,
      // A family member's attempt names its hold on the pool; the abort marker is read only then.
      ...(request.familyHold === undefined
        ? {}
        : { familyHold: request.familyHold, holdAborted: this.state.readRecord(logicalShard, memberId, ADMIN_RECORD_STORE, abortAddress(request.familyHold.key).recordId) !== undefined }),
    });
    this.settle(request.ref, release, found.account, this.withReminderIndex(found, this.triggers.onCommit(result)), true);
  }

  /** What a receipt is priced with besides the member: time, partner, card type, campaigns, budgets, and survey answers when an audience names a survey. */
  private pricingContext(request: ReceiptShardRequest): { now: number; partner: string; cardType: string | null; campaigns: CompiledCampaigns | null; budgets: CampaignBudgetLedger; surveyAnswers: SurveyAnswerReader | null } {
    return { now: this.options.clock(), partner: request.partner, cardType: request.cardType ?? null, campaigns: this.campaigns, budgets: this.budgets, surveyAnswers: this.surveyAnswersFor(request) };
  }

  /** The member's survey answers, only while an active campaign's audience names a survey (no work for a receipt otherwise). */
  private surveyAnswersFor(request: ReceiptShardRequest): SurveyAnswerReader | null {
    return this.campaigns?.readsSurveys === true ? surveyAnswerReader(this.state, request.logicalShard, request.memberId) : null;
  }

  /** The stored campaigns compiled against the program's time zone (UTC before the first program); null: none stored. */
  private compileCampaigns(): CompiledCampaigns | null {
    if (this.campaignSet === null) return null;
    return new CompiledCampaigns(this.campaignSet, this.program?.program.timeZone ?? "UTC");
  }

  /** Dry runs over what the shard holds (shard/campaign-previews.ts): a page of a segment's count, a member's last receipts under a draft. */
  private preview(request: Extract<ShardRequest, { kind: "previewCampaignHistory" | "segmentPreview" }>, reply: Reply): void {
    const host = { state: this.state, campaignSet: this.campaignSet };
    if (request.kind === "previewCampaignHistory") {
      const found = this.memberAndProgram(request, reply);
      if (found !== null) reply({ ref: request.ref, ok: true, value: campaignHistoryPreview(host, found.program, found.account, request) });
      return;
    }
    if (!this.owned.has(request.logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${request.logicalShard}`);
    if (this.program === null) reply(failureReply(request.ref, failure("NO_PROGRAM", "no loyalty program is configured")));
    else reply({ ref: request.ref, ok: true, value: segmentPreviewPage(host, this.program, request, this.options.clock()) });
  }

  /** A dry run: the receipt priced with the draft campaign as if active; nothing is written or logged. */
  private previewCampaign(request: PreviewCampaignShardRequest, reply: Reply<"previewCampaign">): void {
    const found = this.memberAndProgram(request, reply);
    if (found === null) return;
    const { account, program } = found;
    const campaigns = new CompiledCampaigns(this.campaignSet ?? { version: 0, segments: [], campaigns: [] }, program.program.timeZone, { draft: request.draft });
    const context = { now: this.options.clock(), partner: request.partner, cardType: request.cardType ?? null, campaigns };
    const { outcome, spendable } = calculateWithSpendable(program, account, request.receipt, request.redeem, context);
    if (!outcome.ok) {
      reply(failureReply(request.ref, outcome));
      return;
    }
    reply({ ref: request.ref, ok: true, value: calculationAnswer(account.memberId, request.receipt, outcome.calculation, spendable) });
  }

  private enroll(request: Extract<ShardRequest, { kind: "enroll" }>, reply: Reply<"enroll">): void {
    const { logicalShard, memberId, profile } = request;
    this.assertOwned(logicalShard, memberId);
    const refusal = this.checkpointer.refusal();
    if (refusal !== null) {
      reply(failureReply(request.ref, refusal));
      return;
    }
    const existing = this.readAccount(logicalShard, memberId);
    const view = (account: Account): MemberLookup => this.memberView(account);
    const result = enrollMember(existing, { memberId, logicalShard, profile }, this.options.clock(), view);
    this.settle(request.ref, reply, existing, result.kind === "applied" ? this.triggers.onEnrolment(result, view) : result);
  }

  /**
   * Names and e-mails of the members LMDB holds, in key order (every member
   * an earlier build enrolled is there: recovery replays the log into LMDB
   * before the shard serves); accounts read are not kept in the cache.
   */
  private memberProfiles(logicalShard: number, afterMemberId: string | null, limit: number): ShardAnswers["memberProfiles"] {
    const memberIds = this.state.scanStoredMembers(logicalShard, afterMemberId, limit);
    const members = memberIds.map((memberId) => {
      const profile = this.state.readAccount(logicalShard, memberId, false)?.profile;
      return { memberId, name: profile?.name ?? null, email: profile === undefined ? null : profileEmail(profile) };
    });
    return { members, next: memberIds.length < limit ? null : (memberIds.at(-1) ?? null) };
  }

  /** A profile edit: idempotent by its own record, and needing no program. */
  private editProfile(request: Extract<ShardRequest, { kind: "editProfile" }>, reply: Reply<"editProfile">): void {
    const { edit } = request;
    this.recordOperation(request, reply, profileEditAddress(edit.editId), (input) => this.triggers.onProfileEdit(input.account, editProfile(input, edit)));
  }

  /** A card change the directory made: idempotent by its change id, needing no program. */
  private recordCardChange(request: Extract<ShardRequest, { kind: "recordCardChange" }>, reply: Reply<"recordCardChange">): void {
    const { change } = request;
    this.recordOperation(request, reply, cardChangeAddress(change.changeId), (input) => recordCardChange(input, change));
  }

  /** An operation on a member that needs no program, kept by its own record at `address` (a repeat gets its first answer). */
  private recordOperation<Kind extends "editProfile" | "recordCardChange">(
    { ref, logicalShard, memberId }: { readonly ref: number; readonly logicalShard: number; readonly memberId: string },
    reply: Reply<Kind>,
    address: RecordAddress,
    apply: (input: RecordInput) => OperationResult<ShardAnswers[Kind]>,
  ): void {
    const account = this.readAccount(logicalShard, memberId);
    if (account === undefined) {
      reply(memberNotFound(ref, memberId));
      return;
    }
    const refusal = this.checkpointer.refusal();
    if (refusal !== null) {
      reply(failureReply(ref, refusal));
      return;
    }
    const existing = this.state.readRecord(logicalShard, memberId, address.store, address.recordId);
    this.settle(ref, reply, account, apply({ account, existing, now: this.options.clock() }));
  }

  /** Surveys (docs/surveys.md): an invitation page, an answers page, a member's answer and its reward, whether a member answered. */
  private survey(request: Extract<ShardRequest, { kind: "surveyInvite" | "surveyAnswers" | "surveyAnswer" | "surveyAnswered" }>, reply: Reply): void {
    switch (request.kind) {
      case "surveyAnswer": {
        const found = this.memberAndProgram(request, reply, true);
        if (found === null) return;
        const existing = this.state.readRecord(request.logicalShard, SURVEY_MEMBER, request.survey, surveyAnswerRecordId(request.memberId));
        // The reward's lot is reminded before it expires, as an adjustment's (reminders.ts).
        this.settle<"surveyAnswer">(request.ref, reply, found.account, this.withReminderIndex(found, answerSurvey({ ...found, existing, now: this.options.clock() }, request)));
        return;
      }
      case "surveyAnswered": {
        this.assertOwned(request.logicalShard, request.memberId);
        const record = this.state.readRecord(request.logicalShard, SURVEY_MEMBER, request.survey, surveyAnswerRecordId(request.memberId));
        const answer = record === undefined ? null : answerOf(record.answer as StoredSurveyAnswer);
        this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: { answer } });
        return;
      }
      case "surveyAnswers":
        if (!this.owned.has(request.logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${request.logicalShard}`);
        this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value: surveyAnswersPage(this.state, request) });
        return;
      case "surveyInvite":
        this.inviteToSurvey(request, reply);
        return;
    }
  }

  /** A page of a survey's invitation sweep: refused while no endpoint takes `survey.invitation` (the events would reach no one). */
  private inviteToSurvey(request: SurveyInviteShardRequest, reply: Reply): void {
    if (!this.owned.has(request.logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${request.logicalShard}`);
    const program = this.program;
    const refusal = program === null ? failure("NO_PROGRAM", "no loyalty program is configured") : this.checkpointer.refusal();
    if (refusal !== null || program === null) {
      reply(failureReply(request.ref, refusal ?? failure("INTERNAL", "unreachable")));
      return;
    }
    if (!this.eventKinds.has("survey.invitation")) {
      reply(failureReply(request.ref, failure("SURVEY_NO_ENDPOINT", "no enabled webhook endpoint takes survey.invitation: the invitations would reach no one")));
      return;
    }
    const host = { state: this.state, apply: (before: Account, result: Extract<OperationResult, { kind: "applied" }>) => this.logAndApply(before, result) };
    const page = surveyInvitePage(host, program, request, this.options.clock());
    if (!page.ok) {
      // Members invited before the refusal stay invited (their records are logged); the sweep's retry skips them.
      this.replies.afterEverythingAppended(reply, failureReply(request.ref, page));
      return;
    }
    const { lastSequence, ...value } = page;
    if (lastSequence === null) this.replies.afterEverythingAppended(reply, { ref: request.ref, ok: true, value });
    else this.replies.afterRecord(lastSequence, reply, { ref: request.ref, ok: true, value, sequence: lastSequence });
  }

  /** A family operation (family-operations.ts) on a member or a pool: each idempotent by its own record. */
  private family(request: Extract<ShardRequest, { kind: "family" }>, reply: Reply<"family">): void {
    const { ref, logicalShard, memberId, operation } = request;
    const account = this.readAccount(logicalShard, memberId);
    const program = this.program;
    if (program === null) {
      reply(failureReply(ref, failure("NO_PROGRAM", "no loyalty program is configured")));
      return;
    }
    const refusal = this.checkpointer.refusal();
    if (refusal !== null) {
      reply(failureReply(ref, refusal));
      return;
    }
    const now = this.options.clock();
    const read = (address: RecordAddress) => this.state.readRecord(logicalShard, memberId, address.store, address.recordId);
    const result = familyOperation({ account, now, program, logicalShard, memberId, read }, operation);
    this.settle<"family">(ref, reply, account, result);
  }

  /**
   * Visits, cancels, refunds, payments and adjustments: each idempotent by its
   * own record; each writes the status or class change it causes (withStandingEvents).
   */
  private keyed(request: Extract<ShardRequest, { kind: "reportVisit" | "cancel" | "refund" | "adjust" | "payment" }>, reply: Reply): void {
    const found = this.memberAndProgram(request, reply, true);
    if (found === null) return;
    const { ref, logicalShard, memberId } = request;
    const now = this.options.clock();
    const read = (address: RecordAddress) => this.state.readRecord(logicalShard, memberId, address.store, address.recordId);
    const input = (address: RecordAddress): KeyedInput => ({ ...found, existing: read(address), now, budgetGiven: this.budgets.given });
    const before = found.account;
    const standing = <Answer extends object>(result: OperationResult<Answer>, context: StandingContext): OperationResult<Answer> => this.withStandingEvents(found, now, result, context);
    switch (request.kind) {
      case "reportVisit": {
        const visited = reportVisit(input(visitAddress(request.visit)), request.visit);
        this.settle<"reportVisit">(ref, reply, before, this.withReminderIndex(found, standing(visited, { cause: "visit", receipt: null, store: request.visit.store })));
        return;
      }
      case "cancel": {
        const target = read({ store: request.store, recordId: request.receiptId });
        const cancelled = cancelReceipt(input(cancelAddress(request.store, request.receiptId)), request.store, request.receiptId, target, request.partner);
        this.settle<"cancel">(ref, reply, before, standing(cancelled, { cause: "cancel", receipt: request.receiptId, store: request.store }));
        return;
      }
      case "refund": {
        const target = read({ store: request.store, recordId: request.receiptId });
        const refunded = refundReceipt(input(refundAddress(request.store, request.refundId)), request, target, request.partner);
        this.settle<"refund">(ref, reply, before, standing(refunded, { cause: "refund", receipt: request.receiptId, store: request.store }));
        return;
      }
      case "adjust": {
        const adjusted = adjustPoints(input(adjustmentAddress(request.adjustmentId)), request);
        this.settle<"adjust">(ref, reply, before, this.withReminderIndex(found, standing(adjusted, { cause: "adjust", receipt: null, store: null })));
        return;
      }
      case "payment": {
        const target = read({ store: request.store, recordId: request.receiptId });
        const paid = payTowardReceipt(input(paymentAddress(request.store, request.paymentId)), request, target);
        this.settle<"payment">(ref, reply, before, standing(paid, { cause: "payment", receipt: request.receiptId, store: request.store }));
        return;
      }
    }
  }

  /**
   * An applied operation other than a commit, with the status.changed and
   * class.changed events of the change it makes at `now` (standing-events.ts),
   * numbered after its own events, in its own record. Nothing more when no
   * endpoint takes those kinds or the program has neither statuses nor classes.
   */
  private withStandingEvents<Answer extends object>(
    found: { readonly account: Account; readonly program: CompiledProgram },
    now: number,
    result: OperationResult<Answer>,
    context: StandingContext,
  ): OperationResult<Answer> {
    if (result.kind !== "applied" || !standingEventsWanted(found.program, this.eventKinds)) return result;
    const events = standingChangeEvents(found.program, found.account, result.account, now, this.eventKinds, context);
    if (events.length === 0) return result;
    return { ...result, writes: [...result.writes, ...eventWrites(result.account, now, events, nextEventNumber(result.writes))] };
  }

  /**
   * The member's account and the program, or null after answering why not:
   * an unknown member, no program, or (for a state change) a full overlay.
   */
  private memberAndProgram(
    request: { readonly ref: number; readonly logicalShard: number; readonly memberId: string; readonly partner?: string | undefined },
    reply: FailureReply,
    changesState = false,
  ): { account: Account; program: CompiledProgram } | null {
    const account = this.readAccount(request.logicalShard, request.memberId);
    if (account === undefined) {
      reply(memberNotFound(request.ref, request.memberId));
      return null;
    }
    // The program of the partner of the terminal's store: its own, else the coalition program.
    const program = this.programs.forPartner(request.partner);
    if (program === null) {
      reply(failureReply(request.ref, failure("NO_PROGRAM", "no loyalty program is configured")));
      return null;
    }
    const refusal = changesState ? this.checkpointer.refusal() : null;
    if (refusal !== null) {
      reply(failureReply(request.ref, refusal));
      return null;
    }
    return { account, program };
  }

  /**
   * Carries out an operation's result. Applied: log it, apply it, answer once
   * its record is durable (or answer the log's refusal: nothing was applied).
   * Answered or refused: the answer was computed from state that may not be
   * durable yet, so it waits for everything appended before it.
   */
  private settle<Kind extends ShardRequestKind>(
    ref: number,
    reply: Reply<Kind>,
    before: Account | undefined,
    result: OperationResult<ShardAnswers[Kind]>,
    commitsReceipt = false,
  ): void {
    if (result.kind === "answered") {
      this.replies.afterEverythingAppended(reply, { ref, ok: true, value: result.answer });
      return;
    }
    if (result.kind === "refused") {
      this.replies.afterEverythingAppended(reply, failureReply(ref, result));
      return;
    }
    const appended = this.logAndApply(before, result, commitsReceipt);
    if (!appended.ok) {
      reply(failureReply(ref, appended));
      return;
    }
    this.replies.afterRecord(appended.sequence, reply, { ref, ok: true, value: result.answer, sequence: appended.sequence });
  }

  /** The writes without the events of kinds no webhook endpoint takes (the same array when there are none to drop). */
  private withSubscribedEvents(writes: readonly ShardWrite[]): readonly ShardWrite[] {
    let dropped = false;
    for (const write of writes) if (write.kind === "event" && !this.eventKinds.has(write.event.kind)) dropped = true;
    return dropped ? writes.filter((write) => write.kind !== "event" || this.eventKinds.has(write.event.kind)) : writes;
  }

  /** Appends the result's mutations as one log record and applies them to the state. */
  private logAndApply(
    before: Account | undefined,
    result: Extract<OperationResult, { kind: "applied" }>,
    /** A receipt's commit: the gateway indexes it, and a checkpoint waits for that (Checkpointer). */
    commitsReceipt = false,
  ): Outcome<{ readonly sequence: number }> {
    const writes = this.withSubscribedEvents(result.writes);
    const { payload, mutations } = encodeOperation(before, writes);
    const appended = this.options.log.append(payload);
    if (!appended.ok) {
      if (appended.code === "STORAGE_FULL") this.instruments.observeStorageFull?.(1);
      return appended;
    }
    const history: number[] = [];
    for (const write of writes) {
      if (write.kind === "activity") history.push(write.activity.sequence);
      else if (write.kind === "campaignBudget") this.budgets.applied(write.budget);
    }
    this.state.apply(appended.sequence, result.account, mutations, history, commitsReceipt);
    return appended;
  }

  private readAccount(logicalShard: number, memberId: string): Account | undefined {
    this.assertOwned(logicalShard, memberId);
    return this.state.readAccount(logicalShard, memberId);
  }

  private assertOwned(logicalShard: number, memberId: string): void {
    if (!this.owned.has(logicalShard)) assert(false, `shard ${this.options.shardIndex} owns logical shard ${logicalShard}`);
    if (logicalShardOf(memberId) !== logicalShard) assert(false, `member ${memberId} belongs to logical shard ${logicalShard}`);
  }

  /** The member as identify and the admin view show it; `partner`: standing under that partner's own program, if it runs one. */
  private memberView(account: Account, partner?: string): MemberLookup {
    const now = this.options.clock();
    const program = this.programs.forPartner(partner);
    const points = ledgerTotals(account.ledger, now);
    return {
      member: account.memberId,
      logicalShard: account.logicalShard,
      card: account.profile.card,
      phone: account.profile.phone,
      name: account.profile.name,
      birthDate: account.profile.birthDate,
      email: profileEmail(account.profile),
      consent: profileConsent(account.profile),
      balance: points.available,
      points: { active: points.active, pending: points.pending, held: points.held, debt: points.debt },
      ...standingView(program, account, now),
      counters: account.counters,
      createdAt: account.createdAt,
      transactions: account.sequence,
      programVersion: program?.version ?? null,
      ...(program === null || program.partner === null ? {} : { programPartner: program.partner }),
      ...(account.family === undefined ? {} : { family: account.family }),
    };
  }

  /** A page of the settlement entries of the logical shards this thread owns, in logical shard then key order. */
  private settlementPage(request: Extract<ShardRequest, { kind: "settlement" }>): SettlementPage {
    const entries: SettlementEntry[] = [];
    const owned = [...this.owned].sort((left, right) => left - right);
    for (const logicalShard of owned) {
      if (request.after !== null && logicalShard < request.after.logicalShard) continue;
      const after = request.after?.logicalShard === logicalShard ? request.after.key : null;
      const page = this.state.readSettlement(logicalShard, request.fromDay, request.toDay, after, request.limit - entries.length);
      for (const { entry } of page) {
        const { logicalShard: _shard, ...rest } = entry;
        entries.push(rest);
      }
      const last = page[page.length - 1];
      if (entries.length >= request.limit && last !== undefined) return { entries, next: { logicalShard, key: last.key } };
    }
    return { entries, next: null };
  }

  private healthView(): ShardHealth {
    const log = this.options.log;
    const stats = log.stats();
    const partnerVersions = this.programs.partnerVersions();
    const partnerPrograms = Object.keys(partnerVersions).length === 0 ? null : partnerVersions;
    return {
      logRecordsAppended: stats.recordsAppended,
      logBytesAppended: stats.bytesAppended,
      logGroupsSynced: stats.syncs,
      logSegments: stats.segments,
      shard: this.options.shardIndex,
      staged: this.state.pinnedAccounts,
      overlayBytes: this.state.overlayBytes,
      answersWaiting: this.replies.size,
      logNextSequence: log.nextSequence,
      logDurableSequence: log.durableSequence,
      checkpointSequence: this.options.store.checkpointSequence,
      checkpointRunning: this.checkpointer.running,
      program: this.program?.version ?? null,
      ...(partnerPrograms === null ? {} : { partnerPrograms }),
    };
  }
}

function memberNotFound(ref: number, memberId: string): ShardFailureReply {
  return failureReply(ref, failure("UNKNOWN_MEMBER", `member ${memberId} has no account`));
}
