import { readFileSync } from "node:fs";

/**
 * Linux reports a process's CPU time in clock ticks. Node cannot call sysconf(_SC_CLK_TCK); every Linux
 * on x86-64 and arm64 that this kit runs on uses 100 (USER_HZ), so the kit assumes it.
 */
const CLOCK_TICKS_PER_SECOND = 100;

/** /proc/<pid>/status gives VmRSS in kibibytes. */
const KIBIBYTES_PER_MEBIBYTE = 1024;

/** utime and stime are fields 14 and 15 of /proc/<pid>/stat, counted after the ")" that ends the name. */
const USER_TIME_FIELD_AFTER_NAME = 11;
const SYSTEM_TIME_FIELD_AFTER_NAME = 12;

/** One reading of a server process: its CPU over the time since the previous reading, and its memory now. */
export interface ServerSample {
  /** 100 = one core busy for the whole interval; null for the first reading or when /proc is unreadable. */
  readonly cpuPercent: number | null;
  readonly rssMebibytes: number | null;
}

/** CPU time in seconds (user + system, every thread) of a process, or null when it cannot be read. */
export function readProcessCpuSeconds(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses: split after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[USER_TIME_FIELD_AFTER_NAME]);
  const systemTicks = Number(fields[SYSTEM_TIME_FIELD_AFTER_NAME]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return null;
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory of a process in MiB, or null when it cannot be read. */
export function readProcessRssMebibytes(pid: number): number | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (match?.[1] === undefined) return null;
  return Number(match[1]) / KIBIBYTES_PER_MEBIBYTE;
}

/**
 * Reads a server's CPU time and memory from /proc each time `sample()` is called (the HTTP scenario calls
 * it on autocannon's once-a-second tick). A remote server (pid null) gives null figures.
 */
export class HttpServerSampler {
  private previousCpuSeconds: number | null;
  private previousAtMilliseconds: number;

  constructor(private readonly pid: number | null) {
    this.previousCpuSeconds = pid === null ? null : readProcessCpuSeconds(pid);
    this.previousAtMilliseconds = performance.now();
  }

  sample(): ServerSample {
    if (this.pid === null) return { cpuPercent: null, rssMebibytes: null };
    const now = performance.now();
    const cpuSeconds = readProcessCpuSeconds(this.pid);
    const elapsedSeconds = (now - this.previousAtMilliseconds) / 1000;
    const cpuPercent =
      cpuSeconds === null || this.previousCpuSeconds === null || elapsedSeconds <= 0
        ? null
        : (100 * (cpuSeconds - this.previousCpuSeconds)) / elapsedSeconds;
    this.previousCpuSeconds = cpuSeconds;
    this.previousAtMilliseconds = now;
    return { cpuPercent, rssMebibytes: readProcessRssMebibytes(this.pid) };
  }
}
