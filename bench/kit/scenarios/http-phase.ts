import { createRequire } from "node:module";
import { build, encodeIntoCompressedBase64 } from "hdr-histogram-js";
import type { Histogram } from "hdr-histogram-js";
import type { IntervalSample, LatencySummary, OperationResult, PhaseResult, PhaseTarget } from "../scenario-result.js";
import { onInterrupt } from "../run-interruption.js";
import { cpuPercentBetween } from "../server-sampler.js";
import type { ResourceReading, ServerSampler } from "../server-sampler.js";
import type { ReceiptBodies } from "./http-receipts.js";

/** Latencies are recorded in microseconds: autocannon's own histogram keeps whole milliseconds only. */
const MICROSECONDS_PER_MILLISECOND = 1_000;
/** autocannon times a request out after 10 s; a minute bounds the histogram with room to spare. */
const LATENCY_MAX_MICROSECONDS = 60_000_000;
/** Three significant digits: 0.1 % resolution, HdrHistogram's usual choice. */
const LATENCY_SIGNIFICANT_DIGITS = 3;
/** autocannon ticks once a second and once more when it stops; a stub shorter than this is dropped. */
const INTERVAL_MINIMUM_SECONDS = 0.25;

/** The part of autocannon's (untyped) programmatic API the scenario uses. */
interface AutocannonRequest {
  method: string;
  path: string;
  body?: string;
  setupRequest?: (request: AutocannonRequest, context: Record<string, unknown>) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}
interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly pipelining: number;
  readonly duration: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly requests: AutocannonRequest[];
}
interface AutocannonInstance {
  on(event: "tick", listener: () => void): void;
  on(event: "response", listener: (client: unknown, statusCode: number, responseBytes: number, responseTimeMilliseconds: number) => void): void;
  on(event: "reqError", listener: (error: Error) => void): void;
  /** Ends the run early; the done callback still gets the summary. */
  stop(): void;
}
type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: unknown) => void) => AutocannonInstance;

const require = createRequire(import.meta.url);
const autocannon = require("autocannon") as Autocannon;

/** The operations the HTTP scenario can drive; mix is a calculate then the commit of the same receipt. */
export const HTTP_OPERATIONS = ["calculate", "commit", "mix"] as const;
export type HttpOperation = (typeof HTTP_OPERATIONS)[number];

const BYTES_PER_MEBIBYTE = 2 ** 20;

export interface HttpPhaseSettings {
  readonly name: string;
  readonly target: PhaseTarget;
  readonly url: string;
  readonly token: string | undefined;
  /** Reads the server's CPU time and memory (/proc of a local process, /metrics of a remote loycore); null when the kit cannot. */
  readonly sampler: ServerSampler | null;
  readonly connections: number;
  readonly pipelining: number;
  readonly durationSeconds: number;
  readonly operation: HttpOperation;
  readonly receipts: ReceiptBodies;
  progress(line: string): void;
}

function newLatencyHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: LATENCY_MAX_MICROSECONDS, numberOfSignificantValueDigits: LATENCY_SIGNIFICANT_DIGITS });
}

function recordLatency(histogram: Histogram, milliseconds: number): void {
  const microseconds = Math.round(milliseconds * MICROSECONDS_PER_MILLISECOND);
  histogram.recordValue(Math.min(Math.max(microseconds, 1), LATENCY_MAX_MICROSECONDS));
}

function milliseconds(histogram: Histogram, percentile: number): number {
  return histogram.getValueAtPercentile(percentile) / MICROSECONDS_PER_MILLISECOND;
}

export function summarizeLatency(histogram: Histogram): LatencySummary | null {
  if (histogram.totalCount === 0) return null;
  return {
    count: histogram.totalCount,
    p50Milliseconds: milliseconds(histogram, 50),
    p90Milliseconds: milliseconds(histogram, 90),
    p99Milliseconds: milliseconds(histogram, 99),
    p999Milliseconds: milliseconds(histogram, 99.9),
    maxMilliseconds: histogram.maxValue / MICROSECONDS_PER_MILLISECOND,
    meanMilliseconds: histogram.mean / MICROSECONDS_PER_MILLISECOND,
  };
}

