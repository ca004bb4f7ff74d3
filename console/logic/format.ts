/** Points with thousands separators: 1 315. */
export function formatPoints(points: number): string {
  return points.toLocaleString("en-US").replace(/,/g, "\u202f");
}

/** Basis points as a percentage: 250 -> "2.5 %". */
export function formatBasisPoints(basisPoints: number): string {
  return `${(basisPoints / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
}

/** Epoch milliseconds as a local date and time, or a dash for none. */
export function formatTime(at: number | null | undefined): string {
  if (at === null || at === undefined) return "—";
  return new Date(at).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** A duration in seconds as milliseconds with two decimals, or a dash. */
export function formatMilliseconds(seconds: number | null): string {
  return seconds === null ? "—" : `${(seconds * 1000).toFixed(2)} ms`;
}

/** Whether a lot expires within `withinMilliseconds` of `now`. */
export function expiresSoon(expiresAt: number | null, now: number, withinMilliseconds: number): boolean {
  return expiresAt !== null && expiresAt > now && expiresAt - now <= withinMilliseconds;
}

/** An adjustment's idempotency key: unique per click, so a retry of the same click (same key) is not a second credit. */
export function newAdjustmentId(now: number, random: () => number = Math.random): string {
  return `console-${now.toString(36)}-${Math.floor(random() * 2 ** 40).toString(36)}`;
}
