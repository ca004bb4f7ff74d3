// Thread: the gateway (main) thread.

/** The webhook delivery loop's limits (docs/notifications.md, "Limits"). */
export interface DeliveryLimits {
  /** Attempts per event and endpoint before it becomes a dead letter. */
  readonly attemptsMax: number;
  /** The wait after the first failed attempt; it doubles after each further failure... */
  readonly backoffBaseMilliseconds: number;
  /** ...up to this. */
  readonly backoffMaxMilliseconds: number;
  /** HTTP requests to endpoints in flight at once, over every endpoint and shard thread. */
  readonly requestsInFlightMax: number;
  /** Events one outbox read brings from a shard thread (per endpoint for its queue). */
  readonly pageEvents: number;
  /** One delivery attempt's time limit. */
  readonly requestTimeoutMilliseconds: number;
  /** How long a loop with nothing to do waits before it looks again. */
  readonly idlePollMilliseconds: number;
}

export const DELIVERY_DEFAULTS: DeliveryLimits = {
  // 12 attempts at 1 s doubling up to 10 min: an endpoint down for about half an hour loses nothing to the dead letters.
  attemptsMax: 12,
  backoffBaseMilliseconds: 1_000,
  backoffMaxMilliseconds: 600_000,
  // Enough to keep a few fast endpoints busy; a dead endpoint holds at most this many sockets.
  requestsInFlightMax: 32,
  // 200 events of a few hundred bytes: a page is well under a millisecond of a shard thread's time.
  pageEvents: 200,
  // A receiver answers within seconds or is treated as down: a hung one must not hold a slot for long.
  requestTimeoutMilliseconds: 10_000,
  // An event waits at most this long (plus its page) before its first attempt; idle polling costs a few requests a second.
  idlePollMilliseconds: 200,
};

/**
 * The limits with the environment's overrides (LOYCORE_WEBHOOK_ATTEMPTS_MAX,
 * LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS, LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS,
 * LOYCORE_WEBHOOK_REQUEST_TIMEOUT_MILLISECONDS): tests shorten the back-off.
 */
export function deliveryLimitsFrom(environment: NodeJS.ProcessEnv): DeliveryLimits {
  const read = (name: string, fallback: number): number => {
    const value = Number(environment[name] ?? "");
    return Number.isSafeInteger(value) && value > 0 ? value : fallback;
  };
  return {
    ...DELIVERY_DEFAULTS,
    attemptsMax: read("LOYCORE_WEBHOOK_ATTEMPTS_MAX", DELIVERY_DEFAULTS.attemptsMax),
    backoffBaseMilliseconds: read("LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS", DELIVERY_DEFAULTS.backoffBaseMilliseconds),
    backoffMaxMilliseconds: read("LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS", DELIVERY_DEFAULTS.backoffMaxMilliseconds),
    requestTimeoutMilliseconds: read("LOYCORE_WEBHOOK_REQUEST_TIMEOUT_MILLISECONDS", DELIVERY_DEFAULTS.requestTimeoutMilliseconds),
  };
}

/** The wait after `failedAttempts` failures (1 or more): base x 2^(n-1), at most the max. */
export function backoffMilliseconds(limits: DeliveryLimits, failedAttempts: number): number {
  return Math.min(limits.backoffMaxMilliseconds, limits.backoffBaseMilliseconds * 2 ** Math.min(failedAttempts - 1, 40));
}
