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
