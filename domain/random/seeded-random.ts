/**
 * The project's one seeded random generator: tests' property loops, the
 * importer's synthetic histories, the crash tools and the benchmarks draw
 * from it, so a run is replayed by its seed. No thread of its own; pure.
 */

/** The generator's output range: [0, 1) in steps of 2^-32. */
const UINT32_RANGE = 4_294_967_296;

/** mulberry32: a tiny, fast, well-spread 32-bit generator; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / UINT32_RANGE;
  };
}

/** A whole number from 0 to `maximum` inclusive, drawn from `random`. */
export function randomInteger(random: () => number, maximum: number): number {
  return Math.floor(random() * (maximum + 1));
}

/** A whole number from `minimum` to `maximum` inclusive. */
export function integerBetween(random: () => number, minimum: number, maximum: number): number {
  return minimum + Math.floor(random() * (maximum - minimum + 1));
}

/** One of `items`, which must not be empty. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}
