import type uWS from "uWebSockets.js";
import { isPlainObject } from "../../domain/validation/fields.js";
import { bearerToken } from "../control/tokens.js";
import { isOperationName } from "../protocol/read-operation-request.js";
import { decodeFrame } from "../../protocol/frame-codec.js";
import { answerMediaTypeOf, decodeBody, HttpExchange, mediaTypeOf, SUPPORTED_CONTENT_TYPES_TEXT } from "./http-exchange.js";
import { REQUEST_BYTES_MAX } from "./limits.js";
import type { RequestHandler } from "./request-handler.js";
import type { TerminalAuthenticator } from "./terminal-authenticator.js";

/**
 * `POST /v1/<op>`: the WebSocket operations over HTTP, JSON or msgpack.
 * Status 200 with the result, or the code's status with {code, message}, in
 * the media type the client asked for (`Accept`) or sent.
 */
export class HttpTransport {
  constructor(
    private readonly authenticator: TerminalAuthenticator,
    private readonly handler: RequestHandler,
  ) {}

  register(app: uWS.TemplatedApp): void {
    app.post("/v1/:op", (response, request) => {
      const op = request.getParameter(0);
      const token = bearerToken(request.getHeader("authorization"));
      const requestType = mediaTypeOf(request.getHeader("content-type"));
      const exchange = new HttpExchange(response, answerMediaTypeOf(request.getHeader("accept"), requestType));
      const terminal = this.authenticator.terminalFor(token);
      if (terminal === undefined) {
        exchange.fail("UNAUTHORIZED", "a valid terminal token is required");
        return;
      }
      if (!isOperationName(op)) {
        exchange.fail("NOT_FOUND", `no operation ${op ?? ""}; see docs/protocol.md`);
        return;
      }
      if (requestType === undefined) {
        exchange.fail("UNSUPPORTED_MEDIA_TYPE", `content-type must be ${SUPPORTED_CONTENT_TYPES_TEXT}`);
        return;
      }
      const format = requestType.format;
      exchange.readBody(REQUEST_BYTES_MAX, (body) => {
        const fields = body.length === 0 ? {} : decodeBody(body, format, decodeFrame);
        if (!isPlainObject(fields)) {
          exchange.fail("BAD_REQUEST", `the body must be a ${format === "json" ? "JSON object" : "msgpack map"}`);
          return;
        }
        if ("id" in fields || "op" in fields) {
          exchange.fail("BAD_REQUEST", "over HTTP the operation is in the URL: id and op are not body fields");
          return;
        }
        void this.handler.handle("http", op, fields, terminal).then((outcome) => {
          if (outcome.ok) exchange.succeed(outcome.value);
          else exchange.fail(outcome.code, outcome.message);
        });
      });
    });
  }
}
