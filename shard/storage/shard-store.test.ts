import { describe, expect, it } from "vitest";
import { openAccount } from "../../domain/account/account.js";
import { join } from "node:path";
import { LmdbShardStore } from "./lmdb-shard-store.js";
import { writeMutations } from "./mutations.js";
import { MemoryShardData, MemoryShardStore } from "./memory-shard-store.js";
import { describeShardStoreContract } from "./shard-store.contract.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";

describeShardStoreContract("LmdbShardStore", () => {
  const directory = makeTemporaryDirectory("shard-store");
  return {
    open: () => new LmdbShardStore({ path: join(directory.path, "shard") }),
    dispose: directory.remove,
  };
});

describeShardStoreContract("MemoryShardStore", () => {
  const data = new MemoryShardData();
  return { open: () => new MemoryShardStore(data), dispose: () => undefined };
});

describe("LmdbShardStore prefetch", () => {
  it("resolves for accounts that exist and accounts that do not, and reads are unchanged after it", async () => {
    const directory = makeTemporaryDirectory("shard-store-prefetch");
    const store = new LmdbShardStore({ path: join(directory.path, "shard") });
    try {
      const stored = { ...openAccount("m-prefetched", 9, { card: "c-1", phone: null, name: null, birthDate: null }, 1), balance: 70 };
      await store.writeCheckpoint(writeMutations(undefined, [{ kind: "account", account: stored }]), 2);
      await expect(
        store.prefetchAccounts([
          { logicalShard: 9, memberId: "m-prefetched" },
          { logicalShard: 9, memberId: "m-never-written" },
        ]),
      ).resolves.toBeUndefined();
      expect(store.readAccount(9, "m-prefetched")).toEqual(stored);
      expect(store.readAccount(9, "m-never-written")).toBeUndefined();
    } finally {
      await store.close();
      directory.remove();
    }
  });
});
