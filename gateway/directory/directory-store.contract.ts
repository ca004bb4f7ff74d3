import { afterEach, describe, expect, it } from "vitest";
import type { DirectoryStore } from "./directory-store.js";

export interface DirectoryStoreFixture {
  open(): DirectoryStore;
  dispose(): void;
}

/** The contract every DirectoryStore keeps; run against LMDB and the in-memory twin. */
export function describeDirectoryStoreContract(name: string, makeFixture: () => DirectoryStoreFixture): void {
  describe(`${name} keeps the directory contract`, () => {
    let fixture: DirectoryStoreFixture | undefined;
    const stores: DirectoryStore[] = [];
    function openStore(): DirectoryStore {
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

    it("finds no member for a card or phone never written", () => {
      const store = openStore();
      expect(store.findMemberByCard("100")).toBeUndefined();
      expect(store.findMemberByPhone("+79000000000")).toBeUndefined();
    });

    it("finds a member by card and by phone once the entry is written", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-1", card: "100", phone: "+79000000001" });
      expect(store.findMemberByCard("100")).toBe("m-1");
      expect(store.findMemberByPhone("+79000000001")).toBe("m-1");
      expect(store.countCards()).toBe(1);
    });

    it("writes a card without a phone and leaves phones untouched", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-2", card: "200", phone: null });
      expect(store.findMemberByCard("200")).toBe("m-2");
      expect(store.findMemberByPhone("null")).toBeUndefined();
    });

    it("finds the member of a recorded receipt by store and receipt id, and nothing for another store", async () => {
      const store = openStore();
      expect(store.findReceiptOwner("s1", "R-1")).toBeUndefined();
      await store.recordReceiptOwners([{ store: "s1", receiptId: "R-1", memberId: "m-1" }], new Map([[1, 42]]));
      expect(store.receiptIndexFloors()).toEqual(new Map([[1, 42]]));
      expect(store.findReceiptOwner("s1", "R-1")).toBe("m-1");
      expect(store.findReceiptOwner("s2", "R-1")).toBeUndefined();
    });

    it("finds every entry again after the store is closed and opened again", async () => {
      const first = openStore();
      for (let index = 0; index < 10; index += 1) {
        await first.writeEntry({ memberId: `m-${index}`, card: `card-${index}`, phone: `+7900000000${index}` });
      }
      await first.close();
      const second = openStore();
      for (let index = 0; index < 10; index += 1) {
        expect(second.findMemberByCard(`card-${index}`)).toBe(`m-${index}`);
        expect(second.findMemberByPhone(`+7900000000${index}`)).toBe(`m-${index}`);
      }
      expect(second.countCards()).toBe(10);
    });
  });
}
