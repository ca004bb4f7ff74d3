import { build, encodeIntoCompressedBase64 } from "hdr-histogram-js";
import type { IntervalSample, OperationResult, PhaseResult, ScenarioResult } from "../../scenario-result.js";

/** A settings string as a hostile command line could give it. */
export const HOSTILE_SETTING = `<script>alert("pwned")</script> & 'quotes'`;

/** A real compressed histogram (microseconds) of the given latencies in milliseconds. */
export function encodedHistogram(latenciesMilliseconds: readonly number[]): string {
  const histogram = build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  for (const latency of latenciesMilliseconds) histogram.recordValue(Math.round(latency * 1000));
  return encodeIntoCompressedBase64(histogram);
}

/** 10,000 latencies: most between base and 2 x base, a tail up to 20 x base. Deterministic. */
export function latencies(baseMilliseconds: number): number[] {
  return Array.from({ length: 10_000 }, (_, index) => {
    const spread = (index % 100) / 100;
    return index % 1000 === 999 ? baseMilliseconds * 20 : baseMilliseconds * (1 + spread);
  });
}

function operation(name: string, successesPerSecond: number, baseMilliseconds: number, errorsByCode: Record<string, number>): OperationResult {
  return {
    operation: name,
    successes: successesPerSecond * 10,
    successesPerSecond,
    latency: {
      count: successesPerSecond * 10,
      p50Milliseconds: baseMilliseconds * 1.5,
      p90Milliseconds: baseMilliseconds * 1.9,
      p99Milliseconds: baseMilliseconds * 2,
      p999Milliseconds: baseMilliseconds * 20,
      maxMilliseconds: baseMilliseconds * 20,
      meanMilliseconds: baseMilliseconds * 1.5,
    },
    errorsByCode,
    histogramBase64: encodedHistogram(latencies(baseMilliseconds)),
  };
}

function intervals(requestsPerSecond: readonly number[], receiptsShare: number, withServer: boolean): IntervalSample[] {
  return requestsPerSecond.map((rate, index) => ({
    atSeconds: index + 1,
    offeredPerSecond: null,
    requestsPerSecond: rate,
    receiptsPerSecond: rate * receiptsShare,
    errorsPerSecond: index === 2 ? 3 : 0,
    p50Milliseconds: 0.4 + index * 0.01,
    p99Milliseconds: 1.2 + index * 0.1,
    maxMilliseconds: 4 + index,
    serverCpuPercent: withServer ? 150 + index : null,
    serverRssMebibytes: withServer ? 200 + index * 2 : null,
  }));
}

export const CEILING_RATES = [19_000, 20_500, 21_000, 20_000, 19_500] as const;
export const LOYCORE_RATES = [15_000, 17_000, 18_000, 16_500, 17_500] as const;

export function scenarioResultFixture(): ScenarioResult {
  const ceiling: PhaseResult = {
    name: "ceiling",
    target: "ceiling",
    mode: "lanes",
    elapsedSeconds: 5,
    requestsPerSecond: 20_000,
    receiptsPerSecond: 0,
    operations: [operation("ping", 20_000, 0.3, {})],
    intervals: intervals(CEILING_RATES, 0, true),
    server: { cpuPercentAverage: 95.5, cpuPercentMax: 99.1, rssMebibytesMax: 52.25, rssMebibytesAtEnd: 51.5 },
    clientCpuPercentAverage: 88.8,
    notes: ["ceiling note"],
  };
  const loycore: PhaseResult = {
    name: "loycore",
    target: "loycore",
    mode: "lanes",
    elapsedSeconds: 5,
    requestsPerSecond: 17_000,
    receiptsPerSecond: 5_600,
    operations: [operation("identify", 5_700, 0.5, {}), operation("calculate", 5_700, 0.7, {}), operation("commit", 5_600, 1.4, { BUSY: 3, TIMEOUT: 1 })],
    intervals: intervals(LOYCORE_RATES, 1 / 3, true),
    server: { cpuPercentAverage: 180.25, cpuPercentMax: 196.5, rssMebibytesMax: 310.5, rssMebibytesAtEnd: 300 },
    clientCpuPercentAverage: 70.1,
    notes: [],
  };
  const idle: PhaseResult = {
    name: "remote idle",
    target: "loycore",
    mode: "open-loop",
    elapsedSeconds: 2,
    requestsPerSecond: 0,
    receiptsPerSecond: 0,
    operations: [{ operation: "commit", successes: 0, successesPerSecond: 0, latency: null, errorsByCode: { UNAVAILABLE: 7 }, histogramBase64: null }],
    intervals: [1, 2].map((atSeconds) => ({
      atSeconds,
      offeredPerSecond: 100,
      requestsPerSecond: 0,
      receiptsPerSecond: 0,
      errorsPerSecond: 3.5,
      p50Milliseconds: null,
      p99Milliseconds: null,
      maxMilliseconds: null,
      serverCpuPercent: null,
      serverRssMebibytes: null,
    })),
    server: null,
    clientCpuPercentAverage: null,
    notes: [],
  };
  return {
    scenario: "lanes",
    startedAt: "2026-11-22T10:00:00.000Z",
    machine: {
      cpuModel: "AMD EPYC",
      cores: 2,
      totalMemoryGibibytes: 23.5,
      nodeVersion: "v20.20.2",
      platform: "linux 6.18 x64",
      loadAverageAtStart: [2.18, 1.9, 1.86],
    },
    settings: { lanes: 1000, durationSeconds: 5, url: null, json: false, label: HOSTILE_SETTING },
    phases: [ceiling, loycore, idle],
    checks: [
      { name: "lanes requests/s as a share of the ceiling", measured: 0.85, unit: "ratio", target: 0.8, direction: "at-least", met: true },
      { name: "p99 of receipts at half the maximum", measured: 2.5, unit: "ms", target: 2, direction: "at-most", met: false },
      { name: "members/s", measured: 123_456, unit: "members/s", target: null, direction: "at-least", met: null },
    ],
    dataset: { members: 100_000, importSeconds: 4.2, membersPerSecond: 23_809.5, serverStartSeconds: 1.25, serverRssMebibytesAfterStart: 180.75 },
    notes: ["a scenario note"],
  };
}
