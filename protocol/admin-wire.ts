/**
 * The loycore admin API (`/v1/admin/*`), version 1, as TypeScript types:
 * request bodies, query parameters and answers of every endpoint, field for
 * field as the "Admin API" section of docs/protocol.md states them. The
 * gateway's admin service and the admin client both import these, so a field
 * renamed here is an API change on both sides, not a refactoring.
 *
 * Money is integer minor units, points are integers, time is epoch
 * milliseconds (see "Conventions" in docs/protocol.md).
 */
import type { Program, ProgramDefinition } from "./program-document.js";
import type { CardResult, Consent, DiscountSource, EnrollRequest, NamedRef, PointLevelHeld, PointLot, ReplaceCardOperationResult } from "./terminal-wire.js";

export type { Consent };

export type { Program, ProgramDefinition };

// ---------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------

/**
 * Query of a listing in id order (partners, stores, terminals). `limit` is 1 to 500 (default 50);
 * `after` is the `next` of the previous page (absent: from the first id).
 */
export interface IdPageQuery {
  readonly after?: string | null;
  readonly limit?: number;
}

/** Query of a listing newest first (program versions, audit, activity): `before` is the previous page's `next` or last `sequence`. */
export interface SequencePageQuery {
  readonly before?: number | null;
  readonly limit?: number;
}

// ---------------------------------------------------------------------------
// Program
// ---------------------------------------------------------------------------

/** One stored program version in a listing; `GET /v1/admin/program/versions/<version>` gives the whole document. */
export interface ProgramVersionSummary {
  readonly version: number;
  readonly name: string;
}

export interface ProgramVersionPage {
  /** Newest first. */
  readonly versions: readonly ProgramVersionSummary[];
  /** Pass as `before` for the next (older) page; null: this page is the last. */
  readonly next: number | null;
}

/**
 * A version of the program that prices at one partner's stores (docs/program.md, "Partners' own
 * programs"): the partner's own program, or null where the partner returned to the coalition
 * program. Versions are numbered per partner from 1; `program.version` is `version`.
 */
export interface PartnerProgramVersion {
  readonly partner: string;
  /** 0: the partner never had a program of its own (nothing stored). */
  readonly version: number;
  /** The partner's own program; null: the partner takes part in the coalition program. */
  readonly program: Program | null;
  /** When this version was stored (epoch ms); null when nothing was. */
  readonly at: number | null;
}

/** One stored version of a partner's program in a listing: its name, or null for a return to the coalition program. */
export interface PartnerProgramVersionSummary {
  readonly version: number;
  readonly name: string | null;
  readonly at: number;
}

export interface PartnerProgramVersionPage {
  /** Newest first. */
  readonly versions: readonly PartnerProgramVersionSummary[];
  /** Pass as `before` for the next (older) page; null: this page is the last. */
  readonly next: number | null;
}

/** `GET /v1/admin/partner-programs`: the partners that run a program of their own now, in partner id order. */
export interface PartnerProgramList {
  readonly programs: readonly { readonly partner: string; readonly version: number; readonly name: string }[];
}

// ---------------------------------------------------------------------------
// Partners, stores, terminals
// ---------------------------------------------------------------------------

export interface Partner {
  readonly id: string;
  readonly name: string;
}

/** `POST /v1/admin/partners`: a repeat with the same fields answers the same; other fields are a CONFLICT. */
export type CreatePartnerRequest = Partner;

export interface PartnerPage {
  /** In id order. */
  readonly partners: readonly Partner[];
  /** Pass as `after` for the next page; null: this page is the last. */
  readonly next: string | null;
}

export interface Store {
  readonly id: string;
  /** The partner that owns the store. */
  readonly partner: string;
  readonly name: string;
}

export type CreateStoreRequest = Store;

export interface StorePageQuery extends IdPageQuery {
  /** Only this partner's stores. */
  readonly partner?: string;
}

export interface StorePage {
  readonly stores: readonly Store[];
  readonly next: string | null;
}

export interface CreateTerminalRequest {
  readonly id: string;
  readonly store: string;
}

