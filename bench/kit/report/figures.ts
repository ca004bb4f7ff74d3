/** How figures are written in the table and the HTML report, so that both show the same digits. */

/** A rate: whole numbers with thousands separators from 100 up, one decimal below. */
export function formatRate(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  if (value === 0) return "0";
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  return value.toFixed(1);
}

/** A latency in milliseconds: three significant digits at most, two decimals at least below 10 ms. */
export function formatMilliseconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  if (value >= 1000) return Math.round(value).toLocaleString("en-US");
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A share of a ceiling: three decimals (0.812), and the percent for people (81.2 %). */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(3)} (${(value * 100).toFixed(1)} %)`;
}

export function formatPercent(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(1)} %`;
}

export function formatMebibytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(1)} MiB`;
}

export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "-";
  return `${value.toFixed(1)} s`;
}

/** `BUSY 3, TIMEOUT 1`, or `none`. */
export function formatErrors(errorsByCode: Readonly<Record<string, number>>): string {
  const entries = Object.entries(errorsByCode).filter(([, count]) => count > 0);
  if (entries.length === 0) return "none";
  return entries
    .sort(([, left], [, right]) => right - left)
    .map(([code, count]) => `${code} ${count.toLocaleString("en-US")}`)
    .join(", ");
}

/** A measured figure with its unit: ratios as ratios, everything else with its unit. */
export function formatMeasured(value: number, unit: string): string {
  if (unit === "ratio") return formatRatio(value);
  if (unit === "ms") return `${formatMilliseconds(value)} ms`;
  return `${formatRate(value)} ${unit}`;
}
