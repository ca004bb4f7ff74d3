import { Packr } from "msgpackr";
import { WebSocket } from "ws";
import type { RawData } from "ws";
import { readClientOptions } from "./client-options.js";
import type { ClientSettings, ConnectionState, LoycoreClientOptions } from "./client-options.js";
import { LoycoreClientError } from "./loycore-client-error.js";
import type { LoycoreClientErrorCode } from "./loycore-client-error.js";
import type {
  BalanceRequest,
  BalanceResult,
  CalculateRequest,
  CalculateResult,
  CommitRequest,
  CommitResult,
  EnrollRequest,
  EnrollResult,
  ReportVisitRequest,
  CancelRequest,
  CancelResult,
  RefundRequest,
  RefundResult,
  PaymentRequest,
  PaymentResult,
  IssueCardOperationRequest,
  BlockCardOperationRequest,
  ReplaceCardOperationRequest,
  CardResult,
  ReplaceCardOperationResult,
  ReportVisitResult,
  IdentifyRequest,
  IdentifyResult,
  OperationName,
  OperationRequest,
  OperationResult,
  PingResult,
} from "../protocol/terminal-wire.js";

/**
 * The gateway refuses frames over 64 KiB with TOO_LARGE, and closes the connection (failing every other
 * pending request) on frames over 1 MiB; refusing before sending protects the other requests.
 */
const REQUEST_FRAME_MAX_BYTES = 64 * 1024;

/** Answers over the protocol's hard frame limit are not loycore answers; refuse them rather than buffer them. */
const ANSWER_FRAME_MAX_BYTES = 1024 * 1024;

/**
 * The gateway closes a connection idle for 120 s. A WebSocket ping every 30 s keeps a quiet lane
 * connected, and a connection that answers no ping for one interval is dead (a half-open TCP connection
 * after a network cut), so it is dropped and reconnected instead of timing out request after request.
 */
const KEEPALIVE_INTERVAL_MILLISECONDS = 30_000;

/** A gateway that does not finish the close handshake in a second is not going to; drop the socket. */
const CLOSE_HANDSHAKE_TIMEOUT_MILLISECONDS = 1_000;

/** WebSocket close code for a normal closure (RFC 6455, 7.4.1). */
const NORMAL_CLOSURE_CODE = 1000;

/** Doubling stops here; beyond it the delay is at its ceiling anyway, and 2 ** attempts stays finite. */
const RECONNECT_DOUBLINGS_MAX = 30;

interface PendingRequest {
  /** The encoded frame until it is sent, then undefined so the buffer can be collected. */
  frame: Buffer | undefined;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: LoycoreClientError) => void;
  readonly timer: NodeJS.Timeout;
}

interface FirstConnectionAttempt {
  readonly resolve: () => void;
  readonly reject: (error: LoycoreClientError) => void;
}

/**
 * A loycore client for point-of-sale integrators: one WebSocket connection, many requests in flight,
 * answers matched by request id (they may arrive out of order).
 *
 * Failures reject with a `LoycoreClientError` whose `code` is the gateway's code, or one of the client's
 * (`TIMEOUT`, `DISCONNECTED`, `BUSY`, `CLOSED`). After `TIMEOUT` or `DISCONNECTED` the request may or may
 * not have been done: send the same request again (same receipt id, same `receipt.at` or none), on this or any
 * client; `commit` and `enroll` are idempotent on the server.
 *
 * ```ts
 * const client = await LoycoreClient.connect({ url: "ws://127.0.0.1:8080/v1/ws", token });
 * const answer = await client.commit({ card, receipt: { id: "R-1", at: Date.now(), lines } });
 * await client.close();
 * ```
 */
export class LoycoreClient {
  private readonly settings: ClientSettings;
  /** Plain MessagePack maps: the protocol allows no extension types, so msgpackr's records are off. */
  /**
   * Standard MessagePack; the gateway writes integers of 2^32 and more (timestamps) as uint64/int64,
   * which "auto" reads as numbers while they are safe integers ("auto" is in msgpackr's documentation
   * but not in its type declaration, hence the cast).
   */
  private readonly packr = new Packr({ useRecords: false, int64AsType: "auto" as "number" });
  /** Pending requests by id, in the order they were made: sent ones and ones waiting for a connection. */
  private readonly requests = new Map<number, PendingRequest>();
  private lastRequestId = 0;
  private socket: WebSocket | undefined;
  private currentState: ConnectionState = "connecting";
  private isClosed = false;
  private closePromise: Promise<void> | undefined;
  private firstConnectionAttempt: FirstConnectionAttempt | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failedReconnectAttempts = 0;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private heardFromServerSinceKeepalive = false;

