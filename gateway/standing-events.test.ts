import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { verifyWebhookSignature } from "./notifications/webhook-signature.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "standing-secret-0123456789";
/** The demo program's classes: bronze from 2,000,000 sold in a lifetime (gateway/demo.ts). */
const BRONZE_RECEIPT_MINOR = 2_500_000;

function receipt(id: string) {
  return { id, at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: BRONZE_RECEIPT_MINOR, amount: BRONZE_RECEIPT_MINOR }] };
}

describe("class.changed over the wire from a cancel, a refund and a program switch", () => {
  const directory = makeTemporaryDirectory("standing-events");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  const card = "9400000000301";

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const created = await postJson(`${server.url}/v1/admin/webhooks`, server.adminToken ?? "", { id: "crm", url: receiver.url("/crm"), kinds: ["class.changed"], secret: SECRET });
    expect(created.status).toBe(200);
    // The endpoint's kinds reach the shards shortly after its creation.
    await new Promise((resolve) => setTimeout(resolve, 300));
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("delivers the class a receipt raised and the drop its cancel and a refund made, once each, signed, in order", async () => {
    const { member } = await lane.enroll({ card });
    await lane.commit({ card, receipt: receipt("up-1") });
    await lane.cancel({ card, receipt: "up-1" });
    // A repeated cancel (its retry) changes nothing again.
    await lane.cancel({ card, receipt: "up-1" });
    await lane.commit({ card, receipt: receipt("up-2") });
    await lane.refund({ card, refund: { id: "back-2", receipt: "up-2", lines: [{ line: 0, qty: 1 }] } });
    await lane.refund({ card, refund: { id: "back-2", receipt: "up-2", lines: [{ line: 0, qty: 1 }] } });
    await waitUntil("four class changes", () => receiver.at("/crm").length >= 4);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const deliveries = receiver.at("/crm");
    expect(deliveries.every((delivery) => verifyWebhookSignature(SECRET, delivery.timestamp, delivery.text, delivery.signature))).toBe(true);
    expect(deliveries.map((delivery) => [delivery.body.member, delivery.body.data])).toEqual([
      [member, { from: null, to: "bronze", receipt: "up-1", store: "demo-store" }],
      [member, { from: "bronze", to: null, receipt: "up-1", store: "demo-store", cause: "cancel" }],
      [member, { from: null, to: "bronze", receipt: "up-2", store: "demo-store" }],
      [member, { from: "bronze", to: null, receipt: "up-2", store: "demo-store", cause: "refund" }],
    ]);
    expect(new Set(deliveries.map((delivery) => delivery.eventId)).size).toBe(4);
  });

  it("tells a member whose class a new program's classes take away, once, with cause program", async () => {
    const bronze = "9400000000302";
    const { member } = await lane.enroll({ card: bronze });
    await lane.commit({ card: bronze, receipt: receipt("stays-1") });
    await waitUntil("the commit's class change", () => receiver.at("/crm").some((delivery) => delivery.body.member === member));
    const admin = server.adminToken ?? "";
    const program = (await getJson(`${server.url}/v1/admin/program`, admin)).body as { classes: { classes: { id: string; criteria: unknown[] }[] } };
    const classes = { ...program.classes, classes: program.classes.classes.map((candidate) => (candidate.id === "bronze" ? { ...candidate, criteria: [{ counter: "sold", from: 3_000_000 }] } : candidate)) };
    expect((await postJson(`${server.url}/v1/admin/program`, admin, { ...program, classes }, "PUT")).status).toBe(200);
    await waitUntil("the switch's class change", () => receiver.at("/crm").some((delivery) => delivery.body.data["cause"] === "program"));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const switched = receiver.at("/crm").filter((delivery) => delivery.body.data["cause"] === "program");
    expect(switched.map((delivery) => [delivery.body.member, delivery.body.data])).toEqual([[member, { from: "bronze", to: null, receipt: null, store: null, cause: "program" }]]);
  });
});
