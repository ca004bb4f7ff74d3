import { assertNonNegativeInteger } from "../assert/assert.js";
import { floorDivide } from "./floor-divide.js";

/** 10,000 basis points = 100 %. Rates are integers so that no float touches money. */
export const BASIS_POINTS_PER_WHOLE = 10_000;

/** floor(amount x rate / 10,000), exact for any safe-integer amount. */
export function applyBasisPointsRoundingDown(amountMinor: number, rateBasisPoints: number): number {
  assertNonNegativeInteger(amountMinor, "amount");
  assertNonNegativeInteger(rateBasisPoints, "rate");
  const product = amountMinor * rateBasisPoints;
  // Exact in doubles below 2^53; BigInt beyond (a receipt total times a rate can pass it).
  if (product + BASIS_POINTS_PER_WHOLE <= Number.MAX_SAFE_INTEGER) return floorDivide(product, BASIS_POINTS_PER_WHOLE);
  return Number((BigInt(amountMinor) * BigInt(rateBasisPoints)) / BigInt(BASIS_POINTS_PER_WHOLE));
}
