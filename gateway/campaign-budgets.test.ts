import { afterAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import type { CommitResult } from "../protocol/terminal-wire.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** 1 % back, nothing pending. */
const PROGRAM = { name: "Budgets", points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 5_000 } };
const DAY = 86_400_000;
const BUDGET = 6_000;
const LANES = 6;
const MEMBERS = 24;

/** 100 points on every receipt, at most BUDGET in all. */
const CAMPAIGN = {
  name: "Hundred",
  start: Date.now() - DAY,
  end: Date.now() + 7 * DAY,
  state: "active",
  partner: "demo-partner",
  budgetPoints: BUDGET,
  mechanics: [{ kind: "points", fixedPoints: 100 }],
};

function campaignPoints(answer: CommitResult): number {
  return answer.rules.filter((rule) => rule.rule === "campaign:hundred").reduce((sum, rule) => sum + (rule.points ?? 0), 0);
}

interface Running {
  readonly server: ServerProcess;
  readonly lanes: LoycoreClient[];
}

describe("a campaign's budget over the wire, two shard threads and many lanes at once", () => {
  const directory = makeTemporaryDirectory("campaign-budgets");
  let running: Running | null = null;
  let cards: readonly string[] = [];

  async function start(): Promise<Running> {
    const server = await startServerProcess(directory.path, ["--demo", "--demo-members", String(MEMBERS), "--shards", "2"]);
    const lanes = await Promise.all(Array.from({ length: LANES }, () => LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "", reconnect: false })));
    cards = server.demoCards;
    running = { server, lanes };
    return running;
  }

  async function crash(): Promise<void> {
    if (running === null) return;
    for (const lane of running.lanes) await lane.close().catch(() => undefined);
    await running.server.kill();
    running = null;
  }

  afterAll(async () => {
    await crash();
    directory.remove();
  });

  /** `rounds` receipts per member, every lane committing at once; the answers in (round, member) order. */
  async function commitAll(lanes: readonly LoycoreClient[], prefix: string, rounds: number): Promise<CommitResult[]> {
    const work: Promise<CommitResult>[] = [];
    for (let round = 0; round < rounds; round += 1) {
      cards.forEach((card, index) => {
        const lane = lanes[(index + round) % LANES] as LoycoreClient;
        work.push(lane.commit({ card, receipt: { id: `${prefix}-${round}-${index}`, at: Date.now() - 1_000, lines: [{ sku: "a", qty: 1, price: 2_000, amount: 2_000 }] } }));
      });
    }
    return Promise.all(work);
  }

  it("gives at most the budget however many receipts apply the campaign at once, gives a cancelled receipt's points again, and no more after a crash", async () => {
    const { server, lanes } = await start();
    expect(cards).toHaveLength(MEMBERS);
    const admin = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/program`, admin, PROGRAM, "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/campaigns/hundred`, admin, CAMPAIGN, "PUT")).status).toBe(200);

    const answers = await commitAll(lanes, "b", 5);
    // 120 receipts would give 12,000; each thread's share (128 of the 256 logical shards: half) is spent whole.
    expect(answers.reduce((sum, answer) => sum + campaignPoints(answer), 0)).toBe(BUDGET);
    expect(answers.filter((answer) => campaignPoints(answer) > 0)).toHaveLength(BUDGET / 100);
    const view = await getJson(`${server.url}/v1/admin/campaigns/hundred/budget`, admin);
    expect(view.body).toEqual({ campaign: "hundred", budgetPoints: BUDGET, given: BUDGET, shards: [{ shard: 0, share: BUDGET / 2, given: BUDGET / 2 }, { shard: 1, share: BUDGET / 2, given: BUDGET / 2 }] });

    // Cancels give their campaign points back to their thread's share; new receipts there take them again.
    const cancelled = answers.map((answer, index) => ({ answer, card: cards[index % MEMBERS] as string })).filter((entry) => campaignPoints(entry.answer) > 0).slice(0, 4);
    for (const { answer, card } of cancelled) {
      expect(await (lanes[0] as LoycoreClient).cancel({ card, receipt: answer.receipt })).toMatchObject({ pointsRevoked: 100 + 20 });
    }
    expect((await getJson(`${server.url}/v1/admin/campaigns/hundred/budget`, admin)).body).toMatchObject({ given: BUDGET - cancelled.length * 100 });
    const again = await commitAll(lanes, "c", 2);
    expect(again.reduce((sum, answer) => sum + campaignPoints(answer), 0)).toBe(cancelled.length * 100);

    // A crash: each logical shard's total comes back from the log, so the campaign gives nothing more.
    await crash();
    const restarted = await start();
    const after = await commitAll(restarted.lanes, "d", 2);
    expect(after.reduce((sum, answer) => sum + campaignPoints(answer), 0)).toBe(0);
    expect(after.every((answer) => answer.points === 20)).toBe(true);
    expect((await getJson(`${restarted.server.url}/v1/admin/campaigns/hundred/budget`, restarted.server.adminToken ?? "")).body).toMatchObject({ given: BUDGET });
  });
});
