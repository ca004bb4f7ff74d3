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

/** A line of the calculated answer and a rule that changed it: the wire's own types (protocol/terminal-wire.ts). */
export type { AppliedRule, CalculatedLine } from "../../protocol/terminal-wire.js";
import type { AppliedRule, CalculatedLine } from "../../protocol/terminal-wire.js";

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
  /** The partner whose own program priced it (programVersion is that program's version); absent: the coalition program. */
  readonly programPartner?: string;
}
