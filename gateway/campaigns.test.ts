import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, type LoycoreClient } from "../client/index.js";
import type { ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/** 10 % back, nothing else. */
const PROGRAM = { name: "Campaigns", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } };
const DAY = 86_400_000;

/** A campaign for members with at least one visit, running from yesterday for a week: 5 % extra points and 200 on receipts from 5,000. */
function doubleUp(state: string): Record<string, unknown> {
  return {
    name: "Double up",
    start: Date.now() - DAY,
    end: Date.now() + 7 * DAY,
    state,
    partner: "partner-1",
    audience: null,
    mechanics: [
      { kind: "points", rateBasisPoints: 500 },
      { kind: "points", fixedPoints: 200, receiptTotalAtLeast: 5_000 },
    ],
  };
}

describe("campaigns over the wire", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: string;

  beforeAll(async () => {
    gateway = await startProgramGateway("campaigns", PROGRAM);
    ({ server, client, admin } = gateway);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("refuses a campaign with every problem at its path, and stores nothing", async () => {
    const refused = await postJson(`${server.url}/v1/admin/campaigns/bad`, admin, { name: "", start: 10, end: 5, mechanics: [{ kind: "points" }] }, "PUT");
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: "BAD_REQUEST",
      problems: [
        { path: "name", message: "must not be empty" },
        { path: "end", message: "must be after start" },
        { path: "mechanics[0]", message: "needs exactly one of rateBasisPoints and fixedPoints" },
      ],
    });
    expect((await getJson(`${server.url}/v1/admin/campaigns`, admin)).body).toEqual({ version: 0, segments: [], campaigns: [] });
  });

  it("applies an active campaign at commit, cites it and records its version; a paused one gives nothing", async () => {
    await client.enroll({ card: "9500000000001" });
    const line = { sku: "a", qty: 1, price: 10_000, amount: 10_000 };
    const created = await postJson(`${server.url}/v1/admin/campaigns/double-up`, admin, doubleUp("active"), "PUT");
    expect(created.status).toBe(200);
    expect((await getJson(`${server.url}/v1/admin/campaigns/double-up`, admin)).body).toMatchObject({ id: "double-up", state: "active" });
    const committed = await client.commit({ card: "9500000000001", receipt: { id: "cp-1", at: Date.now() - 1_000, lines: [line] } });
    expect(committed).toMatchObject({ points: 1_000 + 500 + 200, campaignsVersion: 1 });
    expect(committed.rules).toEqual(
      expect.arrayContaining([
        { rule: "campaign:double-up", effect: "accrual", basisPoints: 500, points: 500 },
        { rule: "campaign:double-up", effect: "bonus", points: 200 },
      ]),
    );
    const adminClient = new LoycoreAdminClient({ url: server.url, token: admin });
    expect(await adminClient.setCampaignState("double-up", "paused")).toMatchObject({ state: "paused" });
    expect(await adminClient.campaigns()).toMatchObject({ version: 2, campaigns: [{ id: "double-up", state: "paused" }] });
    const after = await client.commit({ card: "9500000000001", receipt: { id: "cp-2", at: Date.now() - 1_000, lines: [line] } });
    expect(after).toMatchObject({ points: 1_000, campaignsVersion: 2 });
    expect(after.rules.some((rule) => rule.rule.startsWith("campaign:"))).toBe(false);
  });

  it("gives every k-th purchase counted in the campaign's own period, and a cancel takes its purchase back", async () => {
    await client.enroll({ card: "9500000000003" });
    const line = { sku: "a", qty: 1, price: 1_000, amount: 1_000 };
    // A purchase before the campaign exists: the program's period counts it, the campaign does not.
    await client.commit({ card: "9500000000003", receipt: { id: "kth-0", at: Date.now() - 2_000, lines: [line] } });
    const everySecond = { ...doubleUp("active"), mechanics: [{ kind: "points", fixedPoints: 70, everyPurchases: 2 }] };
    expect((await postJson(`${server.url}/v1/admin/campaigns/every-second`, admin, everySecond, "PUT")).status).toBe(200);
    const bonus = async (id: string): Promise<number> => {
      const committed = await client.commit({ card: "9500000000003", receipt: { id, at: Date.now() - 1_000, lines: [line] } });
      return committed.rules.find((rule) => rule.rule === "campaign:every-second")?.points ?? 0;
    };
    expect(await bonus("kth-1")).toBe(0);
    expect(await bonus("kth-2")).toBe(70);
    expect(await client.cancel({ card: "9500000000003", receipt: "kth-2" })).toMatchObject({ pointsRevoked: 100 + 70 });
    expect(await bonus("kth-3")).toBe(70);
    expect(await bonus("kth-4")).toBe(0);
    await postJson(`${server.url}/v1/admin/campaigns/every-second/state`, admin, { state: "ended" });
  });

  it("keeps a campaign's points in a lot of the funding partner: the detailed balance shows it, settlement charges it, a cancel takes it back", async () => {
    expect((await postJson(`${server.url}/v1/admin/partners`, admin, { id: "fund-1", name: "Fund" })).status).toBeLessThan(300);
    const funded = { ...doubleUp("active"), partner: "fund-1", mechanics: [{ kind: "points", fixedPoints: 300 }] };
    expect((await postJson(`${server.url}/v1/admin/campaigns/funded`, admin, funded, "PUT")).status).toBe(200);
    await client.enroll({ card: "9500000000004" });
    const line = { sku: "a", qty: 1, price: 1_000, amount: 1_000 };
    const at = Date.now() - 1_000;
    expect(await client.commit({ card: "9500000000004", receipt: { id: "fund-1", at, lines: [line] } })).toMatchObject({ points: 100 + 300 });
    const detail = await client.balance({ card: "9500000000004", detail: true });
    expect(detail.lots?.map((lot) => [lot.source, lot.partner, lot.points, lot.reference])).toEqual([
      ["receipt", "demo-partner", 100, JSON.stringify(["demo-store", "fund-1"])],
      ["campaign", "fund-1", 300, JSON.stringify(["demo-store", "fund-1", "campaign:funded"])],
    ]);
    await postJson(`${server.url}/v1/admin/campaigns/funded/state`, admin, { state: "ended" });
    // The program has no pending window: the points pay at once, the receipt lot first (earliest expiry, then id).
    const paid = await client.commit({ card: "9500000000004", receipt: { id: "fund-2", at, lines: [{ ...line, price: 10_000, amount: 10_000 }] }, redeem: 400 });
    expect(paid).toMatchObject({ redeem: 400 });
    const day = new Date(at).toISOString().slice(0, 10);
    const report = await getJson(`${server.url}/v1/admin/settlement?from=${day}&to=${day}`, admin);
    expect(report.body["pairs"]).toContainEqual(expect.objectContaining({ issuer: "fund-1", redeemer: "demo-partner", points: 300 }));
    // 10 % of the 9,600 paid with money; then the points come back to the lots they came from.
    expect(await client.cancel({ card: "9500000000004", receipt: "fund-2" })).toMatchObject({ pointsRevoked: 960, pointsReturned: 400 });
    expect(await client.cancel({ card: "9500000000004", receipt: "fund-1" })).toMatchObject({ pointsRevoked: 400, balance: 0 });
    expect(await client.balance({ card: "9500000000004", detail: true })).toMatchObject({ balance: 0, lots: [] });
  });

  it("counts a segment's members now with a sample of them, by a stored segment or a condition as is", async () => {
    const adminClient = new LoycoreAdminClient({ url: server.url, token: admin });
    const born = await Promise.all(["9500000000011", "9500000000012", "9500000000013"].map((card) => client.enroll({ card, birthDate: "1990-05-17" })));
    await adminClient.putCampaigns({ ...(await adminClient.campaigns()), segments: [{ id: "may", name: "Born in May", when: { fact: "birthMonth", atLeast: 5, atMost: 5 } }] });
    // A sweep reads the accounts a checkpoint has written (every 2 s): the members just enrolled show within a few.
    let preview = await adminClient.previewSegment({ segment: "may", sample: 2 });
    for (let waited = 0; preview.members < 3 && waited < 10_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      preview = await adminClient.previewSegment({ segment: "may", sample: 2 });
    }
    expect(preview).toMatchObject({ segment: "may", members: 3, complete: true });
    expect(preview.scanned).toBeGreaterThanOrEqual(3);
    expect(preview.sample).toHaveLength(2);
    for (const id of preview.sample) expect(born.map((each) => each.member)).toContain(id);
    // Each sweep reads what checkpoints have written, and a checkpoint between two sweeps adds the accounts it wrote:
    // ask both again until they have scanned the same members.
    const others = () => adminClient.previewSegment({ when: { not: { fact: "birthMonth", atLeast: 5, atMost: 5 } } });
    let rest = await others();
    for (let waited = 0; rest.scanned !== preview.scanned && waited < 10_000; waited += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      preview = await adminClient.previewSegment({ segment: "may", sample: 2 });
      rest = await others();
    }
    expect(preview.members).toBe(3);
    expect(rest).toMatchObject({ segment: null, members: preview.scanned - 3 });
    expect(await postJson(`${server.url}/v1/admin/segments/preview`, admin, { segment: "nope" })).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    expect(await postJson(`${server.url}/v1/admin/segments/preview`, admin, { when: { fact: "age", atLeast: 1 }, segment: "may" })).toMatchObject({ status: 400 });
    expect(await postJson(`${server.url}/v1/admin/segments/preview`, admin, { when: { fact: "height", atLeast: 1 } })).toMatchObject({ status: 400, body: { problems: [{ path: "when.fact" }] } });
  });

  it("previews a draft campaign on a member's last receipts, newest first, without changing anything", async () => {
    const enrolled = await client.enroll({ card: "9500000000021" });
    for (const [index, amount] of [1_000, 2_000, 3_000].entries()) {
      await client.commit({ card: "9500000000021", receipt: { id: `hist-${index}`, at: Date.now() - 1_000, lines: [{ sku: "a", qty: 1, price: amount, amount }] } });
    }
    const adminClient = new LoycoreAdminClient({ url: server.url, token: admin });
    // A draft for a period long past: a preview over past receipts prices it as if it ran when they were made.
    const draft = { ...doubleUp("draft"), start: "2020-01-01", end: "2020-01-31", mechanics: [{ kind: "points", rateBasisPoints: 1_000 }] };
    const previewed = await adminClient.previewCampaignOnHistory({ member: enrolled.member, lastReceipts: 2, campaign: { ...draft, id: "history" } as never });
    expect(previewed.receipts.map((each) => each.receipt)).toEqual(["hist-2", "hist-1"]);
    expect(previewed.receipts[0]).toMatchObject({ store: "demo-store", without: { points: 300 }, with: { points: 600, rules: [{ rule: "campaign:history", effect: "accrual", basisPoints: 1_000, points: 300 }] } });
    expect(previewed).toMatchObject({ member: enrolled.member, addedPoints: 300 + 200, addedDiscount: 0 });
    expect(await client.balance({ card: "9500000000021" })).toMatchObject({ balance: 100 + 200 + 300 });
    expect(await postJson(`${server.url}/v1/admin/campaigns/preview`, admin, { member: enrolled.member, lastReceipts: 21, campaign: draft })).toMatchObject({ status: 400 });
  });

  it("previews a receipt under a draft campaign without changing anything", async () => {
    const enrolled = await client.enroll({ card: "9500000000002" });
    const before = (await getJson(`${server.url}/v1/admin/campaigns`, admin)).body;
    const receipt = { id: "preview-1", at: Date.now() - 1_000, lines: [{ sku: "a", qty: 1, price: 4_000, amount: 4_000 }] };
    const previewed = await postJson(`${server.url}/v1/admin/campaigns/preview`, admin, { member: enrolled.member, receipt, campaign: { ...doubleUp("draft"), id: "draft-1" } });
    expect(previewed.status).toBe(200);
    expect(previewed.body).toMatchObject({ points: 400 + 200, balance: 0 });
    expect(previewed.body["rules"]).toContainEqual({ rule: "campaign:draft-1", effect: "accrual", basisPoints: 500, points: 200 });
    expect((await getJson(`${server.url}/v1/admin/campaigns`, admin)).body).toEqual(before);
    expect(await client.balance({ card: "9500000000002" })).toMatchObject({ balance: 0 });
  });
});
