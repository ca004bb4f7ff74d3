import { cpus, totalmem } from "node:os";
import type { OperationStatistics } from "./operation-statistics.js";

export interface MachineDescription {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryGibibytes: number;
  readonly nodeVersion: string;
  readonly platform: string;
}

export function describeMachine(): MachineDescription {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? "unknown",
    cores: processors.length,
    totalMemoryGibibytes: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    nodeVersion: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

export interface OperationReport {
  readonly operation: string;
  /** Successful requests. */
  readonly count: number;
  readonly throughputPerSecond: number;
  /** Latency of successful requests; undefined when there were none. */
  readonly p50Milliseconds: number | undefined;
  readonly p99Milliseconds: number | undefined;
  readonly p999Milliseconds: number | undefined;
  readonly maxMilliseconds: number | undefined;
  /** Failed requests by error code. */
  readonly errors: Readonly<Record<string, number>>;
}

function microsecondsToMilliseconds(microseconds: number): number {
  return Math.round(microseconds) / 1000;
}

export function reportOperation(statistics: OperationStatistics, elapsedSeconds: number): OperationReport {
  const histogram = statistics.histogram;
  const count = statistics.successCount;
  const latency = (percentile: number): number | undefined =>
    count === 0 ? undefined : microsecondsToMilliseconds(histogram.getValueAtPercentile(percentile));
  return {
    operation: statistics.operation,
    count,
    throughputPerSecond: elapsedSeconds > 0 ? Math.round(count / elapsedSeconds) : 0,
    p50Milliseconds: latency(50),
    p99Milliseconds: latency(99),
    p999Milliseconds: latency(99.9),
    maxMilliseconds: count === 0 ? undefined : microsecondsToMilliseconds(histogram.maxValue),
    errors: Object.fromEntries([...statistics.errorsByCode].sort(([first], [second]) => first.localeCompare(second))),
  };
}

// ---------------------------------------------------------------------------
// Group commit figures from the gateway's /metrics
// ---------------------------------------------------------------------------

/** The gateway's histograms of commits per LMDB batch and of batch write time. */
const BATCH_SIZE_METRIC = "loycore_shard_commit_batch_size";
const COMMIT_SECONDS_METRIC = "loycore_shard_commit_seconds";

/** One _sum and _count line per shard thread; 64 lines covers 32 shards and bounds the report. */
const METRIC_LINES_MAX = 64;

/** /metrics answers at once unless the gateway is stuck; the bench must not be stuck with it. */
const METRICS_FETCH_TIMEOUT_MILLISECONDS = 5_000;

export interface GroupCommitReport {
  /** The _sum and _count lines of both metrics, as the gateway printed them (buckets left out). */
  readonly lines: readonly string[];
  /** Each _sum and _count summed over every shard, by metric name. */
  readonly totals: Readonly<Record<string, number>>;
  /** Commits per batch: sum of _sum / sum of _count (over the checkout phase when measured before it too). */
  readonly batchSizeAverage: number | undefined;
  /** Seconds per batch write, the same way. */
  readonly commitSecondsAverage: number | undefined;
}

const METRIC_LINE_PATTERN = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

function averageOf(totals: Readonly<Record<string, number>>, metric: string): number | undefined {
  const sum = totals[`${metric}_sum`];
  const count = totals[`${metric}_count`];
  return sum === undefined || count === undefined || count <= 0 ? undefined : sum / count;
}

/** Reads the group-commit figures from Prometheus text; absent metrics give empty figures. */
export function readGroupCommitMetrics(text: string): GroupCommitReport {
  const lines: string[] = [];
  const totals: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = METRIC_LINE_PATTERN.exec(line);
    if (match === null) continue;
    const name = match[1] ?? "";
    const isWanted = [BATCH_SIZE_METRIC, COMMIT_SECONDS_METRIC].some(
      (metric) => name === `${metric}_sum` || name === `${metric}_count`,
    );
    if (!isWanted) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) totals[name] = (totals[name] ?? 0) + value;
    if (lines.length < METRIC_LINES_MAX) lines.push(line);
  }
  return {
    lines,
    totals,
    batchSizeAverage: averageOf(totals, BATCH_SIZE_METRIC),
    commitSecondsAverage: averageOf(totals, COMMIT_SECONDS_METRIC),
  };
}

/**
 * The figures of what happened between two readings: the gateway's counters include its start-up
 * (demo enrollment) and earlier runs, which would blur the checkout phase's batch sizes.
 */
export function groupCommitBetween(before: GroupCommitReport, after: GroupCommitReport): GroupCommitReport {
  const totals: Record<string, number> = {};
  for (const [name, value] of Object.entries(after.totals)) totals[name] = value - (before.totals[name] ?? 0);
  return {
    lines: after.lines,
    totals,
    batchSizeAverage: averageOf(totals, BATCH_SIZE_METRIC),
    commitSecondsAverage: averageOf(totals, COMMIT_SECONDS_METRIC),
  };
}

