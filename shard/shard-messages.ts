// Both sides of the gateway <-> shard thread boundary: the messages that cross it.
import type { BudgetStanding } from "./campaign-budget-ledger.js";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { MemberProfile } from "../domain/account/account.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import type { SettlementRecord } from "./storage/shard-store.js";
import type { OutboxSection } from "./storage/record-keys.js";
import type { DeadLetterDetail, OutboxEvent } from "./storage/records/outbox-codec.js";
import type { Payment, ProfileEdit } from "./operations/keyed-operations.js";
import type { FamilyHold } from "./operations/family-commit.js";
import type { ApplyAnswer, JoinAnswer, LeaveAnswer, PoolHoldAnswer } from "./operations/family-operations.js";
import type { FamilyIntent, LeavePolicy } from "../domain/family/family.js";
import type { PartnerProgram } from "./program-set.js";
import type { ActivityPage, AdjustmentResult, CardChangeResult, EditProfileResult, MemberView } from "../protocol/admin-wire.js";
import type { CardChange } from "./operations/card-change.js";
import { failure, type Failure } from "../protocol/errors/loycore-error.js";
import type { PackedAnswer } from "../protocol/packed-answer.js";
import type { Program } from "../protocol/program-document.js";
import type { Campaign, CampaignSet, SegmentCondition } from "../protocol/campaign-document.js";
import type { Coupon, CouponRevoke } from "../domain/campaigns/coupons.js";
import type { CampaignHistoryPreview } from "../protocol/admin-wire.js";
import type { SurveyAnswerResult, SurveyAnswers } from "../protocol/survey-document.js";
import type { SurveyInvitation, SurveySubmission } from "./operations/survey-operations.js";
import type { BalanceResult, CalculateResult, CancelResult, CommitResult, IdentifyResult, PaymentResult, RefundResult, ReportVisitResult } from "../protocol/terminal-wire.js";

/**
 * Messages between the gateway thread and a shard thread. They travel by
 * postMessage (structured clone), so they are plain data. `ref` correlates a
 * reply with its request; the gateway assigns it per shard.
 *
 * Every message about a member names the logical shard it belongs to; the
 * shard asserts it owns that logical shard before touching anything.
 */
