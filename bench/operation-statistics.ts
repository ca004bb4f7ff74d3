import { build } from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";
import { LoycoreClientError } from "../client/loycore-client-error.js";

/**
 * The client's request timeout is 10 s; a minute leaves room for a custom one. Slower answers are
 * recorded as a minute: they are failures of the run either way, and a fixed range keeps the
 * histogram's memory fixed (no auto-resize).
 */
const LATENCY_MAX_MICROSECONDS = 60_000_000;

/** Three significant digits: 0.1 % resolution, the usual HdrHistogram setting. */
const SIGNIFICANT_DIGITS = 3;

/** Code for failures that are not a LoycoreClientError: a bug in the bench, not an answer. */
export const UNEXPECTED_ERROR_CODE = "UNEXPECTED";

/** Latencies of one operation's successful requests, and its failures counted by code. */
export class OperationStatistics {
  readonly operation: string;
  readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_MAX_MICROSECONDS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
  /** Keyed by error code: bounded by the protocol's list of codes plus the client's. */
  readonly errorsByCode = new Map<string, number>();

  constructor(operation: string) {
    this.operation = operation;
  }

  recordSuccess(latencyMilliseconds: number): void {
    const microseconds = Math.round(latencyMilliseconds * 1000);
    this.histogram.recordValue(Math.min(Math.max(microseconds, 1), LATENCY_MAX_MICROSECONDS));
  }

  recordFailure(error: unknown): void {
    const code = error instanceof LoycoreClientError ? error.code : UNEXPECTED_ERROR_CODE;
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
  }

  get successCount(): number {
    return this.histogram.totalCount;
  }

  get failureCount(): number {
    let count = 0;
    for (const failures of this.errorsByCode.values()) count += failures;
    return count;
  }
}

/** One OperationStatistics per operation name, created on first use. */
export class StatisticsByOperation {
  private readonly statistics = new Map<string, OperationStatistics>();

  for(operation: string): OperationStatistics {
    let statistics = this.statistics.get(operation);
    if (statistics === undefined) {
      statistics = new OperationStatistics(operation);
      this.statistics.set(operation, statistics);
    }
    return statistics;
  }

  all(): OperationStatistics[] {
    return [...this.statistics.values()];
  }
}

/** Runs one request, recording its latency on success or its code on failure; never throws. */
export async function timed<Result>(
  statistics: OperationStatistics,
  request: () => Promise<Result>,
): Promise<Result | undefined> {
  const started = performance.now();
  try {
    const result = await request();
    statistics.recordSuccess(performance.now() - started);
    return result;
  } catch (error) {
    statistics.recordFailure(error);
    return undefined;
  }
}
