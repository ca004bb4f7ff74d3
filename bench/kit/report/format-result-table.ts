import type { PhaseResult, ScenarioResult, TargetCheck } from "../scenario-result.js";
import { ceilingRatios } from "./ceiling-ratios.js";
import {
  formatErrors,
  formatMeasured,
  formatMebibytes,
  formatMilliseconds,
  formatPercent,
  formatRate,
  formatRatio,
  formatSeconds,
} from "./figures.js";

/** Columns of the per-operation rows: name, then right-aligned figures, then errors (free width). */
const OPERATION_COLUMN_WIDTH = 12;
const FIGURE_COLUMN_WIDTH = 12;
const LATENCY_COLUMN_WIDTH = 10;

function row(operation: string, figures: readonly string[], errors: string): string {
  const [rate = "", ...latencies] = figures;
  return `  ${operation.padEnd(OPERATION_COLUMN_WIDTH)}${rate.padStart(FIGURE_COLUMN_WIDTH)}${latencies
    .map((latency) => latency.padStart(LATENCY_COLUMN_WIDTH))
    .join("")}  ${errors}`;
}

function phaseLines(phase: PhaseResult): string[] {
  const lines = [
    `${phase.name} (${phase.target}, ${phase.mode}), ${formatSeconds(phase.elapsedSeconds)}: ${formatRate(phase.requestsPerSecond)} requests/s, ${formatRate(phase.receiptsPerSecond)} receipts/s`,
    row("operation", ["successes/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms"], "errors"),
  ];
  for (const operation of phase.operations) {
    const latency = operation.latency;
    lines.push(
      row(
        operation.operation,
        [
          formatRate(operation.successesPerSecond),
          formatMilliseconds(latency?.p50Milliseconds),
          formatMilliseconds(latency?.p90Milliseconds),
          formatMilliseconds(latency?.p99Milliseconds),
          formatMilliseconds(latency?.p999Milliseconds),
          formatMilliseconds(latency?.maxMilliseconds),
        ],
        formatErrors(operation.errorsByCode),
      ),
    );
  }
  const server = phase.server;
  lines.push(
    server === null
      ? `  server: not measured; client CPU ${formatPercent(phase.clientCpuPercentAverage)}`
      : `  server CPU ${formatPercent(server.cpuPercentAverage)} average, ${formatPercent(server.cpuPercentMax)} max${
          server.cpuMicrosecondsPerReceipt === undefined || server.cpuMicrosecondsPerReceipt === null ? "" : `, ${server.cpuMicrosecondsPerReceipt} us per committed receipt`
        }; RSS ${formatMebibytes(server.rssMebibytesMax)} max, ${formatMebibytes(server.rssMebibytesAtEnd)} at end; client CPU ${formatPercent(phase.clientCpuPercentAverage)}`,
  );
  for (const note of phase.notes) lines.push(`  note: ${note}`);
  return lines;
}

export function formatCheck(check: TargetCheck): string {
  const verdict = check.met === null ? "reported" : check.met ? "met" : "NOT met";
  const bound = check.target === null ? "no target" : `target ${check.direction} ${formatMeasured(check.target, check.unit)}`;
  return `${check.name}: ${formatMeasured(check.measured, check.unit)} (${bound}) ${verdict}`;
}

/**
 * The end-of-run table: the machine, then for each phase one row per operation (successes/s, latency
 * percentiles, errors by code) with the server's CPU and memory; then each loycore phase as a share of
 * the ceiling of the same mode; then the target checks and the dataset figures.
 */
export function formatResultTable(result: ScenarioResult): string {
  const machine = result.machine;
  const lines: string[] = [
    `scenario ${result.scenario}, started ${result.startedAt}`,
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGibibytes.toFixed(1)} GiB, Node ${machine.nodeVersion}, ${machine.platform}; load average at start ${machine.loadAverageAtStart.map((load) => load.toFixed(2)).join(" ")}`,
    `settings: ${Object.entries(result.settings)
      .map(([name, value]) => `${name}=${String(value)}`)
      .join(" ")}`,
  ];
  for (const phase of result.phases) {
    lines.push("", ...phaseLines(phase));
  }

  const ratios = ceilingRatios(result);
  if (ratios.length > 0) {
    lines.push("", "share of the ceiling (same mode, same run)");
    for (const ratio of ratios) {
      lines.push(
        `  ${ratio.phase.name} (${ratio.phase.mode}) vs ${ratio.ceiling.name}: requests/s ${formatRatio(ratio.requestsRatio)}, receipts/s ${formatRatio(ratio.receiptsRatio)} of the ceiling's ${formatRate(ratio.ceiling.requestsPerSecond)} requests/s`,
      );
    }
  }

  if (result.checks.length > 0) {
    lines.push("", "checks");
    for (const check of result.checks) lines.push(`  ${formatCheck(check)}`);
  }

  const dataset = result.dataset;
  if (dataset !== null) {
    lines.push(
      "",
      `dataset: ${dataset.members.toLocaleString("en-US")} members; import ${formatSeconds(dataset.importSeconds)} (${formatRate(dataset.membersPerSecond)} members/s); server start ${formatSeconds(dataset.serverStartSeconds)}; RSS after start ${formatMebibytes(dataset.serverRssMebibytesAfterStart)}`,
    );
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  return lines.join("\n");
}
