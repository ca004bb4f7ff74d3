import type { LoadMode, PhaseResult, ScenarioResult } from "../scenario-result.js";
import { ceilingRatios } from "./ceiling-ratios.js";
import { escapeHtml } from "./escape-html.js";
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
import { percentileSpectrum, SPECTRUM_TICKS } from "./percentile-spectrum.js";
import { chooseScale, lineChart } from "./svg-chart.js";
import type { ChartSeries } from "./svg-chart.js";

/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, font or network) that a person
 * opens from a laptop, offline. Every string from the result is escaped: settings come from the command line.
 */

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1120px; padding: 0 16px; color: #1b1b1b; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 15px; }
table { border-collapse: collapse; margin: 8px 0 16px; } th, td { border: 1px solid #d4d4d4; padding: 3px 8px; text-align: left; }
td.number { text-align: right; font-variant-numeric: tabular-nums; } th { background: #f3f3f3; }
.met { color: #0a6b2e; font-weight: 600; } .not-met { color: #b3001b; font-weight: 600; } .muted { color: #666; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 12px; }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid #e4e4e4; }
svg .grid { stroke: #ececec; } svg .frame { fill: none; stroke: #999; } svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .chart-title { font-size: 13px; font-weight: 600; } svg .empty { fill: #999; font-size: 14px; }
`;

function cell(text: string, numeric = false): string {
  return numeric ? `<td class="number">${escapeHtml(text)}</td>` : `<td>${escapeHtml(text)}</td>`;
}

function headerRow(names: readonly string[]): string {
  return `<tr>${names.map((name) => `<th>${escapeHtml(name)}</th>`).join("")}</tr>`;
}

function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  return `<table>${rows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th>${cell(value)}</tr>`).join("")}</table>`;
}

function machineSection(result: ScenarioResult): string {
  const machine = result.machine;
  return `<h2>Machine</h2>${keyValueTable([
    ["CPU", machine.cpuModel],
    ["cores", String(machine.cores)],
    ["memory", `${machine.totalMemoryGibibytes.toFixed(1)} GiB`],
    ["Node", machine.nodeVersion],
    ["platform", machine.platform],
    ["load average at start (1, 5, 15 min)", machine.loadAverageAtStart.map((load) => load.toFixed(2)).join(" ")],
  ])}`;
}

function settingsSection(result: ScenarioResult): string {
  const rows = Object.entries(result.settings).map(([name, value]): [string, string] => [name, value === null ? "-" : String(value)]);
  return `<h2>Settings</h2>${rows.length === 0 ? `<p class="muted">none recorded</p>` : keyValueTable(rows)}`;
}

function phaseTable(phase: PhaseResult): string {
  const rows = phase.operations.map((operation) => {
    const latency = operation.latency;
    return `<tr>${cell(operation.operation)}${cell(operation.successes.toLocaleString("en-US"), true)}${cell(formatRate(operation.successesPerSecond), true)}${[
      latency?.p50Milliseconds,
      latency?.p90Milliseconds,
      latency?.p99Milliseconds,
      latency?.p999Milliseconds,
      latency?.maxMilliseconds,
    ]
      .map((value) => cell(formatMilliseconds(value), true))
      .join("")}${cell(formatErrors(operation.errorsByCode))}</tr>`;
  });
  const server = phase.server;
  const resources =
    server === null
      ? `server: not measured; client CPU ${formatPercent(phase.clientCpuPercentAverage)}`
      : `server CPU ${formatPercent(server.cpuPercentAverage)} average, ${formatPercent(server.cpuPercentMax)} max; RSS ${formatMebibytes(server.rssMebibytesMax)} max, ${formatMebibytes(server.rssMebibytesAtEnd)} at end; client CPU ${formatPercent(phase.clientCpuPercentAverage)}`;
  return `<h3>${escapeHtml(phase.name)} <span class="muted">(${escapeHtml(phase.target)}, ${escapeHtml(phase.mode)}, ${escapeHtml(formatSeconds(phase.elapsedSeconds))})</span>: ${escapeHtml(formatRate(phase.requestsPerSecond))} requests/s, ${escapeHtml(formatRate(phase.receiptsPerSecond))} receipts/s</h3>
<table>${headerRow(["operation", "successes", "successes/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms", "errors"])}${rows.join("")}</table>
<p>${escapeHtml(resources)}</p>${phase.notes.length === 0 ? "" : `<ul class="muted">${phase.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>`}`;
}

function ratioSection(result: ScenarioResult): string {
  const ratios = ceilingRatios(result);
  if (ratios.length === 0) return "";
  const rows = ratios.map(
    (ratio) =>
      `<tr>${cell(ratio.phase.name)}${cell(ratio.phase.mode)}${cell(ratio.ceiling.name)}${cell(formatRate(ratio.ceiling.requestsPerSecond), true)}${cell(formatRatio(ratio.requestsRatio), true)}${cell(formatRatio(ratio.receiptsRatio), true)}</tr>`,
  );
  return `<h2>Share of the ceiling</h2><p class="muted">Each loycore phase against the ceiling phase of the same mode in the same run.</p>
<table>${headerRow(["phase", "mode", "ceiling", "ceiling requests/s", "requests/s share", "receipts/s share"])}${rows.join("")}</table>`;
}

function checksSection(result: ScenarioResult): string {
  if (result.checks.length === 0) return "";
  const rows = result.checks.map((check) => {
    const verdict = check.met === null ? `<td class="muted">reported</td>` : check.met ? `<td class="met">met</td>` : `<td class="not-met">NOT met</td>`;
    const bound = check.target === null ? "no target" : `${check.direction} ${formatMeasured(check.target, check.unit)}`;
    return `<tr>${cell(check.name)}${cell(formatMeasured(check.measured, check.unit), true)}${cell(bound)}${verdict}</tr>`;
  });
  return `<h2>Checks</h2><table>${headerRow(["check", "measured", "target", "verdict"])}${rows.join("")}</table>`;
}

function datasetSection(result: ScenarioResult): string {
  const dataset = result.dataset;
  if (dataset === null) return "";
  return `<h2>Dataset</h2>${keyValueTable([
    ["members", dataset.members.toLocaleString("en-US")],
    ["import", formatSeconds(dataset.importSeconds)],
    ["members/s", formatRate(dataset.membersPerSecond)],
    ["server start", formatSeconds(dataset.serverStartSeconds)],
    ["server RSS after start", formatMebibytes(dataset.serverRssMebibytesAfterStart)],
  ])}`;
}

function overTimeCharts(phase: PhaseResult, index: number): string {
  const intervals = phase.intervals;
  const throughput: ChartSeries[] = [
    { label: "requests/s", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.requestsPerSecond })) },
    { label: "receipts/s", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.receiptsPerSecond })) },
  ];
  if (intervals.some((sample) => sample.offeredPerSecond !== null)) {
    throughput.push({ label: "offered/s", dashed: true, points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.offeredPerSecond })) });
  }
  throughput.push({ label: "errors/s", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.errorsPerSecond })) });

  const latencySeries: ChartSeries[] = [
    { label: "p50", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.p50Milliseconds })) },
    { label: "p99", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.p99Milliseconds })) },
    { label: "max", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.maxMilliseconds })) },
  ];
  const latencyValues = intervals.flatMap((sample) => [sample.p50Milliseconds, sample.p99Milliseconds, sample.maxMilliseconds]);

  const charts = [
    lineChart({ id: `throughput-${index}`, title: `${phase.name}: throughput`, xLabel: "seconds", yLabel: "per second", yScale: "linear", series: throughput }),
    lineChart({ id: `latency-${index}`, title: `${phase.name}: latency`, xLabel: "seconds", yLabel: "ms", yScale: chooseScale(latencyValues), series: latencySeries }),
  ];
  const hasServerFigures = intervals.some((sample) => sample.serverCpuPercent !== null || sample.serverRssMebibytes !== null);
  if (hasServerFigures) {
    charts.push(
      lineChart({
        id: `server-cpu-${index}`,
        title: `${phase.name}: server CPU (100 % = one core)`,
        xLabel: "seconds",
        yLabel: "%",
        yScale: "linear",
        series: [{ label: "server CPU %", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.serverCpuPercent })) }],
      }),
      lineChart({
        id: `server-rss-${index}`,
        title: `${phase.name}: server resident memory`,
        xLabel: "seconds",
        yLabel: "MiB",
        yScale: "linear",
        series: [{ label: "server RSS MiB", points: intervals.map((sample) => ({ x: sample.atSeconds, y: sample.serverRssMebibytes })) }],
      }),
    );
  }
  return `<h3>${escapeHtml(phase.name)} over time</h3>${hasServerFigures ? "" : `<p class="muted">No server figures for this phase (remote server or not measurable).</p>`}<div class="charts">${charts.join("")}</div>`;
}

