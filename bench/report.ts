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

/**
 * The shard threads' group-commit histograms. Their meaning is the gateway's: the report prints each
 * one's `# HELP` text next to its average rather than restating it here (batch size counted writes,
 * two per receipt, when this was written; commit time is per commit, flush time per batch).
 */
export const GROUP_COMMIT_METRICS = [
  "loycore_shard_commit_batch_size",
  "loycore_shard_commit_seconds",
  "loycore_shard_flush_seconds",
] as const;

/** One _sum and _count line per shard thread and metric; 96 lines covers 16 shards and bounds the report. */
const METRIC_LINES_MAX = 96;

/** /metrics answers at once unless the gateway is stuck; the bench must not be stuck with it. */
const METRICS_FETCH_TIMEOUT_MILLISECONDS = 5_000;

export interface GroupCommitMetric {
  readonly metric: string;
  /** The gateway's `# HELP` text, when it gave one. */
  readonly help: string | undefined;
  /** Sum of _sum over sum of _count, over every shard (over the checkout phase when read before it too). */
  readonly average: number | undefined;
}

export interface GroupCommitReport {
  /** The _sum and _count lines, as the gateway printed them (buckets left out). */
  readonly lines: readonly string[];
  /** Each _sum and _count summed over every shard, by series name. */
  readonly totals: Readonly<Record<string, number>>;
  readonly metrics: readonly GroupCommitMetric[];
}

const METRIC_LINE_PATTERN = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;
const HELP_LINE_PATTERN = /^# HELP ([A-Za-z_:][A-Za-z0-9_:]*) (.*)$/;

function summarise(
  lines: readonly string[],
  totals: Readonly<Record<string, number>>,
  helpByMetric: ReadonlyMap<string, string>,
): GroupCommitReport {
  const metrics = GROUP_COMMIT_METRICS.filter(
    (metric) => totals[`${metric}_count`] !== undefined || helpByMetric.has(metric),
  ).map((metric) => {
    const sum = totals[`${metric}_sum`];
    const count = totals[`${metric}_count`];
    return {
      metric,
      help: helpByMetric.get(metric),
      average: sum === undefined || count === undefined || count <= 0 ? undefined : sum / count,
    };
  });
  return { lines, totals, metrics };
}

/** Reads the group-commit figures from Prometheus text; absent metrics are left out. */
export function readGroupCommitMetrics(text: string): GroupCommitReport {
  const wanted: ReadonlySet<string> = new Set(GROUP_COMMIT_METRICS);
  const lines: string[] = [];
  const totals: Record<string, number> = {};
  const helpByMetric = new Map<string, string>();
  for (const line of text.split("\n")) {
    const help = HELP_LINE_PATTERN.exec(line);
    if (help !== null) {
      const [, metric = "", text = ""] = help;
      if (wanted.has(metric)) helpByMetric.set(metric, text);
      continue;
    }
    const match = METRIC_LINE_PATTERN.exec(line);
    if (match === null) continue;
    const series = match[1] ?? "";
    const isWanted = GROUP_COMMIT_METRICS.some((metric) => series === `${metric}_sum` || series === `${metric}_count`);
    if (!isWanted) continue;
    const value = Number(match[3]);
    if (Number.isFinite(value)) totals[series] = (totals[series] ?? 0) + value;
    if (lines.length < METRIC_LINES_MAX) lines.push(line);
  }
  return summarise(lines, totals, helpByMetric);
}

/**
 * The figures of what happened between two readings: the gateway's counters include its start-up
 * (demo enrollment) and earlier runs, which would blur the checkout phase's figures.
 */
export function groupCommitBetween(before: GroupCommitReport, after: GroupCommitReport): GroupCommitReport {
  const totals: Record<string, number> = {};
  for (const [series, value] of Object.entries(after.totals)) totals[series] = value - (before.totals[series] ?? 0);
  const helpByMetric = new Map<string, string>();
  for (const { metric, help } of after.metrics) if (help !== undefined) helpByMetric.set(metric, help);
  return summarise(after.lines, totals, helpByMetric);
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
  } else if (groupCommit.metrics.length === 0) {
    sections.push(`group commit: the gateway's /metrics has none of ${GROUP_COMMIT_METRICS.join(", ")}`);
  } else {
    sections.push("group commit during checkout (average = sum / count over every shard):");
    for (const { metric, help, average } of groupCommit.metrics) {
      // Durations read better in milliseconds, like the latency table.
      const figure =
        average === undefined ? "-" : metric.endsWith("_seconds") ? `${(average * 1000).toFixed(3)} ms` : average.toFixed(2);
      sections.push(`  ${metric}: ${figure}${help === undefined ? "" : `  (${help})`}`);
    }
    sections.push("gateway lines at the end of the run:", ...groupCommit.lines.map((line) => `  ${line}`));
  }
  return sections.join("\n");
}
