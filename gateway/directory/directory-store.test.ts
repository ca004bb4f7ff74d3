import { join } from "node:path";
import { describeDirectoryStoreContract } from "./directory-store.contract.js";
import { LmdbDirectoryStore } from "./lmdb-directory-store.js";
import { MemoryDirectoryData, MemoryDirectoryStore } from "./memory-directory-store.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";

describeDirectoryStoreContract("LmdbDirectoryStore", () => {
  const directory = makeTemporaryDirectory("directory");
  return {
    open: () => new LmdbDirectoryStore({ path: join(directory.path, "directory") }),
    dispose: directory.remove,
  };
});

describeDirectoryStoreContract("MemoryDirectoryStore", () => {
  const data = new MemoryDirectoryData();
  return { open: () => new MemoryDirectoryStore(data), dispose: () => undefined };
});
