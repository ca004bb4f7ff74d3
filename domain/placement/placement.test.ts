import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { PlacementTable } from "./placement-table.js";
import { LOGICAL_SHARD_COUNT, logicalShardOf, SHARD_FUNCTION_VERSION } from "./shard-function.js";

describe("shard function version 1", () => {
  // Published FNV-1a 32-bit test vectors; the logical shard is the hash mod 256.
  it.each([
    { memberId: "a", hash: 0xe40c292c },
    { memberId: "foobar", hash: 0xbf9cf968 },
  ])("maps $memberId to FNV-1a($memberId) mod 256", ({ memberId, hash }) => {
    expect(logicalShardOf(memberId)).toBe(hash % LOGICAL_SHARD_COUNT);
  });

  it("spreads random member ids over every logical shard within 30 % of an even share", () => {
    const counts = new Array<number>(LOGICAL_SHARD_COUNT).fill(0);
    const members = 256_000;
    for (let index = 0; index < members; index += 1) {
      const id = `m${(index * 2_654_435_761 >>> 0).toString(16).padStart(8, "0")}${index.toString(16).padStart(8, "0")}`;
      const shard = logicalShardOf(id);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    const even = members / LOGICAL_SHARD_COUNT;
    expect(Math.min(...counts)).toBeGreaterThan(even * 0.7);
    expect(Math.max(...counts)).toBeLessThan(even * 1.3);
  });

  it("refuses a non-ASCII member id as an invariant violation", () => {
    expect(() => logicalShardOf("mé")).toThrow(InvariantError);
  });
});

describe("PlacementTable", () => {
  it("gives each of three threads an equal share of logical shards, round robin", () => {
    const placement = PlacementTable.roundRobin(3);
    expect(placement.ownerOf(0)).toBe(0);
    expect(placement.ownerOf(4)).toBe(1);
    const shares = [0, 1, 2].map((thread) => placement.logicalShardsOf(thread).length);
    expect(shares.reduce((sum, share) => sum + share, 0)).toBe(LOGICAL_SHARD_COUNT);
    expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
  });

  it("round-trips through its stored document", () => {
    const placement = PlacementTable.roundRobin(2);
    const copy = PlacementTable.fromDocument(JSON.parse(JSON.stringify(placement.document)) as typeof placement.document);
    expect(copy.logicalShardsOf(1)).toEqual(placement.logicalShardsOf(1));
  });

  it("refuses a document from another shard function version or with an owner out of range", () => {
    const document = PlacementTable.roundRobin(2).document;
    expect(() => PlacementTable.fromDocument({ ...document, shardFunctionVersion: SHARD_FUNCTION_VERSION + 1 })).toThrow(InvariantError);
    expect(() => PlacementTable.fromDocument({ ...document, owners: document.owners.map(() => 2) })).toThrow(InvariantError);
  });
});
