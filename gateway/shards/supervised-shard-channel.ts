// Thread: the gateway (main) thread; restarts a shard worker thread that stopped.
import type { Program } from "../../protocol/program-document.js";
import type { CampaignSet } from "../../protocol/campaign-document.js";
import type { ShardChannel } from "./shard-channel.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { failureReply, type ShardReadyNotice, type ChannelReply, type ShardRequestBody, type ShardWorkerData } from "../../shard/shard-messages.js";
import { WorkerShardChannel } from "./worker-shard-channel.js";

/**
 * Restarts within this window count towards the limit below: a shard that
 * dies again and again is broken (bad disk, bad data), and restarting it
 * forever would hide that; the process then stops (crash-only) so that an
 * operator sees it.
 */
const RESTART_WINDOW_MILLISECONDS = 60_000;
const RESTARTS_PER_WINDOW_MAX = 5;
/** First restart delay; doubled per restart in the window, capped. */
const RESTART_DELAY_MINIMUM_MILLISECONDS = 50;
const RESTART_DELAY_MAXIMUM_MILLISECONDS = 2_000;

export interface SupervisionEvents {
  /** A restarted shard thread is ready: the gateway indexes the receipts it reports. */
  readonly onReady?: (shardIndex: number, ready: ShardReadyNotice) => void;
  /** A shard thread died and is being restarted. */
  readonly onRestart: (shardIndex: number, exitCode: number) => void;
  /** A shard could not be kept alive: the caller stops the process. */
  readonly onGiveUp: (shardIndex: number, reason: string) => void;
}

/**
 * A shard thread under a supervisor. When the thread dies, the requests in
 * flight to it are answered UNAVAILABLE (retriable: each may or may not have
 * been done, and every state change is idempotent), new requests are answered
 * UNAVAILABLE while it restarts, and a new thread opens the same LMDB
 * environment with the same logical shards and the latest program. Nothing
 * acknowledged is lost: acknowledged means durable on disk.
 */
export class SupervisedShardChannel implements ShardChannel {
  private current: WorkerShardChannel | null;
  private program: Program | null;
  /** The partners' own programs last sent, by partner: a restarted thread starts with them. */
  private readonly partnerPrograms = new Map<string, Program>();
  /** The event kinds last sent: a restarted thread starts with them. */
  private eventKinds: readonly string[];
  private campaigns: CampaignSet | null;
  private stopping = false;
  private readonly restarts: number[] = [];

  private constructor(
    private readonly data: ShardWorkerData,
    first: WorkerShardChannel,
    private readonly events: SupervisionEvents,
  ) {
    this.current = first;
    this.program = data.program;
    for (const { partner, program } of data.partnerPrograms ?? []) this.partnerPrograms.set(partner, program);
    this.eventKinds = data.eventKinds ?? [];
    this.campaigns = data.campaigns ?? null;
  }

  static async start(data: ShardWorkerData, events: SupervisionEvents): Promise<SupervisedShardChannel> {
    let supervised: SupervisedShardChannel | undefined;
    const first = await WorkerShardChannel.start(data, (_shard, code) => supervised?.onExit(code));
    supervised = new SupervisedShardChannel(data, first, events);
    return supervised;
  }

  /** What the first thread said when it was ready (the receipts the gateway's index may lack). */
  get ready(): ShardReadyNotice {
    return this.current?.ready ?? { kind: "ready", unindexedReceipts: [], lastSequence: 0 };
  }

  get shardIndex(): number {
    return this.data.shardIndex;
  }

  get inFlight(): number {
    return this.current?.inFlight ?? 0;
  }

  request(body: ShardRequestBody): Promise<ChannelReply> {
    if (body.kind === "setProgram") this.program = body.program;
    if (body.kind === "setPartnerProgram") {
      if (body.program === null) this.partnerPrograms.delete(body.partner);
      else this.partnerPrograms.set(body.partner, body.program);
    }
    if (body.kind === "setEventKinds") this.eventKinds = body.kinds;
    if (body.kind === "setCampaigns") this.campaigns = body.campaigns;
    const current = this.current;
    if (current === null) {
      return Promise.resolve(
        failureReply(0, failure("UNAVAILABLE", `shard ${this.data.shardIndex} is restarting; retry with the same idempotency key`)),
      );
    }
    return current.request(body);
  }

  /** Asks the thread to die (tests of supervision; the worker honours it only with fault injection on). */
  crashForTest(): void {
    this.current?.postRaw({ kind: "crashForTest" });
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.current?.close();
  }

  private onExit(code: number): void {
    this.current = null;
    if (this.stopping) return;
    const now = Date.now();
    while (this.restarts.length > 0 && now - (this.restarts[0] ?? now) > RESTART_WINDOW_MILLISECONDS) this.restarts.shift();
    if (this.restarts.length >= RESTARTS_PER_WINDOW_MAX) {
      this.events.onGiveUp(this.data.shardIndex, `${RESTARTS_PER_WINDOW_MAX} restarts within ${RESTART_WINDOW_MILLISECONDS} ms`);
      return;
    }
    this.restarts.push(now);
    this.events.onRestart(this.data.shardIndex, code);
    const delay = Math.min(
      RESTART_DELAY_MAXIMUM_MILLISECONDS,
      RESTART_DELAY_MINIMUM_MILLISECONDS * 2 ** (this.restarts.length - 1),
    );
    setTimeout(() => {
      const partnerPrograms = [...this.partnerPrograms].map(([partner, program]) => ({ partner, program }));
      const data = { ...this.data, program: this.program, partnerPrograms, eventKinds: this.eventKinds, campaigns: this.campaigns };
      void WorkerShardChannel.start(data, (_shard, exitCode) => this.onExit(exitCode)).then(
        (channel) => {
          if (this.stopping) void channel.close();
          else {
            this.current = channel;
            this.events.onReady?.(this.data.shardIndex, channel.ready);
          }
        },
        (error: unknown) => this.events.onGiveUp(this.data.shardIndex, `restart failed: ${String(error)}`),
      );
    }, delay).unref();
  }
}
