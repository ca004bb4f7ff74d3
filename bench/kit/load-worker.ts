import { parentPort } from "node:worker_threads";
import { arrivalSeconds, profileArrivals, profileDurationSeconds } from "./arrival-profile.js";
import { FrameFieldReader, FrameFields } from "./frame-fields.js";
import {
  LatencyRecorder,
  newLatencyHistogram,
  OPERATION_CALCULATE,
  OPERATION_COMMIT,
  OPERATION_IDENTIFY,
  OPERATION_RECEIPT,
  OPERATION_REFUND,
} from "./latency-recorder.js";
import { LeanWebSocket } from "./lean-web-socket.js";
import { SLOTS_PER_WORKER_MAX } from "./load-worker-protocol.js";
import type { LoadWorkerSettings, MainToWorker, WorkerToMain } from "./load-worker-protocol.js";
import { makeBasketPool, randomInteger, REDEEM_WITHOUT_CALCULATE_POINTS } from "./receipt-mix.js";
import type { EncodedBasket } from "./receipt-mix.js";
import { RequestEncoder } from "./request-encoder.js";
import type { ReceiptIdentity } from "./request-encoder.js";

/**
 * A load worker thread: owns its share of the connections and receipts in progress, offers the load
 * (closed loop: lanes or pipelined; open loop: arrivals at intended times), records latencies and
 * reports one snapshot a second and the whole phase at the end. Everything on the hot path is
 * preallocated: slots are objects made once, frames are built into one scratch buffer, answers are
 * read without decoding them into objects.
 */

/** The high 16 bits of a request id (the low 16 address the slot, see SLOTS_PER_WORKER_MAX) are the slot's request generation, so a late answer to an abandoned request is ignored. */
const GENERATION_MODULO = 65_536;

/** A request unanswered this long counts as TIMEOUT and its receipt is abandoned; loycore answers in milliseconds. */
export const REQUEST_TIMEOUT_MILLISECONDS = 10_000;

/**
 * A closed-loop lane pauses this long after a failed request, so that a server refusing everything is
 * not hammered in a loop that measures only the client.
 */
const PAUSE_AFTER_FAILURE_MILLISECONDS = 10;

/** Connections opened at once: thousands of simultaneous handshakes would only queue in the kernel. */
const CONNECT_CONCURRENCY = 64;

/** The open-loop scheduler wakes this often; each wake starts every arrival whose intended time has come. */
const OPEN_LOOP_TICK_MILLISECONDS = 1;

/** After the last open-loop arrival, receipts still in progress get this long to finish before they count as UNFINISHED. */
const OPEN_LOOP_DRAIN_MILLISECONDS = 2_000;

/** Connection-loss notes kept per worker: the first few say what happened, more say nothing new. */
const CLOSE_NOTES_MAX = 5;

const timeOrigin = performance.timeOrigin;
function nowEpochMilliseconds(): number {
  return timeOrigin + performance.now();
}

class Connection {
  socket: LeanWebSocket | null = null;
  readonly slots: Slot[] = [];
  constructor(readonly index: number) {}
}

/** One receipt in progress: a lane in closed loop, an arrival in open loop. */
class Slot {
  connection: Connection;
  generation = 0;
  /** Operation of the request in flight, or -1. */
  operation = -1;
  readonly receipt: ReceiptIdentity = { memberIndex: 0, byPhone: false, basketIndex: 0, receiptNumber: 0, at: 0 };
  paysWithPoints = false;
  returnsAnItem = false;
  /** When the request in flight was sent (closed loop) or intended (open loop, first request). */
  requestStartedAt = 0;
  receiptStartedAt = 0;
  /** False once its connection is gone (closed loop: the lane stops). */
  alive = true;
  /** Bound once, so that pausing a lane allocates no closure. */
  restart: () => void = () => undefined;

  constructor(
    readonly index: number,
    connection: Connection,
  ) {
    this.connection = connection;
  }
}

