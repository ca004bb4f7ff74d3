/**
 * floor(numerator / denominator) for non-negative safe integers, exact.
 * A double division can round a quotient just below an integer up to it; the
 * remainder check corrects that. Callers keep numerator + denominator within
 * Number.MAX_SAFE_INTEGER so that every product here is exact.
 */
export function floorDivide(numerator: number, denominator: number): number {
  let quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  if (remainder < 0) quotient -= 1;
  else if (remainder >= denominator) quotient += 1;
  return quotient;
}
