import type uWS from "uWebSockets.js";
import { HTTP_STATUS_BY_CODE, type ErrorCode } from "../../protocol/errors/error-codes.js";
import { encodeFrame } from "../../protocol/frame-codec.js";
import { isPackedAnswer, unpackAnswer } from "../../protocol/packed-answer.js";

export type BodyFormat = "json" | "msgpack";

/** A media type the gateway reads and writes: its format and its name as the client spelt it (lower case, no parameters). */
export interface MediaType {
  readonly format: BodyFormat;
  readonly name: string;
}

export const JSON_MEDIA_TYPE: MediaType = { format: "json", name: "application/json" };
/** The IANA-registered name of MessagePack: what the gateway answers in when it picks msgpack itself. */
export const MSGPACK_MEDIA_TYPE: MediaType = { format: "msgpack", name: "application/vnd.msgpack" };

/**
 * Every name a body may be sent under. `application/vnd.msgpack` is the
 * registered one; `application/msgpack` and `application/x-msgpack` are what
 * most MessagePack clients send.
 */
const MEDIA_TYPES: ReadonlyMap<string, MediaType> = new Map<string, MediaType>([
  [JSON_MEDIA_TYPE.name, JSON_MEDIA_TYPE],
  ...["application/vnd.msgpack", "application/msgpack", "application/x-msgpack"].map((name): [string, MediaType] => [name, { format: "msgpack", name }]),
]);

/** For 415 messages: the content types a body may have. */
export const SUPPORTED_CONTENT_TYPES_TEXT = "application/json, application/vnd.msgpack or application/msgpack";

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "200 OK",
  400: "400 Bad Request",
  401: "401 Unauthorized",
  404: "404 Not Found",
  405: "405 Method Not Allowed",
  409: "409 Conflict",
  413: "413 Payload Too Large",
  415: "415 Unsupported Media Type",
  422: "422 Unprocessable Entity",
  429: "429 Too Many Requests",
  500: "500 Internal Server Error",
  503: "503 Service Unavailable",
  504: "504 Gateway Timeout",
  507: "507 Insufficient Storage",
};

/** A token bucket refills within a second: retrying sooner is refused again. */
const RATE_LIMITED_RETRY_AFTER_SECONDS = 1;
/** A full queue drains in well under a second (its oldest request may wait at most 500 ms); a shard thread restarts as fast. */
const TRANSIENT_RETRY_AFTER_SECONDS = 1;
/** A stopping server is back, if at all, after a restart and its log replay: seconds, not milliseconds. */
const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 10;
/** Without a program only an operator's `PUT /v1/admin/program` helps: a minute between tries is enough. */
const NO_PROGRAM_RETRY_AFTER_SECONDS = 60;

/**
 * The `Retry-After` of each code answered with 429 or 503 (RFC 9110 §10.2.3):
 * when it is worth asking again. A code not named here that maps to 429 or
 * 503 gets TRANSIENT_RETRY_AFTER_SECONDS.
 */
const RETRY_AFTER_SECONDS_BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  RATE_LIMITED: RATE_LIMITED_RETRY_AFTER_SECONDS,
  BUSY: TRANSIENT_RETRY_AFTER_SECONDS,
  UNAVAILABLE: TRANSIENT_RETRY_AFTER_SECONDS,
  SHUTTING_DOWN: SHUTTING_DOWN_RETRY_AFTER_SECONDS,
  NO_PROGRAM: NO_PROGRAM_RETRY_AFTER_SECONDS,
};

/** Statuses that tell the client to come back later, so carry `Retry-After`. */
const RETRY_LATER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** The `Retry-After` seconds of a refusal with this code, or undefined when its status is not 429 or 503. */
export function retryAfterSecondsOf(code: ErrorCode): number | undefined {
  if (!RETRY_LATER_STATUSES.has(HTTP_STATUS_BY_CODE[code])) return undefined;
  return RETRY_AFTER_SECONDS_BY_CODE[code] ?? TRANSIENT_RETRY_AFTER_SECONDS;
}

/** The media type of a `Content-Type` header, if the gateway reads it. */
export function mediaTypeOf(contentType: string): MediaType | undefined {
  return MEDIA_TYPES.get(contentType.split(";")[0]?.trim().toLowerCase() ?? "");
}

/**
 * The media type to answer in: the one the client prefers among ours by its
 * `Accept` header (quality values honoured, the first listed wins a tie, a
 * wildcard means the request's own type); with no `Accept`, or one naming
 * none of ours, the request body's type (spelt as the client spelt it);
 * failing that, JSON. The gateway never answers 406: a client that accepts
 * nothing it can send still gets a readable refusal.
 */
