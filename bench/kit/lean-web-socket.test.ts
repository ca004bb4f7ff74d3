import type { AddressInfo } from "node:net";
import { pack } from "msgpackr";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { WebSocket as ServerSocket } from "ws";
import { FrameFieldReader, FrameFields } from "./frame-fields.js";
import { LeanWebSocket, ServerFrameReader } from "./lean-web-socket.js";

interface Received {
  readonly messages: Buffer[];
  closeReason: string | null;
}

function collector(): { received: Received; handlers: { onMessage(buffer: Buffer, start: number, end: number): void; onClose(reason: string): void } } {
  const received: Received = { messages: [], closeReason: null };
  return {
    received,
    handlers: {
      onMessage: (buffer, start, end) => received.messages.push(Buffer.from(buffer.subarray(start, end))),
      onClose: (reason) => {
        received.closeReason = reason;
      },
    },
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

let server: WebSocketServer | undefined;

afterEach(async () => {
  if (server === undefined) return;
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  server = undefined;
});

/** A ws server on 127.0.0.1 that accepts only the bearer token "secret" and hands each connection to `onConnection`. */
async function startServer(onConnection: (socket: ServerSocket) => void): Promise<string> {
  const started = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    path: "/v1/ws",
    verifyClient: (info: { req: { headers: Record<string, string | string[] | undefined> } }) => info.req.headers["authorization"] === "Bearer secret",
  });
  server = started;
  started.on("connection", onConnection);
  await new Promise<void>((resolve) => started.once("listening", () => resolve()));
  const { port } = started.address() as AddressInfo;
  return `ws://127.0.0.1:${port}/v1/ws`;
}

describe("lean WebSocket client", () => {
  it("sends masked binary frames the server reads back intact, small, medium and large", async () => {
    const url = await startServer((socket) => socket.on("message", (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary })));
    const { received, handlers } = collector();
    const client = await LeanWebSocket.connect(url, "secret", handlers);
    const sizes = [0, 1, 5, 125, 126, 65_535, 65_536, 200_000];
    const payloads = sizes.map((size) => Buffer.from(Array.from({ length: size }, (_, index) => (index * 7 + size) & 0xff)));
    // The scratch buffer is overwritten after each send: the client must have copied it.
    const scratch = Buffer.alloc(200_000);
    for (const payload of payloads) {
      payload.copy(scratch);
      client.send(scratch, payload.length);
      scratch.fill(0xee);
    }
    await waitFor(() => received.messages.length === payloads.length, "the echoes");
    expect(received.messages.map((message) => message.length)).toEqual(sizes);
    received.messages.forEach((message, index) => expect(message.equals(payloads[index]!)).toBe(true));
    client.close();
  });

  it("is refused without the right bearer token", async () => {
    const url = await startServer(() => undefined);
    const { handlers } = collector();
    await expect(LeanWebSocket.connect(url, "wrong", handlers)).rejects.toThrow(/refused the upgrade: HTTP\/1.1 401/);
  });

  it("joins fragmented messages, reads many frames per chunk and answers pings", async () => {
    let pongs = 0;
    const url = await startServer((socket) => {
      socket.on("pong", () => {
        pongs += 1;
      });
      socket.on("message", () => {
        // A fragmented message with a ping between its fragments, then 100 small messages at once.
        socket.send(Buffer.from("frag"), { binary: true, fin: false });
        socket.ping(Buffer.from("are you there"));
        socket.send(Buffer.from("mented"), { binary: true, fin: true });
        for (let index = 0; index < 100; index += 1) socket.send(Buffer.from([index]), { binary: true });
      });
    });
    const { received, handlers } = collector();
    const client = await LeanWebSocket.connect(url, "secret", handlers);
    client.send(Buffer.from([1]), 1);
    await waitFor(() => received.messages.length === 101 && pongs === 1, "the fragmented message, 100 messages and a pong");
    expect(received.messages[0]!.toString()).toBe("fragmented");
    expect(received.messages.slice(1).map((message) => message[0])).toEqual(Array.from({ length: 100 }, (_, index) => index));
    client.close();
  });

  it("reports the server's close with its code", async () => {
    const url = await startServer((socket) => socket.on("message", () => socket.close(4001, "bye")));
    const { received, handlers } = collector();
    const client = await LeanWebSocket.connect(url, "secret", handlers);
    client.send(Buffer.from([1]), 1);
    await waitFor(() => received.closeReason !== null, "the close");
    expect(received.closeReason).toBe("closed by the server (4001 bye)");
    expect(client.open).toBe(false);
  });
});

