import { escapeHtml } from "./escape-html.js";

/**
 * Line charts as inline SVG, drawn here so that the report needs no script, font or network: it opens
 * offline from a laptop. One `<svg>` per chart, one `<polyline>` per unbroken run of a series (a null
 * value breaks the line rather than drawing it through zero).
 */

const CHART_WIDTH_PIXELS = 760;
const CHART_HEIGHT_PIXELS = 300;
const MARGIN_LEFT_PIXELS = 64;
const MARGIN_RIGHT_PIXELS = 16;
const MARGIN_TOP_PIXELS = 28;
/** Room for the x tick labels, the x axis name and one row of legend. */
const MARGIN_BOTTOM_PIXELS = 70;
const LEGEND_ITEM_WIDTH_PIXELS = 180;
const LEGEND_ITEMS_PER_ROW = 4;
const LEGEND_ROW_HEIGHT_PIXELS = 14;
/** About five grid lines: enough to read a value, few enough not to clutter a small chart. */
const LINEAR_TICKS_WANTED = 5;
/** Colours that stay apart for the colour-blind (Okabe-Ito), then repeat. */
const SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"] as const;

export interface ChartPoint {
  readonly x: number;
  readonly y: number | null;
}

export interface ChartSeries {
  readonly label: string;
  readonly points: readonly ChartPoint[];
  /** Drawn dashed: used for ceiling phases, so they read as the reference line. */
  readonly dashed?: boolean;
}

export interface ChartTick {
  readonly value: number;
  readonly label: string;
}

export type ChartScale = "linear" | "log";

export interface LineChartSettings {
  /** Identifies the chart in the page (data-chart attribute), e.g. "throughput-loycore". */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly yScale: ChartScale;
  /** Ticks of the x axis when the default (about five round numbers) does not fit, as for percentiles. */
  readonly xTicks?: readonly ChartTick[];
}

/** A latency chart turns logarithmic when its values spread over more than this factor. */
const LOG_SCALE_SPREAD_FACTOR = 20;

/** Linear while values stay within a factor of 20 of each other, logarithmic beyond: spikes stay readable. */
export function chooseScale(values: readonly (number | null)[]): ChartScale {
  const positive = values.filter((value): value is number => value !== null && value > 0);
  if (positive.length === 0) return "linear";
  return Math.max(...positive) / Math.min(...positive) > LOG_SCALE_SPREAD_FACTOR ? "log" : "linear";
}

