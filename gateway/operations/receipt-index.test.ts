import { describe, expect, it } from "vitest";
import { MemoryDirectoryStore } from "../directory/memory-directory-store.js";
import { RECEIPT_CLAIMS_MAX, RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS, ReceiptIndex } from "./receipt-index.js";

const settle = async (): Promise<void> => {
  for (let turn = 0; turn < 4; turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

describe("ReceiptIndex", () => {
  it("makes a second member's commit of a receipt wait for the first, and refuses it once the first committed", async () => {
    const index = new ReceiptIndex(new MemoryDirectoryStore());
    const first = await index.claim("s1", "R-1", "m-a");
    expect(first.kind).toBe("claimed");
    let secondOutcome: unknown;
    const second = index.claim("s1", "R-1", "m-b").then((outcome) => (secondOutcome = outcome));
    await settle();
    expect(secondOutcome).toBeUndefined();
    if (first.kind === "claimed") first.finish(true);
    await second;
    expect(secondOutcome).toEqual({ kind: "owned by another member", memberId: "m-a" });
  });

  it("lets a second member's commit through when the first was refused", async () => {
    const index = new ReceiptIndex(new MemoryDirectoryStore());
    const first = await index.claim("s1", "R-1", "m-a");
    const second = index.claim("s1", "R-1", "m-b");
    if (first.kind === "claimed") first.finish(false);
    expect((await second).kind).toBe("claimed");
  });

  it("lets the same member's repeat through while its first commit is in flight", async () => {
    const index = new ReceiptIndex(new MemoryDirectoryStore());
    const first = await index.claim("s1", "R-1", "m-a");
    const repeat = await index.claim("s1", "R-1", "m-a");
    expect([first.kind, repeat.kind]).toEqual(["claimed", "claimed"]);
    if (first.kind === "claimed") first.finish(true);
    if (repeat.kind === "claimed") repeat.finish(true);
    await index.flush();
    expect(index.size).toBe(0);
  });

  it("writes committed receipts to the directory in one batch off the commit's path, answering from memory until then", async () => {
    const directory = new MemoryDirectoryStore();
    const index = new ReceiptIndex(directory);
    for (let receipt = 0; receipt < 100; receipt += 1) {
      const claim = await index.claim("s1", `R-${receipt}`, `m-${receipt % 3}`);
      if (claim.kind === "claimed") claim.finish(true);
    }
    expect(directory.findReceiptOwner("s1", "R-5")).toBeUndefined();
    expect(index.ownerOf("s1", "R-5")).toBe("m-2");
    await index.flush();
    expect(directory.findReceiptOwner("s1", "R-5")).toBe("m-2");
    expect(index.ownerOf("s1", "R-5")).toBe("m-2");
    expect(index.size).toBe(0);
    expect(await index.claim("s1", "R-5", "m-0")).toEqual({ kind: "owned by another member", memberId: "m-2" });
  });

  it("keeps a claim whose entry was written while a repeat of the receipt is still in flight, and lets it go after", async () => {
    const directory = new MemoryDirectoryStore();
    const index = new ReceiptIndex(directory);
    const first = await index.claim("s1", "R-1", "m-a");
    if (first.kind === "claimed") first.finish(true);
    const repeat = await index.claim("s1", "R-1", "m-a");
    await index.flush();
    expect(directory.findReceiptOwner("s1", "R-1")).toBe("m-a");
    expect(index.size).toBe(1);
    if (repeat.kind === "claimed") repeat.finish(true);
    expect(index.size).toBe(0);
  });

  it("tells each shard how far the index is durable for it: below its oldest unwritten commit, else its newest", async () => {
    const directory = new MemoryDirectoryStore();
    const floors: [number, number][] = [];
    const index = new ReceiptIndex(directory, (shard, through) => floors.push([shard, through]));
    for (const [receipt, shard, sequence] of [["R-1", 0, 5], ["R-2", 1, 3], ["R-3", 0, 9]] as const) {
      const claim = await index.claim("s1", receipt, "m-a");
      if (claim.kind === "claimed") claim.finish(true, { shard, sequence });
    }
    await index.flush();
    expect(floors).toEqual([[0, 9], [1, 3]]);
    expect(directory.receiptIndexFloors()).toEqual(new Map([[0, 9], [1, 3]]));
    expect(new ReceiptIndex(directory).floorOf(0)).toBe(9);
  });

  it("indexes the receipts a shard reports at start-up and moves its floor to the shard's last sequence", async () => {
    const directory = new MemoryDirectoryStore();
    const floors: [number, number][] = [];
    const index = new ReceiptIndex(directory, (shard, through) => floors.push([shard, through]));
    index.recover(2, [{ store: "s1", receiptId: "R-9", memberId: "m-z", sequence: 40 }], 44);
    await index.flush();
    expect(directory.findReceiptOwner("s1", "R-9")).toBe("m-z");
    expect(floors).toEqual([[2, 44]]);
  });

  it("answers busy rather than holding more than its bound of claims", async () => {
    const index = new ReceiptIndex(new MemoryDirectoryStore());
    for (let receipt = 0; receipt < RECEIPT_CLAIMS_MAX; receipt += 1) await index.claim("s1", `R-${receipt}`, "m-a");
    expect(await index.claim("s1", "one-more", "m-a")).toEqual({ kind: "busy" });
  });

  it("paces its writes: receipts answered within the interval after a write wait and go together in the next one", async () => {
    const directory = new MemoryDirectoryStore();
    const writes: number[] = [];
    const record = directory.recordReceiptOwners.bind(directory);
    directory.recordReceiptOwners = (owners, floors) => {
      writes.push(owners.length);
      return record(owners, floors);
    };
    let now = 1_000;
    const index = new ReceiptIndex(directory, undefined, { writeIntervalMilliseconds: 40, monotonicMilliseconds: () => now });
    const commit = async (receipt: string): Promise<void> => {
      const claim = await index.claim("s1", receipt, "m-a");
      if (claim.kind === "claimed") claim.finish(true);
    };
    await commit("R-1");
    await settle();
    expect(writes).toEqual([1]);
    now += 10;
    for (const receipt of ["R-2", "R-3", "R-4"]) await commit(receipt);
    await settle();
    expect(writes).toEqual([1]);
    expect(index.ownerOf("s1", "R-3")).toBe("m-a");
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(writes).toEqual([1, 3]);
    expect(directory.findReceiptOwner("s1", "R-4")).toBe("m-a");
    expect(index.size).toBe(0);
  });

  it("writes at once when the interval since the last write has passed, and by default paces at RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS", async () => {
    expect(RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS).toBeGreaterThan(0);
    const directory = new MemoryDirectoryStore();
    let now = 0;
    const index = new ReceiptIndex(directory, undefined, { monotonicMilliseconds: () => now });
    for (const receipt of ["R-1", "R-2"]) {
      const claim = await index.claim("s1", receipt, "m-a");
      if (claim.kind === "claimed") claim.finish(true);
      await settle();
      expect(directory.findReceiptOwner("s1", receipt)).toBe("m-a");
      now += RECEIPT_INDEX_WRITE_INTERVAL_MILLISECONDS;
    }
  });

  it("refuses a pacing option that is not a whole number of milliseconds, naming it", () => {
    expect(() => new ReceiptIndex(new MemoryDirectoryStore(), undefined, { writeIntervalMilliseconds: 1.5 })).toThrow(/writeIntervalMilliseconds/);
    expect(() => new ReceiptIndex(new MemoryDirectoryStore(), undefined, { writeDelayMilliseconds: -1 })).toThrow(/writeDelayMilliseconds/);
  });
});
