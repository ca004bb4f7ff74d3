/**
 * Group-commit figures of a loycore phase, from the gateway's /metrics read before and after it: how
 * many writes each durable commit carried and how long commits and flushes took. The counters include
 * the gateway's start-up and earlier phases, so only the difference between two readings is reported.
 * Their meaning is the gateway's: each figure is printed with its `# HELP` text.
 */
export const GROUP_COMMIT_METRICS = ["loycore_shard_commit_batch_size", "loycore_shard_commit_seconds", "loycore_shard_flush_seconds"] as const;

/** /metrics answers at once unless the gateway is stuck; the kit must not be stuck with it. */
const METRICS_FETCH_TIMEOUT_MILLISECONDS = 5_000;

export interface GroupCommitReading {
  /** Each metric's _sum and _count summed over every shard, by series name. */
  readonly totals: Readonly<Record<string, number>>;
  readonly helpByMetric: ReadonlyMap<string, string>;
}

const METRIC_LINE_PATTERN = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;
const HELP_LINE_PATTERN = /^# HELP ([A-Za-z_:][A-Za-z0-9_:]*) (.*)$/;

export function readGroupCommit(text: string): GroupCommitReading {
  const totals: Record<string, number> = {};
  const helpByMetric = new Map<string, string>();
  const wanted: ReadonlySet<string> = new Set(GROUP_COMMIT_METRICS);
  for (const line of text.split("\n")) {
    const help = HELP_LINE_PATTERN.exec(line);
    if (help !== null) {
      if (wanted.has(help[1] ?? "")) helpByMetric.set(help[1] ?? "", help[2] ?? "");
      continue;
    }
    const match = METRIC_LINE_PATTERN.exec(line);
    const series = match?.[1] ?? "";
    if (!GROUP_COMMIT_METRICS.some((metric) => series === `${metric}_sum` || series === `${metric}_count`)) continue;
    const value = Number(match?.[3]);
    if (Number.isFinite(value)) totals[series] = (totals[series] ?? 0) + value;
  }
  return { totals, helpByMetric };
}

/** One line per metric with its average between the readings (sum over count of what happened in between). */
export function describeGroupCommitBetween(before: GroupCommitReading, after: GroupCommitReading): string[] {
  return GROUP_COMMIT_METRICS.flatMap((metric) => {
    const sum = (after.totals[`${metric}_sum`] ?? 0) - (before.totals[`${metric}_sum`] ?? 0);
    const count = (after.totals[`${metric}_count`] ?? 0) - (before.totals[`${metric}_count`] ?? 0);
    if (count <= 0) return [];
    const help = after.helpByMetric.get(metric);
    return [`group commit: ${metric} averaged ${Number((sum / count).toPrecision(4))} over ${count} observations${help === undefined ? "" : ` (${help})`}`];
  });
}

/** Reads the figures, or null when /metrics does not answer (a remote loycore may not expose it to the load machine). */
export async function fetchGroupCommit(metricsUrl: string): Promise<GroupCommitReading | null> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(METRICS_FETCH_TIMEOUT_MILLISECONDS) });
    return response.ok ? readGroupCommit(await response.text()) : null;
  } catch {
    return null;
  }
}
