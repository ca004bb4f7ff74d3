import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { verifyWebhookSignature } from "./notifications/webhook-signature.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

const SECRET = "crm-secret-0123456789";
const DOWN_SECRET = "down-secret-0123456789";
/** Short back-off so retries happen within the test: 100 ms doubling to 400 ms, 8 attempts (about 2.3 s). */
const ENVIRONMENT = { LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS: "100", LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS: "400", LOYCORE_WEBHOOK_ATTEMPTS_MAX: "8" };
/** Every wait in this test gives up after this long. */
const WAIT_MAX_MILLISECONDS = 20_000;

interface Received {
  readonly path: string;
  readonly eventId: string;
  readonly body: { id: string; kind: string; at: number; member: string; data: Record<string, unknown> };
  readonly verified: boolean;
  readonly status: number;
  readonly serverGeneration: number;
}

/** A webhook receiver on 127.0.0.1: answers by path and mode, records every request, can stop and start on its port. */
class Receiver {
  readonly received: Received[] = [];
  failNext = 0;
  downAnswers = 500;
  serverGeneration = 1;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(): Promise<void> {
    const server = createServer((request, response) => void this.handle(request, response));
    server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
  }

  delivered(path = "/crm"): Received[] {
    return this.received.filter((entry) => entry.path === path && entry.status === 200);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const path = request.url ?? "";
    const secret = path === "/down" ? DOWN_SECRET : SECRET;
    const verified = verifyWebhookSignature(secret, String(request.headers["x-loycore-timestamp"]), text, String(request.headers["x-loycore-signature"]));
    let status = 200;
    if (path === "/down") status = this.downAnswers;
    else if (this.failNext > 0) {
      this.failNext -= 1;
      status = 500;
    }
    this.received.push({ path, eventId: String(request.headers["x-loycore-event-id"]), body: JSON.parse(text) as Received["body"], verified, status, serverGeneration: this.serverGeneration });
    response.writeHead(status).end();
  }
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MAX_MILLISECONDS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function receipt(id: string, amount: number) {
  return { id, at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

/** The sequence in an event id "<logical shard>-<member>-<sequence>-<number>". */
function sequenceOf(eventId: string): number {
  return Number(eventId.split("-").at(-2));
}

describe("webhooks over the wire", () => {
  const directory = makeTemporaryDirectory("webhooks");
  const receiver = new Receiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;
  const cards = ["9400000000001", "9400000000002", "9400000000003"];

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"], ENVIRONMENT);
    admin = server.adminToken ?? "";
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("sets up endpoints in the admin API, never showing their secrets, and refuses what is not an http(s) URL or a known kind", async () => {
    const url = `http://127.0.0.1:${receiver.port}`;
    const created = await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "crm", url: `${url}/crm`, kinds: ["points.accrued", "status.changed", "receipt.cancelled"], secret: SECRET });
    expect(created).toMatchObject({ status: 200, body: { id: "crm", url: `${url}/crm`, paused: false } });
    expect(created.body).not.toHaveProperty("secret");
    const down = await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "down", url: `${url}/down`, kinds: ["receipt.cancelled"], secret: DOWN_SECRET });
    expect(down.status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "x", url: "ftp://127.0.0.1/", kinds: ["points.accrued"], secret: SECRET })).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "y", url: `${url}/y`, kinds: ["survey"], secret: SECRET })).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "crm", url: `${url}/crm`, kinds: ["points.accrued"], secret: SECRET })).body).toMatchObject({ code: "CONFLICT" });
    const listed = await getJson(`${server.url}/v1/admin/webhooks`, admin);
    expect((listed.body["webhooks"] as { id: string }[]).map((webhook) => webhook.id)).toEqual(["crm", "down"]);
    expect(JSON.stringify(listed.body)).not.toContain(SECRET);
  });

  it("delivers every event signed, each member's in order, retrying a failing receiver with the same event ids", async () => {
    receiver.failNext = 4;
    for (const card of cards) {
      await lane.enroll({ card });
      await lane.commit({ card, receipt: receipt(`${card}-1`, 10_000) });
      await lane.commit({ card, receipt: receipt(`${card}-2`, 20_000) });
      await lane.cancel({ card, receipt: `${card}-1` });
    }
    await waitFor("nine events delivered to crm", () => new Set(receiver.delivered().map((entry) => entry.eventId)).size === 9);
    const crm = receiver.received.filter((entry) => entry.path === "/crm");
    expect(crm.every((entry) => entry.verified && entry.eventId === entry.body.id)).toBe(true);
    expect(crm.filter((entry) => entry.status === 500)).toHaveLength(4);
    // A retry is the same event: the ids that failed came again and then succeeded.
    for (const failed of crm.filter((entry) => entry.status === 500)) expect(receiver.delivered().some((entry) => entry.eventId === failed.eventId)).toBe(true);
    const byMember = new Map<string, number[]>();
    for (const entry of receiver.delivered()) byMember.set(entry.body.member, [...(byMember.get(entry.body.member) ?? []), sequenceOf(entry.eventId)]);
    expect([...byMember.values()].map((sequences) => sequences.length)).toEqual([3, 3, 3]);
    for (const sequences of byMember.values()) expect(sequences).toEqual([...sequences].sort((left, right) => left - right));
    const kinds = receiver.delivered().map((entry) => entry.body.kind).sort();
    expect(kinds).toEqual([...Array(6).fill("points.accrued"), ...Array(3).fill("receipt.cancelled")]);
    const cancelled = receiver.delivered().find((entry) => entry.body.kind === "receipt.cancelled");
    expect(cancelled?.body).toMatchObject({ data: { receipt: expect.stringMatching(/-1$/), pointsRevoked: 490 } });
  });

  it("makes dead letters of what an endpoint keeps refusing, lists them, and delivers one replayed", async () => {
    await waitFor("three dead letters at down", async () => {
      const page = await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters`, admin);
      return (page.body["deadLetters"] as unknown[] | undefined)?.length === 3;
    });
    const page = await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters?limit=2`, admin);
    const first = (page.body["deadLetters"] as { event: string; attempts: number; error: string }[])[0];
    expect(first).toMatchObject({ attempts: 8, error: "HTTP 500" });
    expect(typeof page.body["next"]).toBe("string");
    const rest = await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters?after=${String(page.body["next"])}`, admin);
    expect(rest.body["deadLetters"]).toHaveLength(1);
    receiver.downAnswers = 200;
    const replayed = await postJson(`${server.url}/v1/admin/webhooks/down/dead-letters/${encodeURIComponent(first?.event ?? "")}/replay`, admin, {});
    expect(replayed).toMatchObject({ status: 200, body: { replayed: first?.event } });
    await waitFor("the replayed event delivered", () => receiver.delivered("/down").some((entry) => entry.eventId === first?.event));
    const after = await getJson(`${server.url}/v1/admin/webhooks/down/dead-letters`, admin);
    expect(after.body["deadLetters"]).toHaveLength(2);
    const deliveries = await getJson(`${server.url}/v1/admin/webhooks/down/deliveries`, admin);
    expect(deliveries.body["recent"]).toEqual(expect.arrayContaining([expect.objectContaining({ event: first?.event, state: "delivered" })]));
  });

  it("holds events for a paused endpoint and sends them once it is resumed", async () => {
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/pause`, admin, {})).body).toMatchObject({ paused: true });
    const committed = await lane.commit({ card: cards[0] ?? "", receipt: receipt("paused-1", 10_000) });
    await new Promise((resolve) => setTimeout(resolve, 600));
    const eventId = (entry: Received): boolean => entry.body.data["transaction"] === committed.transaction;
    expect(receiver.received.some(eventId)).toBe(false);
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/resume`, admin, {})).body).toMatchObject({ paused: false });
    await waitFor("the held event delivered", () => receiver.delivered().some(eventId));
  });

  it("loses nothing while the receiver is down and restarted, nor across a restart of the server, and resends nothing delivered before it", async () => {
    await receiver.stop();
    await lane.commit({ card: cards[1] ?? "", receipt: receipt("while-down-1", 10_000) });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await receiver.start();
    await waitFor("the event committed while the receiver was down", () => receiver.delivered().some((entry) => entry.body.data["receipt"] === "while-down-1"));

    receiver.failNext = 1_000;
    await lane.commit({ card: cards[2] ?? "", receipt: receipt("before-restart-1", 10_000) });
    await lane.commit({ card: cards[2] ?? "", receipt: receipt("before-restart-2", 10_000) });
    await waitFor("an attempt of the new events", () => receiver.received.some((entry) => entry.body.data["receipt"] === "before-restart-1"));
    const deliveredBefore = new Set(receiver.delivered().map((entry) => entry.eventId));
    await lane.close();
    await server.stop();
    receiver.failNext = 0;
    receiver.serverGeneration = 2;
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"], ENVIRONMENT);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    await waitFor("both events committed before the restart", () => ["before-restart-1", "before-restart-2"].every((id) => receiver.delivered().some((entry) => entry.body.data["receipt"] === id)));
    const resent = receiver.received.filter((entry) => entry.serverGeneration === 2 && deliveredBefore.has(entry.eventId));
    expect(resent).toEqual([]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/loycore_webhook_deliveries_total\{endpoint="crm",result="delivered"\} [1-9]/);
    expect(metrics).toMatch(/loycore_outbox_dead_letters 2/);
    expect(metrics).toMatch(/loycore_outbox_undelivered 0/);
    expect(metrics).toContain("loycore_events_emitted_total");
  });
});
