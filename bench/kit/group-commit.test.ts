import { describe, expect, it } from "vitest";
import { describeGroupCommitBetween, readGroupCommit } from "./group-commit.js";

describe("group-commit figures", () => {
  it("averages the shards' histograms over what happened between two readings, with the gateway's help text", () => {
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
    // Between the readings: 200 writes in 20 batches, over two shards.
    expect(describeGroupCommitBetween(readGroupCommit(reading(10, 10)), readGroupCommit(reading(20, 110)))).toEqual([
      "group commit: loycore_shard_commit_batch_size averaged 10 over 20 observations (Writes per group commit)",
    ]);
  });

  it("says nothing of a metric nothing was observed of", () => {
    const empty = readGroupCommit("");
    expect(describeGroupCommitBetween(empty, empty)).toEqual([]);
  });
});
