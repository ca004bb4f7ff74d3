/**
 * The loycore protocol, version 1, as TypeScript types: requests and results
 * of every operation, field for field as docs/protocol.md states them. These
 * are the shapes on the wire (inside the MessagePack map, next to `id`, `op`
 * and `ok`), so a field renamed here is a protocol change, not a refactoring.
 *
 * Money is integer minor units, points are integers, time is epoch
 * milliseconds (see "Conventions" in docs/protocol.md).
 */

/** Find a member by card number. `phone` must then be absent: the protocol wants exactly one. */
export interface ByCard {
  readonly card: string;
  readonly phone?: never;
}

/** Find a member by phone number (5 to 15 digits, optional leading `+`). `card` must then be absent. */
export interface ByPhone {
  readonly phone: string;
  readonly card?: never;
}

/** Exactly one of `card` or `phone`, as `identify`, `balance`, `calculate` and `commit` require. */
export type MemberKey = ByCard | ByPhone;

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

export type PingRequest = Record<string, never>;

export type IdentifyRequest = MemberKey;

export type BalanceRequest = MemberKey & {
  /** With the open point lots. */
  readonly detail?: boolean;
};

export interface ReceiptLineInput {
  readonly sku: string;
  /** A count or a weight, greater than 0; may be fractional. */
  readonly qty: number;
  /** Unit price, integer minor units >= 0. */
  readonly price: number;
  /** What the line is billed before loyalty discounts, integer minor units >= 0. */
  readonly amount: number;
  /** This line takes no discount and cannot be paid with points (the program may also list its SKU). */
  readonly noDiscount?: boolean;
  /** This line earns no points. */
  readonly noPoints?: boolean;
}

export interface ReceiptInput {
  /** The POS's receipt id: with the terminal's store, the idempotency key of `commit`. */
  readonly id: string;
  /** If present, must be the terminal's store. */
  readonly store?: string;
  /** Epoch milliseconds. Lanes that retry a `commit` must send it (a retry without `at` is a conflict). */
  readonly at?: number;
  /** 1 to 500 lines. */
  readonly lines: readonly ReceiptLineInput[];
}

export type CalculateRequest = MemberKey & {
  readonly receipt: ReceiptInput;
  /** Points the customer wants to pay with; 0 when absent. */
  readonly redeem?: number;
  /** Reserve the redeemed points until this receipt's commit or cancel (or the program's hold time). */
  readonly hold?: boolean;
  /** A coupon code a campaign issued (docs/campaigns.md, "Coupons"): checked here, used by `commit`. */
  readonly coupon?: string;
};

/** `commit` takes the same fields as `calculate`, without `hold`. */
export type CommitRequest = MemberKey & {
  readonly receipt: ReceiptInput;
  readonly redeem?: number;
  /** The money paid now, minor units, when the receipt is paid in part (at most its payable); absent: paid in full. */
  readonly paid?: number;
  /** A coupon code: used once by this receipt (a retry finds its own use), given back by its cancel. */
  readonly coupon?: string;
};

/** Money paid later toward a receipt paid in part. The card or phone may be left out (found by the receipt). */
export interface PaymentRequest {
  readonly card?: string;
  readonly phone?: string;
  readonly payment: {
    /** With the terminal's store, the payment's idempotency key. */
    readonly id: string;
    readonly receipt: string;
    /** Minor units, more than 0, at most what the receipt owes. */
    readonly amount: number;
    /** Epoch ms; the period it counts in. The server's time when absent. */
    readonly at?: number;
  };
}

export interface PaymentResult {
  readonly member: string;
  readonly payment: string;
  readonly receipt: string;
  readonly amount: number;
  /** What the receipt still owes after this payment. */
  readonly unpaid: number;
}

/**
 * Voids a committed receipt of this store whole, or releases its hold. The card or phone may be left out:
 * the gateway then finds the member by the receipt.
 */
export interface CancelRequest {
  readonly card?: string;
  readonly phone?: string;
  readonly receipt: string;
}