class LoadEngine {
  private readonly recorder = new LatencyRecorder();
  private readonly encoder: RequestEncoder;
  private readonly baskets: readonly EncodedBasket[];
  private readonly reader = new FrameFieldReader();
  private readonly fields = new FrameFields();
  private readonly connections: Connection[];
  private readonly slots: Slot[] = [];
  /** Open loop: slots not in use. */
  private readonly freeSlots: Slot[] = [];
  private running = false;
  private finished = false;
  private receiptNumber = 0;
  private nextConnection = 0;
  private startedAt = 0;
  private intervalIndex = 0;
  private intervalTimer: NodeJS.Timeout | undefined;
  private arrivalTimer: NodeJS.Timeout | undefined;
  private nextArrival = 0;
  private nextArrivalAt = Number.POSITIVE_INFINITY;
  private arrivalsTotal = 0;
  private readonly notes: string[] = [];
  private closeNotes = 0;
  private connectionsLost = 0;
  /**
   * Open loop: how late each arrival was started against its intended time (timer resolution, a busy
   * client). It is inside every open-loop latency, against loycore and the ceiling alike.
   */
  private readonly startDelay = newLatencyHistogram();

  constructor(
    private readonly settings: LoadWorkerSettings,
    private readonly post: (message: WorkerToMain) => void,
  ) {
    this.baskets = makeBasketPool(settings.mix);
    this.encoder = new RequestEncoder(settings.members, this.baskets, settings.runIdentifier, settings.workerIndex);
    this.connections = Array.from({ length: settings.connections }, (_, index) => new Connection(index));
    const mode = settings.mode;
    const slotCount = mode.kind === "closed-loop" ? settings.connections * mode.receiptsPerConnection : mode.receiptsInProgressMax;
    if (slotCount > SLOTS_PER_WORKER_MAX) throw new Error(`${slotCount} receipts in progress in one worker; at most ${SLOTS_PER_WORKER_MAX}`);
    for (let index = 0; index < slotCount; index += 1) {
      const connection =
        mode.kind === "closed-loop" ? this.connections[Math.floor(index / mode.receiptsPerConnection)]! : this.connections[index % this.connections.length]!;
      const slot = new Slot(index, connection);
      slot.restart = () => this.startClosedLoopReceipt(slot);
      connection.slots.push(slot);
      this.slots.push(slot);
    }
    if (mode.kind === "open-loop") this.freeSlots.push(...[...this.slots].reverse());
  }

  async connect(): Promise<void> {
    let next = 0;
    const connectOne = async (): Promise<void> => {
      while (next < this.connections.length) {
        const connection = this.connections[next]!;
        next += 1;
        connection.socket = await LeanWebSocket.connect(this.settings.webSocketUrl, this.settings.token, {
          onMessage: (buffer, start, end) => this.onAnswer(buffer, start, end),
          onClose: (reason) => this.onConnectionClosed(connection, reason),
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, this.connections.length) }, connectOne));
  }

  start(startAtEpochMilliseconds: number): void {
    const wait = Math.max(0, startAtEpochMilliseconds - nowEpochMilliseconds());
    setTimeout(() => this.begin(startAtEpochMilliseconds), wait);
  }

  private begin(startedAt: number): void {
    this.startedAt = startedAt;
    this.running = true;
    this.recorder.recording = true;
    this.scheduleInterval();
    const mode = this.settings.mode;
    if (mode.kind === "closed-loop") {
      for (const slot of this.slots) this.startClosedLoopReceipt(slot);
    } else {
      this.arrivalsTotal = profileArrivals(mode.profile);
      this.nextArrivalAt = this.arrivalsTotal > 0 ? startedAt + arrivalSeconds(mode.profile, 0) * 1000 : Number.POSITIVE_INFINITY;
      this.arrivalTimer = setInterval(() => this.startDueArrivals(), OPEN_LOOP_TICK_MILLISECONDS);
      this.startDueArrivals();
    }
  }

