import { afterEach, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS } from "../domain/limits.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { rejectionOf } from "./test-support/rejection-of.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const YEAR_MILLISECONDS = 365 * 24 * 60 * 60 * 1000;

/** A receipt as a POS that leaves the time to the server sends it: no `at`. */
const UNTIMED_RECEIPT = { id: "untimed-1", lines: [{ sku: "milk", qty: 1, price: 12_000, amount: 12_000 }] };

async function refusal(promise: Promise<unknown>): Promise<string> {
  return (await rejectionOf(promise)).code;
}

describe("idempotent retries and receipt times", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(dataDirectory: string): Promise<{ server: ServerProcess; client: LoycoreClient; card: string }> {
    const server = await startServerProcess(dataDirectory, ["--demo", "--demo-members", "3", "--shards", "1"]);
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "", reconnect: false });
    cleanups.push(async () => {
      await client.close().catch(() => undefined);
      await server.kill();
    });
    return { server, client, card: server.demoCards[0] ?? "" };
  }

  it("answers a byte-identical retry of a commit sent without a time with the first answer, before and after a restart", async () => {
    const directory = makeTemporaryDirectory("untimed-retry");
    cleanups.push(directory.remove);
    const first = await start(directory.path);
    const answer = await first.client.commit({ card: first.card, receipt: UNTIMED_RECEIPT });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await first.client.commit({ card: first.card, receipt: UNTIMED_RECEIPT })).toEqual(answer);
    const balance = await first.client.balance({ card: first.card });
    await first.client.close();
    expect(await first.server.stop()).toBe(0);

    const second = await start(directory.path);
    expect(await second.client.commit({ card: second.card, receipt: UNTIMED_RECEIPT })).toEqual(answer);
    expect(await second.client.balance({ card: second.card })).toEqual(balance);
  });

  it("still refuses CONFLICT a retry that adds a time the first attempt did not send", async () => {
    const directory = makeTemporaryDirectory("untimed-conflict");
    cleanups.push(directory.remove);
    const { client, card } = await start(directory.path);
    await client.commit({ card, receipt: UNTIMED_RECEIPT });
    expect(await refusal(client.commit({ card, receipt: { ...UNTIMED_RECEIPT, at: Date.now() } }))).toBe("CONFLICT");
  });

  it("answers a retry of a visit report sent without a time with the first answer", async () => {
    const directory = makeTemporaryDirectory("untimed-visit");
    cleanups.push(directory.remove);
    const { client, card } = await start(directory.path);
    const visit = { id: "visit-1", status: "came" as const };
    const answer = await client.reportVisit({ card, visit });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await client.reportVisit({ card, visit })).toEqual(answer);
  });

  it("refuses TIME_IN_FUTURE a receipt dated a year ahead and changes nothing", async () => {
    const directory = makeTemporaryDirectory("future-receipt");
    cleanups.push(directory.remove);
    const { client, card } = await start(directory.path);
    const before = await client.balance({ card, detail: true });
    const future = { ...UNTIMED_RECEIPT, id: "future-1", at: Date.now() + YEAR_MILLISECONDS };
    expect(await refusal(client.commit({ card, receipt: future }))).toBe("TIME_IN_FUTURE");
    expect(await refusal(client.calculate({ card, receipt: future }))).toBe("TIME_IN_FUTURE");
    expect(await refusal(client.reportVisit({ card, visit: { id: "visit-future", status: "came", at: future.at } }))).toBe("TIME_IN_FUTURE");
    expect(await client.balance({ card, detail: true })).toEqual(before);
    // Within the clock-skew tolerance a till's receipt is taken.
    const skewed = { ...UNTIMED_RECEIPT, id: "skewed-1", at: Date.now() + RECEIPT_TIME_AHEAD_TOLERANCE_MILLISECONDS / 2 };
    await expect(client.commit({ card, receipt: skewed })).resolves.toMatchObject({ receipt: "skewed-1" });
  });
});
