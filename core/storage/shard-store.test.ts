import { join } from "node:path";
import { LmdbShardStore } from "./lmdb-shard-store.js";
import { MemoryShardData, MemoryShardStore } from "./memory-shard-store.js";
import { describeShardStoreContract } from "./shard-store.contract.js";
import { makeTemporaryDirectory } from "../test-support/temporary-directory.js";

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
