import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient, type CommitResult } from "../client/index.js";
import type { ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/** Points only, so the arithmetic stays easy to check: 10 % back, points pay up to the whole receipt. */
const POINTS_PROGRAM = { name: "Ledger test", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 } };

function receipt(id: string, lines: readonly [number, number][]) {
  return { id, at: 1_763_800_000_000, lines: lines.map(([qty, amount], index) => ({ sku: `sku-${index}`, qty, price: amount, amount })) };
}

describe("the points ledger over the wire", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: string;

  beforeAll(async () => {
    gateway = await startProgramGateway("ledger", POINTS_PROGRAM);
    ({ server, client, admin } = gateway);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("returns part of a line, then cancels the rest, taking back exactly what the receipt gave", async () => {
    await client.enroll({ card: "9100000000001" });
    const committed = await client.commit({ card: "9100000000001", receipt: receipt("ledger-1", [[2, 10_000], [1.5, 3_000]]) });
    expect(committed.points).toBe(1_300);
    const detail = await client.balance({ card: "9100000000001", detail: true });
    expect(detail).toMatchObject({ balance: 1_300, active: 1_300, pending: 0, held: 0, debt: 0 });
    expect(detail.lots).toEqual([expect.objectContaining({ source: "receipt", points: 1_300, remaining: 1_300 })]);

    const refund = { id: "refund-1", receipt: "ledger-1", lines: [{ line: 0, qty: 1 }, { line: 1, qty: 0.375 }] };
    const refunded = await client.refund({ card: "9100000000001", refund });
    expect(refunded).toMatchObject({ refund: "refund-1", pointsRevoked: 500 + 75, pointsReturned: 0, debtAdded: 0, balance: 1_300 - 575 });
    expect(await client.refund({ card: "9100000000001", refund })).toEqual(refunded);
    await expect(client.refund({ card: "9100000000001", refund: { ...refund, id: "refund-2", lines: [{ line: 0, qty: 1.5 }] } })).rejects.toMatchObject({
      code: "RETURN_EXCEEDS_PURCHASE",
    });

    const cancelled = await client.cancel({ card: "9100000000001", receipt: "ledger-1" });
    expect(cancelled).toMatchObject({ cancelled: "receipt", pointsRevoked: 1_300 - 575, balance: 0 });
    await expect(client.refund({ card: "9100000000001", refund: { ...refund, id: "refund-3" } })).rejects.toMatchObject({
      code: "RECEIPT_CANCELLED",
    });
    await expect(client.cancel({ card: "9100000000001", receipt: "no-such-receipt" })).rejects.toMatchObject({ code: "UNKNOWN_RECEIPT" });
    const view = await getJson(`${server.url}/v1/admin/members?card=9100000000001`, admin);
    expect(view.body).toMatchObject({ balance: 0, counters: { lifetime: { sold: 0, paid: 0, visits: 0 } } });
  });

  it("commits a receipt paid in part, counts later payments as paid, and takes a return from what is owed first", async () => {
    await client.enroll({ card: "9100000000011" });
    const sent = { card: "9100000000011", paid: 4_000, receipt: receipt("part-1", [[1, 10_000]]) };
    const committed = await client.commit(sent);
    expect(committed).toMatchObject({ payable: 10_000, unpaid: 6_000 });
    expect(await client.commit(sent)).toEqual(committed);
    await expect(client.commit({ ...sent, paid: 5_000 })).rejects.toMatchObject({ code: "CONFLICT" });
    const payment = { id: "pay-1", receipt: "part-1", amount: 5_000, at: 1_763_800_100_000 };
    const paid = await client.payment({ payment });
    expect(paid).toEqual({ member: committed.member, payment: "pay-1", receipt: "part-1", amount: 5_000, unpaid: 1_000 });
    expect(await client.payment({ payment })).toEqual(paid);
    await expect(client.payment({ payment: { ...payment, amount: 4_000 } })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(client.payment({ payment: { ...payment, id: "pay-2", amount: 1_001 } })).rejects.toMatchObject({ code: "PAYMENT_EXCEEDS_UNPAID" });
    const view = await getJson(`${server.url}/v1/admin/members?card=9100000000011`, admin);
    expect(view.body).toMatchObject({ counters: { lifetime: { sold: 10_000, paid: 9_000, visits: 1 } } });
    await client.cancel({ card: "9100000000011", receipt: "part-1" });
    await expect(client.payment({ payment: { ...payment, id: "pay-3", amount: 1 } })).rejects.toMatchObject({ code: "RECEIPT_CANCELLED" });
    const after = await getJson(`${server.url}/v1/admin/members?card=9100000000011`, admin);
    expect(after.body).toMatchObject({ counters: { lifetime: { sold: 0, paid: 0, visits: 0 } } });
  });

  it("finds the member of a receipt by the receipt alone for a return, and refuses the same receipt id for another card", async () => {
    await client.enroll({ card: "9100000000006" });
    await client.enroll({ card: "9100000000007" });
    await client.commit({ card: "9100000000006", receipt: receipt("by-receipt", [[1, 10_000]]) });
    await expect(client.commit({ card: "9100000000007", receipt: receipt("by-receipt", [[1, 10_000]]) })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const refunded = await client.refund({ refund: { id: "by-receipt-refund", receipt: "by-receipt", lines: [{ line: 0, qty: 1 }] } });
    expect(refunded).toMatchObject({ pointsRevoked: 1_000, balance: 0 });
    await expect(client.cancel({ receipt: "never-committed" })).rejects.toMatchObject({ code: "UNKNOWN_RECEIPT" });
    expect((await client.balance({ card: "9100000000007" })).balance).toBe(0);
  });

  it("holds points for a receipt so that no other receipt can spend them, and captures them at commit", async () => {
    await client.enroll({ card: "9100000000002" });
    await client.commit({ card: "9100000000002", receipt: receipt("earn-2", [[1, 10_000]]) });
    const held = await client.calculate({ card: "9100000000002", redeem: 800, hold: true, receipt: receipt("hold-2", [[1, 2_000]]) });
    expect(held.hold).toMatchObject({ points: 800 });
    expect(await client.balance({ card: "9100000000002" })).toMatchObject({ balance: 200, held: 800 });
    await expect(client.commit({ card: "9100000000002", redeem: 500, receipt: receipt("other-2", [[1, 2_000]]) })).rejects.toMatchObject({
      code: "INSUFFICIENT_POINTS",
    });
    const committed = await client.commit({ card: "9100000000002", redeem: 800, receipt: receipt("hold-2", [[1, 2_000]]) });
    expect(committed).toMatchObject({ redeem: 800, pointsPaid: 800, points: 120 });
    expect(await client.balance({ card: "9100000000002" })).toMatchObject({ balance: 200 + 120, held: 0 });

    await client.calculate({ card: "9100000000002", redeem: 300, hold: true, receipt: receipt("hold-3", [[1, 1_000]]) });
    // A hold is not in the gateway's receipt index: without the card the cancel cannot find its member.
    await expect(client.cancel({ receipt: "hold-3" })).rejects.toMatchObject({ code: "UNKNOWN_RECEIPT" });
    expect(await client.cancel({ card: "9100000000002", receipt: "hold-3" })).toMatchObject({ cancelled: "hold", balance: 320 });
  });

  it("credits and debits through admin adjustments, idempotently, with an audit trail and the member's activity", async () => {
    const enrolled = await client.enroll({ card: "9100000000003" });
    const credit = { id: "adj-1", card: "9100000000003", points: 5_000, reason: "goodwill", operator: "anna" };
    const credited = await postJson(`${server.url}/v1/admin/adjustments`, admin, credit);
    expect(credited).toMatchObject({ status: 200, body: { adjustment: "adj-1", balance: 5_000 } });
    expect((await postJson(`${server.url}/v1/admin/adjustments`, admin, credit)).body).toEqual(credited.body);
    expect((await postJson(`${server.url}/v1/admin/adjustments`, admin, { ...credit, points: 6_000 })).body["code"]).toBe("CONFLICT");
    const overdraft = await postJson(`${server.url}/v1/admin/adjustments`, admin, { ...credit, id: "adj-2", points: -9_000 });
    expect(overdraft).toMatchObject({ status: 422, body: { code: "INSUFFICIENT_POINTS" } });
    const missingReason = await postJson(`${server.url}/v1/admin/adjustments`, admin, { id: "adj-3", card: "9100000000003", points: 1, operator: "anna" });
    expect(missingReason.status).toBe(400);
    await client.commit({ card: "9100000000003", redeem: 1_000, receipt: receipt("spend-3", [[1, 5_000]]) });

    const activity = await getJson(`${server.url}/v1/admin/members/${enrolled.member}/activity?limit=10`, admin);
    expect((activity.body["activity"] as { kind: string }[]).map((entry) => entry.kind)).toEqual(["receipt", "adjustment"]);
    const view = await getJson(`${server.url}/v1/admin/members/${enrolled.member}`, admin);
    expect((view.body["activity"] as { kind: string }[]).map((entry) => entry.kind)).toEqual(["receipt", "adjustment"]);
    expect(view.body["lots"]).toEqual([
      expect.objectContaining({ source: "adjustment", points: 5_000, remaining: 4_000 }),
      expect.objectContaining({ source: "receipt", points: 400, remaining: 400 }),
    ]);
    const audit = await getJson(`${server.url}/v1/admin/audit?limit=5`, admin);
    expect((audit.body["audit"] as { action: string }[])[0]).toMatchObject({ action: "adjust", detail: { adjustment: "adj-1", points: 5_000 } });
  });

  it("lets 50 lanes redeem from one shared account at once without ever spending a point twice", async () => {
    await client.enroll({ card: "9100000000004" });
    await postJson(`${server.url}/v1/admin/adjustments`, admin, { id: "shared-pot", card: "9100000000004", points: 5_000, reason: "test", operator: "test" });
    const lanes = await Promise.all(
      Array.from({ length: 50 }, () => LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" })),
    );
    const answers = await Promise.allSettled(
      lanes.flatMap((lane, laneIndex) =>
        [0, 1, 2].map((round) =>
          lane.commit({ card: "9100000000004", redeem: 1_000, receipt: receipt(`shared-${laneIndex}-${round}`, [[1, 1_000]]) }),
        ),
      ),
    );
    await Promise.all(lanes.map((lane) => lane.close()));
    const committed = answers.filter((answer): answer is PromiseFulfilledResult<CommitResult> => answer.status === "fulfilled").map((answer) => answer.value);
    const refused = answers.filter((answer) => answer.status === "rejected").map((answer) => (answer.reason as { code: string }).code);
    // 150 receipts each paid wholly with 1,000 points (nothing paid with money, nothing accrued)
    // against 5,000 points: exactly five can succeed, whatever the interleaving.
    expect(committed).toHaveLength(5);
    expect(refused).toHaveLength(145);
    expect(new Set(refused)).toEqual(new Set(["INSUFFICIENT_POINTS"]));
    for (const answer of committed) expect(answer.balance).toBeGreaterThanOrEqual(0);
    expect(committed.map((answer) => answer.balance).sort((left, right) => left - right)).toEqual([0, 1_000, 2_000, 3_000, 4_000]);
    expect(await client.balance({ card: "9100000000004" })).toMatchObject({ balance: 0, debt: 0 });
  });

  it("keeps accrued points pending for the program's pending window", async () => {
    const put = await postJson(`${server.url}/v1/admin/program`, admin, { ...POINTS_PROGRAM, points: { ...POINTS_PROGRAM.points, pendingDays: 14, lifetimeDays: 365 } }, "PUT");
    expect(put.status).toBe(200);
    await client.enroll({ card: "9100000000005" });
    await client.commit({ card: "9100000000005", receipt: receipt("pending-5", [[1, 10_000]]) });
    const balance = await client.balance({ card: "9100000000005", detail: true });
    expect(balance).toMatchObject({ balance: 0, active: 0, pending: 1_000 });
    const lot = balance.lots?.[0];
    expect(lot !== undefined && lot.expiresAt !== null && lot.expiresAt - lot.activatesAt).toBe((365 - 14) * 86_400_000);
  });
});
