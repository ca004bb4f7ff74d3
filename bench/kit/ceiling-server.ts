import uWS from "uWebSockets.js";
import { FrameFieldReader, FrameFields } from "./frame-fields.js";

/**
 * The ceiling server: the least work a server can do and still answer loycore's protocol. Over
 * WebSocket (/v1/ws) it answers each request frame with `{ id, ok: true, pad: <bin> }` of the size
 * loycore's answer to that operation has; over HTTP (POST /v1/<op>) with a fixed JSON body of a given
 * size. The load client runs against it in the same run as against loycore, and every loycore figure
 * is reported as a share of it: what remains is the cost of loycore itself.
 *
 * Run as its own process: `node dist/bench/kit/ceiling-server.js [--sizes op=bytes,...]
 * [--http-sizes op=bytes,...]`. It listens on 127.0.0.1, a free port, prints one JSON line
 * `{"event":"listening","url":...,"webSocketUrl":...}` and runs until SIGTERM or SIGINT.
 */

/** The operations whose answer size can be set; any other op gets DEFAULT_ANSWER_BYTES. */
export const CEILING_OPERATIONS = ["identify", "calculate", "commit", "refund", "balance", "cancel", "enroll", "reportVisit", "ping"] as const;

/** Answer size for operations not given: about a loycore commit answer of a few lines. */
export const DEFAULT_ANSWER_BYTES = 512;

/** loycore refuses larger frames; an answer larger than this is a mistake in the sizes given. */
export const ANSWER_BYTES_MAX = 64 * 1024;

/** Frames above this are refused (closed), like loycore's hard limit. */
const FRAME_BYTES_MAX = 1024 * 1024;

/**
 * uWS drops what it cannot queue beyond this: far above what 1,024 pipelined answers take, so the
 * ceiling never loses an answer to a client that is slow for a moment.
 */
const BACKPRESSURE_BYTES_MAX = 64 * 1024 * 1024;

/** The answer's fixed part: fixmap(3), "id", uint32, "ok", true, "pad", bin32 header. */
const ANSWER_OVERHEAD_BYTES = 1 + 3 + 5 + 3 + 1 + 4 + 5;

export function parseSizes(text: string, flag: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of text.split(",").filter((part) => part !== "")) {
    const [operation, value] = entry.split("=");
    const bytes = Number(value);
    if (operation === undefined || operation === "" || !Number.isInteger(bytes) || bytes < ANSWER_OVERHEAD_BYTES || bytes > ANSWER_BYTES_MAX) {
      throw new Error(`${flag}: "${entry}" must be <op>=<bytes> with bytes from ${ANSWER_OVERHEAD_BYTES} to ${ANSWER_BYTES_MAX}`);
    }
    sizes.set(operation, bytes);
  }
  return sizes;
}

/** `{ id: <uint32 placeholder>, ok: true, pad: <bin> }` of exactly `bytes` bytes; the id is at offset 4. */
export function encodeAnswerTemplate(bytes: number): Buffer {
  const padBytes = bytes - ANSWER_OVERHEAD_BYTES;
  const answer = Buffer.alloc(bytes);
  let offset = 0;
  answer[offset++] = 0x83;
  answer[offset++] = 0xa2;
  answer.write("id", offset, "latin1");
  offset += 2;
  answer[offset++] = 0xce;
  offset += 4;
  answer[offset++] = 0xa2;
  answer.write("ok", offset, "latin1");
  offset += 2;
  answer[offset++] = 0xc3;
  answer[offset++] = 0xa3;
  answer.write("pad", offset, "latin1");
  offset += 3;
  answer[offset++] = 0xc6;
  answer.writeUInt32BE(padBytes, offset);
  return answer;
}
const ID_OFFSET = 5;

/** `{"ok":true,"pad":"xxx..."}` of exactly `bytes` bytes (at least the 20 of its fixed part). */
export function jsonBodyOfSize(bytes: number): string {
  const fixed = '{"ok":true,"pad":""}';
  return `${fixed.slice(0, -2)}${"x".repeat(Math.max(0, bytes - fixed.length))}"}`;
}

function argument(name: string): string {
  const index = process.argv.indexOf(name);
  return index >= 0 ? (process.argv[index + 1] ?? "") : "";
}

function main(): void {
  const sizes = parseSizes(argument("--sizes"), "--sizes");
  const httpSizes = parseSizes(argument("--http-sizes"), "--http-sizes");
  const templates = CEILING_OPERATIONS.map((operation) => encodeAnswerTemplate(sizes.get(operation) ?? DEFAULT_ANSWER_BYTES));
  const defaultTemplate = encodeAnswerTemplate(DEFAULT_ANSWER_BYTES);
  const reader = new FrameFieldReader(CEILING_OPERATIONS);
  const fields = new FrameFields();
  const httpBodies = new Map<string, string>();
  const httpBodyOf = (operation: string): string => {
    let body = httpBodies.get(operation);
    if (body === undefined) {
      body = jsonBodyOfSize(httpSizes.get(operation) ?? DEFAULT_ANSWER_BYTES);
      httpBodies.set(operation, body);
    }
    return body;
  };

  const app = uWS.App();
  app.ws("/v1/ws", {
    compression: uWS.DISABLED,
    maxPayloadLength: FRAME_BYTES_MAX,
    maxBackpressure: BACKPRESSURE_BYTES_MAX,
    idleTimeout: 120,
    message: (socket, message) => {
      const bytes = Buffer.from(message);
      if (!reader.read(bytes, 0, bytes.length, fields) || fields.id < 0 || fields.id > 0xffff_ffff) {
        socket.send(Buffer.from([0x83, 0xa2, 0x69, 0x64, 0xc0, 0xa2, 0x6f, 0x6b, 0xc3, 0xa3, 0x70, 0x61, 0x64, 0xc0]), true);
        return;
      }
      const template = fields.operationIndex >= 0 ? templates[fields.operationIndex]! : defaultTemplate;
      // uWS copies what it sends (or queues a copy), so the template can be patched for the next answer.
      template.writeUInt32BE(fields.id, ID_OFFSET);
      socket.send(template, true);
    },
  });
  app.post("/v1/:operation", (response, request) => {
    const body = httpBodyOf(request.getParameter(0) ?? "");
    let aborted = false;
    response.onAborted(() => {
      aborted = true;
    });
    // The request body is read to its end before answering, as a real server must.
    response.onData((_chunk, isLast) => {
      if (!isLast || aborted) return;
      response.cork(() => {
        response.writeHeader("content-type", "application/json").end(body);
      });
    });
  });
  app.listen("127.0.0.1", 0, (listenSocket) => {
    if (listenSocket === false) {
      process.stderr.write("the ceiling server could not listen on 127.0.0.1\n");
      process.exit(1);
    }
    const port = uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket);
    process.stdout.write(`${JSON.stringify({ event: "listening", url: `http://127.0.0.1:${port}`, webSocketUrl: `ws://127.0.0.1:${port}/v1/ws` })}\n`);
  });
  const stop = (): void => process.exit(0);
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"))) main();
