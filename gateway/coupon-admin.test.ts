import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, LoycoreClient, type CommitResult } from "../client/index.js";
import type { CouponPage, CouponView, SegmentCouponJob } from "../protocol/admin-wire.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

const PROGRAM = { name: "Coupon admin", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } };
const DAY = 86_400_000;
/** 500 points on a receipt presenting one of its coupons, and only then. */
const WELCOME = { name: "Welcome coupon", start: Date.now() - DAY, end: Date.now() + 7 * DAY, state: "active", partner: "demo-partner", couponOnly: true, mechanics: [{ kind: "points", fixedPoints: 500 }] };
const LINE = { sku: "a", qty: 1, price: 1_000, amount: 1_000 };

function couponPoints(answer: { readonly rules: CommitResult["rules"] }): number {
  return answer.rules.filter((rule) => rule.rule === "campaign:welcome").reduce((sum, rule) => sum + (rule.points ?? 0), 0);
}

async function refusalOf(work: Promise<unknown>): Promise<string | undefined> {
  return work.then(
    () => undefined,
    (error: { code?: string }) => error.code,
  );
}

/** Every coupon of a campaign, page after page of `limit`. */
async function allCoupons(admin: LoycoreAdminClient, campaign: string, limit: number): Promise<CouponView[]> {
  const coupons: CouponView[] = [];
  for (let page: CouponPage = await admin.campaignCoupons(campaign, { limit }); ; page = await admin.campaignCoupons(campaign, { limit, after: page.next as string })) {
    expect(page.coupons.length).toBeLessThanOrEqual(limit);
    coupons.push(...page.coupons);
    if (page.next === null) return coupons;
  }
}