export type ShardRequest =
  | {
      readonly kind: "lookup";
      readonly ref: number;
      readonly logicalShard: number;
      readonly memberId: string;
      /** With the member's open point lots. */
      readonly detail?: boolean;
      /** The partner of the terminal's store: its own program, if it runs one, gives the standing shown; absent: the coalition program. */
      readonly partner?: string;
    }
  | {
      /** A lane's `identify`: the member's card view as a lane may see it (shard/operations/cashier-view.ts). */
      readonly kind: "identify";
      readonly ref: number;
      readonly logicalShard: number;
      readonly memberId: string;
      /** The card the lane presented and its type; null when it named the member by phone. */
      readonly presented: { readonly card: string; readonly type: string | null } | null;
      /** The partner of the terminal's store: its own program, if it runs one, gives the standing shown; absent: the coalition program. */
      readonly partner?: string;
    }
  | {
      /** A lane's `balance`: the points view, with the open lots when `detail`. */
      readonly kind: "balance";
      readonly ref: number;
      readonly logicalShard: number;
      readonly memberId: string;
      readonly detail: boolean;
    }
  | ReceiptShardRequest
  | {
      readonly kind: "enroll";
      readonly ref: number;
      readonly logicalShard: number;
      readonly memberId: string;
      readonly profile: MemberProfile;
    }
  | VisitShardRequest
  | CancelShardRequest
  | RefundShardRequest
  | AdjustShardRequest
  | EditProfileShardRequest
  | CardChangeShardRequest
  | PaymentShardRequest
  | FamilyShardRequest
  | { readonly kind: "familyForget"; readonly ref: number; readonly entries: readonly OutboxEventRef[] }
  | ActivityShardRequest
  | MemberProfilesShardRequest
  | { readonly kind: "setProgram"; readonly ref: number; readonly program: Program }
  /** A partner's own program (a new version), or null: the partner returns to the coalition program; swapped like setProgram. */
  | { readonly kind: "setPartnerProgram"; readonly ref: number; readonly partner: string; readonly program: Program | null }
  /** The event kinds some webhook endpoint takes: only these are written to the outbox (none: no events, no cost). */
  | { readonly kind: "setEventKinds"; readonly ref: number; readonly kinds: readonly string[] }
  /** A campaigns version replaces the shard's set between two messages, like setProgram (docs/campaigns.md). */
  | { readonly kind: "setCampaigns"; readonly ref: number; readonly campaigns: CampaignSet }
  | PreviewCampaignShardRequest
  | PreviewCampaignHistoryShardRequest
  | SegmentPreviewShardRequest
  | SegmentCouponsShardRequest
  /** The personal code a campaign's segment issue gave the member (shard/segment-coupons.ts). */
  | { readonly kind: "memberCoupon"; readonly ref: number; readonly logicalShard: number; readonly memberId: string; readonly campaign: string }
  | CouponShardRequest
  | SurveyInviteShardRequest
  | SurveyAnswersShardRequest
  /** A member's answers to a survey, with its reward: once per (survey, member) (docs/surveys.md). */
  | ({ readonly kind: "surveyAnswer"; readonly ref: number; readonly logicalShard: number; readonly memberId: string } & SurveySubmission)
  /** The member's answer to a survey, if any (the survey page shows "already answered"). */
  | { readonly kind: "surveyAnswered"; readonly ref: number; readonly logicalShard: number; readonly memberId: string; readonly survey: string }
  /** What a campaign with a budget has given on this shard thread, and its share (docs/campaigns.md, "Budgets"). */
  | { readonly kind: "campaignBudget"; readonly ref: number; readonly campaign: string; readonly budgetPoints: number | null; readonly budgetDiscount?: number | null }
  /**
   * The gateway's receipt index holds, durably, every receipt this shard
   * committed with a log sequence up to `through`: log segments wholly at or
   * below it may go once a checkpoint covers them too.
   */
  | { readonly kind: "receiptIndexFloor"; readonly ref: number; readonly through: number }
  | SettlementShardRequest
  | OutboxReadShardRequest
  | OutboxUpdateShardRequest
  | { readonly kind: "outboxStats"; readonly ref: number }
  | { readonly kind: "metrics"; readonly ref: number }
  | { readonly kind: "health"; readonly ref: number };

/** A request before the channel stamps its `ref`. */
export type ShardRequestBody = ShardRequest extends infer Request
  ? Request extends { readonly ref: number }
    ? Omit<Request, "ref">
    : never
  : never;

export type ShardRequestKind = ShardRequest["kind"];

/** The request body of one kind. */
export type ShardRequestOf<Kind extends ShardRequestKind> = Extract<ShardRequestBody, { readonly kind: Kind }>;

/**
 * A member as the shard sees it: everything the admin view shows but its cards
 * (the directory's) and activity (a separate request), the lots only when asked (`detail`). The
 * lanes see it shaped by shard/operations/cashier-view.ts.
 */
export type MemberLookup = Omit<MemberView, "lots" | "activity" | "cards"> & { readonly lots?: MemberView["lots"] };

/** A shard's own figures for /health. */
export interface ShardHealth {
  readonly shard: number;
  readonly logRecordsAppended: number;
  readonly logBytesAppended: number;
  readonly logGroupsSynced: number;
  readonly logSegments: number;
  /** Accounts pinned in the overlay (changed since the last checkpoint). */
  readonly staged: number;
  readonly overlayBytes: number;
  readonly answersWaiting: number;
  readonly logNextSequence: number;
  readonly logDurableSequence: number;
  readonly checkpointSequence: number;
  readonly checkpointRunning: boolean;
  /** The program version the shard runs, null before the first program. */
  readonly program: number | null;
  /** The version of each partner's own program the shard runs, by partner; absent while no partner runs one. */
  readonly partnerPrograms?: Readonly<Record<string, number>>;
}

/**
 * What each request kind answers when it succeeds: the types the gateway
 * receives, the wire types of protocol/ wherever the answer goes to a client
 * as it is.
 */
