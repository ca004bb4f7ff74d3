import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Packr, Unpackr } from "msgpackr";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { WebSocket } from "ws";
import type { ConnectionStateChange, LoycoreClientOptions } from "./client-options.js";
import { LoycoreClient } from "./loycore-client.js";
import type { CommitResult, IdentifyResult } from "../protocol/terminal-wire.js";
import { rejectionOf } from "../gateway/test-support/rejection-of.js";

/** Short enough to keep the suite fast, long enough that a loaded CI machine does not trip it. */
const TEST_TIMEOUT_MILLISECONDS = 300;

/** How long a test waits for an asynchronous condition before it fails. */
const CONDITION_WAIT_MILLISECONDS = 5_000;

type Frame = Record<string, unknown>;

interface ReceivedRequest {
  readonly frame: Frame;
  readonly socket: WebSocket;
  readonly isBinary: boolean;
  readonly bytes: Buffer;
}

/**
 * A stand-in gateway: decodes every request with a plain (record-free) msgpackr and lets the test
 * decide what to answer, and when.
 */
class FakeGateway {
  readonly requests: ReceivedRequest[] = [];
  readonly authorizationHeaders: (string | undefined)[] = [];
  readonly sockets: WebSocket[] = [];
  /** Answers each request at once when set; tests that answer by hand leave it undefined. */
  answer: ((request: Frame) => Frame | undefined) | undefined;
  private readonly packr = new Packr({ useRecords: false });

