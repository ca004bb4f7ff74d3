import { describe, expect, it } from "vitest";
import { BenchUsageError, DURATION_MAX_SECONDS, LANES_MAX, parseBenchOptions } from "./bench-options.js";
import { readAnnouncement } from "./gateway-process.js";
import { OperationStatistics } from "./operation-statistics.js";
import { LoycoreClientError } from "../client/loycore-client-error.js";
import { groupCommitBetween, httpUrlOf, readGroupCommitMetrics, reportOperation } from "./report.js";

describe("bench options", () => {
  it("applies the documented defaults when no flag is given", () => {
    expect(parseBenchOptions([])).toEqual({
      url: undefined,
      token: undefined,
      adminToken: undefined,
      cardsFile: undefined,
      lanes: 64,
      members: 2000,
      durationSeconds: 10,
      pingSeconds: 3,
      connections: 8,
      json: false,
    });
  });

  it.each([
    ["--duration-seconds", ["--duration-seconds", String(DURATION_MAX_SECONDS + 1)]],
    ["--duration-seconds", ["--duration-seconds", "0"]],
    ["--lanes", ["--lanes", String(LANES_MAX + 1)]],
    ["--lanes", ["--lanes", "ten"]],
    ["--connections", ["--lanes", "4", "--connections", "5"]],
    ["--token", ["--url", "ws://127.0.0.1:1/v1/ws"]],
    ["--url", ["--url", "http://127.0.0.1:1/v1/ws", "--token", "t"]],
    ["--cards-file", ["--cards-file", "cards.txt"]],
  ])("refuses a bad %s with an error naming it", (flag, argumentsAfterScript) => {
    expect(() => parseBenchOptions(argumentsAfterScript)).toThrow(BenchUsageError);
    expect(() => parseBenchOptions(argumentsAfterScript)).toThrow(flag);
  });

  it("accepts a running gateway's url with its token", () => {
    const options = parseBenchOptions(["--url", "ws://10.0.0.5:8080/v1/ws", "--token", "t", "--json"]);
    expect(options).toMatchObject({ url: "ws://10.0.0.5:8080/v1/ws", token: "t", json: true });
  });
});

describe("gateway announcement", () => {
  it("reads the listening line and ignores every other line", () => {
    expect(readAnnouncement("loycore is listening on http://127.0.0.1:1")).toBeUndefined();
    expect(readAnnouncement('{"event":"started"}')).toBeUndefined();
    expect(
      readAnnouncement(
        '{"event":"listening","url":"http://127.0.0.1:5","webSocketUrl":"ws://127.0.0.1:5/v1/ws","terminalToken":"t","adminToken":"a","demoCards":["2000000000017"]}',
      ),
    ).toEqual({
      url: "http://127.0.0.1:5",
      webSocketUrl: "ws://127.0.0.1:5/v1/ws",
      terminalToken: "t",
      adminToken: "a",
      demoCards: ["2000000000017"],
    });
  });

  it("fails loudly on a listening line without a terminal token", () => {
    expect(() => readAnnouncement('{"event":"listening","url":"http://x","webSocketUrl":"ws://x","terminalToken":null,"adminToken":null,"demoCards":[]}')).toThrow(
      /terminalToken/,
    );
  });
});

describe("bench report", () => {
  it("reports latency percentiles in milliseconds and failures by code", () => {
    const statistics = new OperationStatistics("commit");
    for (let millisecond = 1; millisecond <= 100; millisecond += 1) statistics.recordSuccess(millisecond);
    statistics.recordFailure(new LoycoreClientError("TIMEOUT", "no answer", "client"));
    statistics.recordFailure(new Error("a bug"));

    const report = reportOperation(statistics, 2);

    expect(report.count).toBe(100);
    expect(report.throughputPerSecond).toBe(50);
    expect(report.p50Milliseconds).toBeCloseTo(50, 1);
    expect(report.maxMilliseconds).toBeCloseTo(100, 1);
    expect(report.errors).toEqual({ TIMEOUT: 1, UNEXPECTED: 1 });
  });

  it("averages group-commit histograms over shards, between two readings", () => {
    const reading = (batches: number, writes: number): string =>
      [
        "# HELP loycore_shard_commit_batch_size Writes per group commit",
        "# TYPE loycore_shard_commit_batch_size histogram",
        `loycore_shard_commit_batch_size_bucket{le="1",shard="0"} 1`,
        `loycore_shard_commit_batch_size_sum{shard="0"} ${writes}`,
        `loycore_shard_commit_batch_size_count{shard="0"} ${batches}`,
        `loycore_shard_commit_batch_size_sum{shard="1"} ${writes}`,
        `loycore_shard_commit_batch_size_count{shard="1"} ${batches}`,
        "loycore_requests_total 5",
      ].join("\n");
    const before = readGroupCommitMetrics(reading(10, 10));
    const after = readGroupCommitMetrics(reading(20, 110));

    expect(after.lines).toHaveLength(4);
    expect(after.metrics).toEqual([{ metric: "loycore_shard_commit_batch_size", help: "Writes per group commit", average: 5.5 }]);
    // Between the readings: 200 writes in 20 batches.
    expect(groupCommitBetween(before, after).metrics[0]?.average).toBe(10);
  });

  it("finds /metrics next to the WebSocket endpoint", () => {
    expect(httpUrlOf("ws://127.0.0.1:8080/v1/ws")).toBe("http://127.0.0.1:8080");
    expect(httpUrlOf("wss://gateway.example/v1/ws")).toBe("https://gateway.example");
  });
});