function distributionCharts(result: ScenarioResult): string {
  const modes = [...new Set(result.phases.map((phase) => phase.mode))];
  const sections = modes.map((mode: LoadMode) => {
    const series: ChartSeries[] = [];
    const values: number[] = [];
    for (const phase of result.phases.filter((candidate) => candidate.mode === mode)) {
      for (const operation of phase.operations) {
        if (operation.histogramBase64 === null) continue;
        const points = percentileSpectrum(operation.histogramBase64);
        values.push(...points.map((point) => point.y ?? 0));
        series.push({ label: `${phase.name} ${operation.operation}`, dashed: phase.target === "ceiling", points });
      }
    }
    if (series.length === 0) return `<p class="muted">${escapeHtml(mode)}: no latency histogram to draw (no successes).</p>`;
    return lineChart({
      id: `distribution-${mode}`,
      title: `${mode}: latency by percentile (ceiling dashed)`,
      xLabel: "percentile",
      yLabel: "ms",
      yScale: chooseScale(values),
      xTicks: SPECTRUM_TICKS,
      series,
    });
  });
  return `<h2>Latency distribution</h2><div class="charts">${sections.join("")}</div>`;
}

function notesSection(result: ScenarioResult): string {
  if (result.notes.length === 0) return "";
  return `<h2>Notes</h2><ul>${result.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>`;
}

export function renderHtmlReport(result: ScenarioResult): string {
  const title = `loycore benchmark: ${result.scenario}, ${result.startedAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">${escapeHtml(result.phases.map((phase) => `${phase.name} (${phase.target}, ${phase.mode})`).join(" · "))}</p>
${checksSection(result)}
${ratioSection(result)}
<h2>Phases</h2>
${result.phases.map((phase) => phaseTable(phase)).join("\n")}
${datasetSection(result)}
<h2>Over time</h2>
${result.phases.map((phase, index) => overTimeCharts(phase, index)).join("\n")}
${distributionCharts(result)}
${machineSection(result)}
${settingsSection(result)}
${notesSection(result)}
</body>
</html>
`;
}
