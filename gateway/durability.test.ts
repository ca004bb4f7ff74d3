import { afterEach, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import type { CommitResult } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { runServerExpectingFailure, startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson } from "./test-support/http-json.js";

const RECEIPT_AT = 1_763_800_000_000;

function receiptFor(index: number) {
  const amount = 1_000 + ((index * 7919) % 50_000);
  return { id: `dur-${index}`, at: RECEIPT_AT + index, lines: [{ sku: `sku-${index % 13}`, qty: 1, price: amount, amount }] };
}

describe("durability of acknowledged operations", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(dataDirectory: string, extra: readonly string[] = []): Promise<{ server: ServerProcess; client: LoycoreClient }> {
    const server = await startServerProcess(dataDirectory, ["--demo", "--demo-members", "20", ...extra]);
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "", reconnect: false });
    cleanups.push(async () => {
      await client.close().catch(() => undefined);
      await server.kill();
    });
    return { server, client };
  }

  it("finds every committed receipt, balance and member again after a graceful restart", async () => {
    const directory = makeTemporaryDirectory("restart");
    cleanups.push(directory.remove);
    const first = await start(directory.path, ["--shards", "2"]);
    const cards = first.server.demoCards;
    const answers = new Map<number, CommitResult>();
    await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        answers.set(index, await first.client.commit({ card: cards[index % cards.length] ?? "", receipt: receiptFor(index) }));
      }),
    );
    const balancesBefore = await Promise.all(cards.map((card) => first.client.balance({ card })));
    await first.client.close();
    expect(await first.server.stop()).toBe(0);

    const second = await start(directory.path);
    expect(second.server.shardThreads).toBe(2);
    for (const [index, answer] of answers) {
      expect(await second.client.commit({ card: cards[index % cards.length] ?? "", receipt: receiptFor(index) })).toEqual(answer);
    }
    const balancesAfter = await Promise.all(cards.map((card) => second.client.balance({ card })));
    expect(balancesAfter).toEqual(balancesBefore);
  });

  it("loses no acknowledged commit when the server is killed with SIGKILL in the middle of a stream of commits", async () => {
    const directory = makeTemporaryDirectory("crash");
    cleanups.push(directory.remove);
    const first = await start(directory.path);
    const cards = first.server.demoCards;
    const acknowledged = new Map<number, CommitResult>();
    const total = 4_000;
    let killed = false;
    const stream = Promise.allSettled(
      Array.from({ length: total }, async (_, index) => {
        const answer = await first.client.commit({ card: cards[index % cards.length] ?? "", receipt: receiptFor(index) });
        acknowledged.set(index, answer);
        if (acknowledged.size === 500 && !killed) {
          killed = true;
          await first.server.kill();
        }
      }),
    );
    await stream;
    expect(killed).toBe(true);
    expect(acknowledged.size).toBeGreaterThanOrEqual(500);
    expect(acknowledged.size).toBeLessThan(total);

    const second = await start(directory.path);
    for (const [index, answer] of acknowledged) {
      expect(await second.client.commit({ card: cards[index % cards.length] ?? "", receipt: receiptFor(index) })).toEqual(answer);
    }
    // Every member's balance is a sum of whole receipts: the last acknowledged
    // transaction of each member is at most the member's operation count.
    for (const card of cards) {
      const view = await getJson(`${second.server.url}/v1/admin/members?card=${card}`, second.server.adminToken ?? "");
      const highest = Math.max(
        0,
        ...[...acknowledged.values()]
          .filter((answer) => answer.member === view.body["member"])
          .map((answer) => Number(answer.transaction.split("-").pop())),
      );
      expect(Number(view.body["transactions"])).toBeGreaterThanOrEqual(highest);
    }
  });

  it("refuses to open a data directory with a different explicit shard thread count", async () => {
    const directory = makeTemporaryDirectory("placement");
    cleanups.push(directory.remove);
    const first = await start(directory.path, ["--shards", "2"]);
    await first.client.close();
    await first.server.stop();
    const refused = await runServerExpectingFailure(["--data-dir", directory.path, "--shards", "3"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("created with 2 shard threads");
  });
});
