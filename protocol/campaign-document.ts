/**
 * The campaigns document: named segments and the campaigns that use them
 * (issue 13, receipt mechanics). One document holds the whole set; the
 * control store versions it as it versions the program, and every shard
 * swaps it atomically. docs/campaigns.md explains every field.
 *
 * Conventions as in the program document: money in integer minor units,
 * rates in basis points, ids cited in a receipt's rules ("campaign:<id>").
 */

/** Numeric facts a segment condition may compare, read from what the shard holds at the receipt's time. */
export type SegmentFact =
  | "daysSinceRegistration"
  | "age"
  | "birthMonth"
  | "birthDay"
  | "lifetimeSold"
  | "lifetimePaid"
  | "lifetimeVisits"
  | "periodSold"
  | "periodPaid"
  | "periodVisits"
  | "pointsBalance"
  | "daysSinceLastVisit";

/**
 * A segment condition: exactly one shape.
 * - `{ fact, atLeast?, atMost? }`: the fact is within the inclusive bounds (at least one given); a
 *   fact the member lacks (no birth date) makes it false.
 * - `{ status: [ids] }`, `{ importanceClass: [ids] }`, `{ cardType: [ids] }`: the member's status
 *   level, class, or the type of the card presented is one of them.
 * - `{ inCategory: id }`: the member is in the category.
 * - `{ answeredSurvey: id, question?, option? }`: the member answered the survey (docs/surveys.md); with
 *   `question` (a question id), answered that question; with `option` too, chose that option index (a
 *   single or multiple choice) or gave that value (a scale).
 * - `{ all: [...] }`, `{ any: [...] }`, `{ not: condition }`.
 */
export type SegmentCondition =
  | { readonly fact: SegmentFact; readonly atLeast: number | null; readonly atMost: number | null }
  | { readonly status: readonly string[] }
  | { readonly importanceClass: readonly string[] }
  | { readonly cardType: readonly string[] }
  | { readonly inCategory: string }
  | { readonly answeredSurvey: string; readonly question: string | null; readonly option: number | null }
  | { readonly all: readonly SegmentCondition[] }
  | { readonly any: readonly SegmentCondition[] }
  | { readonly not: SegmentCondition };

export interface Segment {
  readonly id: string;
  readonly name: string;
  readonly when: SegmentCondition;
}

export type CampaignState = "draft" | "active" | "paused" | "ended";

/** An instant: epoch milliseconds, or a date "YYYY-MM-DD" in the program's time zone. */
export type CampaignInstant = number | string;

/**
 * Extra points on a receipt: exactly one of `rateBasisPoints` (of what the earning lines paid, as
 * the program's accrual) or `fixedPoints` (per receipt). `skus`: only those lines count (a fixed
 * amount needs one of them on the receipt); `receiptTotalAtLeast`: only receipts of at least this
 * total; `everyPurchases`: only the k-th, 2k-th, ... purchase (docs/campaigns.md says which purchases count).
 */
export interface PointsMechanic {
  readonly kind: "points";
  readonly rateBasisPoints: number | null;
  readonly fixedPoints: number | null;
  readonly skus: readonly string[] | null;
  readonly receiptTotalAtLeast: number | null;
  readonly everyPurchases: number | null;
}

/** An extra discount on lines (those with `skus` only, when given), within the per-line caps. */
export interface DiscountMechanic {
  readonly kind: "discount";
  readonly basisPoints: number;
  readonly skus: readonly string[] | null;
}

export type CampaignMechanic = PointsMechanic | DiscountMechanic;

/** What makes a trigger fire (docs/campaigns.md, "Triggers"). */
export type TriggerKind = "birthday" | "registrationAnniversary" | "enrolment" | "statusReached" | "oneTime";

/**
 * Points a campaign accrues when something happens to a member rather than on
 * a receipt: a date of the member (birthday, registration anniversary), the
 * enrolment, a status reached, or a one-time date for the whole audience.
 * Each fires at most once per campaign and member (per year for the dates).
 */
export interface CampaignTrigger {
  readonly kind: TriggerKind;
  readonly points: number;
  /** Days the points live; absent: the campaign's `pointsLifetimeDays`, else the program's lifetime. */
  readonly lifetimeDays?: number;
  /** statusReached only: the status level whose reaching fires it. */
  readonly status?: string;
  /** oneTime only: the local date "YYYY-MM-DD" it accrues on. */
  readonly date?: string;
}

export interface Campaign {
  readonly id: string;
  readonly name: string;
  /** Inclusive start. */
  readonly start: CampaignInstant;
  /** Exclusive end as epoch ms; a date means the end of that local day. */
  readonly end: CampaignInstant;
  readonly state: CampaignState;
  /** The partner that funds it ("" : the program's operator). */
  readonly partner: string;
  /** A segment id; null: everyone. */
  readonly audience: string | null;
  readonly mechanics: readonly CampaignMechanic[];
  /**
   * The most points the campaign gives in all (net of returns); absent: no
   * budget. Split into conservative shares by logical shard, so it is never
   * exceeded (docs/campaigns.md, "Budgets").
   */
  readonly budgetPoints?: number;
  /**
   * The most discount, minor units, the campaign's discount mechanics give in
   * all (net of returns); absent: no budget. Split into shares as
   * `budgetPoints` (docs/campaigns.md, "Budgets").
   */
  readonly budgetDiscount?: number;
  /** Days the campaign's points live (their lot's expiry, counted from the accrual as the program's); absent: the program's lifetime. */
  readonly pointsLifetimeDays?: number;
  /** true: the campaign applies only to receipts presenting one of its coupons (docs/campaigns.md, "Coupons"); absent: to every receipt. */
  readonly couponOnly?: true;
  /** Points accrued on an event or a date rather than a receipt (docs/campaigns.md, "Triggers"); absent: none. A campaign with a trigger may have no mechanics. */
  readonly trigger?: CampaignTrigger;
}

export interface CampaignsDefinition {
  readonly segments: readonly Segment[];
  readonly campaigns: readonly Campaign[];
}

/** A stored campaigns document: the definition and the version the control store gave it. */
export type CampaignSet = CampaignsDefinition & { readonly version: number };
