/** A receipt line as the POS sends it. Money is in integer minor units (kopecks). */
export interface ReceiptLine {
  readonly sku: string;
  /** Count or weight; not money, so it may be fractional (0.375 kg). */
  readonly qty: number;
  /** Unit price in minor units, before loyalty discounts. */
  readonly price: number;
  /** Line amount in minor units, before loyalty discounts: what the customer is billed. */
  readonly amount: number;
}

export interface Receipt {
  /** The POS's own receipt id: the idempotency key together with `store`. */
  readonly id: string;
  readonly store: string;
  /** Receipt time in epoch milliseconds, as the POS saw it. */
  readonly at: number;
  readonly lines: readonly ReceiptLine[];
}

/** One line of the calculated answer. `discount` and `points` sum to the receipt totals. */
export interface CalculatedLine {
  readonly sku: string;
  readonly amount: number;
  readonly discount: number;
  readonly payable: number;
  readonly points: number;
}

/** The result of `calculate` (and the calculation part of `commit`). */
export interface ReceiptCalculation {
  readonly lines: readonly CalculatedLine[];
  /** Sum of line amounts: the amount sold (billed). */
  readonly total: number;
  /** Sum of line discounts, in minor units. */
  readonly discount: number;
  /** Points to accrue. */
  readonly points: number;
  /** Most points this receipt can take as payment (balance and program cap). */
  readonly redeemable: number;
  /** Points applied as payment. */
  readonly redeem: number;
  /** What the customer pays: total - discount. The amount paid. */
  readonly payable: number;
  /** The program version that produced this answer. */
  readonly programVersion: number;
}