function niceStep(span: number): number {
  const rough = span / LINEAR_TICKS_WANTED;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

function tickLabel(value: number): string {
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1_000_000) return `${Number((value / 1_000_000).toPrecision(3))}M`;
  if (magnitude >= 10_000) return `${Number((value / 1_000).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

function linearTicks(minimum: number, maximum: number): ChartTick[] {
  const step = niceStep(maximum - minimum);
  const ticks: ChartTick[] = [];
  for (let value = Math.ceil(minimum / step) * step; value <= maximum + step / 1e6; value += step) {
    ticks.push({ value, label: tickLabel(value) });
  }
  return ticks;
}

interface Axis {
  readonly minimum: number;
  readonly maximum: number;
  readonly ticks: readonly ChartTick[];
  readonly scale: ChartScale;
}

function yAxis(values: readonly number[], scale: ChartScale): Axis {
  if (scale === "log") {
    const positive = values.filter((value) => value > 0);
    const low = positive.length === 0 ? 0 : Math.floor(Math.log10(Math.min(...positive)));
    const high = positive.length === 0 ? 1 : Math.max(Math.ceil(Math.log10(Math.max(...positive))), low + 1);
    const ticks: ChartTick[] = [];
    for (let power = low; power <= high; power += 1) ticks.push({ value: 10 ** power, label: tickLabel(10 ** power) });
    return { minimum: 10 ** low, maximum: 10 ** high, ticks, scale };
  }
  const highest = values.length === 0 ? 0 : Math.max(...values);
  const lowest = Math.min(0, ...values);
  const maximum = highest <= lowest ? lowest + 1 : lowest + Math.ceil((highest - lowest) / niceStep(highest - lowest)) * niceStep(highest - lowest);
  return { minimum: lowest, maximum, ticks: linearTicks(lowest, maximum), scale };
}

function xAxis(values: readonly number[], ticks: readonly ChartTick[] | undefined): Axis {
  const tickValues = ticks?.map((tick) => tick.value) ?? [];
  const all = [...values, ...tickValues];
  const minimum = all.length === 0 ? 0 : Math.min(...all);
  const maximumSeen = all.length === 0 ? 1 : Math.max(...all);
  const maximum = maximumSeen > minimum ? maximumSeen : minimum + 1;
  return { minimum, maximum, ticks: ticks ?? linearTicks(minimum, maximum), scale: "linear" };
}

function position(axis: Axis, value: number, fromPixels: number, toPixels: number): number {
  const fraction =
    axis.scale === "log"
      ? (Math.log10(value) - Math.log10(axis.minimum)) / (Math.log10(axis.maximum) - Math.log10(axis.minimum))
      : (value - axis.minimum) / (axis.maximum - axis.minimum);
  return fromPixels + fraction * (toPixels - fromPixels);
}

/** Unbroken runs of a series: a null (or, on a log scale, a value that is not positive) ends a run. */
export function seriesSegments(points: readonly ChartPoint[], scale: ChartScale): { x: number; y: number }[][] {
  const segments: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  for (const point of points) {
    if (point.y === null || !Number.isFinite(point.y) || (scale === "log" && point.y <= 0)) {
      if (current.length > 0) segments.push(current);
      current = [];
      continue;
    }
    current.push({ x: point.x, y: point.y });
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

export function lineChart(settings: LineChartSettings): string {
  const plotLeft = MARGIN_LEFT_PIXELS;
  const plotRight = CHART_WIDTH_PIXELS - MARGIN_RIGHT_PIXELS;
  const plotTop = MARGIN_TOP_PIXELS;
  const plotBottom = CHART_HEIGHT_PIXELS - MARGIN_BOTTOM_PIXELS;

  const legendRows = Math.max(1, Math.ceil(settings.series.length / LEGEND_ITEMS_PER_ROW));
  const height = CHART_HEIGHT_PIXELS + (legendRows - 1) * LEGEND_ROW_HEIGHT_PIXELS;
  const segmentsBySeries = settings.series.map((series) => seriesSegments(series.points, settings.yScale));
  const drawn = segmentsBySeries.flat(2);
  const x = xAxis(
    drawn.map((point) => point.x),
    settings.xTicks,
  );
  const y = yAxis(
    drawn.map((point) => point.y),
    settings.yScale,
  );
  const px = (value: number): number => position(x, value, plotLeft, plotRight);
  const py = (value: number): number => position(y, value, plotBottom, plotTop);

  const parts: string[] = [
    `<svg class="chart" data-chart="${escapeHtml(settings.id)}" data-y-scale="${settings.yScale}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH_PIXELS} ${height}" role="img" aria-label="${escapeHtml(settings.title)}">`,
    `<title>${escapeHtml(settings.title)}</title>`,
    `<text x="${plotLeft}" y="18" class="chart-title">${escapeHtml(settings.title)}</text>`,
  ];
  for (const tick of y.ticks) {
    const at = py(tick.value).toFixed(1);
    parts.push(`<line class="grid" x1="${plotLeft}" x2="${plotRight}" y1="${at}" y2="${at}"/>`);
    parts.push(`<text class="tick" x="${plotLeft - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeHtml(tick.label)}</text>`);
  }
  for (const tick of x.ticks) {
    const at = px(tick.value).toFixed(1);
    parts.push(`<line class="grid" x1="${at}" x2="${at}" y1="${plotTop}" y2="${plotBottom}"/>`);
    parts.push(`<text class="tick" x="${at}" y="${plotBottom + 16}" text-anchor="middle">${escapeHtml(tick.label)}</text>`);
  }
  parts.push(`<rect class="frame" x="${plotLeft}" y="${plotTop}" width="${plotRight - plotLeft}" height="${plotBottom - plotTop}"/>`);
  parts.push(`<text class="axis" x="${(plotLeft + plotRight) / 2}" y="${plotBottom + 34}" text-anchor="middle">${escapeHtml(settings.xLabel)}</text>`);
  parts.push(
    `<text class="axis" x="14" y="${(plotTop + plotBottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(plotTop + plotBottom) / 2})">${escapeHtml(settings.yLabel)}${settings.yScale === "log" ? " (log)" : ""}</text>`,
  );
  if (drawn.length === 0) {
    parts.push(`<text class="empty" x="${(plotLeft + plotRight) / 2}" y="${(plotTop + plotBottom) / 2}" text-anchor="middle">no data</text>`);
  }

  settings.series.forEach((series, index) => {
    const colour = SERIES_COLOURS[index % SERIES_COLOURS.length] ?? "#000000";
    const dash = series.dashed === true ? ` stroke-dasharray="6 4"` : "";
    for (const segment of segmentsBySeries[index] ?? []) {
      const points = segment.map((point) => `${px(point.x).toFixed(1)},${py(point.y).toFixed(1)}`).join(" ");
      parts.push(`<polyline data-series="${escapeHtml(series.label)}" fill="none" stroke="${colour}" stroke-width="1.8"${dash} points="${points}"/>`);
      const lone = segment.length === 1 ? segment[0] : undefined;
      if (lone !== undefined) parts.push(`<circle cx="${px(lone.x).toFixed(1)}" cy="${py(lone.y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    }
    const legendX = plotLeft + (index % LEGEND_ITEMS_PER_ROW) * LEGEND_ITEM_WIDTH_PIXELS;
    const legendY = plotBottom + 52 + Math.floor(index / LEGEND_ITEMS_PER_ROW) * LEGEND_ROW_HEIGHT_PIXELS;
    parts.push(`<line x1="${legendX}" x2="${legendX + 18}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${colour}" stroke-width="2.5"${dash}/>`);
    parts.push(`<text class="legend" x="${legendX + 24}" y="${legendY}">${escapeHtml(series.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("");
}