  private scheduleInterval(): void {
    this.intervalIndex += 1;
    const due = this.startedAt + this.intervalIndex * 1000;
    this.intervalTimer = setTimeout(() => this.onIntervalEnd(), Math.max(0, due - nowEpochMilliseconds()));
  }

  private onIntervalEnd(): void {
    if (this.finished) return;
    const now = nowEpochMilliseconds();
    this.abandonTimedOutRequests(now);
    this.post({ kind: "interval", snapshot: this.recorder.takeInterval(this.intervalIndex) });
    const mode = this.settings.mode;
    if (mode.kind === "closed-loop" && this.intervalIndex >= mode.durationSeconds) {
      this.finish(mode.durationSeconds);
      return;
    }
    if (mode.kind === "open-loop" && this.intervalIndex >= Math.ceil(profileDurationSeconds(mode.profile))) {
      this.drainOpenLoop(profileDurationSeconds(mode.profile));
      return;
    }
    this.scheduleInterval();
  }

  private drainOpenLoop(elapsedSeconds: number): void {
    const drainUntil = nowEpochMilliseconds() + OPEN_LOOP_DRAIN_MILLISECONDS;
    const check = (): void => {
      const inProgress = this.slots.length - this.freeSlots.length;
      if (inProgress > 0 && nowEpochMilliseconds() < drainUntil) {
        setTimeout(check, OPEN_LOOP_TICK_MILLISECONDS);
        return;
      }
      for (const slot of this.slots) {
        if (slot.operation >= 0) {
          this.recorder.recordFailure(slot.operation, "UNFINISHED");
          this.recorder.recordFailure(OPERATION_RECEIPT, "UNFINISHED");
        }
      }
      if (inProgress > 0) this.notes.push(`${inProgress} receipts were still in progress ${OPEN_LOOP_DRAIN_MILLISECONDS} ms after the last arrival (UNFINISHED)`);
      this.finish(elapsedSeconds);
    };
    check();
  }

  finish(elapsedSeconds: number): void {
    if (this.finished) return;
    this.finished = true;
    this.running = false;
    this.recorder.recording = false;
    clearTimeout(this.intervalTimer);
    clearInterval(this.arrivalTimer);
    if (this.startDelay.totalCount > 0) {
      const milliseconds = (percentile: number): number => this.startDelay.getValueAtPercentile(percentile) / 1000;
      this.notes.push(
        `worker ${this.settings.workerIndex}: arrivals started late by p50 ${milliseconds(50)} ms, p99 ${milliseconds(99)} ms, max ${this.startDelay.maxValue / 1000} ms (client timer of ${OPEN_LOOP_TICK_MILLISECONDS} ms; included in every open-loop latency)`,
      );
    }
    if (this.connectionsLost > 0) this.notes.push(`${this.connectionsLost} of ${this.connections.length} connections were lost during the phase`);
    for (const connection of this.connections) connection.socket?.close();
    this.post({ kind: "done", operations: this.recorder.phaseSnapshot(), elapsedSeconds, notes: this.notes });
  }

  /** Stops at once (Ctrl-C): the phase so far is reported. */
  stop(): void {
    this.finish(this.running ? (nowEpochMilliseconds() - this.startedAt) / 1000 : 0);
  }

  // Receipts.

  private beginReceipt(slot: Slot, startedAt: number): void {
    const mix = this.settings.mix;
    const receipt = slot.receipt;
    this.receiptNumber += 1;
    receipt.receiptNumber = this.receiptNumber;
    receipt.memberIndex = randomInteger(0, this.encoder.memberCount - 1);
    receipt.byPhone = mix.phoneShare > 0 && Math.random() < mix.phoneShare && this.encoder.hasPhone(receipt.memberIndex);
    receipt.basketIndex = this.receiptNumber % this.baskets.length;
    receipt.at = Math.floor(startedAt);
    slot.paysWithPoints = mix.redeemShare > 0 && Math.random() < mix.redeemShare;
    slot.returnsAnItem = mix.refundShare > 0 && Math.random() < mix.refundShare;
    slot.receiptStartedAt = startedAt;
    slot.requestStartedAt = startedAt;
    if (mix.flow === "full") {
      this.send(slot, OPERATION_IDENTIFY, 0);
    } else {
      this.send(slot, OPERATION_COMMIT, slot.paysWithPoints ? REDEEM_WITHOUT_CALCULATE_POINTS : 0);
    }
  }

