import { assertNonNegativeInteger } from "../assert/assert.js";

/** 10,000 basis points = 100 %. Rates are integers so that no float touches money. */
export const BASIS_POINTS_PER_WHOLE = 10_000;

/** floor(amount x rate / 10,000), exact for any safe-integer amount. */
export function applyBasisPointsRoundingDown(amountMinor: number, rateBasisPoints: number): number {
  assertNonNegativeInteger(amountMinor, "amount");
  assertNonNegativeInteger(rateBasisPoints, "rate");
  return Number((BigInt(amountMinor) * BigInt(rateBasisPoints)) / BigInt(BASIS_POINTS_PER_WHOLE));
}