/** A terminal as the admin API shows it: never its token nor anything derived from it. */
export interface Terminal {
  readonly id: string;
  readonly store: string;
  readonly partner: string;
  /** When the terminal was revoked, epoch ms; absent while it is active. */
  readonly revokedAt?: number;
}

/** The answer of creating a terminal or rotating its token: the only time the token is shown. */
export interface TerminalWithToken {
  readonly id: string;
  readonly store: string;
  readonly partner: string;
  /** The terminal's bearer token; loycore keeps only its hash. */
  readonly token: string;
}

export interface TerminalPageQuery extends IdPageQuery {
  /** Only this store's terminals. */
  readonly store?: string;
  /** Only this partner's terminals. */
  readonly partner?: string;
}

export interface TerminalPage {
  readonly terminals: readonly Terminal[];
  readonly next: string | null;
}

// ---------------------------------------------------------------------------
// Members
// ---------------------------------------------------------------------------

/** `POST /v1/admin/members` takes the fields of the `enroll` operation. */
export type AdminEnrollRequest = EnrollRequest;

/** The new member as the admin API shows it: the phone unmasked, with the birth date. */
export interface AdminEnrollResult {
  readonly member: string;
  readonly card: string;
  readonly phone: string | null;
  readonly name: string | null;
  readonly birthDate: string | null;
  readonly email: string | null;
  readonly consent: Consent;
  readonly balance: number;
  readonly status: NamedRef | null;
}

/** One history entry: a receipt, hold, cancel, refund, adjustment or visit, with its kind's own fields. */
export interface ActivityEntry {
  /** The member's sequence after the operation: unique per member, increasing. */
  readonly sequence: number;
  readonly at: number;
  readonly kind: string;
  readonly [field: string]: unknown;
}

export interface ActivityPage {
  /** Newest first; pass the last entry's `sequence` as `before` for the next page. */
  readonly activity: readonly ActivityEntry[];
}

export interface CounterTotals {
  readonly sold: number;
  readonly paid: number;
  readonly visits: number;
}

export interface MemberView {
  readonly member: string;
  readonly logicalShard: number;
  readonly card: string;
  readonly phone: string | null;
  readonly name: string | null;
  readonly birthDate: string | null;
  /** As the member gave it; null: none. */
  readonly email: string | null;
  /** Consent to communications; both false for a member who gave none. */
  readonly consent: Consent;
  readonly balance: number;
  readonly points: { readonly active: number; readonly pending: number; readonly held: number; readonly debt: number };
  readonly status: NamedRef | null;
  readonly importanceClass: NamedRef | null;
  readonly categories: readonly NamedRef[];
  readonly discountBasisPoints: number;
  readonly discountSources: readonly DiscountSource[];
  /** Absent while no program is stored. */
  readonly accrualRateBasisPoints?: number;
  readonly discountLapsesAt: number | null;
  readonly classLapsesAt: number | null;
  readonly pointLevel: PointLevelHeld | null;
  readonly counters: {
    readonly lifetime: CounterTotals;
    /** Newest first, up to 3 periods; `period` is the program's period index. */
    readonly recentPeriods: readonly (CounterTotals & { readonly period: number })[];
    readonly firstVisitAt: number | null;
    readonly lastVisitAt: number | null;
  };
  readonly createdAt: number;
  readonly transactions: number;
  readonly programVersion: number | null;
  /** Asked with `partner` whose own program gives the standing above (and `programVersion` is its version); absent: the coalition program. */
  readonly programPartner?: string;
  /** The open point lots. */
  readonly lots: readonly PointLot[];
  /** The latest 20 history entries, newest first. */
  readonly activity: readonly ActivityEntry[];
  /** Every card of the member, in card order, blocked ones included. */
  readonly cards: readonly CardView[];
  /** The family (master account) the member belongs to; absent: none. Its pool holds the member's points (`GET /v1/admin/families/{family}`). */
  readonly family?: string;
}

