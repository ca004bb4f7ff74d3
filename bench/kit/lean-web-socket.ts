import { createHash, randomBytes } from "node:crypto";
import { connect as connectTcp } from "node:net";
import type { Socket } from "node:net";

/**
 * A WebSocket client (RFC 6455) for the load client, on node:net: binary frames only, no extensions.
 * It exists because a general client (ws, or loycore's own client with a promise per request) spends
 * more CPU per message than loycore does, and a benchmark must measure the server, not the client.
 *
 * - Sending copies the caller's payload, masked, into a per-connection output buffer; the buffer is
 *   written to the socket once per microtask turn, so the frames of one turn leave in one write, and
 *   written buffers are reused once the socket has flushed them. No allocation per message.
 * - The mask key is chosen once per connection (RFC 6455 asks for it per frame so that proxies cannot
 *   be poisoned by a hostile page; a load client is not a browser and only talks to its own server).
 * - Receiving parses frames in place from each TCP chunk; a partial frame waits in a growing input
 *   buffer. Messages are handed over as (buffer, start, end), valid only during the callback.
 */

/**
 * Output buffers start this large (a few frames: a lane has one request in flight) and grow for a
 * pipelined connection's turn; 5,000 lanes must not hold megabytes each.
 */
const OUTPUT_BUFFER_BYTES = 4 * 1024;

/** Written buffers kept for reuse per connection: more would only hold memory for a slow socket. */
const SPARE_OUTPUT_BUFFERS_MAX = 2;

/**
 * Every connection of a thread reads into this one buffer (node:net's `onread`): no Buffer and no
 * stream event per read. Safe because each read is parsed (and any partial frame copied out) before
 * the next read callback runs.
 */
const SHARED_READ_BUFFER_BYTES = 256 * 1024;
let sharedReadBuffer: Buffer | undefined;

/** Input buffer for a frame split across TCP chunks, allocated at the first split; it grows for larger frames. */
const INPUT_BUFFER_BYTES = 4 * 1024;

/** loycore refuses frames over 1 MiB; an answer larger than this is a broken server, not a big answer. */
export const MESSAGE_BYTES_MAX = 16 * 1024 * 1024;

/** The upgrade response's headers; a server sending more is not a WebSocket server we know. */
const UPGRADE_RESPONSE_BYTES_MAX = 16 * 1024;

/** A local or LAN server accepts a connection in milliseconds; ten seconds means it is not coming. */
export const CONNECT_TIMEOUT_MILLISECONDS = 10_000;

const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;

/** Largest header of a client frame: 2 bytes, 8 of extended length, 4 of mask key. */
const CLIENT_FRAME_HEADER_BYTES_MAX = 14;

export interface LeanWebSocketHandlers {
  /** One whole message (fragments joined); `buffer[start, end)` is valid only during the call. */
  onMessage(buffer: Buffer, start: number, end: number): void;
  /** The connection ended (closed by either side, or failed); called once. */
  onClose(reason: string): void;
}

/**
 * Parses server frames from TCP chunks. Separate from the socket so that tests can feed it any split
 * of a byte stream.
 */
export class ServerFrameReader {
  private input: Buffer = Buffer.alloc(0);
  private inputLength = 0;
  /** Fragments of a message whose last frame has not arrived. */
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;

  constructor(
    private readonly onMessage: (buffer: Buffer, start: number, end: number) => void,
    private readonly onControl: (opcode: number, payload: Buffer) => void,
    private readonly onProtocolError: (message: string) => void,
  ) {}

  /** Consumes one TCP chunk, `chunk[0, length)`; the chunk's buffer may be reused once this returns. */
  push(chunk: Buffer, length: number = chunk.length): void {
    if (this.inputLength === 0) {
      const consumed = this.parse(chunk, 0, length);
      if (consumed < 0) return;
      if (consumed < length) this.keep(chunk, consumed, length);
      return;
    }
    this.keep(chunk, 0, length);
    const consumed = this.parse(this.input, 0, this.inputLength);
    if (consumed < 0) return;
    this.input.copyWithin(0, consumed, this.inputLength);
    this.inputLength -= consumed;
  }