export function answerMediaTypeOf(accept: string, requestType: MediaType | undefined): MediaType {
  const fallback = requestType ?? JSON_MEDIA_TYPE;
  let best: MediaType | undefined;
  let bestQuality = 0;
  for (const range of accept.split(",")) {
    const [rawName = "", ...parameters] = range.split(";");
    const name = rawName.trim().toLowerCase();
    const type = name === "*/*" || name === "application/*" ? fallback : MEDIA_TYPES.get(name);
    if (type === undefined) continue;
    const quality = qualityOf(parameters);
    if (quality > bestQuality) {
      best = type;
      bestQuality = quality;
    }
  }
  return best ?? fallback;
}

/** The `q` parameter of a media range: 1 when absent, 0 when malformed (RFC 9110 §12.4.2). */
function qualityOf(parameters: readonly string[]): number {
  for (const parameter of parameters) {
    const [key = "", value = ""] = parameter.split("=");
    if (key.trim().toLowerCase() !== "q") continue;
    const quality = Number(value.trim());
    return Number.isFinite(quality) && quality >= 0 && quality <= 1 ? quality : 0;
  }
  return 1;
}

/**
 * One HTTP request/response pair over uWS. Tracks abortion (uWS forbids
 * touching an aborted response) and corks writes made after the handler
 * returned. The body is copied out of uWS's buffers chunk by chunk, with a
 * limit: past it the answer is 413 and the rest is not kept.
 */
export class HttpExchange {
  private aborted = false;
  private answered = false;

  /** The media type of the answer. */
  readonly answerType: MediaType;

  /** `answerType` as a format means its default name (JSON or the registered msgpack type). */
  constructor(
    private readonly response: uWS.HttpResponse,
    answerType: MediaType | BodyFormat,
  ) {
    this.answerType = typeof answerType !== "string" ? answerType : answerType === "json" ? JSON_MEDIA_TYPE : MSGPACK_MEDIA_TYPE;
    response.onAborted(() => {
      this.aborted = true;
    });
  }

  readBody(limitBytes: number, onBody: (body: Buffer) => void): void {
    const chunks: Buffer[] = [];
    let received = 0;
    this.response.onData((chunk, isLast) => {
      if (this.answered) return;
      received += chunk.byteLength;
      if (received > limitBytes) {
        this.fail("TOO_LARGE", `the body must be at most ${limitBytes} bytes`);
        return;
      }
      // The chunk's memory belongs to uWS and is reused after this callback: copy it.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) onBody(Buffer.concat(chunks, received));
    });
  }

  succeed(value: unknown): void {
    this.write(200, value);
  }

  /** Answers a refusal with its code's status; a 429 or 503 carries `Retry-After`. */
  fail(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): void {
    this.write(HTTP_STATUS_BY_CODE[code], { code, message, ...details }, retryAfterSecondsOf(code));
  }

  /** Answers a text body; a 429 or 503 carries `Retry-After` (TRANSIENT_RETRY_AFTER_SECONDS unless given). */
  writeText(status: number, contentType: string, body: string, retryAfterSeconds?: number): void {
    if (this.aborted || this.answered) return;
    this.answered = true;
    const retryAfter = retryAfterSeconds ?? (RETRY_LATER_STATUSES.has(status) ? TRANSIENT_RETRY_AFTER_SECONDS : undefined);
    this.response.cork(() => {
      this.response.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader("content-type", contentType);
      if (retryAfter !== undefined) this.response.writeHeader("retry-after", String(retryAfter));
      this.response.end(body);
    });
  }

  private write(status: number, value: unknown, retryAfterSeconds?: number): void {
    if (this.aborted || this.answered) return;
    this.answered = true;
    const body = this.answerType.format === "json" ? JSON.stringify(answerObject(value)) : answerBytes(value);
    this.response.cork(() => {
      this.response.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader("content-type", this.answerType.name);
      if (retryAfterSeconds !== undefined) this.response.writeHeader("retry-after", String(retryAfterSeconds));
      this.response.end(body);
    });
  }
}

/** A packed answer (a shard thread encoded it: protocol/packed-answer.ts) goes out as its bytes; anything else is encoded. */
function answerBytes(value: unknown): Uint8Array {
  return typeof value === "object" && value !== null && isPackedAnswer(value) ? value : encodeFrame(value);
}

/** For JSON, a packed answer is decoded back to its object. */
function answerObject(value: unknown): unknown {
  return typeof value === "object" && value !== null && isPackedAnswer(value) ? unpackAnswer(value) : value;
}

/** Decodes a body in its format; undefined if it does not parse. */
export function decodeBody(body: Buffer, format: BodyFormat, decodeMsgpack: (bytes: Uint8Array) => unknown): unknown {
  try {
    return format === "json" ? (JSON.parse(body.toString("utf8")) as unknown) : decodeMsgpack(body);
  } catch {
    return undefined;
  }
}

/** A query parameter's value, URL-decoded; undefined when absent, empty, or not valid percent-encoding. */
export function queryParameter(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
