import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient, type CommitResult } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

const RETRY_ATTEMPTS_MAX = 50;
const RETRY_DELAY_MILLISECONDS = 50;

function receiptFor(index: number) {
  return { id: `sup-${index}`, at: 1_763_800_000_000 + index, lines: [{ sku: "a", qty: 1, price: 1_000 + index, amount: 1_000 + index }] };
}

describe("a shard thread that dies", () => {
  const directory = makeTemporaryDirectory("supervision");
  let server: ServerProcess;

  beforeAll(async () => {
    process.env["LOYCORE_FAULT_INJECTION"] = "1";
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "20", "--shards", "1"]);
    delete process.env["LOYCORE_FAULT_INJECTION"];
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("is restarted: requests in flight get UNAVAILABLE, retries succeed, and nothing acknowledged is lost", async () => {
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const cards = server.demoCards;
    const commit = (index: number): Promise<CommitResult> => client.commit({ card: cards[index % cards.length] ?? "", receipt: receiptFor(index) });
    const total = 600;
    // The shard dies between writes: a thread that dies while LMDB is writing for it takes the whole
    // process down (SIGSEGV in native code, seen here), which the process supervisor then restarts.
    const before = await Promise.allSettled(Array.from({ length: total / 2 }, (_, index) => commit(index)));
    const crashed = await postJson(`${server.url}/v1/admin/faults/crash-shard/0`, server.adminToken ?? "", {});
    expect(crashed.status).toBe(200);
    // Sent while the shard is dying or restarting.
    const after = await Promise.allSettled(Array.from({ length: total / 2 }, (_, index) => commit(total / 2 + index)));
    const outcomes = [...before, ...after];
    const codes = outcomes.filter((outcome) => outcome.status === "rejected").map((outcome) => (outcome.reason as { code: string }).code);
    expect(codes).toContain("UNAVAILABLE");
    // BUSY is the shard's overload answer: on a loaded machine, 300 commits may queue past its wait bound.
    expect(codes.filter((code) => code !== "UNAVAILABLE" && code !== "BUSY")).toEqual([]);

    // Retry everything not acknowledged, with the same receipt ids, until the restarted shard answers.
    const answers = new Map<number, CommitResult>();
    outcomes.forEach((outcome, index) => {
      if (outcome.status === "fulfilled") answers.set(index, outcome.value);
    });
    const acknowledgedBefore = new Map(answers);
    for (let attempt = 0; attempt < RETRY_ATTEMPTS_MAX && answers.size < total; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MILLISECONDS));
      const missing = Array.from({ length: total }, (_, index) => index).filter((index) => !answers.has(index));
      const retried = await Promise.allSettled(missing.map((index) => commit(index)));
      retried.forEach((outcome, position) => {
        if (outcome.status === "fulfilled") answers.set(missing[position] ?? -1, outcome.value);
      });
    }
    expect(answers.size).toBe(total);
    // Every answer acknowledged before the crash is still the answer now.
    for (const [index, answer] of acknowledgedBefore) expect(await commit(index)).toEqual(answer);
    // Each receipt applied once: a member's operation count is its welcome receipt plus its receipts here.
    for (let member = 0; member < cards.length; member += 1) {
      const view = await getJson(`${server.url}/v1/admin/members?card=${cards[member] ?? ""}`, server.adminToken ?? "");
      expect(view.body["transactions"]).toBe(1 + total / cards.length);
    }
    expect((await getJson(`${server.url}/health`)).status).toBe(200);
    await client.close();
  });

  it("does not expose fault injection unless the process enables it", async () => {
    const other = makeTemporaryDirectory("no-faults");
    const plain = await startServerProcess(other.path, ["--demo", "--demo-members", "1"]);
    const refused = await postJson(`${plain.url}/v1/admin/faults/crash-shard/0`, plain.adminToken ?? "", {});
    expect(refused.status).toBe(404);
    await plain.stop();
    other.remove();
  });
});