export interface ShardAnswers {
  readonly lookup: MemberLookup;
  readonly identify: IdentifyResult;
  readonly balance: BalanceResult;
  /** With `hold: true`, the answer carries the hold. */
  readonly calculate: CalculateResult;
  readonly commit: CommitResult;
  /** The new (or already enrolled) member; the gateway shapes what a lane or the admin sees. */
  readonly enroll: MemberLookup;
  readonly reportVisit: ReportVisitResult;
  readonly cancel: CancelResult;
  readonly refund: RefundResult;
  readonly adjust: AdjustmentResult;
  readonly editProfile: EditProfileResult;
  readonly recordCardChange: CardChangeResult;
  readonly payment: PaymentResult;
  /** The answer of the family operation asked (FamilyOperation's `op`: FamilyAnswers). */
  readonly family: FamilyAnswers[FamilyOperation["op"]];
  /** How many of the relay's finished family entries were still there to delete. */
  readonly familyForget: { readonly applied: number };
  readonly activity: ActivityPage;
  readonly memberProfiles: MemberProfilesPage;
  readonly setProgram: { readonly version: number };
  /** The version of the partner's own program now in force; null: the partner runs the coalition program. */
  readonly setPartnerProgram: { readonly partner: string; readonly version: number | null };
  readonly setEventKinds: { readonly kinds: number };
  readonly setCampaigns: { readonly version: number };
  /** The receipt priced with the draft campaign as if active: nothing changes, nothing is logged. */
  readonly previewCampaign: CalculateResult;
  /** The member's last receipts priced without and with the draft: nothing changes, nothing is logged. */
  readonly previewCampaignHistory: CampaignHistoryPreview;
  /** One page of a segment's count over a logical shard. */
  readonly segmentPreview: SegmentPreviewPage;
  readonly segmentCoupons: SegmentCouponsPage;
  /** The personal code a campaign's segment issue gave the member; null: none. */
  readonly memberCoupon: { readonly code: string | null };
  readonly campaignBudget: BudgetStanding;
  /** The campaign the coupon unlocks for this receipt (counted once per receipt when `count`). */
  readonly couponUse: { readonly campaign: string; readonly counted: boolean };
  readonly couponIssue: { readonly issued: number };
  /** Whether the receipt had a use of the coupon to give back. */
  readonly couponRelease: { readonly released: boolean };
  readonly couponRead: CouponStanding;
  readonly couponList: CouponListPage;
  readonly couponRevoke: { readonly revoked: CouponRevoke; readonly alreadyRevoked: boolean };
  readonly surveyInvite: SurveyInvitePage;
  readonly surveyAnswers: SurveyAnswersPage;
  readonly surveyAnswer: SurveyAnswerResult;
  /** null: the member has not answered the survey. */
  readonly surveyAnswered: { readonly answer: SurveyAnswerResult | null };
  readonly settlement: SettlementPage;
  readonly outboxRead: OutboxPage;
  /** How many changes found their entry (a change whose entry is gone already, a repeat, changes nothing). */
  readonly outboxUpdate: { readonly applied: number };
  readonly outboxStats: OutboxStats;
  readonly receiptIndexFloor: Readonly<Record<string, never>>;
  /** The shard thread's prom-client registry (absent from an actor run without a worker). */
  readonly metrics: { readonly metrics?: readonly MetricObjectWithValues<MetricValue<string>>[] };
  readonly health: ShardHealth;
}

/** The reply to a request of `Kind`: its typed answer, or a coded failure. */
export type ShardReply<Kind extends ShardRequestKind = ShardRequestKind> =
  | {
      readonly ref: number;
      readonly ok: true;
      readonly value: ShardAnswers[Kind];
      /** For a state change applied by this request: the log sequence of its record. */
      readonly sequence?: number;
    }
  | ShardFailureReply;

export type ShardFailureReply = { readonly ref: number } & Failure;

/**
 * Request kinds whose answer goes to the terminal as it is. The shard thread
 * sends their answers packed (protocol/packed-answer.ts: encoded once, there)
 * and the gateway splices the bytes into its frame; every other answer
 * crosses as an object the gateway reads or reshapes.
 */
export type PackedAnswerKind = "identify" | "balance" | "calculate" | "commit" | "cancel" | "refund" | "payment" | "reportVisit";

/** What the gateway receives for each request kind: ShardAnswers, with the packed kinds as bytes. */
export type ChannelAnswers = {
  readonly [Kind in ShardRequestKind]: Kind extends PackedAnswerKind ? PackedAnswer<ShardAnswers[Kind]> : ShardAnswers[Kind];
};

