import { join } from "node:path";
import { open } from "lmdb";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openAccount, type Account } from "../../domain/account/account.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { migrateLegacyShardRecords, migrateToStateLayout, versionTwoKeys } from "./lmdb-shard-migration.js";
import { LmdbShardStore, SHARD_LAYOUT_VERSION } from "./lmdb-shard-store.js";
import { writeMutations } from "./mutations.js";
import type { ActivityRecord, ReceiptRecord } from "./shard-store.js";

type LegacyKey = (string | number)[];

/** Members spread over three logical shards, each with an account, two receipts and three history entries. */
const MEMBER_COUNT = 12;
const LOGICAL_SHARDS = [3, 4, 9];

function memberOf(index: number): { memberId: string; logicalShard: number } {
  return { memberId: `m-${String(index).padStart(3, "0")}`, logicalShard: LOGICAL_SHARDS[index % LOGICAL_SHARDS.length] ?? 0 };
}

function accountOf(index: number): Account {
  const { memberId, logicalShard } = memberOf(index);
  return { ...openAccount(memberId, logicalShard, { card: `card-${index}`, phone: null, name: null, birthDate: null }, 1), balance: index };
}

function receiptOf(index: number, receipt: number): ReceiptRecord {
  const { memberId, logicalShard } = memberOf(index);
  return { logicalShard, store: "store-1", receiptId: `r-${index}-${receipt}`, memberId, fingerprint: `f-${index}-${receipt}`, answer: { points: receipt } };
}

function activityOf(index: number, sequence: number): ActivityRecord {
  const { memberId, logicalShard } = memberOf(index);
  return { logicalShard, memberId, sequence, at: sequence, kind: "receipt", detail: { n: sequence } };
}

/** Writes the version-1 layout directly, as a build before the member-first layout left it: no meta database. */
async function writeLegacyEnvironment(path: string): Promise<LegacyKey[]> {
  const root = open({ path });
  const records = root.openDB<unknown, LegacyKey>({ name: "records" });
  const keys: LegacyKey[] = [];
  records.transactionSync(() => {
    for (let index = 0; index < MEMBER_COUNT; index += 1) {
      const { memberId, logicalShard } = memberOf(index);
      const writes: [LegacyKey, unknown][] = [
        [[logicalShard, "a", memberId], accountOf(index)],
        [[logicalShard, "r", "store-1", `r-${index}-1`], receiptOf(index, 1)],
        [[logicalShard, "r", "store-1", `r-${index}-2`], receiptOf(index, 2)],
        ...[1, 2, 3].map((sequence): [LegacyKey, unknown] => [[logicalShard, "h", memberId, sequence], activityOf(index, sequence)]),
      ];
      for (const [key, value] of writes) {
        records.putSync(key, value);
        keys.push(key);
      }
    }
  });
  await root.close();
  return keys;
}

/** Whether any of `keys` is still stored, read with lmdb directly. */
async function legacyKeysLeft(path: string, keys: readonly LegacyKey[]): Promise<number> {
  const root = open({ path });
  const records = root.openDB<unknown, LegacyKey>({ name: "records" });
  const left = keys.filter((key) => records.get(key) !== undefined).length;
  await root.close();
  return left;
}

function expectEveryRecordReadsBack(store: LmdbShardStore): void {
  for (let index = 0; index < MEMBER_COUNT; index += 1) {
    const { memberId, logicalShard } = memberOf(index);
    expect(store.readAccount(logicalShard, memberId)).toEqual(accountOf(index));
    expect(store.readReceipt(logicalShard, memberId, "store-1", `r-${index}-1`)).toEqual(receiptOf(index, 1));
    expect(store.readReceipt(logicalShard, memberId, "store-1", `r-${index}-2`)).toEqual(receiptOf(index, 2));
    expect(store.readActivity(logicalShard, memberId, null, 10)).toEqual([3, 2, 1].map((sequence) => activityOf(index, sequence)));
  }
  for (const logicalShard of LOGICAL_SHARDS) expect(store.countAccounts(logicalShard)).toBe(MEMBER_COUNT / LOGICAL_SHARDS.length);
  expect(store.scanMembers(3, null, 100)).toEqual(["m-000", "m-003", "m-006", "m-009"]);
}

/** Writes the version-2 layout directly, as the build before the binary state layout left it. */
async function writeVersionTwoEnvironment(path: string): Promise<number> {
  const root = open({ path });
  const records = root.openDB<unknown, LegacyKey>({ name: "records" });
  let count = 0;
  records.transactionSync(() => {
    for (let index = 0; index < MEMBER_COUNT; index += 1) {
      const { memberId, logicalShard } = memberOf(index);
      records.putSync(versionTwoKeys.accountKey(logicalShard, memberId), accountOf(index));
      records.putSync(versionTwoKeys.receiptKey(logicalShard, memberId, "store-1", `r-${index}-1`), receiptOf(index, 1));
      records.putSync(versionTwoKeys.receiptKey(logicalShard, memberId, "store-1", `r-${index}-2`), receiptOf(index, 2));
      for (const sequence of [1, 2, 3]) records.putSync(versionTwoKeys.activityKey(logicalShard, memberId, sequence), activityOf(index, sequence));
      count += 6;
    }
  });
  root.openDB<number, string>({ name: "meta" }).putSync("layout", 2);
  await root.close();
  return count;
}