  private startClosedLoopReceipt(slot: Slot): void {
    if (!this.running || !slot.alive) return;
    this.beginReceipt(slot, nowEpochMilliseconds());
  }

  private startDueArrivals(): void {
    const mode = this.settings.mode;
    if (mode.kind !== "open-loop" || !this.running) return;
    const now = nowEpochMilliseconds();
    while (this.nextArrivalAt <= now) {
      const intendedAt = this.nextArrivalAt;
      this.nextArrival += 1;
      this.nextArrivalAt =
        this.nextArrival < this.arrivalsTotal ? this.startedAt + arrivalSeconds(mode.profile, this.nextArrival) * 1000 : Number.POSITIVE_INFINITY;
      this.recorder.recordOffered();
      const slot = this.freeSlots.pop();
      if (slot === undefined) {
        this.recorder.recordFailure(OPERATION_RECEIPT, "CLIENT_BACKLOG");
        continue;
      }
      const connection = this.openConnection();
      if (connection === undefined) {
        this.freeSlots.push(slot);
        this.recorder.recordFailure(OPERATION_RECEIPT, "CLIENT_NO_CONNECTION");
        continue;
      }
      slot.connection = connection;
      this.startDelay.recordValue(Math.min(60_000_000, Math.max(1, Math.round((now - intendedAt) * 1000))));
      this.beginReceipt(slot, intendedAt);
    }
    if (this.nextArrival >= this.arrivalsTotal) clearInterval(this.arrivalTimer);
  }

  private openConnection(): Connection | undefined {
    for (let tried = 0; tried < this.connections.length; tried += 1) {
      const connection = this.connections[this.nextConnection]!;
      this.nextConnection = (this.nextConnection + 1) % this.connections.length;
      if (connection.socket?.open === true) return connection;
    }
    return undefined;
  }

  private send(slot: Slot, operation: number, redeem: number): void {
    const socket = slot.connection.socket;
    if (socket === null || !socket.open) {
      this.recorder.recordFailure(operation, "CLIENT_NO_CONNECTION");
      this.endReceipt(slot, true);
      return;
    }
    slot.generation = (slot.generation + 1) % GENERATION_MODULO;
    const requestId = slot.generation * SLOTS_PER_WORKER_MAX + slot.index;
    slot.operation = operation;
    let length: number;
    switch (operation) {
      case OPERATION_IDENTIFY:
        length = this.encoder.identify(requestId, slot.receipt);
        break;
      case OPERATION_CALCULATE:
        length = this.encoder.calculate(requestId, slot.receipt);
        break;
      case OPERATION_COMMIT:
        length = this.encoder.commit(requestId, slot.receipt, redeem);
        break;
      default:
        length = this.encoder.refund(requestId, slot.receipt);
    }
    socket.send(this.encoder.scratch, length);
  }

