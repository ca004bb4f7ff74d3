import uWS from "uWebSockets.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { isPlainObject } from "../../domain/validation/fields.js";
import type { GatewayMetrics } from "../metrics.js";
import type { OperationOutcome, Terminal } from "../operations/operation-outcome.js";
import { bearerToken } from "../control/tokens.js";
import { decodeFrame, encodeFrame } from "../../protocol/frame-codec.js";
import { isPackedAnswer } from "../../protocol/packed-answer.js";
import { answerFrame } from "./answer-frame.js";
import { queryParameter, retryAfterSecondsOf } from "./http-exchange.js";
import {
  CONNECTION_BACKPRESSURE_BYTES_MAX,
  CONNECTION_IDLE_TIMEOUT_SECONDS,
  CONNECTION_IN_FLIGHT_MAX,
  REQUEST_BYTES_MAX,
  REQUEST_ID_LENGTH_MAX,
  WEBSOCKET_FRAME_BYTES_HARD_MAX,
} from "./limits.js";
import type { RequestHandler } from "./request-handler.js";
import type { TerminalAuthenticator } from "./terminal-authenticator.js";
import { WEBSOCKET_CLOSE_CREDENTIALS_WITHDRAWN, WEBSOCKET_CLOSE_SHUTTING_DOWN } from "./websocket-close-codes.js";

interface Connection {
  readonly terminal: Terminal;
  inFlight: number;
  open: boolean;
}

type RequestId = number | string | null;

export interface WebSocketTransportOptions {
  readonly authenticator: TerminalAuthenticator;
  readonly handler: RequestHandler;
  readonly metrics: GatewayMetrics;
  /** True once shutdown began: new upgrades are refused. */
  readonly isStopping: () => boolean;
}

/**
 * `/v1/ws`: binary frames, one msgpack map each, pipelined, answered out of
 * order by request id. The frame is decoded before the handler returns (uWS
 * reuses the buffer afterwards); nothing after the first await touches it.
 */
export class WebSocketTransport {
  private readonly sockets = new Set<uWS.WebSocket<Connection>>();
  private inFlightTotal = 0;

  constructor(private readonly options: WebSocketTransportOptions) {
    options.authenticator.onCredentialsWithdrawn((terminalId) => this.closeTerminal(terminalId));
  }

  /**
   * Closes every connection of a terminal whose token was revoked or
   * replaced: a withdrawn token must not keep working on a socket opened
   * before. Answers still in flight on them are dropped (the lane retries
   * with the same idempotency key once it has a valid token).
   */
  closeTerminal(terminalId: string): void {
    for (const socket of [...this.sockets]) {
      if (socket.getUserData().terminal.id === terminalId) socket.end(WEBSOCKET_CLOSE_CREDENTIALS_WITHDRAWN, "terminal token withdrawn");
    }
  }

  register(app: uWS.TemplatedApp): void {
    app.ws<Connection>("/v1/ws", {
      compression: uWS.DISABLED,
      maxPayloadLength: WEBSOCKET_FRAME_BYTES_HARD_MAX,
      maxBackpressure: CONNECTION_BACKPRESSURE_BYTES_MAX,
      // A boolean in uWS; this build types it as a number.
      closeOnBackpressureLimit: 1,
      idleTimeout: CONNECTION_IDLE_TIMEOUT_SECONDS,
      sendPingsAutomatically: true,
      upgrade: (response, request, context) => {
        const key = request.getHeader("sec-websocket-key");
        const protocol = request.getHeader("sec-websocket-protocol");
        const extensions = request.getHeader("sec-websocket-extensions");
        const token = bearerToken(request.getHeader("authorization")) ?? queryParameter(request.getQuery("token"));
        if (this.options.isStopping()) {
          response
            .writeStatus("503 Service Unavailable")
            .writeHeader("content-type", "application/json")
            .writeHeader("retry-after", String(retryAfterSecondsOf("SHUTTING_DOWN")))
            .end(JSON.stringify({ code: "SHUTTING_DOWN", message: "the server is shutting down" }));
          return;
        }
        const terminal = this.options.authenticator.terminalFor(token);
        if (terminal === undefined) {
          response
            .writeStatus("401 Unauthorized")
            .writeHeader("content-type", "application/json")
            .end(JSON.stringify({ code: "UNAUTHORIZED", message: "a valid terminal token is required" }));
          return;
        }
        response.upgrade<Connection>({ terminal, inFlight: 0, open: true }, key, protocol, extensions, context);
      },
      open: (socket) => {
        this.sockets.add(socket);
        this.options.metrics.connections.inc();
      },
      message: (socket, message, isBinary) => this.onMessage(socket, message, isBinary),
      close: (socket) => {
        socket.getUserData().open = false;
        this.sockets.delete(socket);
        this.options.metrics.connections.dec();
      },
    });
  }

