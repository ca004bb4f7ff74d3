import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Packr } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const packr = new Packr({ useRecords: false });
const AT = 1_763_800_000_000;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function call(method: string, url: string, token: string, body?: unknown, operator?: string): Promise<Answer> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (operator !== undefined) headers["x-operator"] = operator;
  const response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function receipt(id: string, amount: number, store?: string) {
  return { id, at: AT, ...(store === undefined ? {} : { store }), lines: [{ sku: "milk", qty: 1, price: amount, amount }] };
}

/** Opens a WebSocket with a token; resolves once open, or with the HTTP status the upgrade was refused with. */
function openSocket(url: string, token: string): Promise<{ socket: WebSocket; closed: Promise<number> } | { refused: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
    const closed = new Promise<number>((closedWith) => socket.once("close", (code) => closedWith(code)));
    // Terminating a refused upgrade emits an error; the refusal itself is what the test checks.
    socket.on("error", () => undefined);
    socket.once("open", () => resolve({ socket, closed }));
    socket.once("unexpected-response", (_request, response) => {
      resolve({ refused: response.statusCode ?? 0 });
      socket.terminate();
    });
  });
}

/** Sends one frame over an open socket and waits for its answer. */
function ask(socket: WebSocket, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    socket.once("message", (data: Buffer) => resolve(packr.unpack(data) as Record<string, unknown>));
    socket.send(packr.pack(frame));
  });
}

