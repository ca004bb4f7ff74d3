import { describe, expect, it } from "vitest";
import { cpuPercentBetween, metricValue, parseProcStatCpuSeconds, parseProcStatusRssBytes, ProcessSampler } from "./server-sampler.js";

describe("server sampling", () => {
  it("reads utime + stime after a command name holding spaces and parentheses", () => {
    const stat = "4242 (node (x) y) S 1 4242 4242 0 -1 4194304 2000 0 0 0 1234 566 0 0 20 0 11 0 100 1000000 5000";
    expect(parseProcStatCpuSeconds(stat)).toBe(18);
  });

  it("reads VmRSS in bytes", () => {
    expect(parseProcStatusRssBytes("Name:\tnode\nVmPeak:\t 999 kB\nVmRSS:\t  2048 kB\nThreads:\t11\n")).toBe(2 * 1024 * 1024);
  });

  it("reads this process's own CPU time and memory from /proc", async () => {
    const reading = await new ProcessSampler(process.pid).read();
    expect(reading?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(reading?.cpuSeconds).toBeGreaterThan(0);
  });

  it("turns two readings into the CPU share between them, 100 being one core busy throughout", () => {
    const before = { atMilliseconds: 1_000, cpuSeconds: 10, rssBytes: 0 };
    expect(cpuPercentBetween(before, { atMilliseconds: 3_000, cpuSeconds: 13, rssBytes: 0 })).toBe(150);
    expect(cpuPercentBetween(before, null)).toBeNull();
    expect(cpuPercentBetween(before, before)).toBeNull();
  });

  it("finds the gateway's process metrics in Prometheus text, with or without labels", () => {
    const text = [
      "# HELP loycore_gateway_process_cpu_seconds_total Total user and system CPU time spent in seconds.",
      "# TYPE loycore_gateway_process_cpu_seconds_total counter",
      "loycore_gateway_process_cpu_seconds_total_other 9",
      "loycore_gateway_process_cpu_seconds_total 12.5",
      'loycore_gateway_process_resident_memory_bytes{instance="a"} 104857600',
    ].join("\n");
    expect(metricValue(text, "loycore_gateway_process_cpu_seconds_total")).toBe(12.5);
    expect(metricValue(text, "loycore_gateway_process_resident_memory_bytes")).toBe(104_857_600);
    expect(metricValue(text, "loycore_gateway_process_start_time_seconds")).toBeUndefined();
  });
});
