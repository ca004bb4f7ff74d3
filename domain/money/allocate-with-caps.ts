import { assert, assertNonNegativeInteger } from "../assert/assert.js";
import { allocateProportionally } from "./allocate-proportionally.js";

/**
 * Splits `total` into integer parts proportional to `weights`, no part above
 * its cap, summing exactly to `total` (which must not exceed the caps' sum).
 *
 * Parts that would pass their cap are fixed at the cap and the rest is spread
 * again over the others, until no part overflows; each round fixes at least
 * one part, so there are at most `weights.length` rounds. Where every free
 * weight is zero, the free caps serve as weights. Deterministic: the same
 * input always gives the same split (ties as allocateProportionally).
 */
export function allocateWithCaps(total: number, weights: readonly number[], caps: readonly number[]): number[] {
  assertNonNegativeInteger(total, "total");
  assert(weights.length === caps.length, "one cap per weight");
  let capSum = 0;
  for (const cap of caps) {
    assertNonNegativeInteger(cap, "cap");
    capSum += cap;
  }
  assert(total <= capSum, "the total fits under the caps");
  const count = weights.length;
  const parts = new Array<number>(count).fill(0);
  const fixed = new Uint8Array(count);
  const free: number[] = [];
  const freeWeights: number[] = [];
  for (let round = 0; round <= count; round += 1) {
    free.length = 0;
    freeWeights.length = 0;
    let remaining = total;
    let freeWeightSum = 0;
    for (let index = 0; index < count; index += 1) {
      if (fixed[index] === 1) {
        remaining -= parts[index] ?? 0;
      } else if ((caps[index] ?? 0) > 0) {
        free.push(index);
        const weight = weights[index] ?? 0;
        freeWeights.push(weight);
        freeWeightSum += weight;
      } else {
        parts[index] = 0;
      }
    }
    if (remaining === 0) {
      for (const index of free) parts[index] = 0;
      break;
    }
    if (freeWeightSum === 0) {
      for (let position = 0; position < free.length; position += 1) freeWeights[position] = caps[free[position] ?? 0] ?? 0;
    }
    const shares = allocateProportionally(remaining, freeWeights);
    let overflowed = false;
    for (let position = 0; position < free.length; position += 1) {
      const index = free[position] ?? 0;
      const share = shares[position] ?? 0;
      const cap = caps[index] ?? 0;
      if (share > cap) {
        parts[index] = cap;
        fixed[index] = 1;
        overflowed = true;
      } else {
        parts[index] = share;
      }
    }
    if (!overflowed) break;
  }
  let sum = 0;
  for (let index = 0; index < count; index += 1) {
    const part = parts[index] ?? 0;
    assert(part <= (caps[index] ?? 0), "no part exceeds its cap");
    sum += part;
  }
  assert(sum === total, "the parts sum to the total");
  return parts;
}
