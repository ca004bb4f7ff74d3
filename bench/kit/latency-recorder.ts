import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";
import type { LatencySummary } from "./scenario-result.js";

/** What the load records latency of: the four requests, and whole receipts (not a request). */
export const OPERATION_NAMES = ["identify", "calculate", "commit", "refund", "receipt"] as const;
export const OPERATION_IDENTIFY = 0;
export const OPERATION_CALCULATE = 1;
export const OPERATION_COMMIT = 2;
export const OPERATION_REFUND = 3;
/** A whole receipt (identify to commit answer); counted apart from requests. */
export const OPERATION_RECEIPT = 4;
export const OPERATION_COUNT = OPERATION_NAMES.length;

/** Latencies are recorded in microseconds from 1 us ... */
const LATENCY_LOWEST_MICROSECONDS = 1;
/** ... to a minute: anything slower is reported as a minute (the kit's request timeout is shorter). */
export const LATENCY_HIGHEST_MICROSECONDS = 60_000_000;
/** Three significant digits: 0.1 % resolution, what HdrHistogram users expect. */
const SIGNIFICANT_DIGITS = 3;

export function newLatencyHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: LATENCY_LOWEST_MICROSECONDS,
    highestTrackableValue: LATENCY_HIGHEST_MICROSECONDS,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
}

export function decodeHistogram(base64: string): Histogram {
  return decodeFromCompressedBase64(base64);
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

function milliseconds(microseconds: number): number {
  return Math.round(microseconds) / 1000;
}

export function summarize(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  return {
    count: histogram.totalCount,
    p50Milliseconds: milliseconds(histogram.getValueAtPercentile(50)),
    p90Milliseconds: milliseconds(histogram.getValueAtPercentile(90)),
    p99Milliseconds: milliseconds(histogram.getValueAtPercentile(99)),
    p999Milliseconds: milliseconds(histogram.getValueAtPercentile(99.9)),
    maxMilliseconds: milliseconds(histogram.maxValue),
    meanMilliseconds: Math.round(histogram.mean) / 1000,
  };
}

/** One second of one worker's load, sent to the main thread. */
export interface IntervalSnapshot {
  readonly index: number;
  readonly offered: number;
  readonly successes: readonly number[];
  readonly errors: number;
  /** Every request's latency in the interval; null when none succeeded. */
  readonly histogramBase64: string | null;
}

/** One operation over a worker's whole phase. */
export interface OperationSnapshot {
  readonly successes: number;
  readonly errorsByCode: Record<string, number>;
  readonly histogramBase64: string | null;
  readonly answerBytes: number;
}

/** A worker's latency and outcome counts, whole phase and current interval. */
export class LatencyRecorder {
  private readonly phase: Histogram[] = Array.from({ length: OPERATION_COUNT }, newLatencyHistogram);
  private readonly interval = newLatencyHistogram();
  private readonly successes = new Array<number>(OPERATION_COUNT).fill(0);
  private readonly intervalSuccesses = new Array<number>(OPERATION_COUNT).fill(0);
  private readonly errorsByCode: Record<string, number>[] = Array.from({ length: OPERATION_COUNT }, () => ({}));
  private readonly answerBytes = new Array<number>(OPERATION_COUNT).fill(0);
  private intervalErrors = 0;
  private intervalOffered = 0;
  /** False before the phase starts and after it ends: answers then are not the phase's. */
  recording = false;

  recordSuccess(operation: number, microseconds: number, answerBytes: number): void {
    if (!this.recording) return;
    const value = Math.min(LATENCY_HIGHEST_MICROSECONDS, Math.max(LATENCY_LOWEST_MICROSECONDS, Math.round(microseconds)));
    this.phase[operation]!.recordValue(value);
    this.successes[operation]! += 1;
    this.intervalSuccesses[operation]! += 1;
    this.answerBytes[operation]! += answerBytes;
    if (operation !== OPERATION_RECEIPT) this.interval.recordValue(value);
  }

  recordFailure(operation: number, code: string): void {
    if (!this.recording) return;
    const errors = this.errorsByCode[operation]!;
    errors[code] = (errors[code] ?? 0) + 1;
    // A failed receipt is already counted through its failed request, except for the client's own refusals.
    if (operation !== OPERATION_RECEIPT || code.startsWith("CLIENT_")) this.intervalErrors += 1;
  }

  recordOffered(): void {
    if (this.recording) this.intervalOffered += 1;
  }

  takeInterval(index: number): IntervalSnapshot {
    const snapshot: IntervalSnapshot = {
      index,
      offered: this.intervalOffered,
      successes: [...this.intervalSuccesses],
      errors: this.intervalErrors,
      histogramBase64: this.interval.totalCount > 0 ? encodeHistogram(this.interval) : null,
    };
    this.interval.reset();
    this.intervalSuccesses.fill(0);
    this.intervalErrors = 0;
    this.intervalOffered = 0;
    return snapshot;
  }

  phaseSnapshot(): OperationSnapshot[] {
    return this.phase.map((histogram, operation) => ({
      successes: this.successes[operation]!,
      errorsByCode: this.errorsByCode[operation]!,
      histogramBase64: histogram.totalCount > 0 ? encodeHistogram(histogram) : null,
      answerBytes: this.answerBytes[operation]!,
    }));
  }
}
