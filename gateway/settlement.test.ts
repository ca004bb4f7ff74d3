import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** 10 % back, points pay up to the whole receipt, a point is worth 2 kopecks. */
const PROGRAM = { name: "Coalition", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 2 } };
/** Noon UTC ten days ago: the receipts' day, within a report's year of today. */
const AT = Math.floor(Date.now() / 86_400_000 - 10) * 86_400_000 + 43_200_000;
const DAY = new Date(AT).toISOString().slice(0, 10);

function receipt(id: string, amount: number) {
  return { id, at: AT, lines: [{ sku: "sku-1", qty: 2, price: amount / 2, amount }] };
}

describe("settlement between partners over the wire", () => {
  const directory = makeTemporaryDirectory("settlement");
  let server: ServerProcess;
  let demoLane: LoycoreClient;
  let partnerLane: LoycoreClient;
  let admin: string;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    admin = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/program`, admin, PROGRAM, "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/partners`, admin, { id: "cafe", name: "Cafe" })).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/stores`, admin, { id: "cafe-1", partner: "cafe", name: "Cafe 1" })).status).toBe(200);
    const terminal = await postJson(`${server.url}/v1/admin/terminals`, admin, { id: "cafe-1-lane-1", store: "cafe-1" });
    demoLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    partnerLane = await LoycoreClient.connect({ url: server.webSocketUrl, token: String(terminal.body["token"]) });
  });

  afterAll(async () => {
    await demoLane?.close();
    await partnerLane?.close();
    await server?.stop();
    directory.remove();
  });

  it("records points the demo partner issued and the cafe took as payment, nets a return, and reports them as JSON and CSV", async () => {
    await demoLane.enroll({ card: "9300000000001" });
    const earned = await demoLane.commit({ card: "9300000000001", receipt: receipt("earn-1", 10_000) });
    expect(earned.points).toBe(1_000);
    const spent = await partnerLane.commit({ card: "9300000000001", redeem: 600, receipt: receipt("spend-1", 2_000) });
    expect(spent.redeem).toBe(600);
    // A return of one of the two units gives back half the points spent on it: 300 of 600.
    const refund = await partnerLane.refund({ card: "9300000000001", refund: { id: "back-1", receipt: "spend-1", lines: [{ line: 0, qty: 1 }] } });
    expect(refund.pointsReturned).toBe(300);
    // Points the cafe issued, spent at the cafe: no settlement.
    await partnerLane.enroll({ card: "9300000000002" });
    await partnerLane.commit({ card: "9300000000002", receipt: receipt("cafe-earn-1", 5_000) });
    await partnerLane.commit({ card: "9300000000002", redeem: 100, receipt: receipt("cafe-spend-1", 500) });

    // The redemption counts on the receipt's day; the return on the day it was made (today).
    const onReceiptDay = await getJson(`${server.url}/v1/admin/settlement?from=${DAY}&to=${DAY}`, admin);
    expect(onReceiptDay).toMatchObject({ status: 200, body: { from: DAY, to: DAY, pairs: [{ issuer: "demo-partner", redeemer: "cafe", points: 600, valueMinor: 1_200, entries: 1 }] } });
    const today = new Date().toISOString().slice(0, 10);
    const untilToday = await getJson(`${server.url}/v1/admin/settlement?from=${DAY}&to=${today}&redeemer=cafe`, admin);
    expect(untilToday.body["pairs"]).toEqual([{ issuer: "demo-partner", redeemer: "cafe", points: 300, valueMinor: 600, entries: 2 }]);
    const next = new Date(AT + 86_400_000).toISOString().slice(0, 10);
    const other = await getJson(`${server.url}/v1/admin/settlement?from=${next}&to=${next}`, admin);
    expect(other.body["pairs"]).toEqual([]);

    const csv = await fetch(`${server.url}/v1/admin/settlement?from=${DAY}&to=${today}&format=csv`, { headers: { authorization: `Bearer ${admin}` } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("day,issuer,redeemer,member,store,receipt,operation,at,points,valueMinor");
    expect(lines.slice(1).map((line) => line.split(",").slice(6).join(",").replace(/,\d+,/, ",<at>,"))).toEqual(
      expect.arrayContaining(["commit,<at>,600,1200", "refund back-1,<at>,-300,-600"]),
    );
  });

  it("refuses a report of a bad date, of days in the wrong order or of more than a year", async () => {
    expect(await getJson(`${server.url}/v1/admin/settlement?from=2025-02-30&to=2025-03-01`, admin)).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(await getJson(`${server.url}/v1/admin/settlement?from=2025-03-02&to=2025-03-01`, admin)).toMatchObject({ status: 400 });
    expect(await getJson(`${server.url}/v1/admin/settlement?from=2024-01-01&to=2025-03-01`, admin)).toMatchObject({ status: 400 });
    expect(await getJson(`${server.url}/v1/admin/settlement?from=${DAY}&to=${DAY}&format=xml`, admin)).toMatchObject({ status: 400 });
  });
});