describe("LmdbShardStore's move from the version-2 layout to binary state records", () => {
  const directory = makeTemporaryDirectory("state-migration");
  afterAll(directory.remove);

  it("moves every record once, reads them back equal, and leaves no version-2 record", async () => {
    const path = join(directory.path, "whole");
    const written = await writeVersionTwoEnvironment(path);
    const lines: string[] = [];
    const store = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    expectEveryRecordReadsBack(store);
    expect(lines).toEqual([`shard environment ${path}: moved ${written} records to key layout version ${SHARD_LAYOUT_VERSION}`]);
    await store.close();
    const reopened = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    expectEveryRecordReadsBack(reopened);
    expect(lines).toHaveLength(1);
    await reopened.close();
  });

  it("resumes after an interruption between two transactions, losing and duplicating nothing", async () => {
    const path = join(directory.path, "interrupted");
    const written = await writeVersionTwoEnvironment(path);
    const root = open({ path });
    const records = root.openDB<Account | ReceiptRecord | ActivityRecord, LegacyKey>({ name: "records" });
    const state = root.openDB<Buffer, Buffer>({ name: "state", keyEncoding: "binary", encoding: "binary" });
    expect(migrateToStateLayout(records, state, 10, 1)).toEqual({ migrated: 10, complete: false });
    await root.close();
    const store = new LmdbShardStore({ path, log: () => undefined });
    expectEveryRecordReadsBack(store);
    await store.close();
    expect(written).toBeGreaterThan(10);
  });
});

describe("LmdbShardStore's key layout migration", () => {
  const directory = makeTemporaryDirectory("layout-migration");
  afterAll(directory.remove);
  const stores: LmdbShardStore[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it("moves every account, receipt record and history entry of a version-1 environment to the member-first keys once", async () => {
    const path = join(directory.path, "whole");
    const legacyKeys = await writeLegacyEnvironment(path);
    const lines: string[] = [];
    const store = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    stores.push(store);
    expectEveryRecordReadsBack(store);
    expect(lines).toEqual([`shard environment ${path}: moved ${legacyKeys.length} records to key layout version ${SHARD_LAYOUT_VERSION}`]);
    await store.close();
    stores.pop();
    expect(await legacyKeysLeft(path, legacyKeys)).toBe(0);

    const reopened = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    stores.push(reopened);
    expectEveryRecordReadsBack(reopened);
    expect(lines).toHaveLength(1);
  });

  it("resumes a migration interrupted after its first transaction, losing and duplicating nothing", async () => {
    const path = join(directory.path, "interrupted");
    const legacyKeys = await writeLegacyEnvironment(path);
    // The first transaction commits, then the process "dies" before the next and before the version is set.
    const root = open({ path });
    const records = root.openDB<Account | ReceiptRecord | ActivityRecord, LegacyKey>({ name: "records" });
    expect(migrateLegacyShardRecords(records, 10, 1)).toEqual({ migrated: 10, complete: false });
    await root.close();
    expect(await legacyKeysLeft(path, legacyKeys)).toBe(legacyKeys.length - 10);

    const lines: string[] = [];
    const store = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    stores.push(store);
    expectEveryRecordReadsBack(store);
    expect(lines).toEqual([`shard environment ${path}: moved ${legacyKeys.length} records to key layout version ${SHARD_LAYOUT_VERSION}`]);
    await store.close();
    stores.pop();
    expect(await legacyKeysLeft(path, legacyKeys)).toBe(0);
  });

  it("moves records in transactions of the given size until none of the old layout is left", async () => {
    const path = join(directory.path, "small-transactions");
    const legacyKeys = await writeLegacyEnvironment(path);
    const root = open({ path });
    const records = root.openDB<Account | ReceiptRecord | ActivityRecord, LegacyKey>({ name: "records" });
    expect(migrateLegacyShardRecords(records, 7, 3)).toEqual({ migrated: 21, complete: false });
    expect(migrateLegacyShardRecords(records, 7, Number.POSITIVE_INFINITY)).toEqual({ migrated: legacyKeys.length - 21, complete: true });
    expect(migrateLegacyShardRecords(records, 7, Number.POSITIVE_INFINITY)).toEqual({ migrated: 0, complete: true });
    await root.close();
  });

  it("marks a new environment with the current layout at once and logs nothing", async () => {
    const path = join(directory.path, "fresh");
    const lines: string[] = [];
    const store = new LmdbShardStore({ path, log: (line) => lines.push(line) });
    stores.push(store);
    await store.writeCheckpoint(writeMutations(undefined, [{ kind: "account", account: accountOf(0) }]), 2);
    await store.close();
    stores.pop();
    const root = open({ path });
    expect(root.openDB<number, string>({ name: "meta" }).get("layout")).toBe(SHARD_LAYOUT_VERSION);
    await root.close();
    expect(lines).toEqual([]);
  });

  it("refuses to open an environment written with a newer layout than it knows", async () => {
    const path = join(directory.path, "newer");
    const root = open({ path });
    root.openDB<number, string>({ name: "meta" }).putSync("layout", SHARD_LAYOUT_VERSION + 1);
    await root.close();
    expect(() => new LmdbShardStore({ path })).toThrow(`has key layout version ${SHARD_LAYOUT_VERSION + 1}`);
  });
});