/** A family's pool as the admin API shows it: its points, and each open lot with the member who earned it. */
export interface FamilyView {
  readonly family: string;
  readonly balance: number;
  readonly points: { readonly active: number; readonly pending: number; readonly held: number; readonly debt: number };
  readonly lots: readonly (PointLot & { readonly origin: string | null })[];
}

/** A member joined a family: how many of their points moved into the pool. */
export interface FamilyJoinResult {
  readonly member: string;
  readonly family: string;
  readonly join: string;
  readonly pointsMoved: number;
}

/** A member left a family; under "share", the lots they earned went back to them (`pointsMoved`). */
export interface FamilyLeaveResult {
  readonly member: string;
  readonly family: string;
  readonly leave: string;
  readonly policy: "stay" | "share";
  readonly pointsMoved: number;
}

/**
 * `POST /v1/admin/members/{member}/profile`: the fields to change, each absent (unchanged),
 * null (cleared; not for consent) or a new value. `id` is the edit's idempotency key.
 */
export interface EditProfileRequest {
  readonly id: string;
  readonly name?: string | null;
  /** 5 to 15 digits, optionally after "+"; stored as "+" and digits. Must not be another member's (PHONE_TAKEN). */
  readonly phone?: string | null;
  /** `YYYY-MM-DD`. */
  readonly birthDate?: string | null;
  readonly email?: string | null;
  /** The channels given change; the others stay as they were. */
  readonly consent?: Partial<Consent>;
}

/** A member's profile as support edits it. */
export interface MemberProfileView {
  readonly card: string;
  readonly phone: string | null;
  readonly name: string | null;
  readonly birthDate: string | null;
  readonly email: string | null;
  readonly consent: Consent;
}

/** What one field was and became. */
export interface ProfileFieldChange<Value> {
  readonly from: Value;
  readonly to: Value;
}

/** Only the fields whose value changed. */
export interface ProfileChanges {
  readonly name?: ProfileFieldChange<string | null>;
  readonly phone?: ProfileFieldChange<string | null>;
  readonly birthDate?: ProfileFieldChange<string | null>;
  readonly email?: ProfileFieldChange<string | null>;
  readonly consent?: ProfileFieldChange<Consent>;
}

export interface EditProfileResult {
  readonly member: string;
  /** The edit's id. */
  readonly edit: string;
  /** The profile after the edit. */
  readonly profile: MemberProfileView;
  /** What this edit changed (empty when it changed nothing); a repeat answers the first answer. */
  readonly changed: ProfileChanges;
}

/** `GET /v1/admin/members/search?q=&after=&limit=`. */
export interface MemberSearchQuery {
  /**
   * 1 to 254 characters: a card (exact), a phone (exact, "+" optional), an e-mail (exact, any case; a query with "@"
   * searches e-mails only) or the start of a name (any case, "ё" as "е").
   */
  readonly q: string;
  /** The previous page's `next`. */
  readonly after?: string | null;
  /** 1 to 50 (default 20). */
  readonly limit?: number;
}

/** One member found: the admin sees the phone unmasked. */
export interface MemberSearchHit {
  readonly member: string;
  /** The card the member enrolled with. */
  readonly card: string;
  readonly name: string | null;
  readonly phone: string | null;
  readonly email: string | null;
}

export interface MemberSearchPage {
  /** Card and phone matches first (first page only), then e-mail or name matches in the order of their folded text. */
  readonly members: readonly MemberSearchHit[];
  /** Pass as `after` for the next page; null: this page is the last. */
  readonly next: string | null;
}

// ---------------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------------

/** A member's card: its type (static parameters) and its state (dynamic: changed only by card operations). The lane's card operations answer the same. */
export type CardView = CardResult;

/** `POST /v1/admin/members/{member}/cards`: a new card for an existing member. */
export interface IssueCardRequest {
  readonly card: string;
  /** A program cardTypes id; absent or null: untyped. */
  readonly type?: string | null;
  readonly expiresAt?: number | null;
}

/** `POST /v1/admin/cards/{card}/block`. */
export interface BlockCardRequest {
  /** Up to 200 characters: "lost", "stolen", ... */
  readonly reason: string;
}

