/**
 * The loyalty program as the shards compute with it.
 *
 * This is the walking skeleton's rule set: accrual as a share of the amount
 * paid, and redemption of points as payment up to a share of the receipt. The
 * "loyalty program engine" issue replaces the rules behind the same seam:
 * `calculateReceipt(program, account, receipt, redeem)` in core/receipt.
 *
 * Rates are basis points (1/100 of a percent) so that no float reaches money.
 */
export interface Program {
  /** Assigned by the control store on every accepted change; starts at 1. */
  readonly version: number;
  readonly name: string;
  /** Points accrued per 10,000 minor units paid, rounded down: 500 = 5 %. */
  readonly accrualRateBasisPoints: number;
  /** Largest share of a receipt's total that points may pay: 5,000 = 50 %. */
  readonly maxRedeemShareBasisPoints: number;
  /** Minor units one point pays for: 1 means 1 point = 1 kopeck. */
  readonly pointValueMinor: number;
  /** Status reported for every member until statuses arrive with the program engine. */
  readonly entryStatusName: string | null;
}

/** The program as an administrator submits it: everything but the version. */
export type ProgramDefinition = Omit<Program, "version">;
