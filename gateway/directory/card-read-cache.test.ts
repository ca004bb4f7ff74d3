import { describe, expect, it } from "vitest";
import { PLAIN_CARD_DETAILS, type CardDetails } from "./directory-store.js";
import { CardReadCache } from "./card-read-cache.js";

function countingStore(members: Record<string, string>, details: Record<string, CardDetails> = {}) {
  const reads = { members: 0, details: 0 };
  return {
    reads,
    member: (card: string) => {
      reads.members += 1;
      return members[card];
    },
    details: (card: string) => {
      reads.details += 1;
      return details[card];
    },
  };
}

describe("the card read cache", () => {
  it("answers a card read again from memory, its member and its details each read once", () => {
    const cache = new CardReadCache();
    const store = countingStore({ "100": "m-1" });
    for (let index = 0; index < 3; index += 1) {
      expect(cache.memberOf("100", store.member)).toBe("m-1");
      expect(cache.detailsOf("100", store.details)).toBeUndefined();
    }
    expect(store.reads).toEqual({ members: 1, details: 1 });
  });

  it("remembers that a card is unknown, until a write", async () => {
    const cache = new CardReadCache();
    const members: Record<string, string> = {};
    const store = countingStore(members);
    expect(cache.memberOf("200", store.member)).toBeUndefined();
    expect(cache.memberOf("200", store.member)).toBeUndefined();
    expect(store.reads.members).toBe(1);
    await cache.writing(async () => {
      members["200"] = "m-2";
    });
    expect(cache.memberOf("200", store.member)).toBe("m-2");
  });

  it("reads the store while a write is in flight, caches nothing then, and forgets everything once it ends", async () => {
    const cache = new CardReadCache();
    const details: Record<string, CardDetails> = {};
    const store = countingStore({ "300": "m-3" }, details);
    cache.memberOf("300", store.member);
    let finish = (): void => undefined;
    const written = cache.writing(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(cache.memberOf("300", store.member)).toBe("m-3");
    expect(cache.memberOf("300", store.member)).toBe("m-3");
    expect(store.reads.members).toBe(3);
    details["300"] = { ...PLAIN_CARD_DETAILS, state: "blocked" };
    finish();
    await written;
    expect(cache.memberOf("300", store.member)).toBe("m-3");
    expect(cache.detailsOf("300", store.details)).toMatchObject({ state: "blocked" });
  });

  it("forgets the cache even when a write fails", async () => {
    const cache = new CardReadCache();
    const members: Record<string, string> = { "400": "m-4" };
    const store = countingStore(members);
    cache.memberOf("400", store.member);
    await expect(
      cache.writing(async () => {
        members["400"] = "m-40";
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(cache.memberOf("400", store.member)).toBe("m-40");
  });

  it("holds at most its bound, forgetting the card it took in first", () => {
    const cache = new CardReadCache(2);
    const store = countingStore({ a: "m-a", b: "m-b", c: "m-c" });
    cache.memberOf("a", store.member);
    cache.memberOf("b", store.member);
    cache.memberOf("c", store.member);
    cache.memberOf("b", store.member);
    cache.memberOf("c", store.member);
    expect(store.reads.members).toBe(3);
    cache.memberOf("a", store.member);
    expect(store.reads.members).toBe(4);
  });
});