/** `POST /v1/admin/cards/{card}/replace`: the new card; its type and expiry default to the old card's. */
export type ReplaceCardRequest = IssueCardRequest;

/** The old card, now blocked with `replacedBy`, and the new card carrying on the same member. */
export type ReplaceCardResult = ReplaceCardOperationResult;

export interface MemberCards {
  readonly cards: readonly CardView[];
}

/** Find the member by id, card or phone: exactly one. */
export type AdjustmentTarget =
  | { readonly member: string; readonly card?: never; readonly phone?: never }
  | { readonly card: string; readonly member?: never; readonly phone?: never }
  | { readonly phone: string; readonly member?: never; readonly card?: never };

export type AdjustmentRequest = AdjustmentTarget & {
  /** Idempotency key of the adjustment. */
  readonly id: string;
  /** > 0 credits a new lot, < 0 debits; not 0; at most a billion either way. */
  readonly points: number;
  /** Up to 500 characters. */
  readonly reason: string;
  /** Who decided it, up to 100 characters. */
  readonly operator: string;
};

export interface AdjustmentResult {
  readonly member: string;
  readonly adjustment: string;
  readonly points: number;
  readonly balance: number;
}

// ---------------------------------------------------------------------------
// Settlement between partners
// ---------------------------------------------------------------------------

/** `GET /v1/admin/settlement?from=YYYY-MM-DD&to=YYYY-MM-DD[&issuer=][&redeemer=][&format=csv]`, days in UTC, both included. */
export interface SettlementPair {
  /** The partner that issued the points (owes). */
  readonly issuer: string;
  /** The partner at whose store they were spent (is owed). */
  readonly redeemer: string;
  /** Points spent, net of returns. */
  readonly points: number;
  /** Their value, minor units: each entry's points x the program's point value then. */
  readonly valueMinor: number;
  /** Entries summed: redemptions and returns. */
  readonly entries: number;
}

export interface SettlementReport {
  readonly from: string;
  readonly to: string;
  /** In issuer, then redeemer order. */
  readonly pairs: readonly SettlementPair[];
}

// ---------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------

