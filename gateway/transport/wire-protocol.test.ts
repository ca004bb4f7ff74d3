import { Packr } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { OPERATION_NAMES } from "../protocol/operation-request.js";
import { floatsInMessagePack, type FoundFloat } from "../../protocol/test-support/msgpack-floats.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { postJson } from "../test-support/http-json.js";
import { WEBSOCKET_CLOSE_CREDENTIALS_WITHDRAWN, WEBSOCKET_CLOSE_SHUTTING_DOWN } from "./websocket-close-codes.js";

/** Decodes 64-bit integers within the safe range as numbers (msgpackr's default would make them BigInts). */
const packr = new Packr({ useRecords: false, int64AsType: "auto" as "number" });
/** A request id of 2^40: the answer echoes it, and must echo it as an integer. */
const LARGE_REQUEST_ID = 2 ** 40;
const RECEIPT_AT_MILLISECONDS = 1_763_800_000_000;
/** The only answer field the protocol lets be fractional: a weighed quantity (refund lines). */
const FRACTIONAL_FIELDS: ReadonlySet<string> = new Set(["qty"]);

/** Floats where docs/protocol.md promises integers: every float but a fractional `qty`. */
function floatsWhereIntegersArePromised(bytes: Uint8Array): FoundFloat[] {
  return floatsInMessagePack(bytes).filter(
    (found) => !(FRACTIONAL_FIELDS.has(found.path.split(".").at(-1) ?? "") && !Number.isInteger(found.value)),
  );
}

interface RawSocket {
  readonly socket: WebSocket;
  /** Sends a request and resolves with the answer's bytes (requests are sent one at a time). */
  request(frame: Record<string, unknown>): Promise<Buffer>;
  readonly closed: Promise<number>;
}

async function openRawSocket(url: string, token: string): Promise<RawSocket> {
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  const waiters: ((bytes: Buffer) => void)[] = [];
  socket.on("message", (data: Buffer) => waiters.shift()?.(data));
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    socket,
    closed,
    request: (frame) =>
      new Promise((resolve) => {
        waiters.push(resolve);
        socket.send(packr.pack(frame));
      }),
  };
}

async function postMsgpack(
  url: string,
  token: string,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; contentType: string | null; retryAfter: string | null; bytes: Buffer }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/vnd.msgpack", ...headers },
    body: packr.pack(body),
  });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    retryAfter: response.headers.get("retry-after"),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

/** One request of every terminal operation, keyed apart by `prefix` so that each transport makes its own. */
function requestOfEveryOperation(prefix: string, demoCard: string): { op: string; fields: Record<string, unknown> }[] {
  const card = `${prefix}0000001`;
  const line = (sku: string, qty: number, amount: number) => ({ sku, qty, price: amount, amount });
  return [
    { op: "ping", fields: {} },
    { op: "enroll", fields: { card, phone: `+7999${prefix}00001`, name: `Member ${prefix}` } },
    { op: "identify", fields: { card: demoCard } },
    { op: "commit", fields: { card, receipt: { id: `${prefix}-r1`, at: RECEIPT_AT_MILLISECONDS, lines: [line("a", 1.5, 30_000), line("b", 2, 20_000)] } } },
    { op: "calculate", fields: { card, redeem: 100, hold: true, receipt: { id: `${prefix}-r2`, at: RECEIPT_AT_MILLISECONDS, lines: [line("c", 1, 10_000)] } } },
    { op: "balance", fields: { card, detail: true } },
    { op: "refund", fields: { refund: { id: `${prefix}-f1`, receipt: `${prefix}-r1`, lines: [{ line: 0, qty: 0.5 }] } } },
    { op: "cancel", fields: { card, receipt: `${prefix}-r2` } },
    { op: "reportVisit", fields: { card, visit: { id: `${prefix}-v1`, status: "came", at: RECEIPT_AT_MILLISECONDS } } },
    { op: "commit", fields: { card, paid: 1_000, receipt: { id: `${prefix}-r3`, at: RECEIPT_AT_MILLISECONDS, lines: [line("d", 1, 5_000)] } } },
    { op: "payment", fields: { payment: { id: `${prefix}-p1`, receipt: `${prefix}-r3`, amount: 500, at: RECEIPT_AT_MILLISECONDS } } },
    { op: "issueCard", fields: { card, issue: { card: `${prefix}0000002`, expiresAt: 2 ** 42 } } },
    { op: "blockCard", fields: { card, block: { card: `${prefix}0000002`, reason: "lost" } } },
    { op: "replaceCard", fields: { card, replace: { card: `${prefix}0000002`, with: { card: `${prefix}0000003` } } } },
    { op: "identify", fields: { card: `${prefix}-nobody` } },
    { op: "unknownOperation", fields: {} },
  ];
}

