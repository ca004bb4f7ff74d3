/**
 * What every scenario of the benchmark kit produces. The table printer, the JSON file and the HTML
 * report read only this shape, so a scenario never formats its own output and the reports of all
 * scenarios look alike. Figures are plain numbers (JSON-safe); absent figures are null.
 *
 * Latencies are milliseconds measured by the load client. In an open-loop phase a request's latency is
 * measured from its intended start time (no coordinated omission), in a closed-loop phase from the
 * moment it was sent.
 */

/** Percentiles of one operation's successful requests over a phase or an interval. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Milliseconds: number;
  readonly p90Milliseconds: number;
  readonly p99Milliseconds: number;
  readonly p999Milliseconds: number;
  readonly maxMilliseconds: number;
  readonly meanMilliseconds: number;
}

/** One operation (ping, identify, calculate, commit, refund, ...) over a whole phase. */
export interface OperationResult {
  readonly operation: string;
  readonly successes: number;
  readonly successesPerSecond: number;
  /** Null when no request of this operation succeeded. */
  readonly latency: LatencySummary | null;
  /** Failed requests by error code (protocol codes, or the client's own such as TIMEOUT). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /**
   * The whole-phase latency histogram, HdrHistogram's compressed base64 encoding (microseconds), so that
   * a report can draw the distribution and other tools can merge runs. Null when there were no successes.
   */
  readonly histogramBase64: string | null;
}

/** One second (or one sampling interval) of a phase, for the over-time charts. */
export interface IntervalSample {
  /** End of the interval, seconds from the start of the phase. */
  readonly atSeconds: number;
  /** Arrivals scheduled in this interval (open loop only), per second. */
  readonly offeredPerSecond: number | null;
  /** Successful requests of every operation, per second. */
  readonly requestsPerSecond: number;
  /** Committed receipts per second. */
  readonly receiptsPerSecond: number;
  readonly errorsPerSecond: number;
  /** Latency of every operation in this interval; null when nothing succeeded in it. */
  readonly p50Milliseconds: number | null;
  readonly p99Milliseconds: number | null;
  readonly maxMilliseconds: number | null;
  /** The server's CPU (100 = one core busy) and resident memory, when the kit can read them. */
  readonly serverCpuPercent: number | null;
  readonly serverRssMebibytes: number | null;
}

/**
 * The name of a loycore phase that only warms up (the JIT on both sides, loycore's answer sizes for the
 * ceiling): its figures are kept but it is never compared with the ceiling.
 */
export const WARM_UP_PHASE_NAME = "warm-up";

/** Which server a phase ran against. */
export type PhaseTarget = "loycore" | "ceiling";

/** How the load was offered. */
export type LoadMode = "lanes" | "open-loop" | "pipelined" | "http" | "import";

/** One run of one load against one server. A scenario has a ceiling phase and a loycore phase. */
export interface PhaseResult {
  /** For people: "ceiling", "loycore", "warm-up", "maximum", "peak hour", ... */
  readonly name: string;
  readonly target: PhaseTarget;
  readonly mode: LoadMode;
  readonly elapsedSeconds: number;
  /** Successful requests of every operation per second. */
  readonly requestsPerSecond: number;
  /** Committed receipts per second (0 for a ceiling phase, which commits nothing). */
  readonly receiptsPerSecond: number;
  readonly operations: readonly OperationResult[];
  readonly intervals: readonly IntervalSample[];
  /** Averages and peaks of the server's CPU and memory over the phase; null when not measurable. */
  readonly server: {
    readonly cpuPercentAverage: number | null;
    readonly cpuPercentMax: number | null;
    readonly rssMebibytesMax: number | null;
    readonly rssMebibytesAtEnd: number | null;
    /**
     * Server CPU time per committed receipt, in microseconds (CPU of every
     * server thread over the phase divided by the receipts committed; null
     * without receipts or a CPU reading): the cost the durable design is
     * measured by, comparable across builds whatever the load client manages.
     */
    readonly cpuMicrosecondsPerReceipt?: number | null;
  } | null;
  /** The load client's own CPU over the phase (100 = one core), to show whether it was the bottleneck. */
  readonly clientCpuPercentAverage: number | null;
  /** Anything a reader should know about this phase (free text, one line each). */
  readonly notes: readonly string[];
}

/** A figure compared with what the issue asks of it. */
export interface TargetCheck {
  /** "requests/s as a share of the ceiling", "p99 of receipts at half the maximum", ... */
  readonly name: string;
  readonly measured: number;
  /** "ratio", "ms", "receipts/s", ... */
  readonly unit: string;
  /** The bound the figure must respect, or null when the figure is only reported. */
  readonly target: number | null;
  /** "at-least" or "at-most" the target. */
  readonly direction: "at-least" | "at-most";
  /** Null when there is no target. */
  readonly met: boolean | null;
}

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGibibytes: number;
  readonly nodeVersion: string;
  readonly platform: string;
  /** Load average when the run started: a shared machine shows it here. */
  readonly loadAverageAtStart: readonly number[];
}

/** The whole outcome of `npm run bench -- <scenario>`. */
export interface ScenarioResult {
  /** lanes, peak, pipelined, http, dataset. */
  readonly scenario: string;
  /** ISO 8601 time the run started. */
  readonly startedAt: string;
  readonly machine: MachineDescription;
  /** Every option the scenario ran with, defaults included, so that a run can be repeated. */
  readonly settings: Readonly<Record<string, string | number | boolean | null>>;
  readonly phases: readonly PhaseResult[];
  readonly checks: readonly TargetCheck[];
  /** Dataset import and start-up figures (members/s, start-up seconds, RSS after start), when measured. */
  readonly dataset: {
    readonly members: number;
    readonly importSeconds: number | null;
    readonly membersPerSecond: number | null;
    readonly serverStartSeconds: number | null;
    readonly serverRssMebibytesAfterStart: number | null;
  } | null;
  readonly notes: readonly string[];
}