/** The code of a failed answer: loycore's `code` from its JSON body, else the HTTP status. */
export function errorCodeOf(status: number, body: string): string {
  try {
    const document = JSON.parse(body) as unknown;
    if (typeof document === "object" && document !== null) {
      const code = (document as Record<string, unknown>)["code"];
      if (typeof code === "string" && /^[A-Z_]{1,64}$/.test(code)) return code;
    }
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return `HTTP_${status}`;
}

class OperationTally {
  successes = 0;
  readonly histogram = newLatencyHistogram();
  readonly errorsByCode: Record<string, number> = {};

  fail(code: string): void {
    this.errorsByCode[code] = (this.errorsByCode[code] ?? 0) + 1;
  }

  result(elapsedSeconds: number, operation: string): OperationResult {
    return {
      operation,
      successes: this.successes,
      successesPerSecond: this.successes / elapsedSeconds,
      latency: summarizeLatency(this.histogram),
      errorsByCode: { ...this.errorsByCode },
      histogramBase64: this.histogram.totalCount === 0 ? null : encodeIntoCompressedBase64(this.histogram),
    };
  }
}

/** autocannon's summary counts the requests it wrote in `requests.sent`. */
function requestsSentOf(summary: unknown): number | null {
  if (typeof summary !== "object" || summary === null) return null;
  const requests = (summary as Record<string, unknown>)["requests"];
  if (typeof requests !== "object" || requests === null) return null;
  const sent = (requests as Record<string, unknown>)["sent"];
  return typeof sent === "number" ? sent : null;
}

/** The autocannon request sequence of each connection for an operation. */
function requestSequence(operation: HttpOperation, receipts: ReceiptBodies, answered: (operation: string, status: number, body: string) => void): AutocannonRequest[] {
  const freshReceipt = (name: "calculate" | "commit"): AutocannonRequest => ({
    method: "POST",
    path: `/v1/${name}`,
    setupRequest: (request, context) => {
      const body = receipts.next();
      context["receipt"] = body;
      return { ...request, body };
    },
    onResponse: (status, body) => answered(name, status, body),
  });
  if (operation !== "mix") return [freshReceipt(operation)];
  return [
    freshReceipt("calculate"),
    {
      method: "POST",
      path: "/v1/commit",
      // The commit of the receipt this connection just calculated: its id is new, so the commit is too.
      setupRequest: (request, context) => {
        const body = context["receipt"];
        return { ...request, body: typeof body === "string" ? body : receipts.next() };
      },
      onResponse: (status, body) => answered("commit", status, body),
    },
  ];
}

/** The counts of the interval in progress, cut into an IntervalSample on each of autocannon's ticks. */
class IntervalCounts {
  readonly histogram = newLatencyHistogram();
  requests = 0;
  receipts = 0;
  errors = 0;

  constructor(public startedAt: number) {}

  /** The interval from `startedAt` to `now`, `seconds` long, with no server columns yet. */
  sample(now: number, seconds: number, phaseStartedAt: number): IntervalSample {
    const any = this.histogram.totalCount > 0;
    return {
      atSeconds: (now - phaseStartedAt) / 1000,
      offeredPerSecond: null,
      requestsPerSecond: this.requests / seconds,
      receiptsPerSecond: this.receipts / seconds,
      errorsPerSecond: this.errors / seconds,
      p50Milliseconds: any ? milliseconds(this.histogram, 50) : null,
      p99Milliseconds: any ? milliseconds(this.histogram, 99) : null,
      maxMilliseconds: any ? this.histogram.maxValue / MICROSECONDS_PER_MILLISECOND : null,
      serverCpuPercent: null,
      serverRssMebibytes: null,
    };
  }

  /** Starts the next interval at `now`. */
  restart(now: number): void {
    this.histogram.reset();
    this.requests = 0;
    this.receipts = 0;
    this.errors = 0;
    this.startedAt = now;
  }
}

/** What autocannon's events add up to: a tally per operation, connection failures, and the interval in progress. */
class HttpPhaseTally {
  private readonly tallies: Map<string, OperationTally>;
  private readonly connectionTally = new OperationTally();
  answers = 0;

  constructor(
    private readonly operationNames: readonly string[],
    private readonly target: PhaseTarget,
    readonly interval: IntervalCounts,
  ) {
    this.tallies = new Map<string, OperationTally>(operationNames.map((name) => [name, new OperationTally()]));
  }

  /** An answer of status `statusCode`; `answer` is what its request's onResponse saw, if any. */
  answered(answer: { operation: string; body: string } | undefined, statusCode: number, responseTimeMilliseconds: number): void {
    this.answers += 1;
    const tally = answer === undefined ? undefined : this.tallies.get(answer.operation);
    if (answer === undefined || tally === undefined) {
      this.connectionTally.fail("UNMATCHED_RESPONSE");
      this.interval.errors += 1;
      return;
    }
    if (statusCode >= 200 && statusCode < 300) {
      tally.successes += 1;
      recordLatency(tally.histogram, responseTimeMilliseconds);
      recordLatency(this.interval.histogram, responseTimeMilliseconds);
      this.interval.requests += 1;
      // A ceiling answers commit too, but commits nothing: it has no receipts.
      if (answer.operation === "commit" && this.target === "loycore") this.interval.receipts += 1;
    } else {
      tally.fail(errorCodeOf(statusCode, answer.body));
      this.interval.errors += 1;
    }
  }

  /** A request that got no answer: it timed out or its connection failed. */
  requestFailed(error: Error): void {
    this.connectionTally.fail(error.message === "request timed out" ? "TIMEOUT" : "CONNECTION_ERROR");
    this.interval.errors += 1;
  }

  /** Each operation's result, then the connection's if anything failed there. */
  operationResults(elapsedSeconds: number): OperationResult[] {
    const operations = this.operationNames.map((name) => (this.tallies.get(name) ?? new OperationTally()).result(elapsedSeconds, name));
    if (Object.keys(this.connectionTally.errorsByCode).length > 0) operations.push(this.connectionTally.result(elapsedSeconds, "connection"));
    return operations;
  }
}

/** The listeners of one autocannon run. */
interface AutocannonListeners {
  response(statusCode: number, responseTimeMilliseconds: number): void;
  requestError(error: Error): void;
  tick(): void;
}

/** Runs autocannon for the phase's duration (or until Ctrl-C) and returns the count of requests it sent, when its summary has it. */
async function driveAutocannon(settings: HttpPhaseSettings, requests: AutocannonRequest[], listeners: AutocannonListeners): Promise<number | null> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (settings.token !== undefined) headers["authorization"] = `Bearer ${settings.token}`;
  let requestsSent: number | null = null;
  let unsubscribe = (): void => undefined;
  await new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: settings.url,
        connections: settings.connections,
        pipelining: settings.pipelining,
        duration: settings.durationSeconds,
        headers,
        requests,
      },
      (error, summary) => {
        if (error !== null) {
          reject(error);
          return;
        }
        requestsSent = requestsSentOf(summary);
        resolve();
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMilliseconds) => listeners.response(statusCode, responseTimeMilliseconds));
    instance.on("reqError", (error) => listeners.requestError(error));
    instance.on("tick", () => listeners.tick());
    // Ctrl-C: autocannon stops now and reports what it has, like the WebSocket phases.
    unsubscribe = onInterrupt(() => instance.stop());
  }).finally(() => unsubscribe());
  return requestsSent;
}

