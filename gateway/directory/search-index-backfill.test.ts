import { describe, expect, it } from "vitest";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { createInMemoryCluster } from "../shards/in-memory-cluster.js";
import { MemoryDirectoryData, MemoryDirectoryStore } from "./memory-directory-store.js";
import { backfillSearchIndexes } from "./search-index-backfill.js";

describe("the search index backfill", () => {
  it("indexes the names and e-mails of members enrolled before the indexes existed, once, across every logical shard", async () => {
    const data = new MemoryDirectoryData();
    const directory = new MemoryDirectoryStore(data);
    const { cluster, actors } = createInMemoryCluster({ shardThreads: 2, program: simpleProgram(), clock: () => 1 });
    const members: string[] = [];
    for (let index = 0; index < 40; index += 1) {
      const memberId = `m${index.toString(16).padStart(16, "0")}`;
      members.push(memberId);
      // As an older build enrolled them: card and phone in the directory, no search keys.
      await directory.writeEntry({ memberId, card: `card-${index}`, phone: null });
      const profile = { card: `card-${index}`, phone: null, name: `Иван ${index}`, birthDate: null, ...(index % 2 === 0 ? { email: `ivan${index}@example.com` } : {}) };
      expect(await cluster.requestForMember({ kind: "enroll", memberId, profile })).toMatchObject({ ok: true });
    }
    for (const actor of actors) await actor.checkpointNow();
    expect(directory.findMembersByNamePrefix("иван", null, 100)).toEqual([]);
    expect(await backfillSearchIndexes(directory, cluster)).toBe(40);
    expect(directory.findMembersByNamePrefix("иван", null, 100).map((hit) => hit.memberId).sort()).toEqual([...members].sort());
    expect(directory.findMembersByEmail("IVAN4@example.com", null, 10).map((hit) => hit.memberId)).toEqual([members[4]]);
    expect(directory.searchIndexesComplete()).toBe(true);
    expect(await backfillSearchIndexes(directory, cluster)).toBe(0);
  });

  it("marks a directory without cards complete at once", async () => {
    const directory = new MemoryDirectoryStore();
    const { cluster } = createInMemoryCluster({ shardThreads: 1, program: simpleProgram(), clock: () => 1 });
    expect(await backfillSearchIndexes(directory, cluster)).toBe(0);
    expect(directory.searchIndexesComplete()).toBe(true);
  });
});