  private keep(source: Buffer, start: number, end: number): void {
    const bytes = end - start;
    if (this.inputLength + bytes > this.input.length) {
      const larger = Buffer.allocUnsafe(Math.max(INPUT_BUFFER_BYTES, this.input.length * 2, this.inputLength + bytes));
      this.input.copy(larger, 0, 0, this.inputLength);
      this.input = larger;
    }
    source.copy(this.input, this.inputLength, start, end);
    this.inputLength += bytes;
  }

  /** Parses whole frames from buffer[start, end); returns the offset of the first incomplete byte, or -1 after a protocol error. */
  private parse(buffer: Buffer, start: number, end: number): number {
    let offset = start;
    while (end - offset >= 2) {
      const first = buffer[offset]!;
      const second = buffer[offset + 1]!;
      const final = (first & 0x80) !== 0;
      const opcode = first & 0x0f;
      if ((second & 0x80) !== 0) {
        this.onProtocolError("the server sent a masked frame");
        return -1;
      }
      let length = second & 0x7f;
      let headerBytes = 2;
      if (length === 126) {
        if (end - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        headerBytes = 4;
      } else if (length === 127) {
        if (end - offset < 10) break;
        length = buffer.readUInt32BE(offset + 2) * 2 ** 32 + buffer.readUInt32BE(offset + 6);
        headerBytes = 10;
      }
      if (length > MESSAGE_BYTES_MAX) {
        this.onProtocolError(`the server sent a ${length}-byte frame (at most ${MESSAGE_BYTES_MAX})`);
        return -1;
      }
      if (end - offset < headerBytes + length) break;
      const payloadStart = offset + headerBytes;
      const payloadEnd = payloadStart + length;
      offset = payloadEnd;
      if (opcode >= OPCODE_CLOSE) {
        // Control frames may come between the fragments of a message; their payload is copied
        // because the handler may keep it (a pong echoes it).
        this.onControl(opcode, Buffer.from(buffer.subarray(payloadStart, payloadEnd)));
        continue;
      }
      if (!this.dataFrame(opcode, final, buffer, payloadStart, payloadEnd)) return -1;
    }
    return offset;
  }

  /**
   * One whole data frame (not a control frame), payload `buffer[payloadStart, payloadEnd)`: a message,
   * or a fragment of one. Returns false after a protocol error.
   */
  private dataFrame(opcode: number, final: boolean, buffer: Buffer, payloadStart: number, payloadEnd: number): boolean {
    const length = payloadEnd - payloadStart;
    if (opcode === OPCODE_BINARY || opcode === OPCODE_TEXT) {
      if (this.fragments.length > 0) {
        this.onProtocolError("a new message began before the previous one ended");
        return false;
      }
      if (final) {
        this.onMessage(buffer, payloadStart, payloadEnd);
      } else {
        this.fragments.push(Buffer.from(buffer.subarray(payloadStart, payloadEnd)));
        this.fragmentBytes += length;
      }
      return true;
    }
    if (opcode === OPCODE_CONTINUATION) {
      if (this.fragments.length === 0) {
        this.onProtocolError("a continuation frame without a message");
        return false;
      }
      this.fragments.push(Buffer.from(buffer.subarray(payloadStart, payloadEnd)));
      this.fragmentBytes += length;
      if (this.fragmentBytes > MESSAGE_BYTES_MAX) {
        this.onProtocolError(`the server sent a message over ${MESSAGE_BYTES_MAX} bytes`);
        return false;
      }
      if (final) {
        const message = Buffer.concat(this.fragments, this.fragmentBytes);
        this.fragments = [];
        this.fragmentBytes = 0;
        this.onMessage(message, 0, message.length);
      }
      return true;
    }
    this.onProtocolError(`unknown opcode ${opcode}`);
    return false;
  }
}

/** The HTTP request that asks the server at `target` to upgrade to a WebSocket. */
function upgradeRequest(target: URL, key: string, token: string): string {
  return (
    `GET ${target.pathname}${target.search} HTTP/1.1\r\n` +
    `Host: ${target.host}\r\n` +
    "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Authorization: Bearer ${token}\r\n\r\n`
  );
}

/**
 * Why the upgrade response (its head ends at `headerEnd`) does not accept the upgrade: not a 101, or a
 * Sec-WebSocket-Accept that does not match; null when it accepts.
 */
function upgradeRefusal(response: Buffer, headerEnd: number, expectedAccept: string): string | null {
  const head = response.subarray(0, headerEnd).toString("latin1");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  if (!/^HTTP\/1\.1 101 /.test(statusLine)) {
    return `the server refused the upgrade: ${statusLine} ${response.subarray(headerEnd + 4).toString("utf8").slice(0, 200)}`;
  }
  const accept = headerLines
    .map((line) => line.split(":"))
    .find(([name]) => name?.trim().toLowerCase() === "sec-websocket-accept")?.[1]
    ?.trim();
  if (accept !== expectedAccept) return "the server's Sec-WebSocket-Accept does not match the key";
  return null;
}

export class LeanWebSocket {
  private output: Buffer = Buffer.allocUnsafe(OUTPUT_BUFFER_BYTES);
  private outputLength = 0;
  private readonly spareOutputs: Buffer[] = [];
  private flushScheduled = false;
  private closed = false;
  private closeSent = false;
  private readonly flushBound = (): void => this.flush();
  private readonly reader: ServerFrameReader;

