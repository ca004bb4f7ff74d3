// Thread: the gateway (main) thread; its side of one shard worker thread.
import { Worker } from "node:worker_threads";
import { SHARD_MAILBOX_CAPACITY_REQUESTS, type ShardChannel } from "./shard-channel.js";
import { busyReply, Mailbox } from "./mailbox.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { failureReply, type ShardReadyNotice, type ChannelReply, type ShardRequest, type ShardRequestBody, type ShardWorkerData } from "../../shard/shard-messages.js";

/** A shard that has not said "ready" in this long is broken, not slow. */
const SHARD_START_TIMEOUT_MILLISECONDS = 30_000;
/** Shutdown waits this long for staged commits to become durable. */
const SHARD_STOP_TIMEOUT_MILLISECONDS = 30_000;

/**
 * The most a shard thread's young generation (V8's nursery, where a request's
 * short-lived objects live) may grow to. A shard allocates tens of KB per
 * receipt that die within the turn; with V8's default (16 MiB semi-spaces)
 * it scavenges often and promotes what is still in flight. Measured on the
 * kit with 100,000 members, this against the default, alternating: lanes
 * 5,682 against 5,456 receipts/s (CPU per receipt 279 against 290 us),
 * pipelined 9,720 against 8,800 (169 against 181 us), for about 40-180 MiB
 * more RSS per shard thread under load (docs/benchmarks.md). V8 grows the
 * nursery only under allocation pressure, so an idle shard stays small.
 */
export const SHARD_YOUNG_GENERATION_MEGABYTES = 192;

type WorkerNotice = ShardReadyNotice | { kind: "stopped" };

/**
 * Requests for a shard are sent as one array per event-loop turn rather than
 * one postMessage each: a message between threads costs a lock, a wake-up and
 * an event on the other side whatever its size, and under load one turn of
 * the gateway carries tens of requests for the same shard. The turn ends at
 * setImmediate (after uWS has read every ready socket), so no request waits
 * for a later turn. The mailbox capacity already bounds the array.
 */
type RequestBatch = ShardRequest[];

function isNotice(message: unknown): message is WorkerNotice {
  return typeof message === "object" && message !== null && "kind" in message;
}

/**
 * A shard on its own worker thread. `onExit` is told if the thread dies;
 * SupervisedShardChannel restarts it.
 */
export class WorkerShardChannel implements ShardChannel {
  private readonly mailbox = new Mailbox(SHARD_MAILBOX_CAPACITY_REQUESTS, () => performance.now());
  private stopping = false;
  private pending: RequestBatch = [];
  private sendScheduled = false;
  /** What the thread said when it was ready: the receipts the gateway's index may lack. */
  ready: ShardReadyNotice = { kind: "ready", unindexedReceipts: [], lastSequence: 0 };

  private constructor(
    readonly shardIndex: number,
    private readonly worker: Worker,
  ) {}

  static async start(data: ShardWorkerData, onExit: (shardIndex: number, code: number) => void): Promise<WorkerShardChannel> {
    const worker = new Worker(new URL("../../shard/shard-worker.js", import.meta.url), {
      workerData: data,
      resourceLimits: { maxYoungGenerationSizeMb: SHARD_YOUNG_GENERATION_MEGABYTES },
    });
    const channel = new WorkerShardChannel(data.shardIndex, worker);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`shard ${data.shardIndex} did not start in ${SHARD_START_TIMEOUT_MILLISECONDS} ms`)),
        SHARD_START_TIMEOUT_MILLISECONDS,
      );
      worker.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.on("message", (message: readonly ChannelReply[] | ChannelReply | WorkerNotice) => {
        if (Array.isArray(message)) {
          for (const reply of message as readonly ChannelReply[]) channel.mailbox.deliver(reply);
        } else if ("ref" in message) {
          channel.mailbox.deliver(message);
        } else if (isNotice(message) && message.kind === "ready") {
          clearTimeout(timer);
          channel.ready = message;
          resolve();
        }
      });
    });
    worker.on("error", (error) => {
      process.stderr.write(`shard ${data.shardIndex} failed: ${String(error?.stack ?? error)}\n`);
    });
    worker.on("exit", (code) => {
      channel.mailbox.failAll("UNAVAILABLE", `shard ${data.shardIndex} stopped; retry with the same idempotency key`);
      if (!channel.stopping) onExit(data.shardIndex, code);
    });
    return channel;
  }

  get inFlight(): number {
    return this.mailbox.depth;
  }

  request(body: ShardRequestBody): Promise<ChannelReply> {
    if (this.stopping) {
      return Promise.resolve(failureReply(0, failure("SHUTTING_DOWN", "the server is shutting down")));
    }
    const refusal = this.mailbox.refusal(body);
    if (refusal !== undefined) return Promise.resolve(busyReply(this.shardIndex, refusal));
    const { ref, reply } = this.mailbox.enter();
    this.pending.push({ ...body, ref } as ShardRequest);
    if (!this.sendScheduled) {
      this.sendScheduled = true;
      // Idle (this is the only request in flight): send at the end of this task, no turn later, so
      // a lone lane's request does not wait for the event loop. Busy: gather the turn's requests.
      if (this.mailbox.depth === 1) queueMicrotask(() => this.sendPending());
      else setImmediate(() => this.sendPending());
    }
    return reply;
  }

  private sendPending(): void {
    this.sendScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.worker.postMessage(batch);
  }

  /** Sends a control message outside the mailbox (supervision tests). */
  postRaw(message: { readonly kind: "crashForTest" }): void {
    this.worker.postMessage(message);
  }

  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const stopped = new Promise<void>((resolve) => {
      this.worker.on("message", (message: unknown) => {
        if (isNotice(message) && message.kind === "stopped") resolve();
      });
      this.worker.once("exit", () => resolve());
    });
    // Requests accepted before close go first: the port keeps the order of messages.
    this.sendPending();
    this.worker.postMessage({ kind: "stop" });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, SHARD_STOP_TIMEOUT_MILLISECONDS).unref());
    await Promise.race([stopped, timeout]);
    await this.worker.terminate();
  }
}
