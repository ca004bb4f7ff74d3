import { afterEach, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess } from "./server-process.js";

/** Receipt ids raced; each race is two commits sent in the same turn. */
const RACES = 60;

describe("two members' commits of one receipt id on different shard threads", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("apply exactly one: the other is refused CONFLICT and changes nothing", async () => {
    const directory = makeTemporaryDirectory("receipt-race");
    cleanups.push(directory.remove);
    const server = await startServerProcess(directory.path, ["--demo", "--demo-members", "20", "--shards", "2"]);
    cleanups.push(() => server.kill());
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "", reconnect: false });
    cleanups.push(() => client.close().catch(() => undefined));

    // Two demo members whose accounts live on different shard threads.
    const placement = PlacementTable.roundRobin(2);
    const members = await Promise.all(server.demoCards.map(async (card) => ({ card, member: (await client.identify({ card })).member })));
    const threadOf = (member: string): number => placement.ownerOf(logicalShardOf(member));
    const first = members.find((entry) => threadOf(entry.member) === 0);
    const second = members.find((entry) => threadOf(entry.member) === 1);
    if (first === undefined || second === undefined) throw new Error("the demo members span both shard threads");
    const before = await Promise.all([first, second].map(({ card }) => client.balance({ card })));

    const outcomes = await Promise.all(
      Array.from({ length: RACES }, async (_, race) => {
        const lines = [{ sku: "race", qty: 1, price: 10_000, amount: 10_000 }];
        const receipt = { id: `race-${race}`, at: 1_763_800_000_000 + race, lines };
        const settled = await Promise.allSettled([first, second].map(({ card }) => client.commit({ card, receipt })));
        return settled.map((result) => (result.status === "fulfilled" ? { code: "ok", points: result.value.points } : { code: (result.reason as { code?: string }).code, points: 0 }));
      }),
    );
    for (const outcome of outcomes) expect(outcome.map(({ code }) => code).sort()).toEqual(["CONFLICT", "ok"]);

    // Each member's balance grew by exactly the points of the receipts it won; nothing else changed.
    const earned = [0, 1].map((side) => outcomes.reduce((sum, outcome) => sum + (outcome[side]?.points ?? 0), 0));
    const after = await Promise.all([first, second].map(({ card }) => client.balance({ card })));
    [0, 1].forEach((side) => expect((after[side]?.balance ?? 0) - (before[side]?.balance ?? 0)).toBe(earned[side]));
  });
});

describe("the receipt index after a crash", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("still refuses another member's commit of every receipt acknowledged before a kill -9 whose index entries were never written", async () => {
    const directory = makeTemporaryDirectory("receipt-index-crash");
    cleanups.push(directory.remove);
    // The index writes are held for a minute: at the kill none of them is on disk, only the shards' logs.
    const held = { LOYCORE_FAULT_INJECTION: "1", LOYCORE_RECEIPT_INDEX_WRITE_DELAY_MILLISECONDS: "60000" };
    const first = await startServerProcess(directory.path, ["--demo", "--demo-members", "6", "--shards", "2"], held);
    const cards = first.demoCards;
    const client = await LoycoreClient.connect({ url: first.webSocketUrl, token: first.terminalToken ?? "", reconnect: false });
    const receipts = Array.from({ length: 30 }, (_, index) => ({
      id: `crash-${index}`,
      at: 1_763_800_000_000 + index,
      lines: [{ sku: "milk", qty: 1, price: 5_000, amount: 5_000 }],
    }));
    const answers = await Promise.all(receipts.map((receipt, index) => client.commit({ card: cards[index % 3] ?? "", receipt })));
    await client.close();
    await first.kill();

    const second = await startServerProcess(directory.path);
    cleanups.push(() => second.kill());
    const token = first.terminalToken ?? "";
    const again = await LoycoreClient.connect({ url: second.webSocketUrl, token, reconnect: false });
    cleanups.push(() => again.close().catch(() => undefined));
    for (const [index, receipt] of receipts.entries()) {
      // The same receipt for a member of the other three: refused, whichever shard thread it lives on.
      await expect(again.commit({ card: cards[3 + (index % 3)] ?? "", receipt })).rejects.toMatchObject({ code: "CONFLICT" });
      // The first member gets its first answer again.
      expect(await again.commit({ card: cards[index % 3] ?? "", receipt })).toEqual(answers[index]);
    }
  });
});