/** A reply as it crosses to the gateway (a ShardReply whose answer, for a packed kind, is packed). */
export type ChannelReply<Kind extends ShardRequestKind = ShardRequestKind> =
  | {
      readonly ref: number;
      readonly ok: true;
      readonly value: ChannelAnswers[Kind];
      readonly sequence?: number;
      /** The packed answer is a family member's (docs/ARCHITECTURE.md, "Family accounts"): the gateway unpacks it to reach the pool. */
      readonly family?: true;
    }
  | ShardFailureReply;


/** A failure as the reply to request `ref`. */
export function failureReply(ref: number, { code, message }: Failure): ShardFailureReply {
  return { ref, ...failure(code, message) };
}

/** A dry run: `calculate` for one member under the stored campaigns with `draft` added as if active (docs/campaigns.md). */
export interface PreviewCampaignShardRequest {
  readonly kind: "previewCampaign";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly receipt: Receipt;
  readonly redeem: number;
  readonly partner: string;
  readonly cardType?: string | null;
  readonly draft: Campaign;
}

/** Requests to the shard thread owning a coupon's code (its logical shard: logicalShardOf(code)); shard/coupon-requests.ts. */
export type CouponShardRequest =
  | { readonly kind: "couponIssue"; readonly ref: number; readonly logicalShard: number; readonly coupons: readonly { readonly code: string; readonly coupon: Coupon }[] }
  /** A receipt's use: checked only (`count` false: calculate), or counted once per (store, receipt id) (commit). */
  | {
      readonly kind: "couponUse";
      readonly ref: number;
      readonly logicalShard: number;
      readonly code: string;
      /** The member using it: not `memberId`, which names the member a request is about (and whose account a shard prefetches). */
      readonly user: string;
      readonly store: string;
      readonly receiptId: string;
      readonly at: number;
      readonly count: boolean;
    }
  /** Gives back the use a receipt made (its commit refused, or the receipt cancelled). */
  | { readonly kind: "couponRelease"; readonly ref: number; readonly logicalShard: number; readonly code: string; readonly store: string; readonly receiptId: string }
  /** The coupon with the receipts using it now, at most `usesMax` of them. */
  | { readonly kind: "couponRead"; readonly ref: number; readonly logicalShard: number; readonly code: string; readonly usesMax?: number }
  /** A page of a campaign's coupons on one logical shard, in code order after `after` (shard/coupon-requests.ts). */
  | { readonly kind: "couponList"; readonly ref: number; readonly logicalShard: number; readonly campaign: string; readonly after: string | null; readonly limit: number; readonly usesMax: number }
  /** Withdraws a coupon, idempotent by the revoke's client id. */
  | { readonly kind: "couponRevoke"; readonly ref: number; readonly logicalShard: number; readonly code: string; readonly id: string; readonly at: number };

/** A dry run over history: the member's last `count` receipts priced again without and with `draft` (docs/campaigns.md, "Previews"). */
export interface PreviewCampaignHistoryShardRequest {
  readonly kind: "previewCampaignHistory";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly count: number;
  readonly partner: string;
  readonly cardType?: string | null;
  readonly draft: Campaign;
}

/** One page of a segment preview: the members of a logical shard after `afterMemberId`, at most `limit`, tested against `when` now. */
export interface SegmentPreviewShardRequest {
  readonly kind: "segmentPreview";
  readonly ref: number;
  readonly logicalShard: number;
  readonly afterMemberId: string | null;
  readonly limit: number;
  readonly when: SegmentCondition;
  /** Member ids of the page's members in the segment to list, at most. */
  readonly sampleMax: number;
}

export interface SegmentPreviewPage {
  readonly scanned: number;
  readonly matched: number;
  readonly sample: readonly string[];
  /** The `afterMemberId` of the next page; null: the logical shard is done. */
  readonly next: string | null;
}

/** One page of a survey's invitation sweep over a logical shard (docs/surveys.md, "Invitations"). */
export interface SurveyInviteShardRequest {
  readonly kind: "surveyInvite";
  readonly ref: number;
  readonly logicalShard: number;
  readonly afterMemberId: string | null;
  readonly limit: number;
  readonly invitation: SurveyInvitation;
}

export interface SurveyInvitePage {
  readonly scanned: number;
  readonly invited: number;
  readonly alreadyInvited: number;
  /** The `afterMemberId` of the next page; null: the logical shard is done. */
  readonly next: string | null;
}

