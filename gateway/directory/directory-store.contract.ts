import { afterEach, describe, expect, it } from "vitest";
import { PLAIN_CARD_DETAILS, type DirectoryStore } from "./directory-store.js";

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

    it("lists an enrolled card as a plain card of its member, with no stored details", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-3", card: "300", phone: null });
      expect(store.findCardDetails("300")).toBeUndefined();
      expect(store.cardsOfMember("m-3")).toEqual([{ card: "300", memberId: "m-3", ...PLAIN_CARD_DETAILS }]);
      expect(store.cardsOfMember("m-30")).toEqual([]);
    });

    it("writes cards with their details in one go, finds each by number and lists a member's cards in card order", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-4", card: "410", phone: null });
      const blocked = { card: "410", memberId: "m-4", ...PLAIN_CARD_DETAILS, state: "blocked" as const, blockedAt: 5, blockReason: "lost", replacedBy: "400" };
      const issued = { card: "400", memberId: "m-4", ...PLAIN_CARD_DETAILS, type: "vip", issuedAt: 5, expiresAt: 99 };
      await store.writeCards([blocked, issued]);
      expect(store.findMemberByCard("400")).toBe("m-4");
      expect(store.findCardDetails("400")).toEqual({ ...PLAIN_CARD_DETAILS, type: "vip", issuedAt: 5, expiresAt: 99 });
      expect(store.cardsOfMember("m-4")).toEqual([issued, blocked]);
      // A member whose id starts with another's lists only its own cards.
      await store.writeCards([{ ...issued, card: "500", memberId: "m-40" }]);
      expect(store.cardsOfMember("m-4").map((record) => record.card)).toEqual(["400", "410"]);
    });

    it("sees a card's new member and details at once after a write, though the card was read just before it", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-6", card: "600", phone: null });
      expect(store.findMemberByCard("600")).toBe("m-6");
      expect(store.findCardDetails("600")).toBeUndefined();
      const blocked = { card: "600", memberId: "m-6", ...PLAIN_CARD_DETAILS, state: "blocked" as const, blockedAt: 7, blockReason: "stolen" };
      const written = store.writeCards([blocked]);
      // Read while the write is in flight: either side of it may be seen, and nothing of it may stay.
      store.findCardDetails("600");
      await written;
      expect(store.findCardDetails("600")).toMatchObject({ state: "blocked", blockReason: "stolen" });
      expect(store.findMemberByCard("601")).toBeUndefined();
      await store.writeEntry({ memberId: "m-61", card: "601", phone: null });
      expect(store.findMemberByCard("601")).toBe("m-61");
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
      expect(second.cardsOfMember("m-3").map((record) => record.card)).toEqual(["card-3"]);
    });

    it("finds members by the start of their name in any case, Cyrillic included, in folded-name order, paged after a key", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-2", card: "c2", phone: null, name: "Анна Семёнова" });
      await store.writeEntry({ memberId: "m-1", card: "c1", phone: null, name: "АННА Петрова" });
      await store.writeEntry({ memberId: "m-3", card: "c3", phone: null, name: "Анастасия" });
      await store.writeEntry({ memberId: "m-4", card: "c4", phone: null, name: "Anna" });
      const ids = (hits: readonly { memberId: string }[]) => hits.map((hit) => hit.memberId);
      expect(ids(store.findMembersByNamePrefix("анна", null, 10))).toEqual(["m-1", "m-2"]);
      expect(ids(store.findMembersByNamePrefix("Ан", null, 10))).toEqual(["m-3", "m-1", "m-2"]);
      expect(ids(store.findMembersByNamePrefix("анна семен", null, 10))).toEqual(["m-2"]);
      expect(ids(store.findMembersByNamePrefix("ANN", null, 10))).toEqual(["m-4"]);
      const first = store.findMembersByNamePrefix("ан", null, 2);
      expect(ids(first)).toEqual(["m-3", "m-1"]);
      expect(ids(store.findMembersByNamePrefix("ан", first[1]?.key ?? null, 2))).toEqual(["m-2"]);
      expect(store.findMembersByNamePrefix("б", null, 10)).toEqual([]);
    });

    it("finds members by e-mail exactly in any case, several members of one address in member id order, and not by a prefix", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-6", card: "c6", phone: null, email: "Anna@Example.com" });
      await store.writeEntry({ memberId: "m-5", card: "c5", phone: null, email: "anna@example.com" });
      await store.writeEntry({ memberId: "m-7", card: "c7", phone: null, email: "anna@example.com.ru" });
      expect(store.findMembersByEmail("ANNA@example.COM", null, 10).map((hit) => hit.memberId)).toEqual(["m-5", "m-6"]);
      expect(store.findMembersByEmail("anna@example", null, 10)).toEqual([]);
    });

    it("moves a member's phone and search keys in one update, freeing an old phone only while it is still the member's", async () => {
      const store = openStore();
      await store.writeEntry({ memberId: "m-8", card: "c8", phone: "+79000000008", name: "Ольга", email: "olga@example.com" });
      await store.writeEntry({ memberId: "m-9", card: "c9", phone: "+79000000009" });
      await store.updateMemberIndexes({ memberId: "m-8", claimPhones: ["+79000000018"], addNames: ["Ольга Иванова"], addEmails: ["o@example.com"] });
      expect(store.findMemberByPhone("+79000000018")).toBe("m-8");
      expect(store.findMemberByPhone("+79000000008")).toBe("m-8");
      await store.updateMemberIndexes({
        memberId: "m-8",
        releasePhones: ["+79000000008", "+79000000009"],
        removeNames: ["Ольга"],
        removeEmails: ["OLGA@example.com"],
      });
      expect(store.findMemberByPhone("+79000000008")).toBeUndefined();
      expect(store.findMemberByPhone("+79000000009")).toBe("m-9");
      expect(store.findMembersByNamePrefix("ольга", null, 10).map((hit) => hit.key)).toEqual(["ольга иванова\u0000m-8"]);
      expect(store.findMembersByEmail("olga@example.com", null, 10)).toEqual([]);
      expect(store.findMembersByEmail("o@example.com", null, 10).map((hit) => hit.memberId)).toEqual(["m-8"]);
    });

    it("adds many members' search keys at once, and remembers across a reopen that the indexes are complete", async () => {
      const first = openStore();
      expect(first.searchIndexesComplete()).toBe(false);
      await first.addSearchKeys([
        { memberId: "m-11", name: "Пётр", email: null },
        { memberId: "m-12", name: null, email: "P@Example.com" },
      ]);
      await first.markSearchIndexesComplete();
      await first.close();
      const second = openStore();
      expect(second.searchIndexesComplete()).toBe(true);
      expect(second.findMembersByNamePrefix("петр", null, 10).map((hit) => hit.memberId)).toEqual(["m-11"]);
      expect(second.findMembersByEmail("p@example.com", null, 10).map((hit) => hit.memberId)).toEqual(["m-12"]);
    });
  });
}