/** Returns part of a committed receipt by line (line index in the receipt, quantity returned). */
export type RefundRequest = {
  readonly card?: string;
  readonly phone?: string;
  readonly refund: {
    readonly id: string;
    readonly receipt: string;
    readonly lines: readonly { readonly line: number; readonly qty: number }[];
  };
};

export interface EnrollRequest {
  readonly card: string;
  readonly phone?: string;
  /** Up to 200 characters. */
  readonly name?: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate?: string;
  /** Up to 254 characters, `name@example.com`; stored as given, searched lower-cased. Never shown to lanes. */
  readonly email?: string;
  /** Consent to communications by channel; absent channels are false. */
  readonly consent?: Partial<Consent>;
}

/** A member's consent to communications by channel; a member who said nothing consented to none. */
export interface Consent {
  readonly sms: boolean;
  readonly email: boolean;
}

// ---------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------

export interface PingResult {
  /** The server's time, epoch milliseconds. */
  readonly at: number;
}

/** A status level, importance class or category: its program id and display name. */
export interface NamedRef {
  readonly id: string;
  readonly name: string;
}

/** A discount source the program applied: "status:<id>", "rule:<id>", "class:<id>", "category:<id>". */
export interface DiscountSource {
  readonly rule: string;
  readonly basisPoints: number;
}

export interface IdentifyResult {
  readonly member: string;
  /** The card presented; found by phone, the card the member enrolled with. */
  readonly card: string;
  /** The program card type of the card presented (cardTypes id); null: found by phone, or an untyped card. */
  readonly cardType: string | null;
  /** Masked for lanes: "+7900*****67". */
  readonly phone: string | null;
  readonly name: string | null;
  readonly balance: number;
  /** The status level of the current period, or null when the program has no statuses. */
  readonly status: NamedRef | null;
  readonly importanceClass: NamedRef | null;
  readonly categories: readonly NamedRef[];
  /** The receipt discount the member gets now. */
  readonly discountBasisPoints: number;
  /** When the rules' discount lapses without a visit, epoch ms; null if it does not. */
  readonly discountLapsesAt: number | null;
  /** When the importance class lapses without a visit, epoch ms; null if it does not. */
  readonly classLapsesAt: number | null;
  /** The level by active points held (program pointLevels) and until when; null: none. */
  readonly pointLevel: PointLevelHeld | null;
  /** A family member: the family whose pool `balance` is. */
  readonly family?: string;
  /** The partner of the terminal's store when its own program gives the standing above; absent: the coalition program. */
  readonly programPartner?: string;
}

/** A level by active points a member holds: its id, name, and when it lapses (null: until a higher one). */
export interface PointLevelHeld {
  readonly id: string;
  readonly name: string;
  readonly expiresAt: number | null;
}

export interface PointLot {
  readonly id: number;
  readonly source: "receipt" | "bonus" | "adjustment" | "campaign" | "transfer" | "survey";
  readonly reference: string;
  readonly partner: string;
  readonly points: number;
  readonly remaining: number;
  readonly held: number;
  readonly accruedAt: number;
  readonly activatesAt: number;
  readonly expiresAt: number | null;
}

export interface BalanceResult {
  readonly member: string;
  /** Points that can be spent now. */
  readonly balance: number;
  readonly active: number;
  /** Accrued, not spendable until their pending window ends. */
  readonly pending: number;
  /** Reserved by holds. */
  readonly held: number;
  /** Owed after returns of points already spent; later accruals repay it. */
  readonly debt: number;
  /** With `detail: true` (a family member's: the pool's lots, each with the member who earned it, `origin`). */
  readonly lots?: readonly (PointLot & { readonly origin?: string | null })[];
  /** A family member: the family whose pool these points are. */
  readonly family?: string;
}