describe("terminal scope and credentials, over the real server", () => {
  const directory = makeTemporaryDirectory("credentials");
  let server: ServerProcess;
  let admin: string;
  let card: string;
  let laneOfStoreA: string;
  let laneOfStoreB: string;

  const url = (path: string): string => `${server.url}${path}`;
  const balanceOf = async (memberCard: string): Promise<unknown> =>
    (await call("GET", url(`/v1/admin/members?card=${memberCard}`), admin)).body["balance"];
  const auditActions = async (): Promise<string[]> =>
    ((await call("GET", url("/v1/admin/audit?limit=500"), admin)).body["audit"] as { action: string }[]).map((entry) => entry.action);

  async function createTerminal(id: string, store: string): Promise<string> {
    const created = await call("POST", url("/v1/admin/terminals"), admin, { id, store });
    expect(created.status).toBe(200);
    return String(created.body["token"]);
  }

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--shards", "1", "--demo-members", "2"]);
    admin = server.adminToken ?? "";
    card = server.demoCards[0] ?? "";
    // Partner P owns stores A and B; the demo partner owns demo-store.
    expect((await call("POST", url("/v1/admin/partners"), admin, { id: "partner-p", name: "P" })).status).toBe(200);
    expect((await call("POST", url("/v1/admin/stores"), admin, { id: "store-a", partner: "partner-p", name: "A" })).status).toBe(200);
    expect((await call("POST", url("/v1/admin/stores"), admin, { id: "store-b", partner: "partner-p", name: "B" })).status).toBe(200);
    laneOfStoreA = await createTerminal("lane-a", "store-a");
    laneOfStoreB = await createTerminal("lane-b", "store-b");
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("refuses a receipt naming another store, of its own partner or of another, with a coded error and changes nothing", async () => {
    const before = await balanceOf(card);
    const ownPartner = await call("POST", url("/v1/commit"), laneOfStoreA, { card, receipt: receipt("scope-1", 10_000, "store-b") });
    const otherPartner = await call("POST", url("/v1/commit"), laneOfStoreA, { card, receipt: receipt("scope-1", 10_000, "demo-store") });
    expect([ownPartner.status, ownPartner.body["code"]]).toEqual([400, "BAD_REQUEST"]);
    expect([otherPartner.status, otherPartner.body["code"]]).toEqual([400, "BAD_REQUEST"]);
    const opened = await openSocket(server.webSocketUrl, laneOfStoreA);
    if (!("socket" in opened)) throw new Error("lane-a could not connect");
    const overWebSocket = await ask(opened.socket, { id: 1, op: "commit", card, receipt: receipt("scope-1", 10_000, "store-b") });
    expect(overWebSocket).toMatchObject({ id: 1, ok: false, code: "BAD_REQUEST" });
    opened.socket.close();
    expect(await balanceOf(card)).toBe(before);

    // Nothing was recorded under those ids: store B's own lane commits scope-1 as a new receipt.
    const own = await call("POST", url("/v1/commit"), laneOfStoreB, { card, receipt: receipt("scope-1", 10_000) });
    expect(own.status).toBe(200);
    expect(own.body["receipt"]).toBe("scope-1");
  });

  it("does not let a lane cancel or return another store's receipt", async () => {
    await call("POST", url("/v1/commit"), laneOfStoreA, { card, receipt: receipt("scope-2", 10_000) });
    const before = await balanceOf(card);
    const cancel = await call("POST", url("/v1/cancel"), laneOfStoreB, { card, receipt: "scope-2" });
    const refund = await call("POST", url("/v1/refund"), laneOfStoreB, { card, refund: { id: "return-1", receipt: "scope-2", lines: [{ line: 0, qty: 1 }] } });
    expect(cancel.body["code"]).toBe("UNKNOWN_RECEIPT");
    expect(refund.body["code"]).toBe("UNKNOWN_RECEIPT");
    expect(await balanceOf(card)).toBe(before);
  });

  it("keeps admin and terminal credentials apart", async () => {
    const partnersBefore = (await auditActions()).length;
    expect((await call("GET", url("/v1/admin/audit"), laneOfStoreA)).status).toBe(401);
    expect((await call("POST", url("/v1/admin/partners"), laneOfStoreA, { id: "partner-x", name: "X" })).status).toBe(401);
    expect((await call("DELETE", url("/v1/admin/terminals/lane-b"), laneOfStoreA)).status).toBe(401);
    expect((await call("POST", url("/v1/admin/terminals/lane-a/token"), laneOfStoreA)).status).toBe(401);
    expect((await auditActions()).length).toBe(partnersBefore);

    const asTerminal = await call("POST", url("/v1/commit"), admin, { card, receipt: receipt("admin-1", 100) });
    expect([asTerminal.status, asTerminal.body["code"]]).toEqual([401, "UNAUTHORIZED"]);
    expect(await openSocket(server.webSocketUrl, admin)).toEqual({ refused: 401 });
  });

  it("revokes a terminal: its connections close, its token is refused, the revocation is audited once", async () => {
    const token = await createTerminal("lane-revoked", "store-a");
    const opened = await openSocket(server.webSocketUrl, token);
    if (!("socket" in opened)) throw new Error("the new lane could not connect");
    expect(await ask(opened.socket, { id: 1, op: "ping" })).toMatchObject({ ok: true });

    const revoked = await call("DELETE", url("/v1/admin/terminals/lane-revoked"), admin, undefined, "alice");
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: "lane-revoked", store: "store-a", partner: "partner-p" });
    expect(typeof revoked.body["revokedAt"]).toBe("number");
    expect(await opened.closed).toBe(4001);
    expect((await call("POST", url("/v1/ping"), token, {})).status).toBe(401);
    expect(await openSocket(server.webSocketUrl, token)).toEqual({ refused: 401 });

    const auditBefore = await call("GET", url("/v1/admin/audit?limit=1"), admin);
    expect(auditBefore.body["audit"]).toMatchObject([{ action: "revoke-terminal", operator: "alice", detail: { id: "lane-revoked" } }]);
    const again = await call("DELETE", url("/v1/admin/terminals/lane-revoked"), admin);
    expect(again.body).toEqual(revoked.body);
    expect((await call("GET", url("/v1/admin/audit?limit=1"), admin)).body).toEqual(auditBefore.body);

    expect((await call("DELETE", url("/v1/admin/terminals/no-such-lane"), admin)).status).toBe(404);
    expect((await call("POST", url("/v1/admin/terminals/lane-revoked/token"), admin)).body["code"]).toBe("CONFLICT");
    expect((await call("POST", url("/v1/admin/terminals"), admin, { id: "lane-revoked", store: "store-a" })).status).toBe(409);
  });

  it("rotates a terminal's token: the old one stops working, also on open connections, and the new one works", async () => {
    const oldToken = await createTerminal("lane-rotated", "store-a");
    const opened = await openSocket(server.webSocketUrl, oldToken);
    if (!("socket" in opened)) throw new Error("the new lane could not connect");

    const rotated = await call("POST", url("/v1/admin/terminals/lane-rotated/token"), admin, undefined, "bob");
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: "lane-rotated", store: "store-a", partner: "partner-p" });
    const newToken = String(rotated.body["token"]);
    expect(newToken).not.toBe(oldToken);
    expect(await opened.closed).toBe(4001);
    expect((await call("POST", url("/v1/ping"), oldToken, {})).status).toBe(401);
    expect((await call("POST", url("/v1/commit"), newToken, { card, receipt: receipt("rotated-1", 100) })).status).toBe(200);

    const audit = await call("GET", url("/v1/admin/audit?limit=1"), admin);
    expect(audit.body["audit"]).toMatchObject([{ action: "rotate-terminal-token", operator: "bob", detail: { id: "lane-rotated" } }]);
    const auditText = JSON.stringify((await call("GET", url("/v1/admin/audit?limit=500"), admin)).body);
    expect(auditText).not.toContain(newToken);
    expect(auditText).not.toContain(oldToken);
  });

  it("stores tokens only as hashes, and keeps revocations and rotations across a restart", async () => {
    const token = await createTerminal("lane-restart", "store-b");
    const rotated = String((await call("POST", url("/v1/admin/terminals/lane-restart/token"), admin)).body["token"]);
    await call("DELETE", url("/v1/admin/terminals/lane-b"), admin);
    expect(await server.stop()).toBe(0);

    const controlDirectory = join(directory.path, "control");
    for (const file of readdirSync(controlDirectory)) {
      const bytes = readFileSync(join(controlDirectory, file));
      // Only terminals made through the admin API: demo mode keeps its own two tokens in plain text on purpose (demo.ts).
      for (const secret of [token, rotated, laneOfStoreA]) expect(bytes.includes(secret), `${file} holds a token`).toBe(false);
    }

    server = await startServerProcess(directory.path, ["--shards", "1", "--admin-token", admin]);
    expect((await call("POST", url("/v1/ping"), token, {})).status).toBe(401);
    expect((await call("POST", url("/v1/ping"), laneOfStoreB, {})).status).toBe(401);
    expect((await call("POST", url("/v1/ping"), rotated, {})).status).toBe(200);
    expect((await call("POST", url("/v1/ping"), laneOfStoreA, {})).status).toBe(200);
  });
});
