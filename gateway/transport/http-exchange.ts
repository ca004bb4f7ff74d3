import type uWS from "uWebSockets.js";
import { HTTP_STATUS_BY_CODE, type ErrorCode } from "../../core/errors/error-codes.js";
import { encodeFrame } from "./frame-codec.js";

export type BodyFormat = "json" | "msgpack";

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

export function bodyFormatOf(contentType: string): BodyFormat | undefined {
  const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/json") return "json";
  if (mediaType === "application/msgpack" || mediaType === "application/x-msgpack") return "msgpack";
  return undefined;
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

  constructor(
    private readonly response: uWS.HttpResponse,
    readonly format: BodyFormat,
  ) {
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

  fail(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>): void {
    this.write(HTTP_STATUS_BY_CODE[code], { code, message, ...details });
  }

  writeText(status: number, contentType: string, body: string): void {
    if (this.aborted || this.answered) return;
    this.answered = true;
    this.response.cork(() => {
      this.response.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader("content-type", contentType).end(body);
    });
  }

  private write(status: number, value: unknown): void {
    if (this.aborted || this.answered) return;
    this.answered = true;
    const body = this.format === "json" ? JSON.stringify(value) : encodeFrame(value);
    const contentType = this.format === "json" ? "application/json" : "application/msgpack";
    this.response.cork(() => {
      this.response.writeStatus(STATUS_TEXT[status] ?? String(status)).writeHeader("content-type", contentType).end(body);
    });
  }
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