/** One page of a segment's personal coupons (shard/segment-coupons.ts): a code for each member of the segment in the page that has none of the campaign. */
export interface SegmentCouponsShardRequest {
  readonly kind: "segmentCoupons";
  readonly ref: number;
  readonly logicalShard: number;
  readonly afterMemberId: string | null;
  readonly limit: number;
  readonly when: SegmentCondition;
  readonly campaign: string;
  readonly uses: number;
  readonly validUntil: number | null;
}

export interface SegmentCouponsPage {
  readonly scanned: number;
  readonly matched: number;
  /** Codes this page made (members with one already are matched, not created). */
  readonly created: number;
  /** The `afterMemberId` of the next page; null: the logical shard is done. */
  readonly next: string | null;
}

/** One page of a survey's answers kept in a logical shard, in member order. */
export interface SurveyAnswersShardRequest {
  readonly kind: "surveyAnswers";
  readonly ref: number;
  readonly logicalShard: number;
  readonly survey: string;
  readonly afterMemberId: string | null;
  readonly limit: number;
}

export interface SurveyAnswersPage {
  readonly answers: readonly { readonly member: string; readonly answers: SurveyAnswers; readonly points: number; readonly answeredAt: number }[];
  readonly next: string | null;
}

/** A coupon as stored, with its code. */
export interface CouponView extends Coupon {
  readonly code: string;
}

/** A coupon with the receipts using it now (at most the request's `usesMax`; `usedByComplete` false when there are more). */
export interface CouponStanding extends CouponView {
  readonly usedBy: readonly { readonly store: string; readonly receipt: string; readonly member: string }[];
  readonly usedByComplete: boolean;
}

/** A page of a campaign's coupons on one logical shard; `next`: the code to continue after (null: the logical shard is read whole). */
export interface CouponListPage {
  readonly coupons: readonly CouponStanding[];
  readonly next: string | null;
}

/** `calculate` changes nothing; `commit` applies the receipt durably and idempotently. */
export interface ReceiptShardRequest {
  readonly kind: "calculate" | "commit";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly receipt: Receipt;
  readonly redeem: number;
  /** The partner of the terminal's store: the issuer of the points a commit accrues. */
  readonly partner: string;
  /** `calculate` only: reserve the redeemed points until commit, cancel or the hold time. */
  readonly hold?: boolean;
  /** The type of the card the member was identified by (program cardTypes); absent or null: none. */
  readonly cardType?: string | null;
  /** `commit` only: the money paid now of a receipt paid in part; absent: paid in full. */
  readonly paid?: number;
  /** A coupon the receipt presents, its use counted (commit) or checked (calculate) on its own shard first, and the campaign it unlocks. */
  readonly coupon?: { readonly code: string; readonly campaign: string };
  /** `calculate` only, a family member's: the pool's points spendable now (the gateway asked the pool). */
  readonly familyPoints?: number;
  /** `commit` only, a family member's: the hold on the family's pool the gateway made for this attempt (domain/family). */
  readonly familyHold?: FamilyHold;
}

/**
 * A family operation on one account (shard/operations/family-operations.ts): join and leave and
 * abort on the member; hold and release on the pool; apply an intent on its target (the pool, or
 * the member of a credit). Each is idempotent by its own record.
 */
export type FamilyOperation =
  | { readonly op: "join"; readonly joinId: string; readonly family: string; readonly pool: string; readonly operator: string }
  | { readonly op: "leave"; readonly leaveId: string; readonly policy: LeavePolicy; readonly operator: string }
  | { readonly op: "apply"; readonly intent: FamilyIntent }
  | { readonly op: "hold"; readonly key: string; readonly points: number; readonly partner: string; readonly member: string; readonly store: string; readonly receiptId: string }
  | { readonly op: "release"; readonly key: string }
  | { readonly op: "abort"; readonly key: string; readonly store: string; readonly receiptId: string };

export interface FamilyAnswers {
  readonly join: JoinAnswer;
  readonly leave: LeaveAnswer;
  readonly apply: ApplyAnswer;
  readonly hold: PoolHoldAnswer;
  readonly release: { readonly hold: string; readonly released: number };
  readonly abort: { readonly hold: string; readonly committed: boolean };
}

export interface FamilyShardRequest {
  readonly kind: "family";
  readonly ref: number;
  readonly logicalShard: number;
  /** The account the operation is on: a member, or a pool (poolAccountId). */
  readonly memberId: string;
  readonly operation: FamilyOperation;
}