/** GET <http url>/metrics (no token); a failure is reported, not thrown: the run's figures stand. */
export async function fetchGroupCommitMetrics(httpUrl: string): Promise<GroupCommitReport | { readonly error: string }> {
  const metricsUrl = new URL("/metrics", httpUrl);
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(METRICS_FETCH_TIMEOUT_MILLISECONDS) });
    if (!response.ok) return { error: `GET ${metricsUrl.href} answered ${response.status}` };
    return readGroupCommitMetrics(await response.text());
  } catch (error) {
    return { error: `GET ${metricsUrl.href} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** ws://host:port/v1/ws -> http://host:port (wss -> https): where /metrics and the admin API are. */
export function httpUrlOf(webSocketUrl: string): string {
  const url = new URL(webSocketUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  return url.origin;
}

// ---------------------------------------------------------------------------
// The whole report
// ---------------------------------------------------------------------------

export interface BenchReport {
  readonly machine: MachineDescription;
  readonly gateway: { readonly startedByBench: boolean; readonly webSocketUrl: string };
  readonly settings: {
    readonly lanes: number;
    readonly connections: number;
    readonly members: number;
    readonly durationSeconds: number;
    readonly pingSeconds: number;
  };
  /** The ping phase: what this Node client can push with these lanes and connections. */
  readonly clientCeiling: { readonly elapsedSeconds: number; readonly ping: OperationReport } | undefined;
  /** Enrollment of the bench's own members (with --url and no --cards-file). */
  readonly enrollment: { readonly elapsedSeconds: number; readonly enroll: OperationReport } | undefined;
  readonly checkout: { readonly elapsedSeconds: number; readonly operations: readonly OperationReport[] };
  readonly groupCommit: GroupCommitReport | { readonly error: string };
}

function formatMilliseconds(milliseconds: number | undefined): string {
  return milliseconds === undefined ? "-" : milliseconds.toFixed(3);
}

function formatErrors(errors: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? "-" : entries.map(([code, count]) => `${code}=${count}`).join(" ");
}

function formatOperationTable(operations: readonly OperationReport[]): string {
  const header = ["op", "count", "throughput/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors"];
  const rows = operations.map((operation) => [
    operation.operation,
    String(operation.count),
    String(operation.throughputPerSecond),
    formatMilliseconds(operation.p50Milliseconds),
    formatMilliseconds(operation.p99Milliseconds),
    formatMilliseconds(operation.p999Milliseconds),
    formatMilliseconds(operation.maxMilliseconds),
    formatErrors(operation.errors),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)));
  const formatRow = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        // Names and error lists read left to right; numbers line up on the right.
        return column === 0 || column === cells.length - 1 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  return [formatRow(header), ...rows.map(formatRow)].join("\n");
}

export function formatReport(report: BenchReport): string {
  const { machine, settings } = report;
  const sections: string[] = [
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGibibytes} GiB, node ${machine.nodeVersion}, ${machine.platform}`,
    `gateway: ${report.gateway.startedByBench ? "started by the bench on this machine (it shares the CPU with the bench)" : "given with --url"}: ${report.gateway.webSocketUrl}`,
    `load: ${settings.lanes} lanes over ${settings.connections} connections, ${settings.members} members, ${settings.durationSeconds} s`,
  ];
  if (report.clientCeiling !== undefined) {
    sections.push(
      "",
      `client ceiling (ping, ${report.clientCeiling.elapsedSeconds.toFixed(1)} s): ${report.clientCeiling.ping.throughputPerSecond} requests/s`,
      formatOperationTable([report.clientCeiling.ping]),
    );
  }
  if (report.enrollment !== undefined) {
    sections.push(
      "",
      `enrollment (${report.enrollment.elapsedSeconds.toFixed(1)} s)`,
      formatOperationTable([report.enrollment.enroll]),
    );
  }
  sections.push(
    "",
    `checkout (calculate then commit, ${report.checkout.elapsedSeconds.toFixed(1)} s)`,
    formatOperationTable(report.checkout.operations),
    "",
  );
  const groupCommit = report.groupCommit;
  if ("error" in groupCommit) {
    sections.push(`group commit: no figures (${groupCommit.error})`);
  } else if (groupCommit.lines.length === 0) {
    sections.push(`group commit: the gateway's /metrics has no ${BATCH_SIZE_METRIC} or ${COMMIT_SECONDS_METRIC}`);
  } else {
    const batchSize = groupCommit.batchSizeAverage;
    const commitSeconds = groupCommit.commitSecondsAverage;
    sections.push(
      `group commit during checkout: ${batchSize === undefined ? "-" : batchSize.toFixed(2)} commits per batch on average, ` +
        `${commitSeconds === undefined ? "-" : (commitSeconds * 1000).toFixed(3)} ms per batch write`,
      ...groupCommit.lines.map((line) => `  ${line}`),
    );
  }
  return sections.join("\n");
}
