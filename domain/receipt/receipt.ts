/** A receipt line as the POS sends it. Money is in integer minor units (kopecks). */
export interface ReceiptLine {
  readonly sku: string;
  /** Count or weight; not money, so it may be fractional (0.375 kg). */
  readonly qty: number;
  /** Unit price in minor units, before loyalty discounts. */
  readonly price: number;
  /** Line amount in minor units, before loyalty discounts: what the customer is billed. */
  readonly amount: number;
  /** The POS says this line takes no discount and cannot be paid with points. */
  readonly noDiscount?: boolean;
  /** The POS says this line earns no points. */
  readonly noPoints?: boolean;
}

export interface Receipt {
  /** The POS's own receipt id: the idempotency key together with `store`. */
  readonly id: string;
  readonly store: string;
  /** Receipt time in epoch milliseconds, as the POS saw it (or the server's, see `atFromServer`). */
  readonly at: number;
  /**
   * Present when the POS sent no time and `at` is the server's clock: the
   * request as sent had no time, so its fingerprint has none, and a retry of
   * the same bytes gets the first answer (with the first attempt's time).
   */
  readonly atFromServer?: true;
  readonly lines: readonly ReceiptLine[];
}

/** One line of the calculated answer. Each column sums exactly to the receipt total of the same name. */
export interface CalculatedLine {
  readonly sku: string;
  readonly amount: number;
  /** Loyalty discount, minor units. */
  readonly discount: number;
  /** Minor units paid with points. */
  readonly pointsPaid: number;
  /** amount - discount - pointsPaid: paid with money. */
  readonly payable: number;
  /** Points this line earns (its share of accrual and bonus). */
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

/** The result of `calculate` (and the calculation part of `commit`). */
export interface ReceiptCalculation {
  readonly lines: readonly CalculatedLine[];
  /** Sum of line amounts: the amount sold (billed). */
  readonly total: number;
  /** Sum of line discounts. */
  readonly discount: number;
  /** Sum paid with points, minor units (redeem x point value). */
  readonly pointsPaid: number;
  /** total - discount - pointsPaid: the amount paid with money. */
  readonly payable: number;
  /** Points to accrue, bonus included. */
  readonly points: number;
  /** Of `points`, the status bonus ("N points on every k-th purchase"). */
  readonly bonusPoints: number;
  /** Most points this receipt can take as payment. */
  readonly redeemable: number;
  /** Points applied as payment. */
  readonly redeem: number;
  /** The receipt discount rate the program gave. */
  readonly discountBasisPoints: number;
  readonly rules: readonly AppliedRule[];
  /** The program version that produced this answer. */
  readonly programVersion: number;
  /** The campaigns version that priced it; absent when no campaigns document exists (docs/campaigns.md). */
  readonly campaignsVersion?: number;
}
