import { afterEach, describe, expect, it } from "vitest";
import { openAccount, type Account } from "../../domain/account/account.js";
import { writeMutations } from "./mutations.js";
import { accountKey } from "./record-keys.js";
import type { ReceiptRecord, ShardStore, ShardWrite } from "./shard-store.js";

/** Opens a store over the same data every time it is called until `dispose`. */
export interface ShardStoreFixture {
  open(): ShardStore;
  dispose(): void;
}

function account(memberId: string, logicalShard: number, balance: number): Account {
  return {
    ...openAccount(memberId, logicalShard, { card: `card-${memberId}`, phone: null, name: null, birthDate: null }, 1),
    balance,
  };
}

function receipt(logicalShard: number, receiptId: string, memberId: string): ReceiptRecord {
  return {
    logicalShard,
    store: "store-1",
    receiptId,
    memberId,
    fingerprint: `fingerprint-${receiptId}`,
    answer: { points: 10, transaction: `${memberId}-1` },
  };
}

/** Writes domain records as one checkpoint covering one more log record. */
function writeBatch(store: ShardStore, writes: readonly ShardWrite[]): Promise<void> {
  return store.writeCheckpoint(writeMutations(undefined, writes), store.checkpointSequence + 1);
}

/** The contract every ShardStore keeps; run against LMDB and the in-memory twin. */
export function describeShardStoreContract(name: string, makeFixture: () => ShardStoreFixture): void {
  describe(`${name} keeps the shard store contract`, () => {
    let fixture: ShardStoreFixture | undefined;
    const stores: ShardStore[] = [];
    function openStore(): ShardStore {
      fixture ??= makeFixture();
      const store = fixture.open();
      stores.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close().catch(() => undefined);
      fixture?.dispose();
      fixture = undefined;
    });

    it("reads nothing for an account or receipt that was never written", () => {
      const store = openStore();
      expect(store.readAccount(3, "m-unknown")).toBeUndefined();
      expect(store.readReceipt(3, "m-unknown", "store-1", "r-unknown")).toBeUndefined();
    });

    it("reads back an account and a receipt written in one batch", async () => {
      const store = openStore();
      await writeBatch(store, [
        { kind: "account", account: account("m-1", 7, 120) },
        { kind: "receipt", receipt: receipt(7, "r-1", "m-1") },
      ]);
      expect(store.readAccount(7, "m-1")).toEqual(account("m-1", 7, 120));
      expect(store.readReceipt(7, "m-1", "store-1", "r-1")).toEqual(receipt(7, "r-1", "m-1"));
    });

    it("keeps receipt records per member: the same store and receipt id of two members are two records", async () => {
      const store = openStore();
      await writeBatch(store, [
        { kind: "receipt", receipt: receipt(7, "r-1", "m-1") },
        { kind: "receipt", receipt: { ...receipt(7, "r-1", "m-2"), fingerprint: "other" } },
      ]);
      expect(store.readReceipt(7, "m-1", "store-1", "r-1")).toEqual(receipt(7, "r-1", "m-1"));
      expect(store.readReceipt(7, "m-2", "store-1", "r-1")?.fingerprint).toBe("other");
      expect(store.readReceipt(7, "m-3", "store-1", "r-1")).toBeUndefined();
    });

    it("keeps logical shards apart: the same member id under another logical shard is another key", async () => {
      const store = openStore();
      await writeBatch(store, [{ kind: "account", account: account("m-1", 7, 120) }]);
      expect(store.readAccount(8, "m-1")).toBeUndefined();
      expect(store.countAccounts(7)).toBe(1);
      expect(store.countAccounts(8)).toBe(0);
    });

    it("lets a later write in the same batch win over an earlier one", async () => {
      const store = openStore();
      await writeBatch(store, [
        { kind: "account", account: account("m-1", 7, 1) },
        { kind: "account", account: account("m-1", 7, 2) },
      ]);
      expect(store.readAccount(7, "m-1")?.balance).toBe(2);
    });

    it("returns copies, so changing what was read does not change what is stored", async () => {
      const store = openStore();
      await writeBatch(store, [{ kind: "account", account: account("m-1", 7, 5) }]);
      const read = store.readAccount(7, "m-1") as { balance: number } | undefined;
      if (read === undefined) throw new Error("account was written");
      read.balance = 999;
      expect(store.readAccount(7, "m-1")?.balance).toBe(5);
    });

    it("starts at log sequence 1 and remembers the sequence each checkpoint covers, also after a reopen", async () => {
      const store = openStore();
      expect(store.checkpointSequence).toBe(1);
      await store.writeCheckpoint(writeMutations(undefined, [{ kind: "account", account: account("m-1", 7, 3) }]), 42);
      expect(store.checkpointSequence).toBe(42);
      store.writeCheckpointSync([], 43);
      await store.close();
      const reopened = openStore();
      expect(reopened.checkpointSequence).toBe(43);
      expect(reopened.readAccount(7, "m-1")?.balance).toBe(3);
    });

    it("deletes a key a checkpoint writes as null, and applies a checkpoint's mutations in order", async () => {
      const store = openStore();
      await writeBatch(store, [{ kind: "account", account: account("m-1", 7, 1) }]);
      const key = accountKey(7, "m-1");
      await store.writeCheckpoint([{ key, value: null }], store.checkpointSequence + 1);
      expect(store.readAccount(7, "m-1")).toBeUndefined();
      const mutations = writeMutations(undefined, [{ kind: "account", account: account("m-1", 7, 2) }]);
      await store.writeCheckpoint([...mutations, { key, value: null }, ...mutations], store.checkpointSequence + 1);
      expect(store.readAccount(7, "m-1")?.balance).toBe(2);
    });

    it("reads a member's activity newest first, in pages before a sequence, and no other member's", async () => {
      const store = openStore();
      const entry = (memberId: string, sequence: number) => ({
        kind: "activity" as const,
        activity: { logicalShard: 7, memberId, sequence, at: sequence * 10, kind: "receipt", detail: { n: sequence } },
      });
      await writeBatch(store, [entry("m-1", 1), entry("m-1", 2), entry("m-2", 1), entry("m-1", 3), entry("m-1", 10)]);
      expect(store.readActivity(7, "m-1", null, 500).map((record) => record.sequence)).toEqual([10, 3, 2, 1]);
      expect(store.readActivity(7, "m-1", null, 2).map((record) => record.sequence)).toEqual([10, 3]);
      expect(store.readActivity(7, "m-1", 3, 500).map((record) => record.sequence)).toEqual([2, 1]);
      expect(store.readActivity(7, "m-1", 1, 500)).toEqual([]);
      expect(store.readActivity(7, "m-2", null, 500)).toEqual([entry("m-2", 1).activity]);
      expect(store.readActivity(8, "m-1", null, 500)).toEqual([]);
    });

    it("scans one logical shard's accounts in member id order, page by page", async () => {
      const store = openStore();
      await writeBatch(store, ["m-3", "m-1", "m-2", "m-4"].map((id) => ({ kind: "account" as const, account: account(id, 5, 1) })));
      await writeBatch(store, [{ kind: "account", account: account("m-0", 6, 1) }]);
      expect(store.scanMembers(5, null, 3)).toEqual(["m-1", "m-2", "m-3"]);
      expect(store.scanMembers(5, "m-3", 3)).toEqual(["m-4"]);
      expect(store.scanMembers(5, "m-4", 3)).toEqual([]);
      expect(store.scanMembers(6, null, 10)).toEqual(["m-0"]);
    });

    it("scans accounts past members' receipts and history, and counts only accounts", async () => {
      const store = openStore();
      const history = (memberId: string, sequence: number) => ({
        kind: "activity" as const,
        activity: { logicalShard: 5, memberId, sequence, at: sequence, kind: "receipt", detail: {} },
      });
      await writeBatch(store, [
        ...["m-1", "m-2", "m-3"].map((id) => ({ kind: "account" as const, account: account(id, 5, 1) })),
        ...Array.from({ length: 30 }, (_, sequence) => history("m-1", sequence + 1)),
        { kind: "receipt", receipt: { ...receipt(5, "r-1", "m-2") } },
        history("m-2", 1),
        // History of a member whose account is not stored: not an account.
        history("m-15", 1),
      ]);
      expect(store.scanMembers(5, null, 10)).toEqual(["m-1", "m-2", "m-3"]);
      expect(store.scanMembers(5, "m-1", 1)).toEqual(["m-2"]);
      // Members sort by id length, then bytes (record-keys.ts): "m-15" comes after "m-3" and has no account.
      expect(store.scanMembers(5, "m-3", 10)).toEqual([]);
      expect(store.countAccounts(5)).toBe(3);
    });

    it("finds every written batch again after the store is closed and opened again", async () => {
      const first = openStore();
      for (let index = 0; index < 20; index += 1) {
        await writeBatch(first, [
          { kind: "account", account: account(`m-${index}`, index % 4, index) },
          { kind: "receipt", receipt: receipt(index % 4, `r-${index}`, `m-${index}`) },
        ]);
      }
      await first.close();
      const second = openStore();
      for (let index = 0; index < 20; index += 1) {
        expect(second.readAccount(index % 4, `m-${index}`)?.balance).toBe(index);
        expect(second.readReceipt(index % 4, `m-${index}`, "store-1", `r-${index}`)?.memberId).toBe(`m-${index}`);
      }
      expect(second.countAccounts(0)).toBe(5);
    });
  });
}
