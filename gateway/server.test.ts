import { Packr } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

const packr = new Packr({ useRecords: false });
const SIMPLE_PROGRAM = { name: "Simple points", points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } };
/** Demo members' welcome receipt: 20,000 less the entry status's 2 %, 5 % of 19,600. */
const DEMO_WELCOME_BALANCE = 980;

function receipt(id: string, amounts: readonly number[], at = 1_763_800_000_000) {
  return { id, at, lines: amounts.map((amount, index) => ({ sku: `sku-${index}`, qty: 1, price: amount, amount })) };
}

/** Opens a raw WebSocket and collects every decoded answer frame. */
async function openRawSocket(url: string, token: string): Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const queue: Record<string, unknown>[] = [];
  const waiters: ((frame: Record<string, unknown>) => void)[] = [];
  socket.on("message", (data: Buffer) => {
    const frame = packr.unpack(data) as Record<string, unknown>;
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(frame);
    else queue.push(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const next = (): Promise<Record<string, unknown>> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => waiters.push(resolve));
  };
  return { socket, next };
}

describe("a loycore server with the demo program, over WebSocket and HTTP", () => {
  const directory = makeTemporaryDirectory("server");
  let server: ServerProcess;
  let terminalToken: string;
  let adminToken: string;
  let client: LoycoreClient;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--shards", "2"]);
    terminalToken = server.terminalToken ?? "";
    adminToken = server.adminToken ?? "";
    client = await LoycoreClient.connect({ url: server.webSocketUrl, token: terminalToken });
    // The demo program has statuses and discounts; these tests check points arithmetic by hand.
    const put = await postJson(`${server.url}/v1/admin/program`, adminToken, SIMPLE_PROGRAM, "PUT");
    expect(put.status).toBe(200);
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    directory.remove();
  });

  it("enrolls, identifies, calculates, commits and reads the balance of a new member over WebSocket", async () => {
    const enrolled = await client.enroll({ card: "7000000000001", phone: "+79990000001", name: "Anna" });
    expect(enrolled).toMatchObject({ card: "7000000000001", phone: "+7999*****01", name: "Anna", balance: 0, status: null });
    // A lane sees what a cashier needs: the phone masked, no birth date.
    expect(enrolled).not.toHaveProperty("birthDate");

    const identified = await client.identify({ phone: "79990000001" });
    expect(identified.member).toBe(enrolled.member);
    expect(identified.phone).toBe("+7999*****01");

    const calculated = await client.calculate({ card: "7000000000001", receipt: receipt("ws-1", [10_000, 5_001]) });
    expect(calculated).toMatchObject({ total: 15_001, discount: 0, payable: 15_001, points: 750, redeem: 0, balance: 0 });
    expect(calculated.lines.map((line) => line.points)).toEqual([500, 250]);
    expect((await client.balance({ card: "7000000000001" })).balance).toBe(0);

    const committed = await client.commit({ card: "7000000000001", receipt: receipt("ws-1", [10_000, 5_001]) });
    expect(committed).toMatchObject({ points: 750, balance: 750 });
    expect(committed.transaction).toBe(`${enrolled.member}-1`);
    expect((await client.balance({ card: "7000000000001" })).balance).toBe(750);

    const redeemed = await client.commit({ card: "7000000000001", redeem: 700, receipt: receipt("ws-2", [1_000, 1_000]) });
    expect(redeemed).toMatchObject({ total: 2_000, discount: 0, pointsPaid: 700, payable: 1_300, points: 65, balance: 750 - 700 + 65 });
    expect(redeemed.lines.map((line) => line.pointsPaid)).toEqual([350, 350]);
  });

  it("answers a repeated commit with the first answer and changes nothing", async () => {
    await client.enroll({ card: "7000000000002" });
    const first = await client.commit({ card: "7000000000002", receipt: receipt("repeat-1", [20_000]) });
    const again = await client.commit({ card: "7000000000002", receipt: receipt("repeat-1", [20_000]) });
    expect(again).toEqual(first);
    expect((await client.balance({ card: "7000000000002" })).balance).toBe(1_000);
  });

  it("refuses the same receipt id with other content as CONFLICT and changes nothing", async () => {
    await client.enroll({ card: "7000000000003" });
    await client.commit({ card: "7000000000003", receipt: receipt("conflict-1", [20_000]) });
    await expect(client.commit({ card: "7000000000003", receipt: receipt("conflict-1", [20_001]) })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect((await client.balance({ card: "7000000000003" })).balance).toBe(1_000);
  });

  it("answers domain refusals with their codes: unknown card, unknown phone, insufficient points, redeem over the cap", async () => {
    await expect(client.identify({ card: "0000" })).rejects.toMatchObject({ code: "UNKNOWN_CARD" });
    await expect(client.balance({ phone: "+10000000000" })).rejects.toMatchObject({ code: "UNKNOWN_PHONE" });
    const card = server.demoCards[0] ?? "";
    await expect(client.calculate({ card, redeem: 5_000, receipt: receipt("too-much", [100_000]) })).rejects.toMatchObject({
      code: "INSUFFICIENT_POINTS",
    });
    await expect(client.calculate({ card, redeem: 600, receipt: receipt("over-cap", [1_000]) })).rejects.toMatchObject({
      code: "REDEEM_LIMIT_EXCEEDED",
    });
  });

  it("refuses an enrolment whose phone belongs to another member with PHONE_TAKEN", async () => {
    await client.enroll({ card: "7000000000004", phone: "+79990000004" });
    await expect(client.enroll({ card: "7000000000005", phone: "+79990000004" })).rejects.toMatchObject({ code: "PHONE_TAKEN" });
    await expect(client.enroll({ card: "7000000000004", phone: "+79990000004", name: "Other" })).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  it("serves the same operations over HTTP with JSON and with msgpack bodies", async () => {
    const card = server.demoCards[1] ?? "";
    const identified = await postJson(`${server.url}/v1/identify`, terminalToken, { card });
    expect(identified.status).toBe(200);
    expect(identified.body).toMatchObject({ card, balance: DEMO_WELCOME_BALANCE, status: null });

    const committed = await postJson(`${server.url}/v1/commit`, terminalToken, { card, redeem: 10, receipt: receipt("http-1", [3_000]) });
    expect(committed.status).toBe(200);
    expect(committed.body).toMatchObject({ total: 3_000, pointsPaid: 10, payable: 2_990, points: 149, balance: DEMO_WELCOME_BALANCE + 149 - 10 });

    const response = await fetch(`${server.url}/v1/balance`, {
      method: "POST",
      headers: { authorization: `Bearer ${terminalToken}`, "content-type": "application/msgpack" },
      body: packr.pack({ card }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/msgpack");
    expect(packr.unpack(Buffer.from(await response.arrayBuffer()))).toMatchObject({ balance: DEMO_WELCOME_BALANCE + 149 - 10 });
  });

  it("answers HTTP errors with the code's status and a coded body", async () => {
    const card = server.demoCards[2] ?? "";
    expect((await postJson(`${server.url}/v1/identify`, "wrong-token", { card })).status).toBe(401);
    const badMoney = await postJson(`${server.url}/v1/commit`, terminalToken, { card, receipt: receipt("bad", [-5]) });
    expect(badMoney).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(String(badMoney.body["message"])).toContain("receipt.lines[0].price");
    const unknownOp = await postJson(`${server.url}/v1/transfer`, terminalToken, {});
    expect(unknownOp).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
    const tooLarge = await postJson(`${server.url}/v1/identify`, terminalToken, { card, padding: "x".repeat(70_000) });
    expect(tooLarge).toMatchObject({ status: 413, body: { code: "TOO_LARGE" } });
    const wrongType = await fetch(`${server.url}/v1/identify`, {
      method: "POST",
      headers: { authorization: `Bearer ${terminalToken}`, "content-type": "text/plain" },
      body: "card",
    });
    expect(wrongType.status).toBe(415);
    expect((await postJson(`${server.url}/v1/identify`, terminalToken, { card: 12 })).body["code"]).toBe("BAD_REQUEST");
  });

  it("answers bad WebSocket frames with coded errors and keeps the connection usable", async () => {
    const { socket, next } = await openRawSocket(server.webSocketUrl, terminalToken);
    socket.send("not binary");
    expect(await next()).toMatchObject({ id: null, ok: false, code: "BAD_REQUEST" });
    socket.send(Buffer.from([0xc1, 0xff, 0x00]));
    expect(await next()).toMatchObject({ id: null, ok: false, code: "BAD_REQUEST" });
    socket.send(packr.pack([1, 2, 3]));
    expect(await next()).toMatchObject({ id: null, ok: false, code: "BAD_REQUEST" });
    socket.send(packr.pack({ op: "ping" }));
    expect(await next()).toMatchObject({ id: null, ok: false, code: "BAD_REQUEST" });
    socket.send(packr.pack({ id: 7, op: "transfer" }));
    expect(await next()).toMatchObject({ id: 7, ok: false, code: "NOT_FOUND" });
    socket.send(packr.pack({ id: 8, op: "identify", card: "1", extra: true }));
    expect(await next()).toMatchObject({ id: 8, ok: false, code: "BAD_REQUEST", message: "extra is not a known field" });
    socket.send(packr.pack({ id: 9, op: "commit", card: "1", receipt: { id: "x", lines: [{ sku: "a", qty: 1, price: 1, amount: 1.5 }] } }));
    expect(await next()).toMatchObject({ id: 9, ok: false, code: "BAD_REQUEST" });
    socket.send(packr.pack({ id: 10, op: "ping", padding: Buffer.alloc(70_000) }));
    expect(await next()).toMatchObject({ id: null, ok: false, code: "TOO_LARGE" });
    socket.send(packr.pack({ id: "still-open", op: "ping" }));
    expect(await next()).toMatchObject({ id: "still-open", ok: true });
    socket.close();
  });

  it("refuses a WebSocket upgrade without a valid token and accepts the token in the query string", async () => {
    const refused = new WebSocket(server.webSocketUrl, { headers: { authorization: "Bearer wrong" } });
    const status = await new Promise<number>((resolve) => {
      refused.once("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      refused.once("open", () => resolve(101));
    });
    expect(status).toBe(401);
    const viaQuery = new WebSocket(`${server.webSocketUrl}?token=${encodeURIComponent(terminalToken)}`);
    await new Promise<void>((resolve, reject) => {
      viaQuery.once("open", () => resolve());
      viaQuery.once("error", reject);
    });
    viaQuery.close();
  });

  it("answers pipelined requests by id", async () => {
    const cards = server.demoCards;
    const answers = await Promise.all(cards.map((card) => client.identify({ card })));
    expect(answers.map((answer) => answer.card)).toEqual(cards);
  });

  it("stores a new program version through the admin API and computes with it at once", async () => {
    const before = await getJson(`${server.url}/v1/admin/program`, adminToken);
    const version = Number(before.body["version"]);
    const put = await postJson(
      `${server.url}/v1/admin/program`,
      adminToken,
      { name: "Double points", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } },
      "PUT",
    );
    expect(put).toMatchObject({ status: 200, body: { version: version + 1, points: { accrualRateBasisPoints: 1_000 } } });
    const calculated = await client.calculate({ card: server.demoCards[3] ?? "", receipt: receipt("v2", [10_000]) });
    expect(calculated).toMatchObject({ points: 1_000, programVersion: version + 1 });
    const invalid = await postJson(
      `${server.url}/v1/admin/program`,
      adminToken,
      { name: "x", points: { accrualRateBasisPoints: 1.5, maxRedeemShareBasisPoints: 20_000 } },
      "PUT",
    );
    expect(invalid).toMatchObject({ status: 400, body: { code: "BAD_REQUEST" } });
    expect(invalid.body["problems"]).toEqual([
      { path: "points.accrualRateBasisPoints", message: expect.any(String) },
      { path: "points.maxRedeemShareBasisPoints", message: expect.any(String) },
    ]);
    expect((await getJson(`${server.url}/v1/admin/program`, adminToken)).body["version"]).toBe(version + 1);
    expect((await getJson(`${server.url}/v1/admin/program`, terminalToken)).status).toBe(401);
  });

  it("creates a partner, a store and a terminal whose token then works", async () => {
    expect((await postJson(`${server.url}/v1/admin/partners`, adminToken, { id: "p2", name: "Partner 2" })).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/stores`, adminToken, { id: "s2", partner: "p2", name: "Store 2" })).status).toBe(200);
    const terminal = await postJson(`${server.url}/v1/admin/terminals`, adminToken, { id: "lane-9", store: "s2" });
    expect(terminal.body).toMatchObject({ id: "lane-9", store: "s2", partner: "p2" });
    const token = String(terminal.body["token"]);
    const committed = await postJson(`${server.url}/v1/commit`, token, { card: server.demoCards[4] ?? "", receipt: receipt("s2-1", [100]) });
    expect(committed.status).toBe(200);
    const wrongStore = await postJson(`${server.url}/v1/commit`, token, {
      card: server.demoCards[4] ?? "",
      receipt: { ...receipt("s2-2", [100]), store: "demo-store" },
    });
    expect(wrongStore.body["code"]).toBe("BAD_REQUEST");
    expect((await postJson(`${server.url}/v1/admin/terminals`, adminToken, { id: "lane-9", store: "s2" })).status).toBe(409);
  });

  it("shows a member's profile, balance and counters in the admin member view", async () => {
    const view = await getJson(`${server.url}/v1/admin/members?card=7000000000002`, adminToken);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ card: "7000000000002", balance: 1_000, counters: { lifetime: { sold: 20_000, paid: 20_000, visits: 1 } } });
    const byId = await getJson(`${server.url}/v1/admin/members/${String(view.body["member"])}`, adminToken);
    expect(byId.body).toEqual(view.body);
    expect((await getJson(`${server.url}/v1/admin/members/not-a-member`, adminToken)).status).toBe(404);
  });

  it("reports health and metrics, including the shard threads' own metrics", async () => {
    const health = await getJson(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body["shards"]).toHaveLength(2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/loycore_requests_total\{transport="websocket",op="commit",code="OK"\} \d+/);
    expect(metrics).toMatch(/loycore_shard_commit_batch_size_count\{shard="0"\} \d+/);
    expect(metrics).toMatch(/loycore_shard_commit_seconds_bucket/);
    expect(metrics).toMatch(/# TYPE loycore_shard_storage_full_writes_total counter/);
    // The depth at the scrape: background requests (the search indexes' backfill, the outbox's reads) may be in flight.
    expect(metrics).toMatch(/loycore_shard_mailbox_depth\{shard="1"\} \d+/);
  });
});

describe("a terminal over its rate limit", () => {
  const directory = makeTemporaryDirectory("rate-limit");
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--terminal-requests-per-second", "20"]);
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("gets RATE_LIMITED for the requests beyond its burst, over WebSocket and HTTP, and nothing else changes", async () => {
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    const answers = await Promise.allSettled(Array.from({ length: 40 }, () => client.ping()));
    await client.close();
    const limited = answers.filter((answer) => answer.status === "rejected" && (answer.reason as { code: string }).code === "RATE_LIMITED");
    expect(answers.filter((answer) => answer.status === "fulfilled").length).toBeLessThanOrEqual(21);
    expect(limited.length).toBeGreaterThanOrEqual(19);
    const overHttp = await Promise.all(Array.from({ length: 30 }, () => postJson(`${server.url}/v1/ping`, server.terminalToken ?? "", {})));
    expect(overHttp.find((answer) => answer.status === 429)).toMatchObject({ status: 429, body: { code: "RATE_LIMITED" } });
  });
});