/** The intervals with the server's CPU and memory between each one's readings (reading 0 is the phase's start). */
function withServerColumns(intervals: readonly IntervalSample[], serverReadings: readonly (ResourceReading | null)[]): IntervalSample[] {
  return intervals.map((interval, index) => {
    const reading = serverReadings[index + 1] ?? null;
    return {
      ...interval,
      serverCpuPercent: cpuPercentBetween(serverReadings[index] ?? null, reading),
      serverRssMebibytes: reading === null ? null : Math.round((reading.rssBytes / BYTES_PER_MEBIBYTE) * 10) / 10,
    };
  });
}

/** The server's figures over the phase, from its readings and the intervals' server columns. */
function serverSummary(intervals: readonly IntervalSample[], serverReadings: readonly (ResourceReading | null)[]): NonNullable<PhaseResult["server"]> {
  const serverCpuSamples = intervals.map((interval) => interval.serverCpuPercent).filter((value): value is number => value !== null);
  const serverRssSamples = intervals.map((interval) => interval.serverRssMebibytes).filter((value): value is number => value !== null);
  const firstReading = serverReadings.find((reading) => reading !== null) ?? null;
  const lastReading = [...serverReadings].reverse().find((reading) => reading !== null) ?? null;
  return {
    cpuPercentAverage: cpuPercentBetween(firstReading, lastReading),
    cpuPercentMax: serverCpuSamples.length === 0 ? null : Math.max(...serverCpuSamples),
    rssMebibytesMax: serverRssSamples.length === 0 ? null : Math.max(...serverRssSamples),
    rssMebibytesAtEnd: serverRssSamples.at(-1) ?? null,
  };
}