describe("the wire protocol of a loycore server with the demo program", () => {
  const directory = makeTemporaryDirectory("wire-protocol");
  let server: ServerProcess;
  let terminalToken: string;
  let adminToken: string;
  let demoCard: string;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--shards", "2"]);
    terminalToken = server.terminalToken ?? "";
    adminToken = server.adminToken ?? "";
    demoCard = server.demoCards[0] ?? "";
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("writes every integer of every operation's WebSocket answer as a MessagePack integer, timestamps and ids of 2^32 or more included", async () => {
    const raw = await openRawSocket(server.webSocketUrl, terminalToken);
    const requests = requestOfEveryOperation("71", demoCard);
    expect(new Set(requests.map((request) => request.op))).toEqual(new Set([...OPERATION_NAMES, "unknownOperation"]));
    const okOps: string[] = [];
    for (const { op, fields } of requests) {
      const bytes = await raw.request({ id: LARGE_REQUEST_ID, op, ...fields });
      expect(floatsWhereIntegersArePromised(bytes), `${op}: ${JSON.stringify(packr.unpack(bytes))}`).toEqual([]);
      const answer = packr.unpack(bytes) as Record<string, unknown>;
      expect(answer["id"], op).toBe(LARGE_REQUEST_ID);
      if (answer["ok"] === true) okOps.push(op);
    }
    // Every operation answered with its result, not a refusal (which has no timestamps to get wrong).
    expect(new Set(okOps)).toEqual(new Set(OPERATION_NAMES));
    // The fractional quantity of the refund is the float that stays one.
    const refund = requests.find((request) => request.op === "refund")!;
    const again = await raw.request({ id: 1, op: "refund", ...refund.fields });
    expect(floatsInMessagePack(again)).toEqual([{ path: "lines.0.qty", type: 0xcb, value: 0.5 }]);
    raw.socket.close();
  });

  it("writes every integer of every operation's HTTP msgpack answer, and of the admin member view, as a MessagePack integer", async () => {
    const okOps: string[] = [];
    for (const { op, fields } of requestOfEveryOperation("72", demoCard)) {
      const answer = await postMsgpack(`${server.url}/v1/${op}`, terminalToken, fields);
      expect(answer.contentType, op).toBe("application/vnd.msgpack");
      expect(floatsWhereIntegersArePromised(answer.bytes), `${op}: ${JSON.stringify(packr.unpack(answer.bytes))}`).toEqual([]);
      if (answer.status === 200) okOps.push(op);
    }
    expect(new Set(okOps)).toEqual(new Set(OPERATION_NAMES));
    const view = await fetch(`${server.url}/v1/admin/members?card=720000001`, {
      headers: { authorization: `Bearer ${adminToken}`, accept: "application/vnd.msgpack" },
    });
    expect(view.status).toBe(200);
    const bytes = Buffer.from(await view.arrayBuffer());
    expect(packr.unpack(bytes)).toMatchObject({ card: "720000001", createdAt: expect.any(Number) });
    expect(floatsWhereIntegersArePromised(bytes)).toEqual([]);
  });

  it("answers an unknown operation NOT_FOUND over both transports, and a missing op BAD_REQUEST", async () => {
    const raw = await openRawSocket(server.webSocketUrl, terminalToken);
    expect(packr.unpack(await raw.request({ id: 7, op: "transfer" }))).toMatchObject({ id: 7, ok: false, code: "NOT_FOUND" });
    expect(packr.unpack(await raw.request({ id: 8 }))).toMatchObject({ id: 8, ok: false, code: "BAD_REQUEST" });
    expect(packr.unpack(await raw.request({ id: 9, op: 12 }))).toMatchObject({ id: 9, ok: false, code: "BAD_REQUEST" });
    raw.socket.close();
    expect(await postJson(`${server.url}/v1/transfer`, terminalToken, {})).toMatchObject({ status: 404, body: { code: "NOT_FOUND" } });
  });

  it("reads application/vnd.msgpack, application/msgpack and application/x-msgpack bodies and answers in the type sent or asked for", async () => {
    for (const type of ["application/vnd.msgpack", "application/msgpack", "application/x-msgpack", "Application/Vnd.MsgPack; charset=binary"]) {
      const answer = await postMsgpack(`${server.url}/v1/balance`, terminalToken, { card: demoCard }, { "content-type": type });
      expect(answer.status, type).toBe(200);
      expect(answer.contentType, type).toBe(type.split(";")[0]!.toLowerCase());
      expect(packr.unpack(answer.bytes), type).toMatchObject({ balance: expect.any(Number) });
    }
    const askedForJson = await postMsgpack(`${server.url}/v1/balance`, terminalToken, { card: demoCard }, { accept: "application/json" });
    expect(askedForJson.contentType).toBe("application/json");
    expect(JSON.parse(askedForJson.bytes.toString("utf8"))).toMatchObject({ balance: expect.any(Number) });
    const jsonAskingForMsgpack = await fetch(`${server.url}/v1/balance`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${terminalToken}`,
        "content-type": "application/json",
        accept: "text/html;q=0.9, application/vnd.msgpack;q=0.8, application/json;q=0.1",
      },
      body: JSON.stringify({ card: demoCard }),
    });
    expect(jsonAskingForMsgpack.headers.get("content-type")).toBe("application/vnd.msgpack");
    expect(packr.unpack(Buffer.from(await jsonAskingForMsgpack.arrayBuffer()))).toMatchObject({ balance: expect.any(Number) });
    const unreadable = await fetch(`${server.url}/v1/balance`, {
      method: "POST",
      headers: { authorization: `Bearer ${terminalToken}`, "content-type": "text/plain", accept: "application/vnd.msgpack" },
      body: "card",
    });
    expect(unreadable.status).toBe(415);
    expect(unreadable.headers.get("content-type")).toBe("application/vnd.msgpack");
    expect(packr.unpack(Buffer.from(await unreadable.arrayBuffer()))).toMatchObject({ code: "UNSUPPORTED_MEDIA_TYPE" });
  });

  it("closes the WebSocket connections of a revoked terminal with 4001", async () => {
    const terminal = await postJson(`${server.url}/v1/admin/terminals`, adminToken, { id: "lane-revoked", store: "demo-store" });
    expect(terminal.status).toBe(200);
    const raw = await openRawSocket(server.webSocketUrl, String(terminal.body["token"]));
    const revoked = await fetch(`${server.url}/v1/admin/terminals/lane-revoked`, { method: "DELETE", headers: { authorization: `Bearer ${adminToken}` } });
    expect(revoked.status).toBe(200);
    expect(await raw.closed).toBe(WEBSOCKET_CLOSE_CREDENTIALS_WITHDRAWN);
  });
});

describe("a loycore server without a program, one request a second per terminal", () => {
  const directory = makeTemporaryDirectory("wire-retry-after");
  let server: ServerProcess;
  let adminToken: string;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--terminal-requests-per-second", "1"]);
    adminToken = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/partners`, adminToken, { id: "p", name: "P" })).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/stores`, adminToken, { id: "s", partner: "p", name: "S" })).status).toBe(200);
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  async function newTerminalToken(id: string): Promise<string> {
    const terminal = await postJson(`${server.url}/v1/admin/terminals`, adminToken, { id, store: "s" });
    expect(terminal.status).toBe(200);
    return String(terminal.body["token"]);
  }

  it("answers 503 and 429 with Retry-After, in JSON and msgpack", async () => {
    await postJson(`${server.url}/v1/admin/members`, adminToken, { card: "5550001" });
    const token = await newTerminalToken("lane-1");
    const noProgram = await fetch(`${server.url}/v1/calculate`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ card: "5550001", receipt: { id: "r", lines: [{ sku: "a", qty: 1, price: 100, amount: 100 }] } }),
    });
    expect(noProgram.status).toBe(503);
    expect(await noProgram.json()).toMatchObject({ code: "NO_PROGRAM" });
    expect(Number(noProgram.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The burst of one is spent: the next request at once is over the limit.
    const limited = await postMsgpack(`${server.url}/v1/ping`, token, {});
    expect(limited.status).toBe(429);
    expect(packr.unpack(limited.bytes)).toMatchObject({ code: "RATE_LIMITED" });
    expect(limited.retryAfter).toBe("1");
  });

  it("closes WebSocket connections with 1001 when it shuts down", async () => {
    const raw = await openRawSocket(server.webSocketUrl, await newTerminalToken("lane-2"));
    void server.stop();
    expect(await raw.closed).toBe(WEBSOCKET_CLOSE_SHUTTING_DOWN);
  });
});
