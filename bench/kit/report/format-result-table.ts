import type { ScenarioResult } from "../scenario-result.js";

function figure(value: number | null | undefined): string {
  return value === null || value === undefined ? "-" : String(value);
}

/** The end-of-run table: one row per operation of each phase, then the target checks. */
export function formatResultTable(result: ScenarioResult): string {
  const lines: string[] = [`scenario ${result.scenario}, started ${result.startedAt}`];
  for (const phase of result.phases) {
    lines.push(`${phase.name} (${phase.target}, ${phase.mode}): ${phase.requestsPerSecond} requests/s, ${phase.receiptsPerSecond} receipts/s`);
    for (const operation of phase.operations) {
      const latency = operation.latency;
      lines.push(
        `  ${operation.operation}: ${operation.successesPerSecond}/s p50 ${figure(latency?.p50Milliseconds)} p99 ${figure(latency?.p99Milliseconds)} max ${figure(latency?.maxMilliseconds)} ms errors ${JSON.stringify(operation.errorsByCode)}`,
      );
    }
  }
  for (const check of result.checks) {
    lines.push(`check ${check.name}: ${check.measured} ${check.unit} (target ${check.direction} ${figure(check.target)}) ${check.met === null ? "" : check.met ? "met" : "NOT met"}`);
  }
  return lines.join("\n");
}
