import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import type { Receipt, ReceiptLine } from "../../domain/receipt/receipt.js";
import { DEMO_STORE, demoCard, demoWelcomeReceipt } from "../../gateway/demo.js";
import { integerBetween, seededRandom } from "../../domain/random/seeded-random.js";

/**
 * The time synthetic histories end at, fixed so that two runs make the same
 * data directory byte for byte (`--reference-time` moves it). Receipts fall
 * in the months before it; the demo's welcome receipt (1 January 2026) comes first.
 */
export const SYNTHETIC_REFERENCE_TIME_DEFAULT = Date.UTC(2026, 10, 1);

/** Receipts after the welcome receipt: 0 to 4, two on average, a plausible few months of a member. */
const EXTRA_RECEIPTS_MAX = 4;
/** Extra receipts fall within this many days before the reference time. */
const HISTORY_WINDOW_DAYS = 90;
/** Lines per receipt: a small basket (each line adds about 100 bytes to the receipt's record). */
const RECEIPT_LINES_MAX = 3;
/** Distinct SKUs the baskets draw from. */
const SKU_COUNT = 500;
/** 5.00 to 3,000.00 roubles a unit, in kopecks: supermarket prices, so that some members reach Silver. */
const UNIT_PRICE_MIN_MINOR = 500;
const UNIT_PRICE_MAX_MINOR = 300_000;
const QUANTITY_MAX = 3;
/** Three receipts in ten pay with points; such a receipt pays with half of what it may. */
const REDEEMING_RECEIPTS_PER_TEN = 3;
export const REDEEM_SHARE_BASIS_POINTS = 5_000;

/** A receipt of a synthetic history; whether it pays with points is decided, how many once the balance is known. */
export interface PlannedReceipt {
  readonly receipt: Receipt;
  readonly redeems: boolean;
}

/**
 * The receipts of synthetic member `index`, oldest first: the demo's welcome
 * receipt, then 0 to 4 receipts at the demo store in the 90 days before
 * `referenceTime`.
 */
export function syntheticHistory(index: number, referenceTime: number): PlannedReceipt[] {
  const card = demoCard(index);
  // Seeded by the member index: member i has the same history in every run and every worker thread, whatever the order.
  const random = seededRandom(index ^ 0x9e3779b9);
  const planned: PlannedReceipt[] = [{ receipt: demoWelcomeReceipt(card), redeems: false }];
  const extra = integerBetween(random, 0, EXTRA_RECEIPTS_MAX);
  const times: number[] = [];
  for (let count = 0; count < extra; count += 1) {
    times.push(referenceTime - 1 - Math.floor(random() * HISTORY_WINDOW_DAYS * MILLISECONDS_PER_DAY));
  }
  times.sort((left, right) => left - right);
  times.forEach((at, position) => {
    const lines: ReceiptLine[] = [];
    const lineCount = integerBetween(random, 1, RECEIPT_LINES_MAX);
    for (let line = 0; line < lineCount; line += 1) {
      const qty = integerBetween(random, 1, QUANTITY_MAX);
      const price = integerBetween(random, UNIT_PRICE_MIN_MINOR, UNIT_PRICE_MAX_MINOR);
      lines.push({ sku: `SKU-${integerBetween(random, 1, SKU_COUNT)}`, qty, price, amount: qty * price });
    }
    planned.push({
      receipt: { id: `history-${card}-${position + 1}`, store: DEMO_STORE.id, at, lines },
      redeems: random() * 10 < REDEEMING_RECEIPTS_PER_TEN,
    });
  });
  return planned;
}
