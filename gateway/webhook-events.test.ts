import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "events-secret-0123456789";

describe("card events, reminders and messages over the wire", () => {
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

  it("carries a rendered message and the member's consent to an endpoint with a channel, and nothing to send for a member without consent", async () => {
    const template = "Hi {{name}}, +{{points}} points on {{date}}; balance {{balance}}.";
    const refused = await postJson(`${server.url}/v1/admin/templates/points.accrued/sms`, admin, { text: "{{points}} until {{lapsesAt}}" }, "PUT");
    expect(refused).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", message: expect.stringContaining("{{lapsesAt}}") } });
    expect((await postJson(`${server.url}/v1/admin/templates/points.accrued/fax`, admin, { text: "x" }, "PUT")).body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("channel") });
    expect((await postJson(`${server.url}/v1/admin/templates/points.accrued/sms`, admin, { text: template }, "PUT")).body).toMatchObject({ kind: "points.accrued", channel: "sms", text: template });
    expect((await getJson(`${server.url}/v1/admin/templates`, admin)).body["templates"]).toEqual([expect.objectContaining({ kind: "points.accrued", channel: "sms" })]);
    const created = await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "sms", url: receiver.url("/sms"), kinds: ["points.accrued"], secret: SECRET, channel: "sms" });
    expect(created.body).toMatchObject({ channel: "sms" });
    const edited = await postJson(`${server.url}/v1/admin/members/${memberId}/profile`, admin, { id: "consent-1", name: "Anna", phone: "+79001234567", consent: { sms: true } });
    expect(edited.status).toBe(200);
    const other = (await lane.enroll({ card: "9400000000299", phone: "+79007654321" })).member;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const mine = await lane.commit({ card: "9400000000203", receipt: { id: "R-sms-1", at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: 10_000, amount: 10_000 }] } });
    await lane.commit({ card: "9400000000299", receipt: { id: "R-sms-2", at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: 10_000, amount: 10_000 }] } });
    await waitUntil("both messages", () => receiver.at("/sms").length === 2);
    const byMember = new Map(receiver.at("/sms").map((delivery) => [delivery.body.member, delivery.body as unknown as { message: Record<string, unknown> }]));
    const today = new Intl.DateTimeFormat("en-CA", { timeZone: ((await getJson(`${server.url}/v1/admin/program`, admin)).body["timeZone"] as string) ?? "UTC" }).format(Date.now());
    expect(byMember.get(memberId)?.message).toEqual({ channel: "sms", consent: true, to: "+79001234567", text: `Hi Anna, +${mine.points} points on ${today}; balance ${mine.balance}.` });
    expect(byMember.get(other)?.message).toEqual({ channel: "sms", consent: false, to: null, text: null });
    const audit = await getJson(`${server.url}/v1/admin/audit?action=template.set`, admin);
    expect(audit.body["audit"]).toHaveLength(1);
    expect((await fetch(`${server.url}/v1/admin/templates/points.accrued/sms`, { method: "DELETE", headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/v1/admin/templates/points.accrued/sms`, { method: "DELETE", headers: { authorization: `Bearer ${admin}` } })).status).toBe(404);
  });
});
