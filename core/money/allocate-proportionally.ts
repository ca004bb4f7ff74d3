import { assert, assertNonNegativeInteger } from "../assert/assert.js";

/**
 * Splits `total` minor units (or points) into integer parts proportional to
 * `weights`, so that the parts sum to exactly `total`.
 *
 * Largest-remainder method: every part gets the floor of its exact share, and
 * the units left over go one each to the parts with the largest remainders
 * (ties: the earlier part first, so the result is deterministic). Products are
 * computed in BigInt because total x weight can pass 2^53 for large receipts.
 *
 * When total <= sum(weights) no part exceeds its weight, which is what lets a
 * receipt discount be spread over lines without any line going below zero.
 */
export function allocateProportionally(total: number, weights: readonly number[]): number[] {
  assertNonNegativeInteger(total, "total");
  const parts = new Array<number>(weights.length).fill(0);
  let weightSum = 0n;
  for (const weight of weights) {
    assertNonNegativeInteger(weight, "weight");
    weightSum += BigInt(weight);
  }
  if (total === 0) return parts;
  assert(weightSum > 0n, "a non-zero total needs a positive weight");

  const totalBig = BigInt(total);
  const remainders: { index: number; remainder: bigint }[] = [];
  let allocated = 0;
  for (let index = 0; index < weights.length; index += 1) {
    const exact = totalBig * BigInt(weights[index] ?? 0);
    const floor = exact / weightSum;
    parts[index] = Number(floor);
    allocated += Number(floor);
    remainders.push({ index, remainder: exact % weightSum });
  }
  let leftOver = total - allocated;
  assert(leftOver >= 0 && leftOver < weights.length, "largest remainder leaves fewer units than parts");
  remainders.sort((left, right) =>
    left.remainder === right.remainder ? left.index - right.index : left.remainder > right.remainder ? -1 : 1,
  );
  for (const { index } of remainders) {
    if (leftOver === 0) break;
    parts[index] = (parts[index] ?? 0) + 1;
    leftOver -= 1;
  }
  return parts;
}
