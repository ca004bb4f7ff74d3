import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
}

/** Distinct on white and for the common colour blindnesses (Okabe–Ito). */
const SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
const CHART_HEIGHT_PIXELS = 180;

/** A time-series chart (uPlot) of the dashboard; redrawn in place when its data change, resized with its box. */
export function TimeChart({ title, unit, times, series }: { readonly title: string; readonly unit: string; readonly times: readonly number[]; readonly series: readonly ChartSeries[] }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);
  const shape = series.map((item) => item.label).join("\u0000");
  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 200),
      height: CHART_HEIGHT_PIXELS,
      series: [{}, ...series.map((item, index) => ({ label: item.label, stroke: SERIES_COLOURS[index % SERIES_COLOURS.length] ?? "#000", width: 2 }))],
      axes: [{}, { label: unit, size: 60 }],
      scales: { x: { time: true } },
      legend: { live: false },
    };
    chart.current = new uPlot(options, dataOf(times, series), element);
    const observer = new ResizeObserver(() => chart.current?.setSize({ width: Math.max(element.clientWidth, 200), height: CHART_HEIGHT_PIXELS }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, [shape, unit]);
  useEffect(() => {
    chart.current?.setData(dataOf(times, series));
  }, [times, series]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((item) => `${item.label} ${lastOf(item.values)}`).join(", ")}`} />
    </figure>
  );
}

function dataOf(times: readonly number[], series: readonly ChartSeries[]): uPlot.AlignedData {
  return [times.map((time) => time / 1000), ...series.map((item) => [...item.values])];
}

function lastOf(values: readonly (number | null)[]): string {
  const last = values[values.length - 1];
  return last === undefined || last === null ? "none" : String(Math.round(last * 1000) / 1000);
}
