/**
 * The loyalty program document, version 2 of its shape (the "loyalty program
 * engine"). One JSON document configures everything a shard computes with;
 * docs/program.md explains every field with examples.
 *
 * Conventions: money is integer minor units; rates are basis points
 * (10,000 = 100 %); ids are short strings unique within their list and are
 * what results cite to explain a receipt ("status:silver", "rule:sold-5000").
 */

/** Which counter a threshold reads. `sold`: billed before loyalty discounts; `paid`: paid with money; `visits`: committed receipts. */
export type CounterName = "sold" | "paid" | "visits";

/** Calendar periods in the program's time zone, or consecutive N-day periods from an anchor date. */
export type PeriodDefinition =
  | { readonly kind: "month" }
  | { readonly kind: "quarter" }
  | { readonly kind: "year" }
  | {
      readonly kind: "rollingDays";
      readonly days: number;
      /** First day of the first period, YYYY-MM-DD, local to the program's time zone. */
      readonly anchorDate: string;
    };

export interface PointsDefinition {
  /** Points per 10,000 minor units paid with money, rounded down, when no status level sets its own rate. */
  readonly accrualRateBasisPoints: number;
  /** Largest share of a receipt (after discounts) that points may pay. */
  readonly maxRedeemShareBasisPoints: number;
  /** Minor units one point pays for. */
  readonly pointValueMinor: number;
  /**
   * What points accrue on: `paidWithMoney` (default), the amount paid with
   * money, never what was paid with points; `afterDiscount`, the amount after
   * loyalty discounts, including what points paid.
   */
  readonly accrualBase: "paidWithMoney" | "afterDiscount";
  /** Days accrued points stay pending (shown, not spendable) because goods may come back; 0: at once. */
  readonly pendingDays: number;
  /** Days accrued points live before they expire; null: they never expire. */
  readonly lifetimeDays: number | null;
  /**
   * A return whose accrued points were already spent: `debt` puts the member
   * in debt that later accruals repay; `refuse` refuses the return with a code.
   */
  readonly returnPolicy: "debt" | "refuse";
  /** How long a hold (`calculate` with `hold: true`) reserves points before it lapses. */
  readonly holdMinutes: number;
}

export interface StatusLevel {
  readonly id: string;
  readonly name: string;
  /**
   * The level is held in a period when the member's counter in the previous
   * period was MORE than this (Loymax: "exceed the threshold"). Ignored for
   * the entry level, which is held by default.
   */
  readonly threshold: number;
  /** Discount on the whole receipt. */
  readonly discountBasisPoints: number;
  /** Accrual rate while at this level; the program's rate when absent. */
  readonly accrualRateBasisPoints?: number;
  /** "N bonus points on every k-th purchase": k counts committed receipts within the current period. */
  readonly bonus?: { readonly everyPurchases: number; readonly points: number };
}

export interface StatusSystem {
  /** The period counter the thresholds read: `sold` or `paid`. */
  readonly counter: "sold" | "paid";
  /** The level of new members and of members who met no threshold in the previous period: the first (lowest) level. */
  readonly entryLevel: string;
  /** Ordered from lowest to highest; thresholds must increase. */
  readonly levels: readonly StatusLevel[];
}

/** "Sold from X -> Y %", "paid from X -> Y %", "visits from N -> Y %", on lifetime counters. */
export interface DiscountRule {
  readonly id: string;
  readonly counter: CounterName;
  /** The rule holds when the lifetime counter is at least this. */
  readonly from: number;
  readonly discountBasisPoints: number;
}

/** A criterion of an importance class: the lifetime counter is at least `from`. */
export interface ClassCriterion {
  readonly counter: CounterName;
  readonly from: number;
}

export interface ImportanceClass {
  readonly id: string;
  readonly name: string;
  /** Higher rank wins when several classes hold ("Gold" over "Silver"). */
  readonly rank: number;
  /** The class holds when ANY criterion holds. */
  readonly criteria: readonly ClassCriterion[];
  /** Discount the class gives, if any. */
  readonly discountBasisPoints: number;
}

export interface ClassSystem {
  readonly classes: readonly ImportanceClass[];
  /** A class is removed when the member has not visited for more than this many days; null: never. */
  readonly lapseAfterDaysWithoutVisit: number | null;
}

/**
 * What a category rule tests. Counters are lifetime totals, as in discount
 * rules and classes. `visitStatus` holds while the member's last `reportVisit`
 * event had that status. Membership is state: a member stays in a category
 * until a remove rule takes them out (the seed's "auto-add" / "auto-remove").
 */
export type CategoryCondition =
  | { readonly counter: CounterName; readonly from: number }
  | { readonly daysWithoutVisitMoreThan: number }
  | { readonly visitStatus: "came" | "didNotCome" }
  | { readonly inCategory: string }
  | { readonly hasClass: string };

export interface CategoryRule {
  readonly id: string;
  /** `add` puts the member in the category when the condition holds; `remove` takes them out. */
  readonly action: "add" | "remove";
  readonly category: string;
  readonly when: CategoryCondition;
}

