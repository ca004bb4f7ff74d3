import { describe, expect, it } from "vitest";
import { ERROR_CODES, HTTP_STATUS_BY_CODE, type ErrorCode } from "../../protocol/errors/error-codes.js";
import type uWS from "uWebSockets.js";
import { answerMediaTypeOf, HttpExchange, JSON_MEDIA_TYPE, mediaTypeOf, MSGPACK_MEDIA_TYPE, retryAfterSecondsOf } from "./http-exchange.js";

/** What a text answer wrote: its status line and headers, through a stand-in for uWS's response. */
function textAnswer(status: number): { status: string; headers: Record<string, string> } {
  const written = { status: "", headers: {} as Record<string, string> };
  const response = {
    onAborted: () => response,
    cork: (action: () => void) => {
      action();
      return response;
    },
    writeStatus: (line: string) => {
      written.status = line;
      return response;
    },
    writeHeader: (name: string, value: string) => {
      written.headers[name] = value;
      return response;
    },
    end: () => response,
  };
  new HttpExchange(response as unknown as uWS.HttpResponse, "json").writeText(status, "application/json", "{}");
  return written;
}

describe("HTTP content negotiation", () => {
  it("reads JSON and MessagePack under each of its names, ignoring case and parameters, and nothing else", () => {
    expect(mediaTypeOf("application/json; charset=utf-8")).toEqual(JSON_MEDIA_TYPE);
    expect(mediaTypeOf("application/vnd.msgpack")).toEqual(MSGPACK_MEDIA_TYPE);
    expect(mediaTypeOf("Application/MsgPack")).toEqual({ format: "msgpack", name: "application/msgpack" });
    expect(mediaTypeOf(" application/x-msgpack ;q=1")).toEqual({ format: "msgpack", name: "application/x-msgpack" });
    for (const other of ["", "text/plain", "application/octet-stream", "application/*", "*/*"]) expect(mediaTypeOf(other), other).toBeUndefined();
  });

  it("answers in the type the request was sent in when the client names no preference", () => {
    const sent = mediaTypeOf("application/msgpack");
    expect(answerMediaTypeOf("", sent)).toEqual(sent);
    expect(answerMediaTypeOf("*/*", sent)).toEqual(sent);
    expect(answerMediaTypeOf("application/*", sent)).toEqual(sent);
    expect(answerMediaTypeOf("text/html, image/png", sent)).toEqual(sent);
    expect(answerMediaTypeOf("", undefined)).toEqual(JSON_MEDIA_TYPE);
  });

  it("answers in the type the Accept header prefers, by quality and then by order", () => {
    const json = mediaTypeOf("application/json");
    expect(answerMediaTypeOf("application/vnd.msgpack", json)).toEqual(MSGPACK_MEDIA_TYPE);
    expect(answerMediaTypeOf("application/json, application/vnd.msgpack", undefined)).toEqual(JSON_MEDIA_TYPE);
    expect(answerMediaTypeOf("application/json;q=0.5, application/x-msgpack", json)).toEqual({ format: "msgpack", name: "application/x-msgpack" });
    expect(answerMediaTypeOf("application/vnd.msgpack;q=0, */*;q=0.1", json)).toEqual(JSON_MEDIA_TYPE);
    expect(answerMediaTypeOf("application/vnd.msgpack;q=banana", json)).toEqual(JSON_MEDIA_TYPE);
  });
});

describe("Retry-After", () => {
  it("is a whole number of seconds, at least one, for every code answered 429 or 503, and absent for every other", () => {
    for (const code of ERROR_CODES) {
      const seconds = retryAfterSecondsOf(code);
      if (HTTP_STATUS_BY_CODE[code] === 429 || HTTP_STATUS_BY_CODE[code] === 503) {
        expect(Number.isInteger(seconds) && seconds! >= 1, code).toBe(true);
      } else {
        expect(seconds, code).toBeUndefined();
      }
    }
  });

  it("is on a text answer with 503 (an unhealthy /health) and not on a 200 one", () => {
    expect(textAnswer(503).headers["retry-after"]).toBe("1");
    expect(textAnswer(200).headers).not.toHaveProperty("retry-after");
  });

  it("is what docs/protocol.md states for each code", () => {
    const codes: readonly ErrorCode[] = ["RATE_LIMITED", "BUSY", "UNAVAILABLE", "SHUTTING_DOWN", "NO_PROGRAM"];
    expect(Object.fromEntries(codes.map((code) => [code, retryAfterSecondsOf(code)]))).toEqual({
      RATE_LIMITED: 1,
      BUSY: 1,
      UNAVAILABLE: 1,
      SHUTTING_DOWN: 10,
      NO_PROGRAM: 60,
    });
  });
});