/** What a cancel or a refund gave back and took back. */
export interface ReversalResult {
  readonly member: string;
  readonly receipt: string;
  readonly lines: readonly { readonly line: number; readonly qty: number; readonly amount: number; readonly points: number; readonly pointsReturned: number }[];
  /** Points the receipt had accrued, taken back. */
  readonly pointsRevoked: number;
  /** Points the receipt had redeemed, given back to their lots. */
  readonly pointsReturned: number;
  /** Of the points taken back, those already spent that became debt. */
  readonly debtAdded: number;
  readonly balance: number;
}

export interface CancelResult extends Partial<Omit<ReversalResult, "member" | "receipt" | "balance">> {
  readonly member: string;
  readonly receipt: string;
  /** "receipt": a committed receipt was voided; "hold": only its hold was released. */
  readonly cancelled: "receipt" | "hold";
  readonly balance: number;
  /** The coupon the receipt presented, whose use the cancel gave back (docs/campaigns.md, "Coupons"); absent: none. */
  readonly coupon?: string;
}

export interface RefundResult extends ReversalResult {
  readonly refund: string;
}

/** One line of the calculated answer. Each column sums exactly to the receipt total of the same name. */
export interface CalculatedLine {
  readonly sku: string;
  readonly amount: number;
  readonly discount: number;
  /** Minor units of this line paid with points. */
  readonly pointsPaid: number;
  /** `amount - discount - pointsPaid`: paid with money. */
  readonly payable: number;
  readonly points: number;
}

/** A rule that changed the answer, so a POS or a marketer can explain a receipt. */
export interface AppliedRule {
  /** "status:<level>", "rule:<id>", "class:<id>", "category:<id>", "card:<id>", "campaign:<id>", or "program" for the base rate. */
  readonly rule: string;
  readonly effect: "discount" | "accrual" | "bonus";
  readonly basisPoints?: number;
  readonly points?: number;
}

export interface CalculateResult {
  readonly member: string;
  /** The receipt id of the request. */
  readonly receipt: string;
  /** In the order of the request's lines; discounts and points sum exactly to the totals. */
  readonly lines: readonly CalculatedLine[];
  /** Sum of line amounts. */
  readonly total: number;
  /** Sum of line discounts, minor units. */
  readonly discount: number;
  /** Sum paid with points, minor units: `redeem x pointValue`. */
  readonly pointsPaid: number;
  /** Points this receipt accrues, bonus included. */
  readonly points: number;
  /** Of `points`, the status bonus. */
  readonly bonusPoints: number;
  /** Most points this receipt can take (balance, the program's share, line caps). */
  readonly redeemable: number;
  /** Points applied. */
  readonly redeem: number;
  /** `total - discount - pointsPaid`: what the customer pays with money. */
  readonly payable: number;
  /** The receipt discount rate applied. */
  readonly discountBasisPoints: number;
  /** The rules that produced the answer. */
  readonly rules: readonly AppliedRule[];
  /** With `hold: true`: the points reserved and when the hold lapses. */
  readonly hold?: { readonly points: number; readonly expiresAt: number };
  /** In a `calculate` answer, the balance before this receipt; in a `commit` answer, after it. */
  readonly balance: number;
  readonly programVersion: number;
  /** The campaigns version that priced the receipt; absent while no campaigns document exists (docs/campaigns.md). */
  readonly campaignsVersion?: number;
  /** The partner of the terminal's store when its own program priced the receipt (`programVersion` is then that program's version); absent: the coalition program (docs/program.md, "Partners' own programs"). */
  readonly programPartner?: string;
}

export interface CommitResult extends CalculateResult {
  /** The transaction id, `<member>-<sequence>`. */
  readonly transaction: string;
  /** A receipt paid in part (`paid` less than `payable`): what it still owes; later `payment`s lower it. */
  readonly unpaid?: number;
  /** The level by active points this commit reached, and the points it credited (> 0) or debited (< 0). */
  readonly pointLevelReached?: { readonly id: string; readonly name: string; readonly points: number };
  /** A family member's receipt: the family whose pool took its points; `balance` is then the pool's. */
  readonly family?: string;
}

