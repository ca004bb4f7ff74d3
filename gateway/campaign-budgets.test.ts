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

const DISCOUNT_BUDGET = 4_000;
/** 10 % off every receipt, at most DISCOUNT_BUDGET (minor units) in all. */
const DISCOUNT_CAMPAIGN = {
  name: "Ten off",
  start: Date.now() - DAY,
  end: Date.now() + 7 * DAY,
  state: "active",
  partner: "demo-partner",
  budgetDiscount: DISCOUNT_BUDGET,
  mechanics: [{ kind: "discount", basisPoints: 1_000 }],
};

function campaignDiscount(answer: CommitResult): number {
  return answer.rules.filter((rule) => rule.rule === "campaign:tenoff").reduce((sum, rule) => sum + (rule.discount ?? 0), 0);
}

describe("a campaign's discount budget over the wire, two shard threads and many lanes at once", () => {
  const directory = makeTemporaryDirectory("campaign-discount-budgets");
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

  /** `rounds` receipts of two units of 1,000 per member, every lane committing at once. */
  async function commitAll(lanes: readonly LoycoreClient[], prefix: string, rounds: number): Promise<CommitResult[]> {
    const work: Promise<CommitResult>[] = [];
    for (let round = 0; round < rounds; round += 1) {
      cards.forEach((card, index) => {
        const lane = lanes[(index + round) % LANES] as LoycoreClient;
        work.push(lane.commit({ card, receipt: { id: `${prefix}-${round}-${index}`, at: Date.now() - 1_000, lines: [{ sku: "a", qty: 2, price: 1_000, amount: 2_000 }] } }));
      });
    }
    return Promise.all(work);
  }

  it("gives at most the discount budget at once, cites the budget where it gave less, gives back what refunds and cancels return, and no more after a crash", async () => {
    const { server, lanes } = await start();
    const admin = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/program`, admin, PROGRAM, "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/campaigns/tenoff`, admin, DISCOUNT_CAMPAIGN, "PUT")).status).toBe(200);

    const answers = await commitAll(lanes, "b", 5);
    // 120 receipts would take 24,000 off; each thread's share (half) is spent whole, 200 a receipt.
    expect(answers.reduce((sum, answer) => sum + campaignDiscount(answer), 0)).toBe(DISCOUNT_BUDGET);
    expect(answers.reduce((sum, answer) => sum + answer.discount, 0)).toBe(DISCOUNT_BUDGET);
    expect(answers.filter((answer) => campaignDiscount(answer) > 0)).toHaveLength(DISCOUNT_BUDGET / 200);
    // A receipt the spent budget gave nothing says why.
    const refused = answers.find((answer) => campaignDiscount(answer) === 0);
    expect(refused?.rules.find((rule) => rule.rule === "campaign:tenoff")).toEqual({ rule: "campaign:tenoff", effect: "discount", basisPoints: 1_000, discount: 0, limitedBy: "budget" });
    const half = DISCOUNT_BUDGET / 2;
    expect((await getJson(`${server.url}/v1/admin/campaigns/tenoff/budget`, admin)).body).toEqual({
      campaign: "tenoff",
      budgetPoints: null,
      given: 0,
      budgetDiscount: DISCOUNT_BUDGET,
      discountGiven: DISCOUNT_BUDGET,
      shards: [
        { shard: 0, share: 0, given: 0, discountShare: half, discountGiven: half },
        { shard: 1, share: 0, given: 0, discountShare: half, discountGiven: half },
      ],
    });

    // Cancels give back their receipts' discount; a refund of one of two units, half of it.
    const discounted = answers.map((answer, index) => ({ answer, card: cards[index % MEMBERS] as string })).filter((entry) => campaignDiscount(entry.answer) > 0);
    for (const { answer, card } of discounted.slice(0, 4)) await (lanes[0] as LoycoreClient).cancel({ card, receipt: answer.receipt });
    const refunded = discounted[4] as { answer: CommitResult; card: string };
    await (lanes[1] as LoycoreClient).refund({ card: refunded.card, refund: { id: "f-1", receipt: refunded.answer.receipt, lines: [{ line: 0, qty: 1 }] } });
    const returned = 4 * 200 + 100;
    expect((await getJson(`${server.url}/v1/admin/campaigns/tenoff/budget`, admin)).body).toMatchObject({ discountGiven: DISCOUNT_BUDGET - returned });
    // New receipts take exactly what came back: whole discounts, and what is left of a share cited as limited by the budget.
    const again = await commitAll(lanes, "c", 2);
    expect(again.reduce((sum, answer) => sum + campaignDiscount(answer), 0)).toBe(returned);
    expect(again.some((answer) => campaignDiscount(answer) === 100 && answer.rules.some((rule) => rule.limitedBy === "budget"))).toBe(true);

    // A crash: each logical shard's totals come back from the log, so the campaign takes nothing more off.
    await crash();
    const restarted = await start();
    const after = await commitAll(restarted.lanes, "d", 2);
    expect(after.reduce((sum, answer) => sum + answer.discount, 0)).toBe(0);
    expect((await getJson(`${restarted.server.url}/v1/admin/campaigns/tenoff/budget`, restarted.server.adminToken ?? "")).body).toMatchObject({ discountGiven: DISCOUNT_BUDGET });
  });
});