  private constructor(
    private readonly socket: Socket,
    private readonly maskKey: Buffer,
    private readonly handlers: LeanWebSocketHandlers,
  ) {
    this.reader = new ServerFrameReader(
      handlers.onMessage,
      (opcode, payload) => this.onControl(opcode, payload),
      (message) => this.fail(`protocol error: ${message}`),
    );
  }

  /**
   * Opens `url` (ws://host:port/path) with `Authorization: Bearer <token>` and resolves once the server
   * has accepted the upgrade.
   */
  static connect(url: string, token: string, handlers: LeanWebSocketHandlers): Promise<LeanWebSocket> {
    const target = new URL(url);
    if (target.protocol !== "ws:") return Promise.reject(new Error(`${url}: the load client speaks ws:// only`));
    const port = target.port === "" ? 80 : Number(target.port);
    const key = randomBytes(16).toString("base64");
    const expectedAccept = createHash("sha1").update(key + WEBSOCKET_GUID).digest("base64");
    return new Promise((resolve, reject) => {
      sharedReadBuffer ??= Buffer.allocUnsafe(SHARED_READ_BUFFER_BYTES);
      // Until the upgrade is accepted, reads go to the response; then to the frame reader.
      let onBytes = (buffer: Buffer, length: number): void => onUpgradeData(Buffer.from(buffer.subarray(0, length)));
      const socket = connectTcp({
        host: target.hostname,
        port,
        onread: {
          buffer: sharedReadBuffer,
          callback: (length: number, buffer: Uint8Array) => {
            onBytes(buffer as Buffer, length);
            return true;
          },
        },
      });
      socket.setNoDelay(true);
      let response = Buffer.alloc(0);
      const timer = setTimeout(() => fail(`no upgrade within ${CONNECT_TIMEOUT_MILLISECONDS} ms`), CONNECT_TIMEOUT_MILLISECONDS);
      const fail = (message: string): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.destroy();
        reject(new Error(`${url}: ${message}`));
      };
      socket.on("error", (error) => fail(error.message));
      socket.on("close", () => fail("the connection closed during the upgrade"));
      socket.once("connect", () => {
        socket.write(upgradeRequest(target, key, token));
      });
      const onUpgradeData = (chunk: Buffer): void => {
        response = Buffer.concat([response, chunk]);
        const headerEnd = response.indexOf("\r\n\r\n");
        if (headerEnd < 0) {
          if (response.length > UPGRADE_RESPONSE_BYTES_MAX) fail("the upgrade response is too long");
          return;
        }
        const refusal = upgradeRefusal(response, headerEnd, expectedAccept);
        if (refusal !== null) {
          fail(refusal);
          return;
        }
        clearTimeout(timer);
        socket.removeAllListeners();
        const webSocket = new LeanWebSocket(socket, randomBytes(4), handlers);
        webSocket.attach();
        onBytes = (buffer, length) => webSocket.reader.push(buffer, length);
        resolve(webSocket);
        const rest = response.subarray(headerEnd + 4);
        if (rest.length > 0) webSocket.reader.push(Buffer.from(rest));
      };
    });
  }