/**
 * The new member as a lane sees it: the phone masked, no birth date.
 */
export interface EnrollResult {
  readonly member: string;
  readonly card: string;
  /** Masked: "+7900*****67". */
  readonly phone: string | null;
  readonly name: string | null;
  readonly balance: number;
  readonly status: NamedRef | null;
}

export interface ReportVisitRequest {
  readonly card?: string;
  readonly phone?: string;
  /** `id`: idempotency key with the terminal's store; `status`: what happened; `at`: epoch ms. */
  readonly visit: { readonly id: string; readonly status: "came" | "didNotCome"; readonly at?: number };
}

export interface ReportVisitResult {
  readonly member: string;
  readonly visit: string;
  readonly status: "came" | "didNotCome";
  /** Category ids after the event. */
  readonly categories: readonly string[];
}

/** A new card for the member the card or phone names (a lane's card desk). */
export type IssueCardOperationRequest = MemberKey & {
  readonly issue: { readonly card: string; readonly type?: string | null; readonly expiresAt?: number | null };
};

/** Blocks one of the member's cards (lost, stolen). */
export type BlockCardOperationRequest = MemberKey & {
  readonly block: { readonly card: string; readonly reason: string };
};

/** Replaces one of the member's cards: the old one blocked, the new one carrying on the member. */
export type ReplaceCardOperationRequest = MemberKey & {
  readonly replace: { readonly card: string; readonly with: { readonly card: string; readonly type?: string | null; readonly expiresAt?: number | null } };
};

/** A member's card as card operations answer it (the admin API's CardView). */
export interface CardResult {
  readonly card: string;
  readonly member: string;
  readonly type: string | null;
  readonly state: "active" | "blocked";
  readonly blockedAt: number | null;
  readonly blockReason: string | null;
  readonly expiresAt: number | null;
  readonly issuedAt: number | null;
  readonly replacedBy: string | null;
}

export interface ReplaceCardOperationResult {
  readonly replaced: CardResult;
  readonly card: CardResult;
}

// ---------------------------------------------------------------------------
// Operations and frames
// ---------------------------------------------------------------------------

/** Request and result type of each operation, by the operation's wire name. */
export interface Operations {
  readonly ping: { readonly request: PingRequest; readonly result: PingResult };
  readonly identify: { readonly request: IdentifyRequest; readonly result: IdentifyResult };
  readonly balance: { readonly request: BalanceRequest; readonly result: BalanceResult };
  readonly calculate: { readonly request: CalculateRequest; readonly result: CalculateResult };
  readonly commit: { readonly request: CommitRequest; readonly result: CommitResult };
  readonly reportVisit: { readonly request: ReportVisitRequest; readonly result: ReportVisitResult };
  readonly cancel: { readonly request: CancelRequest; readonly result: CancelResult };
  readonly refund: { readonly request: RefundRequest; readonly result: RefundResult };
  readonly enroll: { readonly request: EnrollRequest; readonly result: EnrollResult };
  readonly payment: { readonly request: PaymentRequest; readonly result: PaymentResult };
  readonly issueCard: { readonly request: IssueCardOperationRequest; readonly result: CardResult };
  readonly blockCard: { readonly request: BlockCardOperationRequest; readonly result: CardResult };
  readonly replaceCard: { readonly request: ReplaceCardOperationRequest; readonly result: ReplaceCardOperationResult };
}

export type OperationName = keyof Operations;
export type OperationRequest<Operation extends OperationName> = Operations[Operation]["request"];
export type OperationResult<Operation extends OperationName> = Operations[Operation]["result"];

/** An unsigned integer up to 2^53 - 1, or a string of 1 to 64 characters. This client uses integers. */
export type RequestId = number | string;

/** A failed answer. `id` is null when the gateway could not read the request's id. */
export interface FailureFrame {
  readonly id: RequestId | null;
  readonly ok: false;
  readonly code: string;
  readonly message: string;
}