  private constructor(settings: ClientSettings) {
    this.settings = settings;
  }

  /**
   * Validates the options (a TypeError names the first bad one) and opens the connection. The first
   * connection must succeed: a refused token rejects with `UNAUTHORIZED`, an unreachable gateway with
   * `DISCONNECTED`, so a misconfigured lane fails at start-up. Later drops are reconnected if `reconnect`
   * is on (the default).
   */
  static async connect(options: LoycoreClientOptions): Promise<LoycoreClient> {
    const client = new LoycoreClient(readClientOptions(options));
    await new Promise<void>((resolve, reject) => {
      client.firstConnectionAttempt = { resolve, reject };
      client.openSocket();
    });
    return client;
  }

  /** True while the connection is open and requests go out at once. */
  get connected(): boolean {
    return this.currentState === "connected";
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** Requests waiting for their answer (sent or waiting for the connection). */
  get inFlight(): number {
    return this.requests.size;
  }

  ping(): Promise<PingResult> {
    return this.request("ping", {});
  }

  identify(request: IdentifyRequest): Promise<IdentifyResult> {
    return this.request("identify", request);
  }

  balance(request: BalanceRequest): Promise<BalanceResult> {
    return this.request("balance", request);
  }

  /** Computes the receipt's discounts and points; changes nothing. */
  calculate(request: CalculateRequest): Promise<CalculateResult> {
    return this.request("calculate", request);
  }

  /** Commits the receipt; durable when it resolves, idempotent on (store, receipt.id). */
  commit(request: CommitRequest): Promise<CommitResult> {
    return this.request("commit", request);
  }

  /** Enrolls a member; idempotent on the card. */
  enroll(request: EnrollRequest): Promise<EnrollResult> {
    return this.request("enroll", request);
  }

  /** Voids a committed receipt whole (points back, accruals taken back), or releases its hold. */
  cancel(request: CancelRequest): Promise<CancelResult> {
    return this.request("cancel", request);
  }

  /** Returns part of a receipt by line; idempotent by refund id. */
  refund(request: RefundRequest): Promise<RefundResult> {
    return this.request("refund", request);
  }

  /** Money paid later toward a receipt committed as paid in part; idempotent by payment id. */
  payment(request: PaymentRequest): Promise<PaymentResult> {
    return this.request("payment", request);
  }

  /** A new card for the member; the same card again answers it as it is. */
  issueCard(request: IssueCardOperationRequest): Promise<CardResult> {
    return this.request("issueCard", request);
  }

  /** Blocks one of the member's cards; a blocked card answers as it is. */
  blockCard(request: BlockCardOperationRequest): Promise<CardResult> {
    return this.request("blockCard", request);
  }

  /** Replaces one of the member's cards; the same replacement again answers both cards as they are. */
  replaceCard(request: ReplaceCardOperationRequest): Promise<ReplaceCardOperationResult> {
    return this.request("replaceCard", request);
  }

  /** A visit-status event ("came" / "didNotCome") for the program's category rules; idempotent by visit id. */
  reportVisit(request: ReportVisitRequest): Promise<ReportVisitResult> {
    return this.request("reportVisit", request);
  }

  /** Sends any operation; the typed methods above are this with the operation name filled in. */
  request<Operation extends OperationName>(
    operation: Operation,
    fields: OperationRequest<Operation>,
  ): Promise<OperationResult<Operation>> {
    if (this.isClosed) return rejected("CLOSED", "the client was closed");
    if (!this.settings.reconnect && this.currentState !== "connected") {
      return rejected("DISCONNECTED", "the connection is down and reconnect is off");
    }
    if (this.requests.size >= this.settings.maxInFlight) {
      return rejected("BUSY", `${this.settings.maxInFlight} requests are already in flight (maxInFlight); nothing was sent`);
    }

    const id = this.nextRequestId();
    let frame: Buffer;
    try {
      frame = this.packr.pack(buildRequestFrame(id, operation, fields));
    } catch (error) {
      if (error instanceof LoycoreClientError) return Promise.reject(error);
      return rejected("BAD_REQUEST", `the request cannot be encoded: ${errorMessage(error)}`);
    }
    if (frame.length > REQUEST_FRAME_MAX_BYTES) {
      return rejected("TOO_LARGE", `the request takes ${frame.length} bytes, over ${REQUEST_FRAME_MAX_BYTES}; nothing was sent`);
    }

    return new Promise<OperationResult<Operation>>((resolve, reject) => {
      const timer = setTimeout(() => this.expireRequest(id), this.settings.requestTimeoutMilliseconds);
      const pending: PendingRequest = {
        frame,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer,
      };
      this.requests.set(id, pending);
      const socket = this.socket;
      if (socket !== undefined && socket.readyState === WebSocket.OPEN) sendPending(socket, pending);
    });
  }

  /**
   * Stops reconnecting, rejects every pending request with `CLOSED` and closes the connection.
   * Resolves when the socket is closed. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    this.isClosed = true;
    this.cancelReconnect();
    this.stopKeepalive();
    this.rejectRequests(() => true, "CLOSED", "the client was closed");
    this.setState("closed");
    const socket = this.socket;
    this.closePromise = socket === undefined ? Promise.resolve() : closeSocket(socket);
    return this.closePromise;
  }

  private nextRequestId(): number {
    // Ids only need to be unique among pending requests; wrapping at 2^53 - 1 keeps them protocol-valid.
    this.lastRequestId = this.lastRequestId >= Number.MAX_SAFE_INTEGER ? 1 : this.lastRequestId + 1;
    return this.lastRequestId;
  }

  private openSocket(): void {
    this.setState("connecting");
    let refusedWithStatus: number | undefined;
    let lastError: Error | undefined;
    const socket = new WebSocket(this.settings.url, {
      headers: { authorization: `Bearer ${this.settings.token}` },
      // Answers are a few hundred bytes of MessagePack: compressing them costs CPU and saves nothing.
      perMessageDeflate: false,
      maxPayload: ANSWER_FRAME_MAX_BYTES,
      // A handshake slower than a request may take counts as a failed attempt.
      handshakeTimeout: this.settings.requestTimeoutMilliseconds,
    });
    this.socket = socket;

    socket.on("unexpected-response", (_request, response) => {
      refusedWithStatus = response.statusCode;
      response.resume();
      socket.terminate();
    });
    socket.on("error", (error) => {
      // ws always follows an error with a close event; the close handler does the work.
      lastError = error;
    });
    socket.on("open", () => this.handleOpen(socket));
    socket.on("message", (data) => {
      this.heardFromServerSinceKeepalive = true;
      this.handleAnswer(data);
    });
    socket.on("pong", () => {
      this.heardFromServerSinceKeepalive = true;
    });
    socket.on("close", (code) => {
      const reason =
        refusedWithStatus !== undefined
          ? `the gateway refused the connection with HTTP status ${refusedWithStatus}`
          : lastError !== undefined
            ? lastError.message
            : `the connection closed with WebSocket code ${code}`;
      this.handleClose(socket, reason, refusedWithStatus);
    });
  }

  private handleOpen(socket: WebSocket): void {
    if (socket !== this.socket || this.isClosed) return;
    this.failedReconnectAttempts = 0;
    this.setState("connected");
    this.startKeepalive(socket);
    const firstConnectionAttempt = this.firstConnectionAttempt;
    this.firstConnectionAttempt = undefined;
    firstConnectionAttempt?.resolve();
    // Requests made while the connection was down go out now, in the order they were made.
    for (const pending of this.requests.values()) {
      if (pending.frame !== undefined) sendPending(socket, pending);
    }
  }

  private handleClose(socket: WebSocket, reason: string, refusedWithStatus: number | undefined): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.stopKeepalive();
    if (this.isClosed) return;

    const firstConnectionAttempt = this.firstConnectionAttempt;
    if (firstConnectionAttempt !== undefined) {
      this.firstConnectionAttempt = undefined;
      this.isClosed = true;
      this.setState("closed", reason);
      const code: LoycoreClientErrorCode = refusedWithStatus === 401 ? "UNAUTHORIZED" : "DISCONNECTED";
      firstConnectionAttempt.reject(
        new LoycoreClientError(code, `cannot connect to ${this.settings.url}: ${reason}`, "client"),
      );
      return;
    }

    // Sent requests may or may not have been done: the caller retries with the same idempotency key.
    this.rejectRequests(
      (pending) => pending.frame === undefined,
      "DISCONNECTED",
      `the connection dropped before the answer (${reason}); retry with the same receipt id`,
    );
    if (this.settings.reconnect) {
      // Requests not sent yet keep waiting for the next connection, bounded by their timeout.
      this.setState("disconnected", reason);
      this.scheduleReconnect();
    } else {
      this.rejectRequests(() => true, "DISCONNECTED", `the connection dropped (${reason}) and reconnect is off`);
      this.setState("disconnected", reason);
    }
  }

  private handleAnswer(data: RawData): void {
    let answer: unknown;
    try {
      answer = this.packr.unpack(toBuffer(data));
    } catch {
      // Not MessagePack: nothing to match it with. The request it answered, if any, times out.
      return;
    }
    if (typeof answer !== "object" || answer === null) return;
    const { id, ok, ...result } = answer as Readonly<Record<string, unknown>>;
    // A null id means the gateway could not read one of our frames; nothing to match it with either.
    if (typeof id !== "number") return;
    const pending = this.requests.get(id);
    // Unknown ids are answers that came after their request's timeout: the caller was already told.
    if (pending === undefined) return;
    this.requests.delete(id);
    clearTimeout(pending.timer);

    if (ok === true) {
      pending.resolve(result);
    } else if (ok === false) {
      const code = typeof result["code"] === "string" ? result["code"] : "INTERNAL";
      const message = typeof result["message"] === "string" ? result["message"] : `the gateway answered ${code}`;
      pending.reject(new LoycoreClientError(code, message, "server"));
    } else {
      pending.reject(new LoycoreClientError("INTERNAL", "the gateway's answer has no ok field", "client"));
    }
  }

  private expireRequest(id: number): void {
    const pending = this.requests.get(id);
    if (pending === undefined) return;
    this.requests.delete(id);
    const timeout = this.settings.requestTimeoutMilliseconds;
    pending.reject(
      new LoycoreClientError(
        "TIMEOUT",
        pending.frame === undefined
          ? `no answer within ${timeout} ms; the request may have been done, retry with the same receipt id`
          : `no connection within ${timeout} ms; the request was not sent`,
        "client",
      ),
    );
  }

  private rejectRequests(
    shouldReject: (pending: PendingRequest) => boolean,
    code: LoycoreClientErrorCode,
    message: string,
  ): void {
    for (const [id, pending] of this.requests) {
      if (!shouldReject(pending)) continue;
      this.requests.delete(id);
      clearTimeout(pending.timer);
      pending.reject(new LoycoreClientError(code, message, "client"));
    }
  }

  private scheduleReconnect(): void {
    const doublings = Math.min(this.failedReconnectAttempts, RECONNECT_DOUBLINGS_MAX);
    const ceiling = Math.min(
      this.settings.reconnectDelayMaximumMilliseconds,
      this.settings.reconnectDelayMinimumMilliseconds * 2 ** doublings,
    );
    // Jitter between half and all of the ceiling, so lanes dropped together do not reconnect together.
    const delay = Math.max(this.settings.reconnectDelayMinimumMilliseconds, Math.round(ceiling * (0.5 + Math.random() / 2)));
    this.failedReconnectAttempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.isClosed) this.openSocket();
    }, delay);
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private startKeepalive(socket: WebSocket): void {
    this.heardFromServerSinceKeepalive = true;
    this.keepaliveTimer = setInterval(() => {
      if (!this.heardFromServerSinceKeepalive) {
        socket.terminate();
        return;
      }
      this.heardFromServerSinceKeepalive = false;
      socket.ping();
    }, KEEPALIVE_INTERVAL_MILLISECONDS);
    // The connection itself keeps the process alive; the keepalive must not do so on its own.
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer === undefined) return;
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private setState(state: ConnectionState, reason?: string): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.settings.onStateChange?.(reason === undefined ? { state } : { state, reason });
  }
}

function rejected(code: LoycoreClientErrorCode, message: string): Promise<never> {
  return Promise.reject(new LoycoreClientError(code, message, "client"));
}

function sendPending(socket: WebSocket, pending: PendingRequest): void {
  const frame = pending.frame;
  if (frame === undefined) return;
  pending.frame = undefined;
  socket.send(frame);
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MILLISECONDS);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(NORMAL_CLOSURE_CODE);
  });
}

/** Fields the client sets itself; a caller's field of the same name would replace them. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(["id", "op"]);

/**
 * `{ id, op, ...fields }`, without the fields whose value is undefined, at any depth: msgpackr would
 * encode `undefined` as an extension type, which the protocol does not allow, and an absent optional
 * field is what the caller meant.
 */
function buildRequestFrame(id: number, operation: string, fields: object): Record<string, unknown> {
  const frame: Record<string, unknown> = { id, op: operation };
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (RESERVED_FIELDS.has(field)) {
      throw new LoycoreClientError("BAD_REQUEST", `field "${field}" is set by the client, not the caller`, "client");
    }
    frame[field] = withoutUndefinedFields(value);
  }
  return frame;
}

function withoutUndefinedFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefinedFields);
  if (!isPlainObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [field, fieldValue] of Object.entries(value)) {
    if (fieldValue !== undefined) copy[field] = withoutUndefinedFields(fieldValue);
  }
  return copy;
}

function isPlainObject(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