describe("server frame reader", () => {
  it("reads the same messages whatever the split of the byte stream", () => {
    const frames = [
      Buffer.from([0x82, 3, 1, 2, 3]),
      // 300-byte frame with a 16-bit length.
      Buffer.concat([Buffer.from([0x82, 126, 0x01, 0x2c]), Buffer.alloc(300, 9)]),
      // A ping between two fragments of one message.
      Buffer.from([0x02, 2, 4, 5]),
      Buffer.from([0x89, 1, 42]),
      Buffer.from([0x80, 1, 6]),
    ];
    const stream = Buffer.concat(frames);
    for (let split = 1; split < stream.length; split += 1) {
      const messages: number[][] = [];
      const controls: number[] = [];
      const reader = new ServerFrameReader(
        (buffer, start, end) => messages.push([...buffer.subarray(start, end)]),
        (opcode) => controls.push(opcode),
        (message) => {
          throw new Error(message);
        },
      );
      reader.push(stream.subarray(0, split));
      reader.push(stream.subarray(split));
      expect(messages.map((message) => message.length)).toEqual([3, 300, 3]);
      expect(messages[2]).toEqual([4, 5, 6]);
      expect(controls).toEqual([0x9]);
    }
  });

  it("refuses a masked server frame", () => {
    const errors: string[] = [];
    const reader = new ServerFrameReader(() => undefined, () => undefined, (message) => errors.push(message));
    reader.push(Buffer.from([0x82, 0x81, 0, 0, 0, 0, 7]));
    expect(errors).toEqual(["the server sent a masked frame"]);
  });
});

describe("frame field reader", () => {
  const reader = new FrameFieldReader(["identify", "calculate", "commit"]);
  const read = (value: unknown): FrameFields => {
    const bytes = pack(value);
    const fields = new FrameFields();
    expect(reader.read(bytes, 0, bytes.length, fields)).toBe(true);
    return fields;
  };

  it("reads id, ok and redeemable past nested lines and rules", () => {
    const fields = read({
      id: 70_000,
      ok: true,
      member: "m1",
      lines: [{ sku: "milk", amount: 8990, discount: 179.5, nested: { deep: [1, -2, null, "x".repeat(40)] } }],
      rules: [{ rule: "program", basisPoints: 500 }],
      bin: Buffer.alloc(300),
      big: 2 ** 40,
      redeemable: 980,
      after: false,
    });
    expect({ id: fields.id, ok: fields.ok, code: fields.code, redeemable: fields.redeemable }).toEqual({ id: 70_000, ok: true, code: null, redeemable: 980 });
  });

  it("reads the code of a failed answer and a null id", () => {
    const fields = read({ id: null, ok: false, code: "BAD_REQUEST", message: "no" });
    expect({ id: fields.id, ok: fields.ok, code: fields.code }).toEqual({ id: -1, ok: false, code: "BAD_REQUEST" });
  });

  it("finds the operation among the known ones", () => {
    expect(read({ id: 1, op: "commit", card: "2000" }).operationIndex).toBe(2);
    expect(read({ id: 1, op: "refund" }).operationIndex).toBe(-1);
  });

  it("refuses a truncated map", () => {
    const bytes = pack({ id: 1, ok: true, member: "m".repeat(50) });
    expect(reader.read(bytes, 0, bytes.length - 3, new FrameFields())).toBe(false);
  });
});
