import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import type { ChartPoint, ChartTick } from "./svg-chart.js";

/** Phase histograms hold microseconds (scenario-result.ts); charts show milliseconds. */
const MICROSECONDS_PER_MILLISECOND = 1_000;

/** The spectrum runs to 99.999 %: five nines, x = 5 on the 1/(1-p) axis. */
export const SPECTRUM_NINES_MAX = 5;

/** Twenty points per nine: smooth curves, a small page. */
const SPECTRUM_POINTS_PER_NINE = 20;

/** The usual HdrHistogram percentile axis: x = log10(1 / (1 - p)), labelled with the percentile. */
export const SPECTRUM_TICKS: readonly ChartTick[] = [
  { value: 0, label: "0%" },
  { value: 1, label: "90%" },
  { value: 2, label: "99%" },
  { value: 3, label: "99.9%" },
  { value: 4, label: "99.99%" },
  { value: 5, label: "99.999%" },
];

/** The percentile (0 to 100) at a position of the spectrum's x axis. */
export function percentileAt(x: number): number {
  return 100 * (1 - 10 ** -x);
}

/**
 * The latency (ms) at each percentile from 0 to 99.999, read from a compressed HdrHistogram (microseconds):
 * SPECTRUM_NINES_MAX x SPECTRUM_POINTS_PER_NINE + 1 points, x on the 1/(1-p) log scale.
 */
export function percentileSpectrum(histogramBase64: string): ChartPoint[] {
  const histogram = decodeFromCompressedBase64(histogramBase64);
  const points: ChartPoint[] = [];
  const steps = SPECTRUM_NINES_MAX * SPECTRUM_POINTS_PER_NINE;
  for (let step = 0; step <= steps; step += 1) {
    const x = step / SPECTRUM_POINTS_PER_NINE;
    points.push({ x, y: histogram.getValueAtPercentile(percentileAt(x)) / MICROSECONDS_PER_MILLISECOND });
  }
  return points;
}
