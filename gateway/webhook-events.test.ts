import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "events-secret-0123456789";

describe("card events and reminders over the wire", () => {
  const directory = makeTemporaryDirectory("webhook-events");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;
  let memberId: string;
  const card = "9400000000201";

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    admin = server.adminToken ?? "";
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    memberId = (await lane.enroll({ card })).member;
    const created = await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "cards", url: receiver.url("/cards"), kinds: ["card.blocked", "card.replaced"], secret: SECRET });
    expect(created.status).toBe(200);
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("delivers card.blocked once for a block sent twice, and card.replaced for a replacement, each in the member's history", async () => {
    const second = "9400000000202";
    expect((await postJson(`${server.url}/v1/admin/members/${memberId}/cards`, admin, { card: second })).status).toBe(200);
    const blocked = await postJson(`${server.url}/v1/admin/cards/${second}/block`, admin, { reason: "lost" });
    expect(blocked).toMatchObject({ status: 200, body: { state: "blocked" } });
    expect((await postJson(`${server.url}/v1/admin/cards/${second}/block`, admin, { reason: "lost" })).body).toEqual(blocked.body);
    const replaced = await postJson(`${server.url}/v1/admin/cards/${card}/replace`, admin, { card: "9400000000203" });
    expect(replaced.status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/cards/${card}/replace`, admin, { card: "9400000000203" })).body).toEqual(replaced.body);
    await waitUntil("both card events", () => receiver.at("/cards").length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.at("/cards").map((delivery) => delivery.body)).toEqual([
      expect.objectContaining({ kind: "card.blocked", member: memberId, at: blocked.body["blockedAt"], data: { card: second, reason: "lost", at: blocked.body["blockedAt"] } }),
      expect.objectContaining({ kind: "card.replaced", member: memberId, data: { card, replacedBy: "9400000000203", at: expect.any(Number) } }),
    ]);
    const activity = await getJson(`${server.url}/v1/admin/members/${memberId}/activity`, admin);
    const entries = (activity.body["activity"] as { kind: string; card?: string; action?: string }[]).filter((entry) => entry.kind === "card");
    expect(entries.map((entry) => [entry.card, entry.action])).toEqual([
      [card, "replaced"],
      [second, "blocked"],
    ]);
  });

  it("delivers a points.expiring reminder once, found by the shard's reminder sweep from its index, when the program sets it", async () => {
    const program = (await getJson(`${server.url}/v1/admin/program`, admin)).body as { points: Record<string, unknown> };
    // Points live 7 days and are reminded 7 days ahead: a lot is due for its reminder as soon as it is accrued.
    const withReminders = { ...program, points: { ...program.points, lifetimeDays: 7, pendingDays: 0 }, reminders: { pointsExpiringDays: 7 } };
    expect((await postJson(`${server.url}/v1/admin/program`, admin, withReminders, "PUT")).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "reminders", url: receiver.url("/reminders"), kinds: ["points.expiring"], secret: SECRET })).status).toBe(200);
    // The endpoint's kinds reach the shards shortly after its creation.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const committed = await lane.commit({ card: "9400000000203", receipt: { id: "R-remind", at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: 10_000, amount: 10_000 }] } });
    expect(committed.points).toBeGreaterThan(0);
    await waitUntil("the reminder", () => receiver.at("/reminders").length === 1);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(receiver.at("/reminders")).toHaveLength(1);
    expect(receiver.at("/reminders")[0]?.body).toMatchObject({ kind: "points.expiring", member: memberId, data: { points: committed.points, days: 7, expiresAt: expect.any(Number) } });
  });
});
