import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** The coalition program: 10 % back, points pay up to the whole receipt. */
const COALITION = { name: "Coalition", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 } };
/** The cafe's own program: 30 % back, a 5 % discount for everyone; the coalition policy given as the coalition's (a copy, edited). */
function cafeProgram(accrualRateBasisPoints: number) {
  return {
    name: `Cafe ${accrualRateBasisPoints / 100} %`,
    points: { accrualRateBasisPoints, maxRedeemShareBasisPoints: 5_000 },
    discountRules: [{ id: "everyone", counter: "visits", from: 0, discountBasisPoints: 500 }],
    coalition: { redemption: "anywhere" },
  };
}
const AT = Date.now() - 3_600_000;

function receipt(id: string, amount: number) {
  return { id, at: AT, lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

describe("partners' own programs over the wire", () => {
  const directory = makeTemporaryDirectory("partner-programs");
  let server: ServerProcess;
  let demoLane: LoycoreClient;
  let cafeLane: LoycoreClient;
  let cafeToken: string;
  let admin: string;
  let coalitionVersion: number;
  const programUrl = (partner: string): string => `${server.url}/v1/admin/partners/${partner}/program`;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    admin = server.adminToken ?? "";
    const coalition = await postJson(`${server.url}/v1/admin/program`, admin, COALITION, "PUT");
    expect(coalition.status).toBe(200);
    coalitionVersion = Number(coalition.body["version"]);
    expect((await postJson(`${server.url}/v1/admin/partners`, admin, { id: "cafe", name: "Cafe" })).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/stores`, admin, { id: "cafe-1", partner: "cafe", name: "Cafe 1" })).status).toBe(200);
    const terminal = await postJson(`${server.url}/v1/admin/terminals`, admin, { id: "cafe-1-lane-1", store: "cafe-1" });
    cafeToken = String(terminal.body["token"]);
    demoLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    cafeLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: cafeToken });
    await demoLane.enroll({ card: "9400000000001" });
  });

  afterAll(async () => {
    await demoLane?.close();
    await cafeLane?.close();
    await server?.stop();
    directory.remove();
  });

  it("shows a partner without a program of its own as taking part in the coalition program", async () => {
    expect(await getJson(programUrl("cafe"), admin)).toEqual({ status: 200, body: { partner: "cafe", version: 0, program: null, at: null } });
    expect(await getJson(`${server.url}/v1/admin/partner-programs`, admin)).toEqual({ status: 200, body: { programs: [] } });
    expect(await getJson(programUrl("nobody"), admin)).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("prices the same member's receipts at each partner's stores with that partner's program, naming it in the answers", async () => {
    const put = await postJson(programUrl("cafe"), admin, cafeProgram(3_000), "PUT");
    expect(put).toMatchObject({ status: 200, body: { partner: "cafe", version: 1, program: { name: "Cafe 30 %", version: 1, timeZone: "UTC" } } });
    expect(await getJson(`${server.url}/v1/admin/partner-programs`, admin)).toEqual({ status: 200, body: { programs: [{ partner: "cafe", version: 1, name: "Cafe 30 %" }] } });

    const atDemo = await demoLane.commit({ card: "9400000000001", receipt: receipt("demo-1", 10_000) });
    expect(atDemo).toMatchObject({ points: 1_000, discount: 0, programVersion: coalitionVersion });
    expect(atDemo).not.toHaveProperty("programPartner");
    const calculated = await cafeLane.calculate({ card: "9400000000001", receipt: receipt("cafe-1", 10_000) });
    expect(calculated).toMatchObject({ discount: 500, points: 2_850, programVersion: 1, programPartner: "cafe" });
    const atCafe = await cafeLane.commit({ card: "9400000000001", receipt: receipt("cafe-1", 10_000) });
    expect(atCafe).toMatchObject({ discount: 500, points: 2_850, programVersion: 1, programPartner: "cafe", balance: 1_000 + 2_850 });
    expect(atCafe.rules).toContainEqual(expect.objectContaining({ rule: "rule:everyone" }));
    // Standing at each lane under its partner's program.
    expect(await cafeLane.identify({ card: "9400000000001" })).toMatchObject({ discountBasisPoints: 500, programPartner: "cafe" });
    const atDemoLane = await demoLane.identify({ card: "9400000000001" });
    expect(atDemoLane.discountBasisPoints).toBe(0);
    expect(atDemoLane).not.toHaveProperty("programPartner");
    // The points the cafe's program issued carry the cafe as issuer; the coalition's policy and settlement still apply.
    const member = await getJson(`${server.url}/v1/admin/members?card=9400000000001`, admin);
    const lots = member.body["lots"] as { partner: string; points: number }[];
    expect(lots.map(({ partner, points }) => ({ partner, points }))).toEqual(
      expect.arrayContaining([
        { partner: "demo-partner", points: 1_000 },
        { partner: "cafe", points: 2_850 },
      ]),
    );
    // The member's counters are one: both receipts count.
    expect(member.body["counters"]).toMatchObject({ lifetime: { visits: 2 } });
    expect(member.body).toMatchObject({ discountBasisPoints: 0, programVersion: coalitionVersion });
    expect(member.body).not.toHaveProperty("programPartner");
    const atCafeView = await getJson(`${server.url}/v1/admin/members?card=9400000000001&partner=cafe`, admin);
    expect(atCafeView.body).toMatchObject({ discountBasisPoints: 500, programVersion: 1, programPartner: "cafe", balance: 1_000 + 2_850 });
    expect(await getJson(`${server.url}/v1/admin/members?card=9400000000001&partner=nobody`, admin)).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("switches a partner's program for its next receipt, and a retried commit gets its first answer", async () => {
    const first = await cafeLane.commit({ card: "9400000000001", receipt: receipt("cafe-2", 2_000) });
    expect(first).toMatchObject({ points: 570, programVersion: 1, programPartner: "cafe" });
    expect(await postJson(programUrl("cafe"), admin, cafeProgram(5_000), "PUT")).toMatchObject({ status: 200, body: { version: 2 } });
    expect(await cafeLane.commit({ card: "9400000000001", receipt: receipt("cafe-2", 2_000) })).toEqual(first);
    expect(await cafeLane.commit({ card: "9400000000001", receipt: receipt("cafe-3", 2_000) })).toMatchObject({ points: 950, programVersion: 2, programPartner: "cafe" });

    const versions = await getJson(`${programUrl("cafe")}/versions`, admin);
    expect(versions.body).toMatchObject({ versions: [{ version: 2, name: "Cafe 50 %" }, { version: 1, name: "Cafe 30 %" }], next: null });
    expect(await getJson(`${programUrl("cafe")}/versions/1`, admin)).toMatchObject({ status: 200, body: { version: 1, program: { name: "Cafe 30 %" } } });
    expect(await getJson(`${programUrl("cafe")}/versions/9`, admin)).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("keeps the partners' programs in force across a restart", async () => {
    await cafeLane.close();
    await demoLane.close();
    expect(await server.stop()).toBe(0);
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    demoLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    cafeLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: cafeToken });
    expect(await cafeLane.calculate({ card: "9400000000001", receipt: receipt("cafe-4", 2_000) })).toMatchObject({ points: 950, programVersion: 2, programPartner: "cafe" });
    expect(await demoLane.calculate({ card: "9400000000001", receipt: receipt("demo-2", 2_000) })).toMatchObject({ points: 200, programVersion: coalitionVersion });
  });

  it("returns a partner to the coalition program, once", async () => {
    const removed = await fetch(programUrl("cafe"), { method: "DELETE", headers: { authorization: `Bearer ${admin}` } });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ partner: "cafe", version: 3, program: null });
    const again = await fetch(programUrl("cafe"), { method: "DELETE", headers: { authorization: `Bearer ${admin}` } });
    expect(await again.json()).toMatchObject({ partner: "cafe", version: 3, program: null });
    const atCafe = await cafeLane.commit({ card: "9400000000001", receipt: receipt("cafe-5", 2_000) });
    expect(atCafe).toMatchObject({ points: 200, discount: 0, programVersion: coalitionVersion });
    expect(atCafe).not.toHaveProperty("programPartner");
    expect(await getJson(`${server.url}/v1/admin/partner-programs`, admin)).toEqual({ status: 200, body: { programs: [] } });
    const audit = await getJson(`${server.url}/v1/admin/audit?limit=20`, admin);
    const actions = (audit.body["audit"] as { action: string; detail: Record<string, unknown> }[]).filter(({ action }) => action.endsWith("partner-program"));
    expect(actions.map(({ action, detail }) => [action, detail["version"]])).toEqual([
      ["remove-partner-program", 3],
      ["put-partner-program", 2],
      ["put-partner-program", 1],
    ]);
  });

  it("reads the partner's programs through the typed admin client", async () => {
    const client = new LoycoreAdminClient({ url: server.url, token: admin });
    expect(await client.partnerProgram("cafe")).toMatchObject({ partner: "cafe", version: 3, program: null });
    expect((await client.partnerProgramVersions("cafe", { limit: 2 })).versions.map(({ version, name }) => [version, name])).toEqual([
      [3, null],
      [2, "Cafe 50 %"],
    ]);
    expect((await client.partnerProgramVersion("cafe", 2)).program?.points.accrualRateBasisPoints).toBe(5_000);
    expect(await client.partnerPrograms()).toEqual({ programs: [] });
  });

  it("refuses bad documents with coded errors naming the field, and stores nothing", async () => {
    const badRate = await postJson(programUrl("cafe"), admin, { name: "Bad", points: { accrualRateBasisPoints: 20_000, maxRedeemShareBasisPoints: 0 } }, "PUT");
    expect(badRate).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", problems: [{ path: "points.accrualRateBasisPoints" }] } });
    const otherZone = await postJson(programUrl("cafe"), admin, { ...cafeProgram(1_000), timeZone: "Europe/Moscow" }, "PUT");
    expect(otherZone).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", problems: [{ path: "timeZone" }] } });
    const levels = { levels: [{ id: "gold", name: "Gold", threshold: 100 }] };
    const ownLevels = await postJson(programUrl("cafe"), admin, { ...cafeProgram(1_000), pointLevels: levels }, "PUT");
    expect(ownLevels).toMatchObject({ status: 400, body: { problems: [{ path: "pointLevels" }] } });
    const policy = await postJson(programUrl("cafe"), admin, { ...cafeProgram(1_000), coalition: { redemption: "issuerOnly" } }, "PUT");
    expect(policy).toMatchObject({ status: 400, body: { problems: [{ path: "coalition" }] } });
    expect(await postJson(programUrl("nobody"), admin, cafeProgram(1_000), "PUT")).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    // Validation alone stores nothing either way.
    expect(await postJson(`${programUrl("cafe")}/validate`, admin, { ...cafeProgram(1_000), timeZone: "Asia/Tokyo" })).toMatchObject({
      status: 400,
      body: { problems: [{ path: "timeZone" }] },
    });
    expect(await postJson(`${programUrl("cafe")}/validate`, admin, cafeProgram(1_000))).toEqual({ status: 200, body: { valid: true } });
    expect(await getJson(programUrl("cafe"), admin)).toMatchObject({ status: 200, body: { version: 3, program: null } });
  });
});

describe("a partner's own program on a shard thread that dies", () => {
  const directory = makeTemporaryDirectory("partner-programs-supervision");
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "1"], { LOYCORE_FAULT_INJECTION: "1" });
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("is in force on the restarted thread, the version put while it restarted included", async () => {
    const admin = server.adminToken ?? "";
    const url = `${server.url}/v1/admin/partners/demo-partner/program`;
    expect(await postJson(url, admin, cafeProgram(3_000), "PUT")).toMatchObject({ status: 200, body: { version: 1 } });
    const lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const card = server.demoCards[0] ?? "";
    expect(await lane.calculate({ card, receipt: receipt("s-1", 10_000) })).toMatchObject({ programPartner: "demo-partner", programVersion: 1 });
    expect((await postJson(`${server.url}/v1/admin/faults/crash-shard/0`, admin, {})).status).toBe(200);
    // Sent while the thread dies or restarts: stored either way, and the restarted thread starts with it.
    const put = await postJson(url, admin, cafeProgram(5_000), "PUT");
    expect([200, 503]).toContain(put.status);
    let answer: Awaited<ReturnType<typeof lane.calculate>> | undefined;
    for (let attempt = 0; attempt < 100 && answer === undefined; attempt += 1) {
      answer = await lane.calculate({ card, receipt: receipt("s-1", 10_000) }).catch(() => undefined);
      if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(answer).toMatchObject({ programPartner: "demo-partner", programVersion: 2, discount: 500, points: 4_750 });
    await lane.close();
  });
});
