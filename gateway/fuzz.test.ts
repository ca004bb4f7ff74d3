import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { firstDifference, fuzzHttp, fuzzRawFrames, fuzzWebSocketRequests, readHealth, readSentinelMembers, readSentinelState } from "../tools/fuzz/properties.js";
import type { FuzzTarget } from "../tools/fuzz/properties.js";
import { msgpack } from "../tools/fuzz/msgpack.js";
import { OPERATIONS } from "../tools/fuzz/vocabulary.js";
import type { Tally } from "../tools/fuzz/vocabulary.js";
import { FuzzSocket, decodeSocketAnswer } from "../tools/fuzz/websocket-client.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess } from "./server-process.js";
import type { ServerProcess } from "./server-process.js";

/**
 * The protocol fuzzer of tools/fuzz/ with a small fixed budget (a few seconds):
 * `npm run test:fuzz` runs the same generators for much longer.
 */
const SEED = 20_260_301;
const RAW_FRAME_RUNS = 600;
const RUNS_PER_OPERATION = 60;
const REQUESTS_PER_RUN_MAX = 4;
const HTTP_RUNS = 500;

/** Opens a connection, sends one frame of 1 MiB + 1 byte and resolves with how the connection closed. */
async function sendOverHardLimit(target: FuzzTarget): Promise<{ code: number }> {
  const large = new WebSocket(target.webSocketUrl, { headers: { authorization: `Bearer ${target.terminalToken}` } });
  large.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    large.once("open", () => resolve());
    large.once("error", reject);
  });
  const closed = new Promise<number>((resolve) => large.once("close", (code: number) => resolve(code)));
  large.send(Buffer.alloc(1024 * 1024 + 1, 0x91));
  return { code: await closed };
}

describe("a gateway fed random and invalid input over WebSocket and HTTP", () => {
  const directory = makeTemporaryDirectory("fuzz");
  let server: ServerProcess;
  let target: FuzzTarget;
  let socket: FuzzSocket;
  let before: Record<string, unknown>;
  let stderr = "";

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "3"]);
    server.child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const adminToken = server.adminToken ?? "";
    const members = await readSentinelMembers(server.url, adminToken, server.demoCards);
    target = { url: server.url, webSocketUrl: server.webSocketUrl, terminalToken: server.terminalToken ?? "", adminToken, members };
    socket = await FuzzSocket.open(target.webSocketUrl, target.terminalToken);
    before = await readSentinelState(target, socket);
  });

  afterAll(async () => {
    socket?.close();
    await server?.stop();
    directory.remove();
  });

  it("answers every raw WebSocket frame (random bytes, truncated or non-map msgpack, huge ints, NaN, deep nesting, long strings, blobs, text) with exactly one coded msgpack map and keeps the connection open", async () => {
    const tally: Tally = new Map();
    await fuzzRawFrames(socket, { runs: RAW_FRAME_RUNS, seed: SEED }, tally);
    expect(socket.isOpen).toBe(true);
    // The budget reaches both transport refusals, not only one kind of frame.
    expect(tally.get("BAD_REQUEST")).toBeGreaterThan(0);
    expect(tally.get("TOO_LARGE")).toBeGreaterThan(0);
    const ping = await socket.call({ op: "ping" });
    expect(ping).toMatchObject({ ok: true, at: expect.any(Number) });
  });

  it("refuses invalid requests of every operation over WebSocket with the code each deserves and a message, answered by id", async () => {
    const tally: Tally = new Map();
    for (const [index, op] of OPERATIONS.entries()) {
      await fuzzWebSocketRequests(socket, op, target.members, { runs: RUNS_PER_OPERATION, seed: SEED + index + 1, batch: REQUESTS_PER_RUN_MAX }, tally);
    }
    expect(socket.isOpen).toBe(true);
    expect(tally.get("OK")).toBeUndefined();
    expect(tally.get("BAD_REQUEST")).toBeGreaterThan(0);
    // Domain refusals too, not only validation.
    expect([...tally.keys()].filter((code) => code !== "BAD_REQUEST").length).toBeGreaterThanOrEqual(4);
  });

  it("refuses invalid HTTP requests (invalid JSON, wrong content types and tokens, oversized bodies, unknown operations) with the status of their code and a {code, message} body", async () => {
    const tally: Tally = new Map();
    await fuzzHttp(target, socket, { runs: HTTP_RUNS, seed: SEED + 100 }, tally);
    expect(tally.get("OK") ?? 0).toBeLessThan(HTTP_RUNS / 10);
    for (const code of ["BAD_REQUEST", "UNAUTHORIZED", "NOT_FOUND", "UNSUPPORTED_MEDIA_TYPE", "TOO_LARGE"]) expect(tally.get(code), code).toBeGreaterThan(0);
  });

  it("closes a connection whose frame is over 1 MiB and keeps serving the others", async () => {
    const { code } = await sendOverHardLimit(target);
    expect(code).not.toBe(1000);
    expect(await socket.call({ op: "ping" })).toMatchObject({ ok: true });
  });

  it("leaves the demo members' identify, balance and admin member view (counters, lots, activity) unchanged after every rejected request", async () => {
    const after = await readSentinelState(target, socket);
    expect(firstDifference(before, after)).toBeUndefined();
    expect(after).toEqual(before);
  });

  it("is still healthy and running after the fuzzing, with no internal error logged", async () => {
    const health = await readHealth(target.url);
    expect(health.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    expect(stderr).not.toMatch(/internal error|invariant/i);
  });

  // Fixed-width encoders (Go, Java, C#) may write small integers in the 64-bit forms: legal MessagePack.
  it("reads a request id sent as a msgpack uint 64 (the protocol's unsigned integer id)", async () => {
    socket.send(msgpack.map([[msgpack.str("id"), msgpack.uint64(9n)], [msgpack.str("op"), msgpack.str("ping")]]));
    expect(decodeSocketAnswer(await socket.next())).toMatchObject({ id: 9, ok: true });
  });

  it("reads money sent as a msgpack uint 64 in a calculate", async () => {
    const card = target.members[0]?.card ?? "";
    const line = msgpack.map([
      [msgpack.str("sku"), msgpack.str("fz-sku")],
      [msgpack.str("qty"), msgpack.uint64(1n)],
      [msgpack.str("price"), msgpack.uint64(100n)],
      [msgpack.str("amount"), msgpack.uint64(100n)],
    ]);
    const receipt = msgpack.map([
      [msgpack.str("id"), msgpack.str("fz-uint64")],
      [msgpack.str("lines"), msgpack.array([line])],
    ]);
    socket.send(
      msgpack.map([
        [msgpack.str("id"), msgpack.str("uint64-money")],
        [msgpack.str("op"), msgpack.str("calculate")],
        [msgpack.str("card"), msgpack.str(card)],
        [msgpack.str("receipt"), receipt],
      ]),
    );
    expect(decodeSocketAnswer(await socket.next())).toMatchObject({ id: "uint64-money", ok: true, total: 100 });
  });
});