  private constructor(
    readonly server: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(options: { readonly acceptedToken?: string } = {}): Promise<FakeGateway> {
    const server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      verifyClient: (information, callback) => {
        const acceptedToken = options.acceptedToken;
        if (acceptedToken === undefined) return callback(true);
        const authorized = information.req.headers.authorization === `Bearer ${acceptedToken}`;
        if (authorized) callback(true);
        else callback(false, 401, "Unauthorized");
      },
    });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const port = (server.address() as AddressInfo).port;
    const gateway = new FakeGateway(server, `ws://127.0.0.1:${port}/v1/ws`);
    server.on("connection", (socket, request) => {
      gateway.sockets.push(socket);
      gateway.authorizationHeaders.push(request.headers.authorization);
      socket.on("message", (data, isBinary) => {
        const bytes = data as Buffer;
        const frame = gateway.packr.unpack(bytes) as Frame;
        gateway.requests.push({ frame, socket, isBinary, bytes });
        const answer = gateway.answer?.(frame);
        if (answer !== undefined) gateway.reply(socket, answer);
      });
    });
    return gateway;
  }

  reply(socket: WebSocket, answer: Frame): void {
    socket.send(this.packr.pack(answer));
  }

  /** Drops every connection without a close handshake, as a crashed gateway or a cut cable would. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + CONDITION_WAIT_MILLISECONDS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}


const openGateways: FakeGateway[] = [];
const openClients: LoycoreClient[] = [];

async function startGateway(options: { readonly acceptedToken?: string } = {}): Promise<FakeGateway> {
  const gateway = await FakeGateway.start(options);
  openGateways.push(gateway);
  return gateway;
}

async function connect(
  gateway: FakeGateway,
  options: Partial<LoycoreClientOptions> = {},
): Promise<LoycoreClient> {
  const client = await LoycoreClient.connect({ url: gateway.url, token: "terminal-token", ...options });
  openClients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.close()));
  await Promise.all(openGateways.splice(0).map((gateway) => gateway.stop()));
});

const identifiedMember: IdentifyResult = {
  member: "m3f1c9a0d2b7e4411",
  card: "2000000000017",
  cardType: null,
  pointLevel: null,
  phone: "+79001234567",
  name: "Demo Member 1",
  balance: 1000,
  status: { id: "bronze", name: "Bronze" },
  importanceClass: null,
  categories: [{ id: "economy", name: "Economy" }],
  discountBasisPoints: 200,
  discountLapsesAt: null,
  classLapsesAt: null,
};

describe("LoycoreClient", () => {
  it("sends a request as a binary standard MessagePack map and resolves with the typed result", async () => {
    const gateway = await startGateway();
    gateway.answer = (request) => ({ id: request["id"], ok: true, ...identifiedMember });
    const client = await connect(gateway);

    const result = await client.identify({ card: "2000000000017" });

    expect(result).toEqual(identifiedMember);
    const received = gateway.requests[0];
    expect(received?.isBinary).toBe(true);
    expect(received?.frame).toEqual({ id: 1, op: "identify", card: "2000000000017" });
    // A map header (fixmap 0x8X, map16 0xde or map32 0xdf): a plain map, not msgpackr's record extension.
    const header = received?.bytes[0] ?? 0;
    expect((header & 0xf0) === 0x80 || header === 0xde || header === 0xdf).toBe(true);
    // A decoder that knows no msgpackr extensions reads the same map.
    expect(new Unpackr({ mapsAsObjects: true }).unpack(received?.bytes ?? Buffer.alloc(0))).toEqual(received?.frame);
  });

  it("sends a commit with its receipt and leaves out fields that are undefined", async () => {
    const gateway = await startGateway();
    const commitResult: CommitResult = {
      member: "m1",
      receipt: "R-1",
      lines: [{ sku: "milk", amount: 8990, discount: 0, pointsPaid: 100, payable: 8890, points: 444 }],
      total: 8990,
      discount: 0,
      pointsPaid: 100,
      points: 444,
      bonusPoints: 0,
      redeemable: 1000,
      redeem: 100,
      payable: 8890,
      discountBasisPoints: 0,
      rules: [{ rule: "program", effect: "accrual", basisPoints: 500, points: 444 }],
      balance: 1344,
      programVersion: 1,
      transaction: "m1-1",
    };
    gateway.answer = (request) => ({ id: request["id"], ok: true, ...commitResult });
    const client = await connect(gateway);
    const receipt = { id: "R-1", at: 1763800000000, store: undefined, lines: [{ sku: "milk", qty: 1, price: 8990, amount: 8990 }] };

    // A JavaScript caller may pass undefined for an optional field; the type system cannot stop it.
    const result = await client.commit({ card: "2000000000017", redeem: 100, receipt } as never);

    expect(result).toEqual(commitResult);
    expect(gateway.requests[0]?.frame).toEqual({
      id: 1,
      op: "commit",
      card: "2000000000017",
      redeem: 100,
      receipt: { id: "R-1", at: 1763800000000, lines: [{ sku: "milk", qty: 1, price: 8990, amount: 8990 }] },
    });
    expect(Object.keys(gateway.requests[0]?.frame["receipt"] as object)).not.toContain("store");
  });

  it("matches answers that arrive out of order to their requests by id", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway);

    const answers = [
      client.balance({ card: "card-1" }),
      client.balance({ card: "card-2" }),
      client.balance({ phone: "+79001234567" }),
    ];
    await waitFor(() => gateway.requests.length === 3, "three requests");
    for (const { frame, socket } of [...gateway.requests].reverse()) {
      const key = String(frame["card"] ?? frame["phone"]);
      gateway.reply(socket, { id: frame["id"], ok: true, member: `member-of-${key}`, balance: Number(frame["id"]) * 10 });
    }

    expect(await Promise.all(answers)).toEqual([
      { member: "member-of-card-1", balance: 10 },
      { member: "member-of-card-2", balance: 20 },
      { member: "member-of-+79001234567", balance: 30 },
    ]);
    expect(gateway.requests.map(({ frame }) => frame["id"])).toEqual([1, 2, 3]);
    expect(client.inFlight).toBe(0);
  });

  it("rejects with the gateway's code and message when the answer is not ok", async () => {
    const gateway = await startGateway();
    gateway.answer = (request) => ({ id: request["id"], ok: false, code: "UNKNOWN_CARD", message: "no member has card 42" });
    const client = await connect(gateway);

    const error = await rejectionOf(client.identify({ card: "42" }));

    expect(error.code).toBe("UNKNOWN_CARD");
    expect(error.source).toBe("server");
    expect(error.message).toBe("no member has card 42");
  });

  it("rejects with TIMEOUT when no answer comes in time and ignores the late answer", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway, { requestTimeoutMilliseconds: TEST_TIMEOUT_MILLISECONDS });

    const error = await rejectionOf(client.ping());

    expect(error.code).toBe("TIMEOUT");
    expect(error.source).toBe("client");
    expect(client.inFlight).toBe(0);
    const late = gateway.requests[0];
    if (late === undefined) throw new Error("the gateway got no request");
    gateway.reply(late.socket, { id: late.frame["id"], ok: true, at: 1 });
    gateway.answer = (request) => ({ id: request["id"], ok: true, at: 2 });
    // The late answer for id 1 must not be taken for the answer to id 2.
    expect(await client.ping()).toEqual({ at: 2 });
  });

  it("rejects pending requests with DISCONNECTED when the server drops the connection, then reconnects", async () => {
    const gateway = await startGateway();
    const stateChanges: ConnectionStateChange[] = [];
    const client = await connect(gateway, {
      reconnectDelayMinimumMilliseconds: 10,
      reconnectDelayMaximumMilliseconds: 50,
      onStateChange: (change) => stateChanges.push(change),
    });
    const pending = rejectionOf(client.ping());
    await waitFor(() => gateway.requests.length === 1, "the request to arrive");

    gateway.dropConnections();

    const error = await pending;
    expect(error.code).toBe("DISCONNECTED");
    await waitFor(() => gateway.sockets.length === 2 && client.connected, "the client to reconnect");
    gateway.answer = (request) => ({ id: request["id"], ok: true, at: 7 });
    expect(await client.ping()).toEqual({ at: 7 });
    expect(stateChanges.map(({ state }) => state)).toEqual(["connected", "disconnected", "connecting", "connected"]);
  });

  it("keeps requests made while disconnected and sends them once reconnected", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway, { reconnectDelayMinimumMilliseconds: 50, reconnectDelayMaximumMilliseconds: 100 });
    gateway.dropConnections();
    await waitFor(() => !client.connected, "the client to notice the drop");
    gateway.answer = (request) => ({ id: request["id"], ok: true, at: 9 });

    const result = await client.ping();

    expect(result).toEqual({ at: 9 });
    expect(gateway.sockets).toHaveLength(2);
  });

  it("fails fast with DISCONNECTED after a drop when reconnect is off", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway, { reconnect: false });
    gateway.dropConnections();
    await waitFor(() => client.state === "disconnected", "the client to notice the drop");

    const error = await rejectionOf(client.ping());

    expect(error.code).toBe("DISCONNECTED");
    expect(gateway.requests).toHaveLength(0);
  });

  it("sends the token as a bearer Authorization header with the upgrade", async () => {
    const gateway = await startGateway({ acceptedToken: "secret-terminal-token" });
    gateway.answer = (request) => ({ id: request["id"], ok: true, at: 1 });

    const client = await connect(gateway, { token: "secret-terminal-token" });

    expect(gateway.authorizationHeaders).toEqual(["Bearer secret-terminal-token"]);
    expect(await client.ping()).toEqual({ at: 1 });
  });

  it("rejects connect with UNAUTHORIZED when the gateway refuses the token", async () => {
    const gateway = await startGateway({ acceptedToken: "the-right-token" });

    const error = await rejectionOf(LoycoreClient.connect({ url: gateway.url, token: "a-wrong-token" }));

    expect(error.code).toBe("UNAUTHORIZED");
    expect(error.message).toMatch(/401/);
  });

  it("rejects with BUSY once maxInFlight requests are pending, without sending", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway, { maxInFlight: 2 });
    // Watch the rejections from the start: close() rejects both before the test looks at them.
    const first = rejectionOf(client.ping());
    const second = rejectionOf(client.ping());

    const error = await rejectionOf(client.ping());

    expect(error.code).toBe("BUSY");
    await waitFor(() => gateway.requests.length === 2, "two requests");
    expect(client.inFlight).toBe(2);
    await client.close();
    expect((await first).code).toBe("CLOSED");
    expect((await second).code).toBe("CLOSED");
  });

  it("rejects pending and later requests with CLOSED after close and does not reconnect", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway, { reconnectDelayMinimumMilliseconds: 10 });
    const pending = rejectionOf(client.ping());
    await waitFor(() => gateway.requests.length === 1, "the request to arrive");

    await client.close();

    expect((await pending).code).toBe("CLOSED");
    expect((await rejectionOf(client.ping())).code).toBe("CLOSED");
    expect(client.state).toBe("closed");
    await sleep(50);
    expect(gateway.sockets).toHaveLength(1);
  });

  it("refuses a request over 64 KiB with TOO_LARGE before sending it", async () => {
    const gateway = await startGateway();
    const client = await connect(gateway);
    // 500 lines of 200-byte SKUs: about 100 KB, over the frame limit (the client does not check SKUs).
    const lines = Array.from({ length: 500 }, (_, index) => ({ sku: `${"x".repeat(200)}${index}`, qty: 1, price: 1, amount: 1 }));

    const error = await rejectionOf(client.calculate({ card: "1", receipt: { id: "R-big", lines } }));

    expect(error.code).toBe("TOO_LARGE");
    expect(error.source).toBe("client");
    expect(gateway.requests).toHaveLength(0);
  });

  describe("option validation", () => {
    const validOptions = { url: "ws://127.0.0.1:1/v1/ws", token: "token" };

    it.each([
      ["url", { ...validOptions, url: "http://127.0.0.1/v1/ws" }],
      ["url", { ...validOptions, url: "not a url" }],
      ["token", { ...validOptions, token: "" }],
      ["token", { ...validOptions, token: "has space" }],
      ["requestTimeoutMilliseconds", { ...validOptions, requestTimeoutMilliseconds: 0 }],
      ["requestTimeoutMilliseconds", { ...validOptions, requestTimeoutMilliseconds: 1.5 }],
      ["maxInFlight", { ...validOptions, maxInFlight: 1025 }],
      ["reconnect", { ...validOptions, reconnect: "yes" }],
      ["reconnectDelayMinimumMilliseconds", { ...validOptions, reconnectDelayMinimumMilliseconds: -1 }],
      ["reconnectDelayMaximumMilliseconds", { ...validOptions, reconnectDelayMinimumMilliseconds: 500, reconnectDelayMaximumMilliseconds: 100 }],
      ["requestTimeout", { ...validOptions, requestTimeout: 100 }],
    ])("refuses a bad %s option with an error naming it", async (field, options) => {
      const connecting = LoycoreClient.connect(options as unknown as LoycoreClientOptions);

      await expect(connecting).rejects.toThrow(TypeError);
      await expect(connecting).rejects.toThrow(`"${field}"`);
    });
  });
});
