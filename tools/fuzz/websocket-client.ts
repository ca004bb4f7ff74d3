// The fuzzer's WebSocket client and the checks of its answer frames; runs in the fuzzer's own process, not in the gateway.
import { isDeepStrictEqual } from "node:util";
import WebSocket from "ws";
import type { RawData } from "ws";
import { isErrorCode } from "../../protocol/errors/error-codes.js";
import { FuzzViolation, count, describe, isPlainObject } from "./vocabulary.js";
import type { Expectation, Tally } from "./vocabulary.js";
import { answerUnpackr, clientPackr, isMapHeader } from "./msgpack.js";

interface SocketAnswer {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** How long an answer may take: the gateway answers refusals at once; this is for a loaded CI machine. */
export const ANSWER_TIMEOUT_MILLISECONDS = 10_000;

/** A raw WebSocket that queues every answer frame, so that none goes unnoticed. */
export class FuzzSocket {
  private readonly queue: SocketAnswer[] = [];
  private readonly waiters: ((answer: SocketAnswer | FuzzViolation) => void)[] = [];
  private closedWith: string | undefined;
  private nextRequestNumber = 1;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const answer = { data: bytes, isBinary };
      const waiter = this.waiters.shift();
      if (waiter === undefined) this.queue.push(answer);
      else waiter(answer);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      this.closedWith = `the gateway closed the connection (${code} ${reason.toString()})`;
      for (const waiter of this.waiters.splice(0)) waiter(new FuzzViolation(this.closedWith));
    });
    socket.on("error", () => undefined);
  }

  static async open(url: string, token: string): Promise<FuzzSocket> {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new FuzzSocket(socket);
  }

  get isOpen(): boolean {
    return this.closedWith === undefined && this.socket.readyState === WebSocket.OPEN;
  }

  /** A fresh request id: numbers and strings in turn. */
  newId(): number | string {
    const number = this.nextRequestNumber;
    this.nextRequestNumber += 1;
    return number % 3 === 0 ? `fz-${number}` : number;
  }

  send(frame: Buffer | string): void {
    if (this.closedWith !== undefined) throw new FuzzViolation(this.closedWith);
    this.socket.send(frame, { binary: typeof frame !== "string" });
  }

  next(timeoutMilliseconds = ANSWER_TIMEOUT_MILLISECONDS): Promise<SocketAnswer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedWith !== undefined) return Promise.reject(new FuzzViolation(this.closedWith));
    return new Promise((resolve, reject) => {
      const waiter = (answer: SocketAnswer | FuzzViolation): void => {
        clearTimeout(timer);
        if (answer instanceof FuzzViolation) reject(answer);
        else resolve(answer);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new FuzzViolation(`no answer within ${timeoutMilliseconds} ms`));
      }, timeoutMilliseconds);
      this.waiters.push(waiter);
    });
  }

  /** Answers that arrived without a request waiting for them. */
  unexpectedAnswers(): readonly SocketAnswer[] {
    return this.queue.splice(0);
  }

  /** Sends one request and reads its answer (the socket must have nothing else in flight). */
  async call(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.newId();
    this.send(clientPackr.pack({ id, ...fields }));
    const frame = decodeSocketAnswer(await this.next());
    if (frame["id"] !== id) throw new FuzzViolation(`asked ${describe({ id, ...fields })}, got the answer ${describe(frame)}`);
    return frame;
  }

  close(): void {
    this.socket.close();
  }
}

/** An answer frame must be one binary msgpack map. */
export function decodeSocketAnswer(answer: SocketAnswer): Record<string, unknown> {
  if (!answer.isBinary) throw new FuzzViolation(`a text frame answered: ${describe(answer.data.toString("utf8"))}`);
  const first = answer.data[0];
  if (first === undefined || !isMapHeader(first)) throw new FuzzViolation(`the answer is not a msgpack map: ${answer.data.subarray(0, 40).toString("hex")}`);
  let decoded: unknown;
  try {
    decoded = answerUnpackr.unpack(answer.data);
  } catch (error) {
    throw new FuzzViolation(`the answer is not valid msgpack (${String(error)}): ${answer.data.subarray(0, 40).toString("hex")}`);
  }
  if (!isPlainObject(decoded)) throw new FuzzViolation(`the answer is not a map: ${describe(decoded)}`);
  return decoded;
}

/** `{id, ok: true, ...}` or exactly `{id, ok: false, code, message}`, as `expectation` allows. */
export function checkSocketAnswer(frame: Record<string, unknown>, expectation: Expectation, tally: Tally, context: string): void {
  if (frame["ok"] === true) {
    count(tally, "OK");
    if (!expectation.okAllowed) throw new FuzzViolation(`accepted ${context}: ${describe(frame)}; expected ${expectation.codes.join(" or ")}`);
    return;
  }
  if (frame["ok"] !== false) throw new FuzzViolation(`answer without ok: true or false to ${context}: ${describe(frame)}`);
  const keys = Object.keys(frame).sort();
  if (!isDeepStrictEqual(keys, ["code", "id", "message", "ok"])) throw new FuzzViolation(`a refusal is {id, ok, code, message}, got ${describe(frame)} for ${context}`);
  const code = frame["code"];
  const message = frame["message"];
  if (!isErrorCode(code)) throw new FuzzViolation(`code ${describe(code)} is not in ERROR_CODES, answering ${context}`);
  count(tally, code);
  if (typeof message !== "string" || message.length === 0) throw new FuzzViolation(`a refusal without a message: ${describe(frame)} for ${context}`);
  if (!expectation.codes.includes(code)) {
    throw new FuzzViolation(`answered ${code} (${message}) to ${context}; expected ${expectation.okAllowed ? "ok or " : ""}${expectation.codes.join(" or ")}`);
  }
}