export interface AuditEntry {
  readonly sequence: number;
  readonly at: number;
  /**
   * "put-program", "create-partner", "create-store", "create-terminal", "revoke-terminal", "rotate-terminal-token",
   * "enroll-member", "adjust", "issue-card", "block-card", "unblock-card", "replace-card", "edit-member-profile".
   */
  readonly action: string;
  /** The signed-in operator's name; with the admin token, the `x-operator` header of the write, or "admin". */
  readonly operator: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface AuditPage {
  /** Newest first; pass the last entry's `sequence` as `before` for the next page. */
  readonly audit: readonly AuditEntry[];
  /**
   * Pass as `before` for the next (older) page; null: nothing older. A filtered page
   * may hold fewer than `limit` entries (even none) and still have a `next`.
   */
  readonly next: number | null;
}

/** `GET /v1/admin/audit`: newest first, only one operator's or one action's entries when given. */
export interface AuditQuery extends SequencePageQuery {
  readonly operator?: string;
  readonly action?: string;
}

// ---------------------------------------------------------------------------
// Operators and sign-in
// ---------------------------------------------------------------------------

/**
 * What an operator may do with the admin API: `admin` everything, operators included;
 * `marketer` the program; `support` members (enrol, adjust) and terminals (revoke, new token);
 * `read-only` reads only. Every role reads everything except the operator list.
 */
export type OperatorRole = "admin" | "marketer" | "support" | "read-only";

/** A named person who signs in to the operator console; their name goes on every audit entry they cause. */
export interface Operator {
  /** 1 to 64 visible ASCII characters, like every id. */
  readonly name: string;
  readonly role: OperatorRole;
  readonly createdAt: number;
  /** Who created the operator (an operator's name, or the admin token's `x-operator` / "admin"). */
  readonly createdBy: string;
  /** Set once the operator is disabled: their password and sessions are refused from then on. */
  readonly disabledAt?: number;
}

/** `POST /v1/admin/operators` (admin role): the password is stored only as its scrypt hash. */
export interface CreateOperatorRequest {
  readonly name: string;
  readonly role: OperatorRole;
  /** 12 to 200 characters. */
  readonly password: string;
}

export interface OperatorPage {
  /** In name order. */
  readonly operators: readonly Operator[];
  readonly next: string | null;
}

/** `POST /v1/admin/sessions`, no token needed: an operator's name and password for a session token. */
export interface SignInRequest {
  readonly name: string;
  readonly password: string;
}

/** A session token (`Authorization: Bearer <token>` on admin requests) until `expiresAt`; signed by the server, kept nowhere. */
export interface SignInResult {
  readonly token: string;
  readonly expiresAt: number;
  readonly operator: Operator;
}

/** `GET /v1/admin/me`: who the bearer token acts as. */
export interface Principal {
  readonly name: string;
  readonly role: OperatorRole;
  /** `admin-token`: the node's admin token (automation); `session`: an operator's session. */
  readonly via: "admin-token" | "session";
}

/** `POST /v1/admin/program/validate`: the body is a program definition; nothing is stored. Problems come as a BAD_REQUEST with `details.problems`. */
export interface ProgramValidation {
  readonly valid: true;
}

/** One problem of a refused program document: the path of the field (`statuses.levels[1].threshold`, `$` for the whole) and what is wrong. */
export interface ProgramProblem {
  readonly path: string;
  readonly message: string;
}

/** The event kinds of the outbox (docs/notifications.md). */
export type WebhookEventKind = "points.accrued" | "status.changed" | "receipt.cancelled" | "class.changed" | "level.reached" | "card.blocked" | "card.replaced" | "points.expiring" | "discount.lapsing" | "class.lapsing" | "survey.invitation" | "survey.reward" | "campaign.accrued";

/** `POST /v1/admin/webhooks`: an endpoint the gateway delivers events to. */
export interface CreateWebhookRequest {
  readonly id: string;
  /** http:// or https:// */
  readonly url: string;
  readonly kinds: readonly WebhookEventKind[];
  /** Kept as given; the key of the deliveries' HMAC-SHA256 signatures (16 to 256 characters). */
  readonly secret: string;
  /** An SMS or e-mail sender behind the endpoint: deliveries carry the rendered message and the member's consent. */
  readonly channel?: "sms" | "email";
}

/** A card change recorded on the member's account (history entry `card`, and its event). */
export interface CardChangeResult {
  readonly member: string;
  readonly card: string;
  readonly action: "blocked" | "replaced";
  /** The member's operation sequence of the change (its history entry's). */
  readonly sequence: number;
}

/** An endpoint as the admin API shows it: never its secret. */
export interface WebhookView {
  readonly id: string;
  readonly url: string;
  readonly kinds: readonly WebhookEventKind[];
  readonly paused: boolean;
  /** A disabled endpoint takes no new events and delivers nothing; what it had queued waits for it to be enabled. */
  readonly disabled: boolean;
  readonly createdAt: number;
  /** When the secret was last rotated (absent: never). */
  readonly secretRotatedAt?: number;
  /** Until when deliveries are also signed with the secret before the rotation (absent: no overlap now). */
  readonly previousSecretExpiresAt?: number;
  /** The channel of the messages behind this endpoint: its deliveries carry a `message` (absent: plain events). */
  readonly channel?: "sms" | "email";
}

/** A message template: the text an event of `kind` renders to for `channel` (docs/notifications.md, "Messages and consent"). */
export interface MessageTemplate {
  readonly kind: WebhookEventKind;
  readonly channel: "sms" | "email";
  /** With variables such as {{name}} and the event's fields, {{points}}. */
  readonly text: string;
  readonly updatedAt: number;
}

export interface MessageTemplateList {
  readonly templates: readonly MessageTemplate[];
}

/** `PUT /v1/admin/templates/{kind}/{channel}`. */
export interface SetMessageTemplateRequest {
  readonly text: string;
}

/** The `message` a delivery to an endpoint with a channel carries. */
export interface WebhookMessage {
  readonly channel: "sms" | "email";
  /** Whether the member consents to messages by this channel now; false: send nothing (`to` and `text` are null). */
  readonly consent: boolean;
  /** The member's phone (sms) or e-mail; null when none or without consent. */
  readonly to: string | null;
  /** The kind's template for the channel, rendered; null when there is none or without consent. */
  readonly text: string | null;
}

/** `PUT /v1/admin/webhooks/{id}`: the fields given change, the others stay (`channel` null: none). */
export interface UpdateWebhookRequest {
  readonly url?: string;
  readonly kinds?: readonly WebhookEventKind[];
  readonly channel?: "sms" | "email" | null;
}

/** `POST /v1/admin/webhooks/{id}/secret`: a new secret; the old one also signs deliveries for `overlapSeconds` (default a day). */
export interface RotateWebhookSecretRequest {
  readonly secret: string;
  readonly overlapSeconds?: number;
}

export interface WebhookList {
  readonly webhooks: readonly WebhookView[];
}

/** One event's delivery to one endpoint, as the gateway is working on it or last finished it. */
export interface WebhookDelivery {
  readonly event: string;
  readonly kind: string;
  readonly member: string;
  readonly state: "retrying" | "in flight" | "delivered" | "dead";
  readonly attempts: number;
  readonly lastError: string | null;
  /** When the next attempt goes (retrying), else null. */
  readonly nextAttemptAt: number | null;
  readonly at: number;
}

/** `GET /v1/admin/webhooks/{id}/deliveries`: what is being delivered now, and the latest outcomes, newest first. */
export interface WebhookDeliveries {
  readonly current: readonly WebhookDelivery[];
  readonly recent: readonly WebhookDelivery[];
}

/** A dead letter: an event its endpoint failed the attempts max for. */
export interface WebhookDeadLetter {
  readonly event: string;
  readonly kind: string;
  readonly member: string;
  readonly at: number;
  readonly data: Readonly<Record<string, unknown>>;
  readonly attempts: number;
  readonly failedAt: number;
  readonly error: string;
}

export interface WebhookDeadLetterPage {
  readonly deadLetters: readonly WebhookDeadLetter[];
  /** The `after` of the next page; null: no more. */
  readonly next: string | null;
}

/** `POST /v1/admin/segments/preview`: how many members a segment holds now, and some of them (docs/campaigns.md, "Previews"). */
export interface SegmentPreview {
  /** The segment previewed, or null for a condition given as is. */
  readonly segment: string | null;
  /** Members the condition holds for now, of those scanned. */
  readonly members: number;
  readonly scanned: number;
  /** The first members found (logical shard order, then member id), at most the sample asked for. */
  readonly sample: readonly string[];
  /** false: the sweep stopped at its limit of members scanned, so `members` counts only those. */
  readonly complete: boolean;
}

/** `POST /v1/admin/segments/preview-jobs` and `GET /v1/admin/segments/preview-jobs/{id}`: a segment preview running in the background, with its progress so far. */
export interface SegmentPreviewJob extends SegmentPreview {
  readonly id: string;
  readonly state: "running" | "done" | "failed";
  /** Logical shards counted whole, of `logicalShardsTotal` (256): `members`, `scanned` and `sample` are so far. */
  readonly logicalShardsDone: number;
  readonly logicalShardsTotal: number;
  /** A failed job's error. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** One receipt of a member priced again without and with a draft campaign. */
export interface CampaignPreviewReceipt {
  readonly receipt: string;
  readonly store: string;
  readonly at: number;
  /** Under the stored campaigns. */
  readonly without: { readonly points: number; readonly discount: number };
  /** Under the stored campaigns and the draft, its rules. */
  readonly with: { readonly points: number; readonly discount: number; readonly rules: readonly { readonly rule: string; readonly effect: string; readonly basisPoints?: number; readonly points?: number }[] };
}

/** `POST /v1/admin/campaigns/preview` with `lastReceipts`: the member's last receipts, newest first, and what the draft adds to them. */
export interface CampaignHistoryPreview {
  readonly member: string;
  readonly receipts: readonly CampaignPreviewReceipt[];
  readonly addedPoints: number;
  readonly addedDiscount: number;
}

/** `GET /v1/admin/campaigns/{id}/budget`: what a campaign with a budget has given, net of returns, in all and by shard thread. */
export interface CampaignBudgetView {
  readonly campaign: string;
  /** The points budget; null: none (a campaign with only a discount budget). */
  readonly budgetPoints: number | null;
  /** Points given, net of returns. */
  readonly given: number;
  /** The discount budget, minor units; absent: none. */
  readonly budgetDiscount?: number;
  /** Discount given, net of returns, minor units; with `budgetDiscount`. */
  readonly discountGiven?: number;
  /** Per shard thread: its share of each budget and what its logical shards gave (`discountShare`, `discountGiven` with a discount budget). */
  readonly shards: readonly {
    readonly shard: number;
    readonly share: number;
    readonly given: number;
    readonly discountShare?: number;
    readonly discountGiven?: number;
  }[];
}

/** `POST /v1/admin/campaigns/{id}/coupons`: the codes issued (docs/campaigns.md, "Coupons"). */
export interface CouponIssue {
  readonly campaign: string;
  readonly uses: number;
  readonly validUntil: number | null;
  /** Each code and the member it was issued to (null: anyone). */
  readonly coupons: readonly { readonly code: string; readonly member: string | null }[];
}

/** `GET /v1/admin/coupons/{code}`: a coupon as it stands. */
export interface CouponView {
  readonly code: string;
  readonly campaign: string;
  readonly member: string | null;
  readonly uses: number;
  /** Receipts using it now (a cancel gives its use back). */
  readonly used: number;
  readonly validUntil: number | null;
  /** The revoke that withdrew it (its client id and time); absent: not revoked. */
  readonly revoked?: { readonly id: string; readonly at: number };
  /** Revoked, else past validUntil (at the time of the read), else used up, else active. */
  readonly state: "active" | "usedUp" | "expired" | "revoked";
  /** Uses left: uses - used (0 when revoked). */
  readonly usesLeft: number;
  /** The receipts using it now, in (store, receipt) order: at most 100 for one coupon, 5 in a list (`usedByComplete` false when there are more). */
  readonly usedBy: readonly { readonly store: string; readonly receipt: string; readonly member: string }[];
  readonly usedByComplete: boolean;
}

/** `GET /v1/admin/campaigns/{id}/coupons`: a page of a campaign's coupons, in (logical shard, code) order; `next` continues it (null: no more). */
export interface CouponPage {
  readonly campaign: string;
  readonly coupons: readonly CouponView[];
  /** The cursor of the next page (`after`); null: every logical shard has been read. */
  readonly next: string | null;
}

/** `POST /v1/admin/coupons/{code}/revoke`: the revoke (a repeat of the same id answers the same); `alreadyRevoked`: another revoke had withdrawn it first (its id and time are given). */
export interface CouponRevoked {
  readonly code: string;
  readonly revoked: { readonly id: string; readonly at: number };
  readonly alreadyRevoked: boolean;
}

/** `POST /v1/admin/campaigns/{id}/coupons/segment` and `GET /v1/admin/coupon-jobs/{id}`: one personal code per member of a segment, swept over every logical shard. */
export interface SegmentCouponJob {
  readonly id: string;
  readonly campaign: string;
  readonly segment: string;
  readonly state: "running" | "done" | "failed";
  /** Logical shards swept whole, of `logicalShardsTotal` (256). */
  readonly logicalShardsDone: number;
  readonly logicalShardsTotal: number;
  readonly scanned: number;
  /** Members found in the segment. */
  readonly matched: number;
  /** Codes made by this sweep (members who had one already keep it and are not counted). */
  readonly created: number;
  /** A failed job's error: its code and message. */
  readonly error?: { readonly code: string; readonly message: string };
}