export interface Category {
  readonly id: string;
  readonly name: string;
  /** Discount membership gives, if any. */
  readonly discountBasisPoints: number;
}

/**
 * How discounts combine. The sources are: the status level, each holding
 * discount rule, the importance class, each category with a discount, and the
 * type of the card presented. `largest`: the largest source;
 * `sum`: every source added, capped at capBasisPoints.
 */
export type DiscountPolicy =
  | { readonly kind: "largest" }
  | { readonly kind: "sum"; readonly capBasisPoints: number };

export interface LinePolicy {
  /** No line gets more than this share of its amount off (discounts and points together). */
  readonly maxDiscountBasisPoints: number;
  /** SKUs that get no discount and cannot be paid with points (tobacco, for example). */
  readonly noDiscountSkus: readonly string[];
  /** SKUs that earn no points. */
  readonly noPointsSkus: readonly string[];
}

/**
 * A card type (the card's static parameters): what a receipt presented with a card of this type gets
 * besides the member's standing. A member's cards each have a type or none; identified by phone, a
 * receipt gets no card type's effects.
 */
export interface CardType {
  readonly id: string;
  readonly name: string;
  /** A discount source "card:<id>" for such a receipt, combined by the discount policy like the others (0: none). */
  readonly discountBasisPoints: number;
  /** Added to the member's accrual rate for such a receipt (0: none). */
  readonly extraAccrualBasisPoints: number;
  /** false: such a receipt cannot be paid with points (REDEEM_NOT_ALLOWED). */
  readonly mayPayWithPoints: boolean;
}

/**
 * A level reached by the member's active points (issue 12, "member levels"): reached when the active
 * points reach `threshold`, held for `validityDays` from then (null: until a higher level), and on
 * reaching it the balance changes once by `pointsOnReach` (a credit, or a debit such as the threshold
 * consumed).
 */
export interface PointLevel {
  readonly id: string;
  readonly name: string;
  /** Active points, at least 1; levels go from lowest to highest. */
  readonly threshold: number;
  readonly validityDays: number | null;
  /** Points credited (> 0) or debited (< 0, at most the threshold) once on reaching the level; 0: none. */
  readonly pointsOnReach: number;
}

export interface PointLevelSystem {
  readonly levels: readonly PointLevel[];
}

/**
 * Where points may pay (issue 12): points carry the partner that issued them. "anywhere": at every
 * partner's store (one coalition); "issuerOnly": only at the issuer's own stores; "pairs": at the
 * issuer's stores and at each redeemer a pair names for that issuer. Points without an issuer (admin
 * adjustments) pay anywhere.
 */
export type CoalitionPolicy =
  | { readonly redemption: "anywhere" }
  | { readonly redemption: "issuerOnly" }
  | { readonly redemption: "pairs"; readonly pairs: readonly { readonly issuer: string; readonly redeemer: string }[] };

export interface ProgramDefinition {
  readonly name: string;
  /** IANA time zone of the program's calendar, e.g. "Europe/Moscow". */
  readonly timeZone: string;
  readonly period: PeriodDefinition;
  readonly points: PointsDefinition;
  readonly statuses: StatusSystem | null;
  readonly discountRules: readonly DiscountRule[];
  /** "Did not visit for more than D days -> the rules' discount becomes 0"; null: never. */
  readonly discountLapseAfterDaysWithoutVisit: number | null;
  readonly classes: ClassSystem | null;
  readonly categories: readonly Category[];
  readonly categoryRules: readonly CategoryRule[];
  readonly discountPolicy: DiscountPolicy;
  readonly lines: LinePolicy;
  /** Card types; a program saved before card types existed has none (read as []). */
  readonly cardTypes: readonly CardType[];
  /** Where points may pay; a program saved before it existed is "anywhere". */
  readonly coalition: CoalitionPolicy;
  /** Levels by active points; null: none (a program saved before them has none). */
  readonly pointLevels: PointLevelSystem | null;
  /** Reminder events N days ahead (docs/notifications.md); absent: none (the program shows no such section). */
  readonly reminders?: ReminderSettings;
}

/** How many days ahead each reminder event is written; null: that reminder is not sent. */
export interface ReminderSettings {
  /** `points.expiring`: a lot's points expire in this many days. */
  readonly pointsExpiringDays: number | null;
  /** `discount.lapsing`: the rules' discount lapses (no visit) in this many days. */
  readonly discountLapsingDays: number | null;
  /** `class.lapsing`: the importance class lapses (no visit) in this many days. */
  readonly classLapsingDays: number | null;
}

/** The program document's top-level sections, in the order docs/program.md describes them (the validator's known fields, the console's editor sections). */
export const PROGRAM_SECTIONS = [
  "name",
  "timeZone",
  "period",
  "points",
  "statuses",
  "discountRules",
  "discountLapseAfterDaysWithoutVisit",
  "classes",
  "categories",
  "categoryRules",
  "discountPolicy",
  "lines",
  "cardTypes",
  "pointLevels",
  "coalition",
  "reminders",
] as const satisfies readonly (keyof ProgramDefinition)[];

/** A stored program: the definition and the version the control store gave it. */
export interface Program extends ProgramDefinition {
  readonly version: number;
}