  /** Requests received and not yet answered, over all connections. */
  get requestsInFlight(): number {
    return this.inFlightTotal;
  }

  /** Closes every connection (shutdown). */
  closeAll(): void {
    for (const socket of [...this.sockets]) socket.end(WEBSOCKET_CLOSE_SHUTTING_DOWN, "server shutting down");
  }

  private onMessage(socket: uWS.WebSocket<Connection>, message: ArrayBuffer, isBinary: boolean): void {
    const connection = socket.getUserData();
    if (!isBinary) {
      this.send(socket, null, failure("BAD_REQUEST", "frames must be binary msgpack"));
      return;
    }
    if (message.byteLength > REQUEST_BYTES_MAX) {
      this.send(socket, null, failure("TOO_LARGE", `frames must be at most ${REQUEST_BYTES_MAX} bytes`));
      return;
    }
    let decoded: unknown;
    try {
      decoded = decodeFrame(new Uint8Array(message));
    } catch {
      this.send(socket, null, failure("BAD_REQUEST", "the frame is not valid msgpack"));
      return;
    }
    if (!isPlainObject(decoded)) {
      this.send(socket, null, failure("BAD_REQUEST", "the frame must be a msgpack map"));
      return;
    }
    const id = readRequestId(decoded["id"]);
    if (id === undefined) {
      this.send(socket, null, failure("BAD_REQUEST", `id must be a non-negative integer or a string of 1 to ${REQUEST_ID_LENGTH_MAX} characters`));
      return;
    }
    if (this.options.isStopping()) {
      this.send(socket, id, failure("SHUTTING_DOWN", "the server is shutting down; retry on another node or later"));
      return;
    }
    if (connection.inFlight >= CONNECTION_IN_FLIGHT_MAX) {
      this.send(socket, id, failure("BUSY", `more than ${CONNECTION_IN_FLIGHT_MAX} requests in flight on this connection`));
      return;
    }
    connection.inFlight += 1;
    this.inFlightTotal += 1;
    void this.options.handler.handle("websocket", decoded["op"], decoded, connection.terminal).then((outcome) => {
      connection.inFlight -= 1;
      this.inFlightTotal -= 1;
      if (connection.open) socket.cork(() => this.send(socket, id, outcome));
    });
  }

  private send(socket: uWS.WebSocket<Connection>, id: RequestId, outcome: OperationOutcome): void {
    if (outcome.ok && id !== null && isPackedAnswer(outcome.value)) {
      socket.send(answerFrame(id, outcome.value), true);
      return;
    }
    const frame = outcome.ok ? { id, ok: true, ...outcome.value } : { id, ok: false, code: outcome.code, message: outcome.message };
    socket.send(encodeFrame(frame), true);
  }
}

function readRequestId(value: unknown): RequestId | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === "string") return value.length >= 1 && value.length <= REQUEST_ID_LENGTH_MAX ? value : undefined;
  return undefined;
}
