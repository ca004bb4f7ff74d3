import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const SECRET = "events-secret-0123456789";

describe("card events over the wire", () => {
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
});
