import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import type { ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/** 5 % back, points pay up to half; a VIP card type (+7 % discount, +2 % accrual) and a gift card type that cannot pay with points. */
const CARDS_PROGRAM = {
  name: "Cards test",
  points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 },
  cardTypes: [
    { id: "vip", name: "VIP", discountBasisPoints: 700, extraAccrualBasisPoints: 200 },
    { id: "gift", name: "Gift", mayPayWithPoints: false },
  ],
};

/** A minute before the run started: the same time for every send of one receipt, so a retry is a repeat. */
const RECEIPT_AT = Date.now() - 60_000;

function receipt(id: string, amount: number) {
  return { id, at: RECEIPT_AT, lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

describe("cards over the wire: issue, types at the lane, block, replace", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: string;
  let memberId: string;
  const adminPost = (path: string, body: unknown) => postJson(`${server.url}/v1/admin${path}`, admin, body);

  beforeAll(async () => {
    gateway = await startProgramGateway("cards", CARDS_PROGRAM);
    ({ server, client, admin } = gateway);
    memberId = (await client.enroll({ card: "9200000000001", phone: "+79005550001" })).member;
    await client.commit({ card: "9200000000001", receipt: receipt("welcome", 40_000) });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("issues a VIP card to the member, which then gets the type's discount and extra accrual at the lane", async () => {
    const issued = await adminPost(`/members/${memberId}/cards`, { card: "9200000000002", type: "vip" });
    expect(issued).toMatchObject({ status: 200, body: { card: "9200000000002", member: memberId, type: "vip", state: "active", issuedAt: expect.any(Number) } });
    expect((await adminPost(`/members/${memberId}/cards`, { card: "9200000000002", type: "vip" })).body).toEqual(issued.body);
    expect(await client.identify({ card: "9200000000002" })).toMatchObject({ member: memberId, card: "9200000000002", cardType: "vip" });
    const calculated = await client.calculate({ card: "9200000000002", receipt: receipt("vip-1", 10_000) });
    expect(calculated).toMatchObject({ discount: 700, points: 465 + 186 });
    expect(calculated.rules).toContainEqual({ rule: "card:vip", effect: "discount", basisPoints: 700 });
    const plain = await client.calculate({ card: "9200000000001", receipt: receipt("plain-1", 10_000) });
    expect(plain).toMatchObject({ discount: 0, points: 500 });
  });

  it("refuses paying with points with a gift card, and issuing a card that is taken or of an unknown type", async () => {
    expect((await adminPost(`/members/${memberId}/cards`, { card: "9200000000003", type: "gift" })).status).toBe(200);
    await expect(client.commit({ card: "9200000000003", redeem: 10, receipt: receipt("gift-1", 10_000) })).rejects.toMatchObject({ code: "REDEEM_NOT_ALLOWED" });
    const other = (await client.enroll({ card: "9200000000009" })).member;
    expect(await adminPost(`/members/${other}/cards`, { card: "9200000000003" })).toMatchObject({ status: 409, body: { code: "CARD_TAKEN" } });
    expect(await adminPost(`/members/${memberId}/cards`, { card: "9200000000004", type: "platinum" })).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await adminPost(`/members/m0000000000000000/cards`, { card: "9200000000005" })).toMatchObject({ status: 404, body: { code: "UNKNOWN_MEMBER" } });
  });

  it("blocks a card: the lane gets CARD_BLOCKED, a retry of a receipt committed before still its first answer, the phone still works", async () => {
    const first = await client.commit({ card: "9200000000002", receipt: receipt("before-block", 5_000) });
    const blocked = await adminPost("/cards/9200000000002/block", { reason: "lost" });
    expect(blocked.body).toMatchObject({ state: "blocked", blockReason: "lost", blockedAt: expect.any(Number) });
    await expect(client.identify({ card: "9200000000002" })).rejects.toMatchObject({ code: "CARD_BLOCKED" });
    await expect(client.commit({ card: "9200000000002", receipt: receipt("after-block", 5_000) })).rejects.toMatchObject({ code: "CARD_BLOCKED" });
    expect(await client.commit({ card: "9200000000002", receipt: receipt("before-block", 5_000) })).toEqual(first);
    expect(await client.identify({ phone: "+79005550001" })).toMatchObject({ member: memberId, card: "9200000000001", cardType: null });
    expect((await adminPost("/cards/9200000000002/unblock", {})).body).toMatchObject({ state: "active", blockReason: null });
    expect(await client.identify({ card: "9200000000002" })).toMatchObject({ cardType: "vip" });
  });

  it("replaces a card: the old one blocked, the new one carries the type, the balance and the history on the same member", async () => {
    const before = await client.balance({ card: "9200000000002" });
    const replaced = await adminPost("/cards/9200000000002/replace", { card: "9200000000006" });
    expect(replaced.body).toMatchObject({
      replaced: { card: "9200000000002", state: "blocked", replacedBy: "9200000000006" },
      card: { card: "9200000000006", member: memberId, type: "vip", state: "active" },
    });
    expect((await adminPost("/cards/9200000000002/replace", { card: "9200000000006" })).body).toEqual(replaced.body);
    expect(await adminPost("/cards/9200000000002/unblock", {})).toMatchObject({ status: 409, body: { code: "CONFLICT" } });
    await expect(client.identify({ card: "9200000000002" })).rejects.toMatchObject({ code: "CARD_BLOCKED", message: expect.stringContaining("replaced by card 9200000000006") });
    expect(await client.balance({ card: "9200000000006" })).toEqual(before);
    const view = await getJson(`${server.url}/v1/admin/members/${memberId}`, admin);
    expect((view.body["cards"] as { card: string; state: string }[]).map(({ card, state }) => `${card} ${state}`)).toEqual([
      "9200000000001 active",
      "9200000000002 blocked",
      "9200000000003 active",
      "9200000000006 active",
    ]);
    const audit = await getJson(`${server.url}/v1/admin/audit?limit=20`, admin);
    const actions = (audit.body["audit"] as { action: string }[]).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(["issue-card", "block-card", "unblock-card", "replace-card"]));
  });

  it("lets a lane issue, block and replace the cards of the member it names, and no other member's", async () => {
    const issued = await client.issueCard({ phone: "+79005550001", issue: { card: "9200000000020", type: "vip" } });
    expect(issued).toMatchObject({ card: "9200000000020", member: memberId, type: "vip", state: "active" });
    const other = (await client.enroll({ card: "9200000000021" })).member;
    expect(other).not.toBe(memberId);
    await expect(client.blockCard({ phone: "+79005550001", block: { card: "9200000000021", reason: "lost" } })).rejects.toMatchObject({ code: "UNKNOWN_CARD" });
    expect(await client.blockCard({ phone: "+79005550001", block: { card: "9200000000020", reason: "lost" } })).toMatchObject({ state: "blocked", blockReason: "lost" });
    const replaced = await client.replaceCard({ phone: "+79005550001", replace: { card: "9200000000020", with: { card: "9200000000022" } } });
    expect(replaced).toMatchObject({ replaced: { replacedBy: "9200000000022" }, card: { card: "9200000000022", member: memberId, type: "vip" } });
    const audit = await getJson(`${server.url}/v1/admin/audit?limit=5&action=replace-card`, admin);
    expect((audit.body["audit"] as { operator: string }[])[0]?.operator).toMatch(/^terminal:/);
  });

  it("refuses an expired card with CARD_EXPIRED", async () => {
    expect((await adminPost(`/members/${memberId}/cards`, { card: "9200000000007", expiresAt: Date.now() - 1 })).status).toBe(200);
    await expect(client.balance({ card: "9200000000007" })).rejects.toMatchObject({ code: "CARD_EXPIRED" });
    expect((await getJson(`${server.url}/v1/admin/cards/9200000000007`, admin)).body).toMatchObject({ member: memberId, expiresAt: expect.any(Number) });
  });
});
