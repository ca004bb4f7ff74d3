/** One sample of the Prometheus text format: a metric name, its labels and a value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** `name{a="x",b="y"} 1.5` (an optional timestamp after the value is ignored). */
const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text the server's /metrics answers; comments, blank lines and lines it does not understand are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.length === 0 || line.startsWith("#")) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) continue;
    const value = Number(match[4]);
    if (Number.isNaN(value) && match[4] !== "NaN") continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[3] ?? "").matchAll(LABEL_PAIR)) {
      labels[pair[1] ?? ""] = (pair[2] ?? "").replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
    }
    samples.push({ name: match[1] ?? "", labels, value });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include every given pair. */
export function sumOf(samples: readonly Sample[], name: string, where: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name === name && Object.entries(where).every(([label, value]) => sample.labels[label] === value)) total += sample.value;
  }
  return total;
}

/** A metric's sums grouped by one label's value. */
export function sumBy(samples: readonly Sample[], name: string, label: string, keep: (sample: Sample) => boolean = () => true): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    const key = sample.labels[label];
    if (sample.name !== name || key === undefined || !keep(sample)) continue;
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** A histogram's cumulative bucket counts by upper bound (summed over its other labels), ascending, +Inf last. */
export function histogramBuckets(samples: readonly Sample[], name: string): { readonly upperBound: number; readonly count: number }[] {
  const byBound = sumBy(samples, `${name}_bucket`, "le");
  return [...byBound.entries()]
    .map(([bound, count]) => ({ upperBound: bound === "+Inf" ? Number.POSITIVE_INFINITY : Number(bound), count }))
    .sort((left, right) => left.upperBound - right.upperBound);
}