describe("coupon admin over the wire: listing, reading and revoking", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: LoycoreAdminClient;
  const cards = ["9710000000001", "9710000000002"];

  beforeAll(async () => {
    gateway = await startProgramGateway("coupon-admin", PROGRAM);
    ({ server, client } = gateway);
    admin = new LoycoreAdminClient({ url: server.url, token: gateway.admin });
    for (const card of cards) await client.enroll({ card });
    await admin.putCampaign("welcome", WELCOME as never);
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("lists a campaign's coupons page by page with their state and the receipts using them", async () => {
    const open = (await admin.issueCoupons("welcome", { count: 7, uses: 2 })).coupons.map((coupon) => coupon.code);
    await admin.putCampaign("other", { ...WELCOME, name: "Other" } as never);
    await admin.issueCoupons("other", { count: 5 });
    const [code = ""] = open;
    const answer = await client.commit({ card: cards[0] ?? "", receipt: { id: "l-1", at: Date.now() - 1_000, lines: [LINE] }, coupon: code });
    expect(couponPoints(answer)).toBe(500);

    const listed = await allCoupons(admin, "welcome", 3);
    expect(listed.map((coupon) => coupon.code).sort()).toEqual([...open].sort());
    const used = listed.find((coupon) => coupon.code === code);
    expect(used).toMatchObject({ campaign: "welcome", uses: 2, used: 1, usesLeft: 1, state: "active", usedBy: [{ receipt: "l-1", member: answer.member }], usedByComplete: true });
    expect(listed.filter((coupon) => coupon.code !== code).every((coupon) => coupon.state === "active" && coupon.usesLeft === 2 && coupon.usedBy.length === 0)).toBe(true);
    expect(await admin.coupon(code)).toEqual(used);

    expect(await getJson(`${server.url}/v1/admin/campaigns/welcome/coupons?after=nonsense`, gateway.admin)).toMatchObject({ status: 400 });
    expect(await getJson(`${server.url}/v1/admin/campaigns/welcome/coupons?limit=101`, gateway.admin)).toMatchObject({ status: 400 });
    expect(await getJson(`${server.url}/v1/admin/campaigns/nope/coupons`, gateway.admin)).toMatchObject({ status: 404 });
  });

  it("revokes a coupon once whatever the repeats: the POS answers COUPON_REVOKED, a committed receipt is unaffected and its cancel does not bring the coupon back", async () => {
    const code = (await admin.issueCoupons("welcome", { count: 1, uses: 3 })).coupons[0]?.code ?? "";
    const receipt = { id: "r-1", at: Date.now() - 1_000, lines: [LINE] };
    const first = await client.commit({ card: cards[0] ?? "", receipt, coupon: code });
    expect(couponPoints(first)).toBe(500);

    const revoked = await admin.revokeCoupon(code, "revoke-1");
    expect(revoked).toMatchObject({ code, revoked: { id: "revoke-1" }, alreadyRevoked: false });
    expect(await admin.revokeCoupon(code, "revoke-1")).toEqual(revoked);
    expect(await admin.revokeCoupon(code, "revoke-2")).toEqual({ ...revoked, alreadyRevoked: true });
    expect(await admin.coupon(code)).toMatchObject({ state: "revoked", usesLeft: 0, used: 1, revoked: revoked.revoked });

    const other = { id: "r-2", at: Date.now() - 1_000, lines: [LINE] };
    expect(await refusalOf(client.commit({ card: cards[1] ?? "", receipt: other, coupon: code }))).toBe("COUPON_REVOKED");
    expect(await refusalOf(client.calculate({ card: cards[1] ?? "", receipt: other, coupon: code }))).toBe("COUPON_REVOKED");
    // The receipt committed before the revoke: its retry is its first answer.
    expect(await client.commit({ card: cards[0] ?? "", receipt, coupon: code })).toEqual(first);
    // Its cancel gives its use back, and the coupon stays revoked.
    expect(await client.cancel({ card: cards[0] ?? "", receipt: receipt.id })).toMatchObject({ cancelled: "receipt", coupon: code });
    expect(await admin.coupon(code)).toMatchObject({ state: "revoked", usesLeft: 0, used: 0, usedBy: [] });
    expect(await refusalOf(client.commit({ card: cards[0] ?? "", receipt: { ...other, id: "r-3" }, coupon: code }))).toBe("COUPON_REVOKED");

    const audit = await getJson(`${server.url}/v1/admin/audit?action=revoke-coupon`, gateway.admin);
    expect((audit.body as { audit: { detail: { code: string; id: string } }[] }).audit.filter((entry) => entry.detail.code === code).map((entry) => entry.detail.id)).toEqual(["revoke-1", "revoke-1", "revoke-1"]);
    expect(await postJson(`${server.url}/v1/admin/coupons/${code}/revoke`, gateway.admin, {})).toMatchObject({ status: 400 });
    expect(await postJson(`${server.url}/v1/admin/coupons/AAAAAAAAAAAAAAAA/revoke`, gateway.admin, { id: "x" })).toMatchObject({ status: 404 });
  });
});

const MEMBERS = 3_000;
/** Everyone enrolled: the demo's members. */
const SEGMENTS = [{ id: "everyone", name: "Everyone", when: { fact: "daysSinceRegistration", atLeast: 0 } }];

describe("one personal coupon per member of a segment over the wire, two shard threads, a SIGKILL mid-sweep", () => {
  const directory = makeTemporaryDirectory("segment-coupons");
  let server: ServerProcess | null = null;

  async function start(): Promise<{ readonly server: ServerProcess; readonly admin: LoycoreAdminClient }> {
    // Checkpoints every 100 ms: a sweep reads the accounts the last checkpoint wrote.
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", String(MEMBERS), "--shards", "2", "--checkpoint-interval-milliseconds", "100"]);
    return { server, admin: new LoycoreAdminClient({ url: server.url, token: server.adminToken ?? "" }) };
  }

  async function finished(admin: LoycoreAdminClient, id: string): Promise<SegmentCouponJob> {
    for (;;) {
      const job = await admin.couponJob(id);
      if (job.state !== "running") return job;
      expect(job.logicalShardsDone).toBeLessThanOrEqual(job.logicalShardsTotal);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  afterAll(async () => {
    await server?.kill();
    directory.remove();
  });

  it("gives each member exactly one code however often it is asked and whatever a crash cut, each usable by its member only", async () => {
    let { server: running, admin } = await start();
    expect((await postJson(`${running.url}/v1/admin/program`, running.adminToken ?? "", PROGRAM, "PUT")).status).toBe(200);
    expect((await postJson(`${running.url}/v1/admin/campaigns`, running.adminToken ?? "", { segments: SEGMENTS, campaigns: [{ id: "welcome", ...WELCOME }] }, "PUT")).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Started, then killed once some logical shards are done (their codes durable): the sweep is cut wherever it was.
    expect(await admin.issueSegmentCoupons("welcome", { id: "job-1", segment: "everyone" })).toMatchObject({ id: "job-1", campaign: "welcome", segment: "everyone", logicalShardsTotal: 256 });
    let before = await admin.couponJob("job-1");
    while (before.logicalShardsDone === 0 && before.state === "running") before = await admin.couponJob("job-1");
    await running.kill();
    ({ server: running, admin } = await start());

    // Asked again after the crash (the job is forgotten with the process): it completes what was cut, making codes only for members without one.
    await admin.issueSegmentCoupons("welcome", { id: "job-1", segment: "everyone" });
    const done = await finished(admin, "job-1");
    expect(done).toMatchObject({ state: "done", logicalShardsDone: 256, matched: MEMBERS, scanned: MEMBERS });
    expect(done.created).toBeLessThanOrEqual(MEMBERS - before.created);
    // The same id answers the job as it is; other content under it is a CONFLICT; a new job makes no code.
    expect(await admin.issueSegmentCoupons("welcome", { id: "job-1", segment: "everyone" })).toEqual(done);
    expect(await postJson(`${running.url}/v1/admin/campaigns/welcome/coupons/segment`, running.adminToken ?? "", { id: "job-1", segment: "everyone", uses: 2 })).toMatchObject({ status: 409 });
    await admin.issueSegmentCoupons("welcome", { id: "job-2", segment: "everyone" });
    expect(await finished(admin, "job-2")).toMatchObject({ state: "done", matched: MEMBERS, created: 0 });

    const coupons = await allCoupons(admin, "welcome", 100);
    expect(coupons).toHaveLength(MEMBERS);
    expect(new Set(coupons.map((coupon) => coupon.member)).size).toBe(MEMBERS);
    expect(coupons.every((coupon) => coupon.member !== null && coupon.uses === 1 && coupon.state === "active")).toBe(true);

    // Read per member; usable by that member, not by another.
    const lane = await LoycoreClient.connect({ url: running.webSocketUrl, token: running.terminalToken ?? "" });
    const [first, second] = await Promise.all(running.demoCards.slice(0, 2).map((card) => lane.identify({ card })));
    const mine = await admin.campaignCoupons("welcome", { member: first?.member ?? "" });
    expect(mine.coupons).toHaveLength(1);
    const code = mine.coupons[0]?.code ?? "";
    expect(mine.coupons[0]).toMatchObject({ member: first?.member });
    expect(await refusalOf(lane.commit({ card: running.demoCards[1] ?? "", receipt: { id: "s-1", at: Date.now() - 1_000, lines: [LINE] }, coupon: code }))).toBe("COUPON_NOT_MEMBERS");
    expect(couponPoints(await lane.commit({ card: running.demoCards[0] ?? "", receipt: { id: "s-2", at: Date.now() - 1_000, lines: [LINE] }, coupon: code }))).toBe(500);
    expect(second?.member).not.toBe(first?.member);
    await lane.close();

    expect(await postJson(`${running.url}/v1/admin/campaigns/welcome/coupons/segment`, running.adminToken ?? "", { id: "job-3", segment: "nope" })).toMatchObject({ status: 404 });
    expect(await postJson(`${running.url}/v1/admin/campaigns/welcome/coupons/segment`, running.adminToken ?? "", { segment: "everyone" })).toMatchObject({ status: 400 });
    expect(await getJson(`${running.url}/v1/admin/coupon-jobs/nope`, running.adminToken ?? "")).toMatchObject({ status: 404 });
  });
});
