import { histogramBuckets, sumBy, sumOf, type Sample } from "./prometheus-text.js";

/** One scrape of /metrics and when it was taken (ms, the browser's clock). */
export interface Scrape {
  readonly at: number;
  readonly samples: readonly Sample[];
}

/** What the live dashboard draws for the interval between two scrapes. */
export interface LiveFigures {
  readonly at: number;
  /** `commit` requests answered per second, any outcome. */
  readonly receiptsPerSecond: number;
  /** All terminal requests answered per second. */
  readonly requestsPerSecond: number;
  /** Request latency over the interval, seconds; null when no request was answered. */
  readonly latencyP50Seconds: number | null;
  readonly latencyP99Seconds: number | null;
  /** Refusals per second by code (BUSY among them); OK is left out. */
  readonly errorsPerSecondByCode: ReadonlyMap<string, number>;
  /** Requests sent to each shard thread and not yet answered, now. */
  readonly mailboxDepthByShard: ReadonlyMap<string, number>;
  /** Durable log groups (group commits) per second, summed over shards. */
  readonly groupCommitsPerSecond: number;
  /** Mean answers released per group commit over the interval; null without one. */
  readonly meanCommitBatchSize: number | null;
  /** From a commit's arrival at its shard to its durable answer, p99 over the interval, seconds. */
  readonly commitP99Seconds: number | null;
}

const REQUESTS = "loycore_requests_total";
const REQUEST_SECONDS = "loycore_request_seconds";
const MAILBOX_DEPTH = "loycore_shard_mailbox_depth";
const COMMIT_BATCH_SIZE = "loycore_shard_commit_batch_size";
const COMMIT_SECONDS = "loycore_shard_commit_seconds";

/** The figures between an earlier and a later scrape; counters that went down (a restart) count from zero. */
export function liveFigures(earlier: Scrape, later: Scrape): LiveFigures {
  const seconds = Math.max((later.at - earlier.at) / 1000, 0.001);
  const rate = (name: string, where: Readonly<Record<string, string>> = {}): number =>
    increase(sumOf(earlier.samples, name, where), sumOf(later.samples, name, where)) / seconds;
  const errors = new Map<string, number>();
  const earlierByCode = sumBy(earlier.samples, REQUESTS, "code");
  for (const [code, count] of sumBy(later.samples, REQUESTS, "code")) {
    if (code !== "OK") errors.set(code, increase(earlierByCode.get(code) ?? 0, count) / seconds);
  }
  const batches = increase(sumOf(earlier.samples, `${COMMIT_BATCH_SIZE}_count`), sumOf(later.samples, `${COMMIT_BATCH_SIZE}_count`));
  const records = increase(sumOf(earlier.samples, `${COMMIT_BATCH_SIZE}_sum`), sumOf(later.samples, `${COMMIT_BATCH_SIZE}_sum`));
  return {
    at: later.at,
    receiptsPerSecond: rate(REQUESTS, { op: "commit" }),
    requestsPerSecond: rate(REQUESTS),
    latencyP50Seconds: intervalQuantile(earlier, later, REQUEST_SECONDS, 0.5),
    latencyP99Seconds: intervalQuantile(earlier, later, REQUEST_SECONDS, 0.99),
    errorsPerSecondByCode: errors,
    mailboxDepthByShard: sumBy(later.samples, MAILBOX_DEPTH, "shard"),
    groupCommitsPerSecond: batches / seconds,
    meanCommitBatchSize: batches > 0 ? records / batches : null,
    commitP99Seconds: intervalQuantile(earlier, later, COMMIT_SECONDS, 0.99),
  };
}

function increase(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/**
 * The quantile of a histogram's observations between two scrapes, interpolated linearly inside the
 * bucket it falls in (as Prometheus's histogram_quantile does); the largest finite bound when it falls
 * in +Inf; null when nothing was observed.
 */
export function intervalQuantile(earlier: Scrape, later: Scrape, name: string, quantile: number): number | null {
  const before = new Map(histogramBuckets(earlier.samples, name).map((bucket) => [bucket.upperBound, bucket.count]));
  const buckets = histogramBuckets(later.samples, name).map((bucket) => ({
    upperBound: bucket.upperBound,
    count: increase(before.get(bucket.upperBound) ?? 0, bucket.count),
  }));
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return null;
  const rank = quantile * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (!Number.isFinite(bucket.upperBound)) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      return inBucket === 0 ? bucket.upperBound : lowerBound + ((bucket.upperBound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.upperBound;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