/** Voids a committed receipt whole, or releases its hold if it was not committed. */
export interface CancelShardRequest {
  readonly kind: "cancel";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly store: string;
  readonly receiptId: string;
  /** The partner of the terminal's store: the redeemer in the settlement entries of what the cancel gives back. */
  readonly partner?: string;
}

/** A partial return by lines, idempotent by (store, refund id). Quantities in the receipt's units. */
export interface RefundShardRequest {
  readonly kind: "refund";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly store: string;
  readonly refundId: string;
  readonly receiptId: string;
  readonly lines: readonly { readonly line: number; readonly qty: number }[];
  /** As CancelShardRequest's. */
  readonly partner?: string;
}

/** Money paid later toward a receipt paid in part, idempotent by (store, payment id). */
export type PaymentShardRequest = {
  readonly kind: "payment";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
} & Payment;

/** Where a page of settlement entries continues: a logical shard and the last key read there (latin-1). */
export interface SettlementCursor {
  readonly logicalShard: number;
  readonly key: string;
}

/** A page of the settlement entries of days [fromDay, toDay) of every logical shard the thread owns. */
export interface SettlementShardRequest {
  readonly kind: "settlement";
  readonly ref: number;
  readonly fromDay: number;
  readonly toDay: number;
  readonly after: SettlementCursor | null;
  readonly limit: number;
}

/** One entry of a settlement page (SettlementRecord without its logical shard). */
export type SettlementEntry = Omit<SettlementRecord, "logicalShard">;

export interface SettlementPage {
  readonly entries: readonly SettlementEntry[];
  /** Where the next page starts; null: no more. */
  readonly next: SettlementCursor | null;
}

/** An administrator's credit (points > 0) or debit (points < 0), idempotent by adjustment id. */
export interface AdjustShardRequest {
  readonly kind: "adjust";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly adjustmentId: string;
  readonly points: number;
  readonly reason: string;
  readonly operator: string;
}

/** Support's edit of a member's profile, idempotent by edit id; the gateway has already claimed a new phone in the directory. */
export interface EditProfileShardRequest {
  readonly kind: "editProfile";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly edit: ProfileEdit;
}

/** A card change the directory made, recorded on the member's account with its event; idempotent by change id. */
export interface CardChangeShardRequest {
  readonly kind: "recordCardChange";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly change: CardChange;
}

/**
 * The names and e-mails of a logical shard's members in member key order
 * after `afterMemberId`, at most `limit`: how the gateway fills the
 * directory's search indexes for members enrolled before it had them.
 */
export interface MemberProfilesShardRequest {
  readonly kind: "memberProfiles";
  readonly ref: number;
  readonly logicalShard: number;
  readonly afterMemberId: string | null;
  readonly limit: number;
}

export interface MemberProfilesPage {
  readonly members: readonly { readonly memberId: string; readonly name: string | null; readonly email: string | null }[];
  /** The `afterMemberId` of the next page; null: the logical shard has no more. */
  readonly next: string | null;
}

/** A page of a member's activity, newest first. */
export interface ActivityShardRequest {
  readonly kind: "activity";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly before: number | null;
  readonly limit: number;
}

/** A visit-status event ("came" / "did not come") for the category rules. */
export interface VisitShardRequest {
  readonly kind: "reportVisit";
  readonly ref: number;
  readonly logicalShard: number;
  readonly memberId: string;
  readonly visit: { readonly id: string; readonly store: string; readonly status: "came" | "didNotCome"; readonly at: number };
  /** The partner of the terminal's store: its own program's category rules, if it runs one, see the visit; absent: the coalition program's. */
  readonly partner?: string;
}

/** What a shard thread is told when it starts. */
export interface ShardWorkerData {
  readonly shardIndex: number;
  readonly storePath: string;
  readonly ownedLogicalShards: readonly number[];
  readonly program: Program | null;
  /** The partners' own programs in force (absent: none); "setPartnerProgram" changes them. */
  readonly partnerPrograms?: readonly PartnerProgram[];
  /** The event kinds some webhook endpoint takes (absent: none); "setEventKinds" changes them. */
  readonly eventKinds?: readonly string[];
  /** The campaigns version in force; absent or null: none stored yet. */
  readonly campaigns?: CampaignSet | null;
  /** The gateway's receipt index is durable through this log sequence of the shard (0: nothing known). */
  readonly receiptIndexThrough?: number;
  /** Checkpoint policy (shard/state/checkpointer.ts); its defaults for what is not given. */
  readonly checkpoint?: { readonly intervalMilliseconds?: number; readonly triggerBytes?: number };
}