/** The phase's notes: how autocannon ran, and requests that were never answered, if any. */
function httpPhaseNotes(settings: HttpPhaseSettings, requestsSent: number | null, answers: number): string[] {
  // Up to one pipeline per connection is legitimately in flight when autocannon stops; more means answers never came.
  const unanswered = requestsSent === null ? null : requestsSent - answers - settings.connections * settings.pipelining;
  const unansweredNotes =
    unanswered !== null && unanswered > 0
      ? [`${unanswered} requests sent were never answered (beyond those in flight at the end): the server stalled or dropped them`]
      : [];
  return [
    `autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, ${settings.operation}; autocannon runs on one thread: client CPU near 100 % means the client was the limit`,
    "latencies are the kit's own microsecond histograms of autocannon's response times (autocannon's own histogram keeps whole milliseconds)",
    ...(settings.operation === "mix" ? ["mix: each connection sends calculate, then commit of the same receipt, back to back"] : []),
    ...unansweredNotes,
  ];
}

/**
 * Runs autocannon against one server for the phase's duration and turns what it saw into a PhaseResult.
 * Latencies, per-operation counts and errors are the kit's own, from autocannon's response events: a
 * request's `onResponse` runs synchronously just before the `response` event of the same answer, which
 * is how an answer is matched to its operation.
 */
export async function runHttpPhase(settings: HttpPhaseSettings): Promise<PhaseResult> {
  const operationNames = settings.operation === "mix" ? ["calculate", "commit"] : [settings.operation];
  const sampler = settings.sampler;
  const intervals: IntervalSample[] = [];
  // The server's reading at the start, then one at the end of each interval; read without blocking
  // autocannon's tick, and joined to the intervals once the phase is over.
  const readings: Promise<ResourceReading | null>[] = sampler === null ? [] : [sampler.read()];

  let lastAnswer: { operation: string; status: number; body: string } | undefined;
  const requests = requestSequence(settings.operation, settings.receipts, (operation, status, body) => {
    lastAnswer = { operation, status, body };
  });

  const cpuAtStart = process.cpuUsage();
  const startedAt = performance.now();
  const tally = new HttpPhaseTally(operationNames, settings.target, new IntervalCounts(startedAt));
  const interval = tally.interval;

  const cutInterval = (): void => {
    const now = performance.now();
    const seconds = (now - interval.startedAt) / 1000;
    if (seconds < INTERVAL_MINIMUM_SECONDS) return;
    if (sampler !== null) readings.push(sampler.read());
    const sample = interval.sample(now, seconds, startedAt);
    intervals.push(sample);
    settings.progress(
      `http ${settings.name} ${sample.atSeconds.toFixed(0)}/${settings.durationSeconds} s: ${Math.round(sample.requestsPerSecond)} requests/s, ` +
        `${Math.round(sample.receiptsPerSecond)} receipts/s, p99 ${sample.p99Milliseconds?.toFixed(2) ?? "-"} ms, ${interval.errors} errors`,
    );
    interval.restart(now);
  };

  const requestsSent = await driveAutocannon(settings, requests, {
    response: (statusCode, responseTimeMilliseconds) => {
      const answer = lastAnswer;
      lastAnswer = undefined;
      tally.answered(answer, statusCode, responseTimeMilliseconds);
    },
    requestError: (error) => tally.requestFailed(error),
    tick: cutInterval,
  });

  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const serverReadings = await Promise.all(readings);
  const withServer = withServerColumns(intervals, serverReadings);
  const operations = tally.operationResults(elapsedSeconds);
  const successes = operations.reduce((sum, operation) => sum + operation.successes, 0);
  const commits = operations.find((operation) => operation.operation === "commit")?.successes ?? 0;

  return {
    name: settings.name,
    target: settings.target,
    mode: "http",
    elapsedSeconds,
    requestsPerSecond: successes / elapsedSeconds,
    receiptsPerSecond: settings.target === "loycore" ? commits / elapsedSeconds : 0,
    operations,
    intervals: withServer,
    server: sampler === null ? null : serverSummary(withServer, serverReadings),
    clientCpuPercentAverage: (100 * (cpu.user + cpu.system)) / 1_000_000 / elapsedSeconds,
    notes: httpPhaseNotes(settings, requestsSent, tally.answers),
  };
}
