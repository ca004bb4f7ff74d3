import { assert } from "../../domain/assert/assert.js";

/**
 * A token bucket per terminal: each terminal may send `requestsPerSecond` on
 * average and a burst of as many at once. A lane sends about one request a
 * second at the busiest till; a store's concentrator multiplexing its lanes
 * a few hundred. The limit is there so that one stolen or broken terminal
 * cannot take a shard's whole capacity from every other store.
 */
export class TerminalRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; refilledAt: number }>();

  constructor(
    private readonly requestsPerSecond: number,
    /** Milliseconds, monotonic; passed in so tests control time. */
    private readonly clockMilliseconds: () => number,
  ) {
    assert(Number.isInteger(requestsPerSecond) && requestsPerSecond >= 1, "a rate limit allows at least one request a second");
  }

  /** Takes one request's token for `terminalId`; false when its bucket is empty. */
  take(terminalId: string): boolean {
    const now = this.clockMilliseconds();
    const bucket = this.buckets.get(terminalId) ?? { tokens: this.requestsPerSecond, refilledAt: now };
    const refill = ((now - bucket.refilledAt) / 1_000) * this.requestsPerSecond;
    bucket.tokens = Math.min(this.requestsPerSecond, bucket.tokens + refill);
    bucket.refilledAt = now;
    this.buckets.set(terminalId, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
