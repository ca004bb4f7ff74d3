import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "backfill-secret-0123456789";
const SERVER_ARGUMENTS = ["--demo", "--demo-members", "1", "--shards", "2"];
const CARDS = ["9400000000501", "9400000000502", "9400000000503"];

describe("reminders of lots accrued before an endpoint took their kind, over the wire", () => {
  const directory = makeTemporaryDirectory("reminder-backfill");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let admin: string;

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, SERVER_ARGUMENTS);
    admin = server.adminToken ?? "";
  });

  afterAll(async () => {
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("reminds each member's lot once when the kind is taken after the lots exist, and not again after a restart", async () => {
    const program = (await getJson(`${server.url}/v1/admin/program`, admin)).body as { points: Record<string, unknown> };
    // Points live 7 days and are reminded 7 days ahead: a lot is due for its reminder as soon as it is accrued.
    const withReminders = { ...program, points: { ...program.points, lifetimeDays: 7, pendingDays: 0 }, reminders: { pointsExpiringDays: 7 } };
    expect((await postJson(`${server.url}/v1/admin/program`, admin, withReminders, "PUT")).status).toBe(200);
    const lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const members: string[] = [];
    for (const card of CARDS) {
      members.push((await lane.enroll({ card })).member);
      await lane.commit({ card, receipt: { id: `${card}-1`, at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: 10_000, amount: 10_000 }] } });
    }
    await lane.close();

    // No endpoint took points.expiring when the lots were accrued: the backfill gives them their entries.
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "reminders", url: receiver.url("/reminders"), kinds: ["points.expiring"], secret: SECRET })).status).toBe(200);
    await waitUntil("a reminder per member", () => receiver.at("/reminders").length >= CARDS.length);
    await waitUntil("the backfill done", async () => /loycore_reminder_backfill_pending_logical_shards\{shard="0"\} 0/.test(await (await fetch(`${server.url}/metrics`)).text()));
    await server.stop();
    server = await startServerProcess(directory.path, SERVER_ARGUMENTS);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const reminders = receiver.at("/reminders");
    // One reminder (one event id) per member: a delivery sent again would carry the same id.
    expect(new Set(reminders.map((delivery) => delivery.eventId)).size).toBe(CARDS.length);
    expect(new Set(reminders.map((delivery) => delivery.body.member))).toEqual(new Set(members));
  });
});
