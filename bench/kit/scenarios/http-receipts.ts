import { demoCard } from "../../../gateway/demo.js";

/**
 * Request bodies of the HTTP scenario. Lines are pre-encoded once in a pool, so that building a body for
 * each request is a string concatenation: the load client must not be what the scenario measures.
 */

/** Enough distinct baskets that the server cannot answer from a cache of a few receipts. */
const LINE_SETS_IN_POOL = 1_024;

/** Distinct SKUs; only the receipt's size matters to loycore, not the catalogue. */
const SKU_CATALOGUE_SIZE = 5_000;

/** Unit prices from 1 to 1,000 roubles, in kopecks. */
const PRICE_MINIMUM_MINOR = 100;
const PRICE_MAXIMUM_MINOR = 100_000;

/** Most lines are one to three items. */
const QUANTITY_MAX = 3;

function randomInteger(minimum: number, maximum: number): number {
  return minimum + Math.floor(Math.random() * (maximum - minimum + 1));
}

export class ReceiptBodies {
  private readonly lineSets: readonly string[];
  private receiptNumber = 0;

  /**
   * @param members the receipts are for demo-numbered members demoCard(1..members), one picked at
   *   random per receipt (computed per receipt: a 10M-member card list would not fit a worker's heap)
   * @param runIdentifier makes receipt ids unique across runs against the same loycore
   */
  constructor(
    private readonly members: number,
    private readonly runIdentifier: string,
    linesPerReceipt: number,
  ) {
    if (!Number.isInteger(members) || members < 1) throw new Error(`receipts need at least one member, got ${members}`);
    this.lineSets = Array.from({ length: LINE_SETS_IN_POOL }, () =>
      JSON.stringify(
        Array.from({ length: linesPerReceipt }, () => {
          const quantity = randomInteger(1, QUANTITY_MAX);
          const price = randomInteger(PRICE_MINIMUM_MINOR, PRICE_MAXIMUM_MINOR);
          return { sku: `sku-${randomInteger(1, SKU_CATALOGUE_SIZE)}`, qty: quantity, price, amount: quantity * price };
        }),
      ),
    );
  }

  /** A new receipt (new id, `at` now, so a retry would be idempotent) for a random member, as JSON. */
  next(): string {
    this.receiptNumber += 1;
    const card = demoCard(randomInteger(1, this.members));
    const lines = this.lineSets[this.receiptNumber % this.lineSets.length] ?? "[]";
    return `{"card":"${card}","receipt":{"id":"${this.runIdentifier}-${this.receiptNumber}","at":${Date.now()},"lines":${lines}}}`;
  }
}
