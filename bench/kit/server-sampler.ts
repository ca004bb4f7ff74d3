import { readFile } from "node:fs/promises";

/** The server's cumulative CPU time and its resident memory at one moment. */
export interface ResourceReading {
  /** performance.timeOrigin + performance.now() when read. */
  readonly atMilliseconds: number;
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

export interface ServerSampler {
  /** Null when the reading failed (the process is gone, /metrics did not answer). */
  read(): Promise<ResourceReading | null>;
}

/**
 * Linux reports a process's CPU time in /proc/<pid>/stat in clock ticks of USER_HZ, which is 100 on
 * every Linux the kit runs on (it is fixed in the kernel ABI, not the kernel's HZ).
 */
const CLOCK_TICKS_PER_SECOND = 100;

/** Position of utime in /proc/<pid>/stat counted after the command name's closing parenthesis (fields 14 and 15 of the man page). */
const STAT_UTIME_INDEX_AFTER_COMMAND = 11;

function now(): number {
  return performance.timeOrigin + performance.now();
}

/** The server's CPU between two readings, 100 = one core busy throughout; null when either is missing. */
export function cpuPercentBetween(before: ResourceReading | null, after: ResourceReading | null): number | null {
  if (before === null || after === null || after.atMilliseconds <= before.atMilliseconds) return null;
  return Math.round(((after.cpuSeconds - before.cpuSeconds) * 100_000) / (after.atMilliseconds - before.atMilliseconds) * 10) / 10;
}

/** Reads a local child's CPU (utime + stime, all threads) and VmRSS from /proc. */
export class ProcessSampler implements ServerSampler {
  constructor(readonly pid: number) {}

  async read(): Promise<ResourceReading | null> {
    try {
      const at = now();
      const [stat, status] = await Promise.all([readFile(`/proc/${this.pid}/stat`, "latin1"), readFile(`/proc/${this.pid}/status`, "latin1")]);
      return { atMilliseconds: at, cpuSeconds: parseProcStatCpuSeconds(stat), rssBytes: parseProcStatusRssBytes(status) };
    } catch {
      return null;
    }
  }
}

export function parseProcStatCpuSeconds(stat: string): number {
  // The command name may contain spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[STAT_UTIME_INDEX_AFTER_COMMAND]);
  const systemTicks = Number(fields[STAT_UTIME_INDEX_AFTER_COMMAND + 1]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) throw new Error("unreadable /proc stat");
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

export function parseProcStatusRssBytes(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error("no VmRSS in /proc status");
  return Number(match[1]) * 1024;
}

/** /metrics must answer quickly; a slow scrape is skipped rather than skewing the next second. */
const METRICS_TIMEOUT_MILLISECONDS = 800;

/** Reads a remote loycore's process metrics (prom-client's defaults with the gateway's prefix). */
export class MetricsSampler implements ServerSampler {
  constructor(readonly metricsUrl: string) {}

  async read(): Promise<ResourceReading | null> {
    try {
      const at = now();
      const response = await fetch(this.metricsUrl, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MILLISECONDS) });
      if (!response.ok) return null;
      const text = await response.text();
      const cpuSeconds = metricValue(text, "loycore_gateway_process_cpu_seconds_total");
      const rssBytes = metricValue(text, "loycore_gateway_process_resident_memory_bytes");
      if (cpuSeconds === undefined || rssBytes === undefined) return null;
      return { atMilliseconds: at, cpuSeconds, rssBytes };
    } catch {
      return null;
    }
  }
}

/** The value of the first sample of `name` (with or without labels) in Prometheus text format. */
export function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    const value = Number(rest.slice(rest.lastIndexOf(" ") + 1));
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}
