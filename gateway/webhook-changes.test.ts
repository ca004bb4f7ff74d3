import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { verifyWebhookSignature } from "./notifications/webhook-signature.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "./test-support/webhook-receiver.js";

const FIRST_SECRET = "first-secret-0123456789";
const SECOND_SECRET = "second-secret-0123456789";
const THIRD_SECRET = "third-secret-0123456789";

function receipt(id: string, amount: number) {
  return { id, at: Date.now(), lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

describe("changing a webhook endpoint over the wire", () => {
  const directory = makeTemporaryDirectory("webhook-changes");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let lane: LoycoreClient;
  let admin: string;
  const card = "9400000000101";
  let receipts = 0;

  /** Commits a receipt and answers its id, which its points.accrued event carries. */
  async function commitOne(): Promise<string> {
    receipts += 1;
    const id = `R-${receipts}`;
    await lane.commit({ card, receipt: receipt(id, 10_000) });
    return id;
  }

  const deliveredReceipt = (path: string, id: string) => receiver.at(path).find((delivery) => delivery.body.data["receipt"] === id);
  const auditActions = async (action: string) => {
    const page = await getJson(`${server.url}/v1/admin/audit?action=${action}`, admin);
    return page.body["audit"] as { action: string; detail: Record<string, unknown> }[];
  };

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
    admin = server.adminToken ?? "";
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    await lane.enroll({ card });
    const created = await postJson(`${server.url}/v1/admin/webhooks`, admin, { id: "crm", url: receiver.url("/one"), kinds: ["points.accrued"], secret: FIRST_SECRET });
    expect(created).toMatchObject({ status: 200, body: { disabled: false, paused: false } });
  });

  afterAll(async () => {
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("changes the URL and the kinds: the next events go to the new URL, audited; bad fields and unknown endpoints are refused", async () => {
    const before = await commitOne();
    await waitUntil("the first event at /one", () => deliveredReceipt("/one", before) !== undefined);
    const updated = await postJson(`${server.url}/v1/admin/webhooks/crm`, admin, { url: receiver.url("/two"), kinds: ["points.accrued", "receipt.cancelled"] }, "PUT");
    expect(updated).toMatchObject({ status: 200, body: { id: "crm", url: receiver.url("/two"), kinds: ["points.accrued", "receipt.cancelled"] } });
    const after = await commitOne();
    await lane.cancel({ card, receipt: after });
    await waitUntil("the commit and its cancel at /two", () => receiver.at("/two").length === 2);
    expect(receiver.at("/two").map((delivery) => delivery.body.kind)).toEqual(["points.accrued", "receipt.cancelled"]);
    expect(deliveredReceipt("/one", after)).toBeUndefined();

    expect((await postJson(`${server.url}/v1/admin/webhooks/crm`, admin, {}, "PUT")).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm`, admin, { url: "ftp://x/" }, "PUT")).body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("url") });
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm`, admin, { kinds: ["nope"] }, "PUT")).body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("kinds[0]") });
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm`, admin, { secret: THIRD_SECRET }, "PUT")).body).toMatchObject({ code: "BAD_REQUEST" });
    expect((await postJson(`${server.url}/v1/admin/webhooks/nobody`, admin, { kinds: ["points.accrued"] }, "PUT")).body).toMatchObject({ code: "NOT_FOUND" });
    const audited = await auditActions("webhook.update");
    expect(audited).toHaveLength(1);
    expect(audited[0]?.detail).toMatchObject({ id: "crm", url: receiver.url("/two") });
  });

  it("rotates the secret: during the overlap a delivery carries both signatures, after an overlap of 0 only the new one", async () => {
    const rotated = await postJson(`${server.url}/v1/admin/webhooks/crm/secret`, admin, { secret: SECOND_SECRET, overlapSeconds: 3_600 });
    expect(rotated).toMatchObject({ status: 200, body: { id: "crm", secretRotatedAt: expect.any(Number), previousSecretExpiresAt: expect.any(Number) } });
    expect(JSON.stringify(rotated.body)).not.toContain(SECOND_SECRET);
    const overlapping = await commitOne();
    await waitUntil("the event signed during the overlap", () => deliveredReceipt("/two", overlapping) !== undefined);
    const both = deliveredReceipt("/two", overlapping);
    expect(both?.signature.split(",")).toHaveLength(2);
    expect(verifyWebhookSignature(FIRST_SECRET, both?.timestamp ?? "", both?.text ?? "", both?.signature ?? "")).toBe(true);
    expect(verifyWebhookSignature(SECOND_SECRET, both?.timestamp ?? "", both?.text ?? "", both?.signature ?? "")).toBe(true);

    // The same secret again is a repeat: nothing changes, nothing is audited.
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/secret`, admin, { secret: SECOND_SECRET })).body).toMatchObject({ previousSecretExpiresAt: rotated.body["previousSecretExpiresAt"] });
    const immediate = await postJson(`${server.url}/v1/admin/webhooks/crm/secret`, admin, { secret: THIRD_SECRET, overlapSeconds: 0 });
    expect(immediate.body).not.toHaveProperty("previousSecretExpiresAt");
    const after = await commitOne();
    await waitUntil("the event signed after the rotation", () => deliveredReceipt("/two", after) !== undefined);
    const single = deliveredReceipt("/two", after);
    expect(verifyWebhookSignature(THIRD_SECRET, single?.timestamp ?? "", single?.text ?? "", single?.signature ?? "")).toBe(true);
    expect(verifyWebhookSignature(SECOND_SECRET, single?.timestamp ?? "", single?.text ?? "", single?.signature ?? "")).toBe(false);

    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/secret`, admin, { secret: "short" })).body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("secret") });
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/secret`, admin, { secret: FIRST_SECRET, overlapSeconds: 8 * 86_400 })).body).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("overlapSeconds") });
    const audited = await auditActions("webhook.rotate-secret");
    expect(audited).toHaveLength(2);
    expect(JSON.stringify(audited)).not.toMatch(/secret-0123456789/);
  });

  it("disables an endpoint: events of that time are never delivered to it, and those after enabling are", async () => {
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/disable`, admin, {})).body).toMatchObject({ disabled: true });
    const whileDisabled = await commitOne();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await postJson(`${server.url}/v1/admin/webhooks/crm/enable`, admin, {})).body).toMatchObject({ disabled: false });
    const afterEnabling = await commitOne();
    await waitUntil("the event after enabling", () => deliveredReceipt("/two", afterEnabling) !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(deliveredReceipt("/two", whileDisabled)).toBeUndefined();
    expect((await auditActions("webhook.disable")).length + (await auditActions("webhook.enable")).length).toBe(2);
    const listed = await getJson(`${server.url}/v1/admin/webhooks`, admin);
    expect(listed.body["webhooks"]).toEqual([expect.objectContaining({ id: "crm", disabled: false, paused: false })]);
  });
});
