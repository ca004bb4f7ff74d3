import { pack } from "msgpackr";

/**
 * What the load's receipts look like: how members are identified, who pays with points, how often a
 * receipt is partly returned, how long receipts are. Every mode of the kit uses the same mix.
 */
export interface ReceiptMix {
  /** Share of receipts whose member is identified by phone instead of card (0 to 1). */
  readonly phoneShare: number;
  /** Share of receipts paid partly with points (0 to 1). */
  readonly redeemShare: number;
  /** Share of committed receipts followed by a partial return of one item (0 to 1). */
  readonly refundShare: number;
  readonly linesMinimum: number;
  readonly linesMaximum: number;
  /**
   * "full": identify, calculate, commit, as a POS lane does. "commit": commit only, as a store server
   * that already knows the basket forwards its receipts (the pipelined scenario's default).
   */
  readonly flow: ReceiptFlow;
}

export type ReceiptFlow = "full" | "commit";

/** Distinct baskets each load worker pre-encodes; receipts reuse them in turn, which loycore cannot tell. */
export const BASKET_POOL_SIZE = 256;

/** Distinct SKUs; only the receipt's size matters to loycore, not the catalogue. */
const SKU_CATALOGUE_SIZE = 5_000;

/** Unit prices from 1 to 1,000 roubles, in kopecks. */
const PRICE_MINIMUM_MINOR = 100;
const PRICE_MAXIMUM_MINOR = 100_000;

/** Most lines are one to three items; a return takes one item of the first line, always possible. */
const QUANTITY_MAX = 3;

/**
 * Points a commit-only receipt redeems: it has no calculate answer to size the redemption from. The
 * cheapest line (1 rouble) less the entry status's discount still allows 49 points under the demo
 * program's half-a-receipt cap, and every demo member starts with 980 points.
 */
export const REDEEM_WITHOUT_CALCULATE_POINTS = 10;

/**
 * Codes the mix itself can cause: two lanes serve the same member at once, so the points (or, after the
 * other receipt moved the member's status, the redeem cap) that calculate offered are gone by commit.
 */
export const MIX_LEGITIMATE_CODES: readonly string[] = ["INSUFFICIENT_POINTS", "REDEEM_LIMIT_EXCEEDED"];

export function randomInteger(minimum: number, maximum: number): number {
  return minimum + Math.floor(Math.random() * (maximum - minimum + 1));
}

/** One basket, encoded once as the msgpack array that is the receipt's `lines`. */
export interface EncodedBasket {
  readonly lineCount: number;
  readonly linesBytes: Buffer;
}

export function makeBasketPool(mix: ReceiptMix): EncodedBasket[] {
  return Array.from({ length: BASKET_POOL_SIZE }, () => {
    const lineCount = randomInteger(mix.linesMinimum, mix.linesMaximum);
    const lines = Array.from({ length: lineCount }, () => {
      const quantity = randomInteger(1, QUANTITY_MAX);
      const price = randomInteger(PRICE_MINIMUM_MINOR, PRICE_MAXIMUM_MINOR);
      return { sku: `sku-${randomInteger(1, SKU_CATALOGUE_SIZE)}`, qty: quantity, price, amount: quantity * price };
    });
    // Copied: msgpackr may hand out a view of a buffer it reuses.
    return { lineCount, linesBytes: Buffer.from(pack(lines)) };
  });
}
