import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { StorageFullError } from "../../shard/storage/storage-failure.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { tryMountTmpfs, unmountTmpfs } from "../../domain/test-support/tmpfs.js";
import { LmdbDirectoryStore } from "./lmdb-directory-store.js";

/** The file system of the test: small, so that filling it takes a second. */
const FILE_SYSTEM_SIZE_BYTES = 4 * 1024 * 1024;
/** Takes most of the file system; deleting it is "space returns". */
const FILLER_SIZE_BYTES = 3 * 1024 * 1024;
/** Bounds the loop that fills the disk: 1 MiB left holds a few thousand directory entries. */
const COMMITS_MAX = 2_000;

const mountPoint = makeTemporaryDirectory("directory-full-disk");
const mounted = tryMountTmpfs(mountPoint.path, FILE_SYSTEM_SIZE_BYTES);

describe.runIf(mounted)("LmdbDirectoryStore on a real full disk (tmpfs)", () => {
  const fillerPath = join(mountPoint.path, "filler");
  const directoryPath = join(mountPoint.path, "directory");
  afterAll(() => {
    unmountTmpfs(mountPoint.path);
    mountPoint.remove();
  });

  it("refuses a directory write with StorageFullError, writing nothing of it, and writes again once space returns", async () => {
    writeFileSync(fillerPath, Buffer.alloc(FILLER_SIZE_BYTES));
    const directory = new LmdbDirectoryStore({ path: directoryPath });
    const entry = (index: number) => ({ memberId: `m${index.toString(16).padStart(16, "0")}`, card: `${index}`.padStart(40, "c"), phone: `+7${index}` });
    let refusedIndex = -1;
    for (let index = 1; index <= COMMITS_MAX * 20 && refusedIndex < 0; index += 1) {
      try {
        await directory.writeEntry(entry(index));
      } catch (error) {
        expect(error).toBeInstanceOf(StorageFullError);
        refusedIndex = index;
      }
    }
    expect(refusedIndex).toBeGreaterThan(1);
    expect(directory.findMemberByCard(entry(refusedIndex).card)).toBeUndefined();
    expect(directory.findMemberByPhone(entry(refusedIndex).phone)).toBeUndefined();
    expect(directory.countCards()).toBe(refusedIndex - 1);
    rmSync(fillerPath);
    await directory.writeEntry(entry(refusedIndex));
    expect(directory.findMemberByCard(entry(refusedIndex).card)).toBe(entry(refusedIndex).memberId);
    await directory.close();
  });
});
