import { assert, assertNonNegativeInteger } from "../assert/assert.js";
import { floorDivide } from "./floor-divide.js";

/**
 * Splits `total` minor units (or points) into integer parts proportional to
 * `weights`, so that the parts sum to exactly `total`.
 *
 * Largest-remainder method: every part gets the floor of its exact share, and
 * the units left over go one each to the parts with the largest remainders
 * (ties: the earlier part first, so the result is deterministic).
 *
 * Runs on every receipt, several times: the common case computes in doubles,
 * exact because every product stays below 2^53; totals and weights large
 * enough to pass that take the BigInt path with the same result.
 *
 * When total <= sum(weights) no part exceeds its weight, which is what lets a
 * receipt discount be spread over lines without any line going below zero.
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  assertNonNegativeInteger(total, "total");
  const count = weights.length;
  const parts = new Array<number>(count).fill(0);
  let weightSum = 0;
  let weightMax = 0;
  for (let index = 0; index < count; index += 1) {
    const weight = weights[index] ?? 0;
    assertNonNegativeInteger(weight, "weight");
    weightSum += weight;
    if (weight > weightMax) weightMax = weight;
  }
  if (total === 0) return parts;
  assert(weightSum > 0, "a non-zero total needs a positive weight");
  if (total * weightMax + weightSum > Number.MAX_SAFE_INTEGER || weightSum > Number.MAX_SAFE_INTEGER) {
    return allocateWithBigInt(total, weights);
  }

  const remainders = new Float64Array(count);
  let allocated = 0;
  for (let index = 0; index < count; index += 1) {
    const exact = total * (weights[index] ?? 0);
    const floor = floorDivide(exact, weightSum);
    parts[index] = floor;
    allocated += floor;
    remainders[index] = exact - floor * weightSum;
  }
  const leftOver = total - allocated;
  if (leftOver * count <= SELECTION_COMPARISONS_MAX) {
    distributeBySelection(parts, leftOver, remainders);
  } else {
    distributeLeftOver(parts, leftOver, (left, right) => (remainders[right] ?? 0) - (remainders[left] ?? 0));
  }
  return parts;
}

/**
 * The common case of distributeLeftOver, for remainders that are doubles:
 * picks the largest remaining remainder `leftOver` times, the earlier index on
 * a tie. Taken parts are marked by setting their remainder to -1.
 */
function distributeBySelection(parts: number[], leftOver: number, remainders: Float64Array): void {
  assert(leftOver >= 0 && leftOver < parts.length, "largest remainder leaves fewer units than parts");
  const count = parts.length;
  for (let rank = 0; rank < leftOver; rank += 1) {
    let best = 0;
    let bestRemainder = -1;
    for (let index = 0; index < count; index += 1) {
      const remainder = remainders[index] ?? -1;
      if (remainder > bestRemainder) {
        best = index;
        bestRemainder = remainder;
      }
    }
    remainders[best] = -1;
    parts[best] = (parts[best] ?? 0) + 1;
  }
}

function allocateWithBigInt(total: number, weights: readonly number[]): number[] {
  const count = weights.length;
  const parts = new Array<number>(count).fill(0);
  let weightSum = 0n;
  for (const weight of weights) weightSum += BigInt(weight);
  const totalBig = BigInt(total);
  const remainders: bigint[] = new Array<bigint>(count);
  let allocated = 0;
  for (let index = 0; index < count; index += 1) {
    const exact = totalBig * BigInt(weights[index] ?? 0);
    const floor = exact / weightSum;
    parts[index] = Number(floor);
    allocated += Number(floor);
    remainders[index] = exact % weightSum;
  }
  distributeLeftOver(parts, total - allocated, (left, right) => {
    const difference = (remainders[right] ?? 0n) - (remainders[left] ?? 0n);
    return difference > 0n ? 1 : difference < 0n ? -1 : 0;
  });
  return parts;
}

/** Below this many comparisons, picking the largest remainders one by one beats sorting them. */
const SELECTION_COMPARISONS_MAX = 4_096;

/** Gives one unit each to the `leftOver` parts that rank first (largest remainder, then lower index). */
function distributeLeftOver(parts: number[], leftOver: number, byRemainderDescending: (left: number, right: number) => number): void {
  assert(leftOver >= 0 && leftOver < parts.length, "largest remainder leaves fewer units than parts");
  if (leftOver === 0) return;
  const count = parts.length;
  if (leftOver * count <= SELECTION_COMPARISONS_MAX) {
    const taken = new Uint8Array(count);
    for (let rank = 0; rank < leftOver; rank += 1) {
      let best = -1;
      for (let index = 0; index < count; index += 1) {
        // Strictly better only: on a tie the earlier index stays.
        if (taken[index] === 0 && (best < 0 || byRemainderDescending(index, best) < 0)) best = index;
      }
      taken[best] = 1;
      parts[best] = (parts[best] ?? 0) + 1;
    }
    return;
  }
  const order = Array.from({ length: count }, (_, index) => index);
  order.sort((left, right) => byRemainderDescending(left, right) || left - right);
  for (let rank = 0; rank < leftOver; rank += 1) {
    const index = order[rank] ?? 0;
    parts[index] = (parts[index] ?? 0) + 1;
  }
}