/** A receipt committed by a shard whose entry the gateway's receipt index may lack (found at start-up). */
export interface UnindexedReceipt {
  readonly store: string;
  readonly receiptId: string;
  readonly memberId: string;
  readonly sequence: number;
}

/** What a shard thread says when it has recovered and serves. */
export interface ShardReadyNotice {
  readonly kind: "ready";
  /** Receipts committed after the receipt index's floor: the gateway indexes them before serving. */
  readonly unindexedReceipts: readonly UnindexedReceipt[];
  /** The last log sequence the shard found: the receipt index is complete through it once those are written. */
  readonly lastSequence: number;
}

/** Entries one outbox page holds at most: a delivery loop's page, and an admin listing's. */
export const OUTBOX_PAGE_ENTRIES_MAX = 1_000;
/** Changes one outbox update carries at most: one log record of at most this many small mutations. */
export const OUTBOX_UPDATE_CHANGES_MAX = 1_000;

/** Where an outbox page continues: a logical shard and the last key read there (latin-1). */
export interface OutboxCursor {
  readonly logicalShard: number;
  readonly key: string;
}

/** Which event: its logical shard, member, the member's operation sequence and its number in it. */
export type OutboxEventRef = Pick<OutboxEvent, "logicalShard" | "memberId" | "sequence" | "number">;

/**
 * A page of one outbox section of every logical shard the thread owns (docs/notifications.md): the
 * events not yet handed to endpoints, one endpoint's queue, or its dead letters (endpoint null: every
 * endpoint's).
 */
export interface OutboxReadShardRequest {
  readonly kind: "outboxRead";
  readonly ref: number;
  readonly section: OutboxSection;
  readonly endpoint: string | null;
  readonly after: OutboxCursor | null;
  readonly limit: number;
}

/** An outbox entry as a page gives it: the event, its id, the endpoint (queue, dead) and a dead letter's detail. */
export interface OutboxEntry extends OutboxEvent {
  readonly id: string;
  readonly endpoint: string | null;
  readonly dead: DeadLetterDetail | null;
}

export interface OutboxPage {
  readonly entries: readonly OutboxEntry[];
  readonly next: OutboxCursor | null;
}

/**
 * What the delivery loop did, written through the shard's log so it is as durable as the events:
 * - fanOut: the event leaves the events section for the queue of each endpoint named (none: dropped);
 * - delivered: the endpoint answered 2xx, its queued copy goes;
 * - dead: the endpoint failed the attempts max, its copy moves to its dead letters;
 * - replay: a dead letter goes back to the endpoint's queue;
 * - drop: a queued copy or dead letter goes (its endpoint was deleted).
 */
export type OutboxChange =
  | { readonly op: "fanOut"; readonly event: OutboxEventRef; readonly endpoints: readonly string[] }
  | { readonly op: "delivered" | "replay"; readonly endpoint: string; readonly event: OutboxEventRef }
  | ({ readonly op: "dead"; readonly endpoint: string; readonly event: OutboxEventRef } & DeadLetterDetail)
  | { readonly op: "drop"; readonly section: "queue" | "dead"; readonly endpoint: string; readonly event: OutboxEventRef };

export interface OutboxUpdateShardRequest {
  readonly kind: "outboxUpdate";
  readonly ref: number;
  readonly changes: readonly OutboxChange[];
}

/** A shard thread's outbox figures for /metrics (counted up to a bound: see `counted`). */
export interface OutboxStats {
  /** Events not yet delivered: not yet handed out, or queued for an endpoint (one per endpoint). */
  readonly undelivered: number;
  readonly dead: number;
  /** The time of the oldest undelivered event among those counted; null when none. */
  readonly oldestUndeliveredAt: number | null;
  /** False when the count stopped at its bound: the figures are then lower bounds. */
  readonly complete: boolean;
  /** Events ever written to the outboxes of the logical shards the thread owns: handed out (a count kept in each outbox) and waiting (counted, so a lower bound when not complete). */
  readonly emitted: number;
}
