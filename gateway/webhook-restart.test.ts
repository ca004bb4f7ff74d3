import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { verifyWebhookSignature } from "./notifications/webhook-signature.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "restart-secret-0123456789";
/** Retries every 50 ms doubling to 300 ms, 30 attempts (about 8 s): the refusing endpoint's events go dead within the test, the others are paused before. */
const ENVIRONMENT = { LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS: "50", LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS: "300", LOYCORE_WEBHOOK_ATTEMPTS_MAX: "30" };
const SERVER_ARGUMENTS = ["--demo", "--demo-members", "1", "--shards", "2"];
const CARDS = ["9400000000401", "9400000000402", "9400000000403"];
/** The demo program's bronze class: from 2,000,000 sold in a lifetime. */
const BIG_MINOR = 2_500_000;

function receipt(id: string, amount: number) {
  return { id, at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

/** The sequence in an event id "<logical shard>-<member>-<sequence>-<number>". */
function sequenceOf(eventId: string): number {
  return Number(eventId.split("-").at(-2));
}

/** The metric lines of the delivery counters, emitted events and outbox figures: what must be the same after a restart. */
function durableFigures(metrics: string): string[] {
  return metrics
    .split("\n")
    .filter((line) => /^loycore_(webhook_deliveries_total|events_emitted_total|outbox_dead_letters|outbox_undelivered) /.test(line) || /^loycore_webhook_deliveries_total\{/.test(line) || /^loycore_events_emitted_total\{/.test(line))
    .sort();
}

describe("webhook delivery across a receiver that dies and a server killed mid-run", () => {
  const directory = makeTemporaryDirectory("webhook-restart");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;

  beforeAll(async () => {
    await receiver.start();
    receiver.refusing.add("/down");
    server = await startServerProcess(directory.path, SERVER_ARGUMENTS, ENVIRONMENT);
    admin = server.adminToken ?? "";
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("delivers every event once the receiver is back, signed, in order, duplicates with their ids; dead letters, deliveries and counts are the same after the kill", async () => {
    const kinds = ["points.accrued", "class.changed", "receipt.cancelled"];
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "crm", url: receiver.url("/crm"), kinds, secret: SECRET })).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "down", url: receiver.url("/down"), kinds: ["receipt.cancelled"], secret: SECRET })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Per member: points.accrued twice, class.changed up and down, receipt.cancelled; one more points.accrued later.
    for (const card of CARDS) {
      await lane.enroll({ card });
      await lane.commit({ card, receipt: receipt(`${card}-small`, 10_000) });
      await lane.commit({ card, receipt: receipt(`${card}-big`, BIG_MINOR) });
      await lane.cancel({ card, receipt: `${card}-big` });
    }
    await waitUntil("the first fifteen events delivered", () => new Set(receiver.at("/crm").map((delivery) => delivery.eventId)).size === 15);

    // The receiver dies: new events are tried and retried while it is down.
    await receiver.stop();
    for (const card of CARDS) await lane.commit({ card, receipt: receipt(`${card}-later`, 10_000) });
    await waitUntil("three events retried at crm", async () => {
      const crm = await getJson(`${server.url}/v1/admin/webhooks/crm/deliveries`, admin);
      return (crm.body["current"] as { attempts: number }[]).filter((delivery) => delivery.attempts >= 3).length === 3;
    });
    // Paused, nothing more is attempted: what the server shows now is what it must show after the kill.
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/pause`, admin, {})).status).toBe(200);
    await waitUntil("the down endpoint's three dead letters", async () => {
      const dead = await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters`, admin);
      return (dead.body["deadLetters"] as unknown[]).length === 3;
    });
    expect((await postJson(`${server.url}/v1/admin/webhooks/down/pause`, admin, {})).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const before = {
      crm: (await getJson(`${server.url}/v1/admin/webhooks/crm/deliveries`, admin)).body,
      down: (await getJson(`${server.url}/v1/admin/webhooks/down/deliveries`, admin)).body,
      dead: (await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters`, admin)).body,
      figures: durableFigures(await (await fetch(`${server.url}/metrics`)).text()),
    };
    const retried = before.crm["current"] as { event: string; attempts: number; state: string }[];
    expect(retried.map((delivery) => delivery.state)).toEqual(["retrying", "retrying", "retrying"]);
    expect(before.figures.join("\n")).toMatch(/loycore_webhook_deliveries_total\{endpoint="down",result="dead"\} 3/);

    await lane.close();
    await server.kill();
    server = await startServerProcess(directory.path, SERVER_ARGUMENTS, ENVIRONMENT);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const sortedByEvent = (list: unknown): unknown => [...(list as { event: string }[])].sort((left, right) => left.event.localeCompare(right.event));
    const crmAfter = (await getJson(`${server.url}/v1/admin/webhooks/crm/deliveries`, admin)).body;
    expect(crmAfter["recent"]).toEqual(before.crm["recent"]);
    expect(sortedByEvent(crmAfter["current"])).toEqual(sortedByEvent(before.crm["current"]));
    expect((await getJson(`${server.url}/v1/admin/webhooks/down/deliveries`, admin)).body).toEqual(before.down);
    expect((await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters`, admin)).body).toEqual(before.dead);
    expect(durableFigures(await (await fetch(`${server.url}/metrics`)).text())).toEqual(before.figures);

    // The receiver is back and crm resumed: every event arrives, the retried ones continuing their attempts.
    await receiver.start();
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/resume`, admin, {})).status).toBe(200);
    await waitUntil("all eighteen events delivered", () => new Set(receiver.at("/crm").map((delivery) => delivery.eventId)).size === 18);
    const crm = receiver.at("/crm");
    expect(crm.every((delivery) => verifyWebhookSignature(SECRET, delivery.timestamp, delivery.text, delivery.signature) && delivery.eventId === delivery.body.id)).toBe(true);
    const byId = new Map<string, string>();
    for (const delivery of crm) {
      // A duplicate is the same event: same id, same body.
      const { id, kind, at, member, data } = delivery.body;
      const body = JSON.stringify({ id, kind, at, member, data });
      expect(byId.get(delivery.eventId) ?? body).toBe(body);
      byId.set(delivery.eventId, body);
    }
    const firstSeen = new Map<string, number[]>();
    for (const delivery of crm) {
      const sequences = firstSeen.get(delivery.body.member) ?? [];
      if (!sequences.includes(sequenceOf(delivery.eventId))) sequences.push(sequenceOf(delivery.eventId));
      firstSeen.set(delivery.body.member, sequences);
    }
    for (const sequences of firstSeen.values()) expect(sequences).toEqual([...sequences].sort((left, right) => left - right));
    const recent = (await getJson(`${server.url}/v1/admin/webhooks/crm/deliveries`, admin)).body["recent"] as { event: string; attempts: number; state: string }[];
    for (const before of retried) {
      expect(recent.find((delivery) => delivery.event === before.event)).toMatchObject({ state: "delivered", attempts: before.attempts + 1 });
    }
    const figures = durableFigures(await (await fetch(`${server.url}/metrics`)).text()).join("\n");
    expect(figures).toMatch(/loycore_webhook_deliveries_total\{endpoint="crm",result="delivered"\} 18/);
    expect(figures).toContain("loycore_outbox_dead_letters 3");
    const emitted = [...figures.matchAll(/loycore_events_emitted_total\{shard="\d+"\} (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(emitted).toBe(18);
  });
});