  private onAnswer(buffer: Buffer, start: number, end: number): void {
    const fields = this.fields;
    if (!this.reader.read(buffer, start, end, fields) || fields.id < 0) {
      // An answer the kit cannot attribute: not msgpack, or id null (the server could not read a request).
      this.recorder.recordFailure(OPERATION_RECEIPT, `CLIENT_UNATTRIBUTED_${fields.code ?? "ANSWER"}`);
      return;
    }
    const slot = this.slots[fields.id % SLOTS_PER_WORKER_MAX];
    if (slot === undefined || slot.operation < 0 || slot.generation !== Math.floor(fields.id / SLOTS_PER_WORKER_MAX)) return;
    const now = nowEpochMilliseconds();
    const operation = slot.operation;
    slot.operation = -1;
    if (!fields.ok) {
      const code = fields.code ?? "UNKNOWN";
      this.recorder.recordFailure(operation, code);
      // A failed return does not undo its receipt, which already counted as a success.
      if (operation !== OPERATION_REFUND) this.recorder.recordFailure(OPERATION_RECEIPT, code);
      this.endReceipt(slot, true);
      return;
    }
    this.recorder.recordSuccess(operation, (now - slot.requestStartedAt) * 1000, fields.byteLength);
    slot.requestStartedAt = now;
    switch (operation) {
      case OPERATION_IDENTIFY:
        this.send(slot, OPERATION_CALCULATE, 0);
        return;
      case OPERATION_CALCULATE:
        this.send(slot, OPERATION_COMMIT, slot.paysWithPoints ? fields.redeemable : 0);
        return;
      case OPERATION_COMMIT:
        this.recorder.recordSuccess(OPERATION_RECEIPT, (now - slot.receiptStartedAt) * 1000, 0);
        if (slot.returnsAnItem) {
          this.send(slot, OPERATION_REFUND, 0);
          return;
        }
        this.endReceipt(slot, false);
        return;
      default:
        this.endReceipt(slot, false);
    }
  }

  private endReceipt(slot: Slot, failed: boolean): void {
    const mode = this.settings.mode;
    if (mode.kind === "open-loop") {
      this.freeSlots.push(slot);
      return;
    }
    if (!this.running || !slot.alive) return;
    if (failed) {
      setTimeout(slot.restart, PAUSE_AFTER_FAILURE_MILLISECONDS);
    } else if (mode.thinkMilliseconds > 0) {
      setTimeout(slot.restart, mode.thinkMilliseconds);
    } else {
      this.beginReceipt(slot, nowEpochMilliseconds());
    }
  }

  private abandonTimedOutRequests(now: number): void {
    for (const slot of this.slots) {
      if (slot.operation < 0 || now - slot.requestStartedAt < REQUEST_TIMEOUT_MILLISECONDS) continue;
      this.recorder.recordFailure(slot.operation, "TIMEOUT");
      if (slot.operation !== OPERATION_REFUND) this.recorder.recordFailure(OPERATION_RECEIPT, "TIMEOUT");
      slot.operation = -1;
      this.endReceipt(slot, true);
    }
  }

  private onConnectionClosed(connection: Connection, reason: string): void {
    if (this.finished) return;
    this.connectionsLost += 1;
    if (this.closeNotes < CLOSE_NOTES_MAX) {
      this.closeNotes += 1;
      this.notes.push(`connection ${this.settings.workerIndex}.${connection.index} ended: ${reason}`);
    }
    for (const slot of this.slots) {
      if (slot.connection !== connection) continue;
      if (this.settings.mode.kind === "closed-loop") slot.alive = false;
      if (slot.operation < 0) continue;
      this.recorder.recordFailure(slot.operation, "CONNECTION_CLOSED");
      if (slot.operation !== OPERATION_REFUND) this.recorder.recordFailure(OPERATION_RECEIPT, "CONNECTION_CLOSED");
      slot.operation = -1;
      this.endReceipt(slot, true);
    }
  }
}

/** The thread serves one phase after another: "prepare" makes a new engine for each. */
function main(): void {
  const port = parentPort;
  if (port === null) throw new Error("load-worker.js runs as a worker thread");
  const post = (message: WorkerToMain): void => port.postMessage(message);
  const fail = (error: unknown): void => post({ kind: "failed", message: error instanceof Error ? error.message : String(error) });
  let engine: LoadEngine | undefined;
  port.on("message", (message: MainToWorker) => {
    switch (message.kind) {
      case "prepare":
        try {
          engine = new LoadEngine(message.settings, post);
        } catch (error) {
          fail(error);
          return;
        }
        engine.connect().then(() => post({ kind: "ready" }), fail);
        return;
      case "start":
        engine?.start(message.startAtEpochMilliseconds);
        return;
      case "stop":
        engine?.stop();
        return;
    }
  });
}

main();