  private attach(): void {
    this.socket.on("error", (error) => this.fail(error.message));
    this.socket.on("close", () => this.fail("the connection closed"));
  }

  /** True until the connection ends. */
  get open(): boolean {
    return !this.closed;
  }

  /** Bytes handed to the socket and not yet sent (the kernel's buffer is full): back-pressure. */
  get bufferedBytes(): number {
    return this.socket.writableLength + this.outputLength;
  }

  /** Queues one binary message: `payload[0, length)` is copied, masked, into the output buffer. */
  send(payload: Uint8Array, length: number): void {
    this.appendFrame(OPCODE_BINARY, payload, length);
  }

  private appendFrame(opcode: number, payload: Uint8Array, length: number): void {
    if (this.closed) return;
    this.reserve(CLIENT_FRAME_HEADER_BYTES_MAX + length);
    const output = this.output;
    let offset = this.outputLength;
    output[offset] = 0x80 | opcode;
    if (length < 126) {
      output[offset + 1] = 0x80 | length;
      offset += 2;
    } else if (length < 65_536) {
      output[offset + 1] = 0x80 | 126;
      output.writeUInt16BE(length, offset + 2);
      offset += 4;
    } else {
      output[offset + 1] = 0x80 | 127;
      output.writeUInt32BE(Math.floor(length / 2 ** 32), offset + 2);
      output.writeUInt32BE(length >>> 0, offset + 6);
      offset += 10;
    }
    const mask = this.maskKey;
    const mask0 = mask[0]!;
    const mask1 = mask[1]!;
    const mask2 = mask[2]!;
    const mask3 = mask[3]!;
    output[offset] = mask0;
    output[offset + 1] = mask1;
    output[offset + 2] = mask2;
    output[offset + 3] = mask3;
    offset += 4;
    let index = 0;
    for (; index + 4 <= length; index += 4) {
      output[offset + index] = payload[index]! ^ mask0;
      output[offset + index + 1] = payload[index + 1]! ^ mask1;
      output[offset + index + 2] = payload[index + 2]! ^ mask2;
      output[offset + index + 3] = payload[index + 3]! ^ mask3;
    }
    for (; index < length; index += 1) output[offset + index] = payload[index]! ^ mask[index & 3]!;
    this.outputLength = offset + length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushBound);
    }
  }

  private reserve(bytes: number): void {
    if (this.outputLength + bytes <= this.output.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.output.length * 2, this.outputLength + bytes));
    this.output.copy(larger, 0, 0, this.outputLength);
    this.output = larger;
  }

  /** Writes the queued frames now (normally done at the end of the current turn). */
  flush(): void {
    this.flushScheduled = false;
    if (this.outputLength === 0 || this.closed) return;
    const written = this.output;
    const length = this.outputLength;
    this.output = this.spareOutputs.pop() ?? Buffer.allocUnsafe(written.length);
    this.outputLength = 0;
    // The socket keeps a reference until the bytes reach the kernel; only then may the buffer be reused.
    this.socket.write(written.subarray(0, length), () => {
      if (this.spareOutputs.length < SPARE_OUTPUT_BUFFERS_MAX) this.spareOutputs.push(written);
    });
  }

  /** Sends a close frame (1000) and ends the connection. */
  close(): void {
    if (this.closed) return;
    this.sendClose(1000);
    this.flush();
    this.socket.end();
    this.fail("closed by the client");
  }

  private sendClose(code: number): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.allocUnsafe(2);
    payload.writeUInt16BE(code, 0);
    this.appendFrame(OPCODE_CLOSE, payload, 2);
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (opcode === OPCODE_PING) {
      this.appendFrame(OPCODE_PONG, payload, payload.length);
      this.flush();
    } else if (opcode === OPCODE_CLOSE) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.sendClose(code === 1005 ? 1000 : code);
      this.flush();
      this.socket.end();
      this.fail(`closed by the server (${code}${payload.length > 2 ? ` ${payload.subarray(2).toString("utf8")}` : ""})`);
    } else if (opcode !== OPCODE_PONG) {
      this.fail(`protocol error: unknown control opcode ${opcode}`);
    }
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.socket.writableEnded) this.socket.destroySoon();
    this.handlers.onClose(reason);
  }
}
