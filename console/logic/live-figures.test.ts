import { describe, expect, it } from "vitest";
import { intervalQuantile, liveFigures, type Scrape } from "./live-figures.js";
import { parsePrometheusText } from "./prometheus-text.js";

function scrape(at: number, text: string): Scrape {
  return { at, samples: parsePrometheusText(text) };
}

const EARLIER = scrape(
  0,
  `# HELP loycore_requests_total Terminal requests
# TYPE loycore_requests_total counter
loycore_requests_total{transport="ws",op="commit",code="OK"} 100
loycore_requests_total{transport="ws",op="identify",code="OK"} 50
loycore_requests_total{transport="ws",op="commit",code="BUSY"} 1
loycore_request_seconds_bucket{le="0.001",op="commit"} 10
loycore_request_seconds_bucket{le="0.01",op="commit"} 10
loycore_request_seconds_bucket{le="+Inf",op="commit"} 10
loycore_shard_commit_batch_size_sum{shard="0"} 100
loycore_shard_commit_batch_size_count{shard="0"} 50
loycore_shard_mailbox_depth{shard="0"} 9
`,
);

const LATER = scrape(
  2_000,
  `loycore_requests_total{transport="ws",op="commit",code="OK"} 300
loycore_requests_total{transport="ws",op="identify",code="OK"} 50
loycore_requests_total{transport="ws",op="commit",code="BUSY"} 21
loycore_request_seconds_bucket{le="0.001",op="commit"} 60
loycore_request_seconds_bucket{le="0.01",op="commit"} 110
loycore_request_seconds_bucket{le="+Inf",op="commit"} 110
loycore_shard_commit_batch_size_sum{shard="0"} 500
loycore_shard_commit_batch_size_count{shard="0"} 100
loycore_shard_mailbox_depth{shard="0"} 3
loycore_shard_mailbox_depth{shard="1"} 4
`,
);

describe("the live dashboard's figures", () => {
  it("are rates over the interval between two scrapes", () => {
    const figures = liveFigures(EARLIER, LATER);
    expect(figures.receiptsPerSecond).toBe(110);
    expect(figures.requestsPerSecond).toBe(110);
    expect(figures.errorsPerSecondByCode.get("BUSY")).toBe(10);
    expect(figures.errorsPerSecondByCode.has("OK")).toBe(false);
    expect(figures.groupCommitsPerSecond).toBe(25);
    expect(figures.meanCommitBatchSize).toBe(8);
    expect([...figures.mailboxDepthByShard]).toEqual([["0", 3], ["1", 4]]);
  });

  it("interpolate a latency percentile inside the bucket it falls in", () => {
    // 100 new observations: 50 up to 1 ms, 50 between 1 and 10 ms.
    expect(intervalQuantile(EARLIER, LATER, "loycore_request_seconds", 0.5)).toBeCloseTo(0.001);
    expect(intervalQuantile(EARLIER, LATER, "loycore_request_seconds", 0.99)).toBeCloseTo(0.001 + 0.009 * (49 / 50));
  });

  it("have no percentile when nothing was observed, and count a counter that went down from zero", () => {
    expect(intervalQuantile(LATER, LATER, "loycore_request_seconds", 0.5)).toBeNull();
    const restarted = liveFigures(LATER, scrape(3_000, 'loycore_requests_total{op="commit",code="OK"} 5\n'));
    expect(restarted.receiptsPerSecond).toBe(5);
  });
});
