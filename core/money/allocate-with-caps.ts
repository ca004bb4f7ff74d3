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
  const parts = new Array<number>(weights.length).fill(0);
  const fixed = new Array<boolean>(weights.length).fill(false);
  for (let round = 0; round <= weights.length; round += 1) {
    const free: number[] = [];
    let remaining = total;
    for (let index = 0; index < weights.length; index += 1) {
      if (fixed[index]) remaining -= parts[index] ?? 0;
      else if ((caps[index] ?? 0) > 0) free.push(index);
    }
    if (remaining === 0) {
      for (const index of free) parts[index] = 0;
      break;
    }
    let freeWeights = free.map((index) => weights[index] ?? 0);
    if (freeWeights.every((weight) => weight === 0)) freeWeights = free.map((index) => caps[index] ?? 0);
    const shares = allocateProportionally(remaining, freeWeights);
    let overflowed = false;
    free.forEach((index, position) => {
      const share = shares[position] ?? 0;
      const cap = caps[index] ?? 0;
      if (share > cap) {
        parts[index] = cap;
        fixed[index] = true;
        overflowed = true;
      } else {
        parts[index] = share;
      }
    });
    if (!overflowed) break;
  }
  let sum = 0;
  parts.forEach((part, index) => {
    assert(part <= (caps[index] ?? 0), "no part exceeds its cap");
    sum += part;
  });
  assert(sum === total, "the parts sum to the total");
  return parts;
}
