// Thread: the gateway (main) thread; the bounded queue in front of one shard thread.
import { assert } from "../../domain/assert/assert.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { failureReply, type ChannelReply, type ShardRequestBody } from "../../shard/shard-messages.js";

/**
 * A request that has waited this long for its shard means the shard is
 * behind by more than a lane will wait: new member requests are refused with
 * BUSY at once (they would only queue behind it and time out) until the queue
 * drains below it. Half a second is far above a normal answer, durable
 * commits included (a group commit's flush is milliseconds to tens of
 * milliseconds), and well inside the seconds a POS waits before it gives up.
 * Counting requests alone (the capacity) cannot say this: how long a queue of
 * 8,192 takes depends on what is in it and on the disk.
 */
export const SHARD_QUEUE_WAIT_MAX_MILLISECONDS = 500;

/** Requests that keep the server running, never refused for queueing time: program (a partner's too), campaigns and event kinds switches, metrics, health. */
const CONTROL_REQUEST_KINDS: ReadonlySet<string> = new Set(["setProgram", "setPartnerProgram", "setCampaigns", "setEventKinds", "metrics", "health"]);

interface Waiting {
  readonly resolve: (reply: ChannelReply) => void;
  readonly enteredAtMilliseconds: number;
}

/**
 * The gateway side of a shard's mailbox: assigns refs, remembers who waits
 * for which reply, and refuses work past its capacity or once its oldest
 * request has waited too long.
 */
export class Mailbox {
  private nextRef = 1;
  /** In the order requests entered (a Map keeps insertion order), so the first is the oldest. */
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    private readonly capacity: number,
    /** Monotonic milliseconds (performance.now in production; tests pass their own). */
    private readonly now: () => number,
    private readonly waitMaxMilliseconds: number = SHARD_QUEUE_WAIT_MAX_MILLISECONDS,
  ) {}

  get depth(): number {
    return this.waiting.size;
  }

  get full(): boolean {
    return this.waiting.size >= this.capacity;
  }

  /** How long the oldest unanswered request has waited; 0 when none waits. */
  oldestWaitMilliseconds(): number {
    const oldest = this.waiting.values().next();
    return oldest.done === true ? 0 : this.now() - oldest.value.enteredAtMilliseconds;
  }

  /** Why `body` must be refused now, or undefined if it may enter. */
  refusal(body: ShardRequestBody): "full" | "behind" | undefined {
    if (this.full) return "full";
    if (!CONTROL_REQUEST_KINDS.has(body.kind) && this.oldestWaitMilliseconds() > this.waitMaxMilliseconds) return "behind";
    return undefined;
  }

  /** Reserves a ref for a request and returns the promise of its reply. */
  enter(): { ref: number; reply: Promise<ChannelReply> } {
    assert(!this.full, "callers check `full` before entering");
    const ref = this.nextRef;
    this.nextRef = ref >= Number.MAX_SAFE_INTEGER ? 1 : ref + 1;
    const enteredAtMilliseconds = this.now();
    const reply = new Promise<ChannelReply>((resolve) => this.waiting.set(ref, { resolve, enteredAtMilliseconds }));
    return { ref, reply };
  }

  deliver(reply: ChannelReply): void {
    const waiting = this.waiting.get(reply.ref);
    assert(waiting !== undefined, `reply ${reply.ref} answers a request in the mailbox`);
    this.waiting.delete(reply.ref);
    waiting.resolve(reply);
  }

  /** Answers everything still waiting with the same failure (shard gone, shutdown). */
  failAll(code: "INTERNAL" | "SHUTTING_DOWN" | "UNAVAILABLE", message: string): void {
    for (const [ref, { resolve }] of this.waiting) resolve(failureReply(ref, failure(code, message)));
    this.waiting.clear();
  }
}

export function busyReply(shardIndex: number, reason: "full" | "behind" = "full"): ChannelReply {
  const message =
    reason === "full"
      ? `shard ${shardIndex} has a full mailbox; retry later`
      : `shard ${shardIndex} is behind (a request has waited over ${SHARD_QUEUE_WAIT_MAX_MILLISECONDS} ms); retry later`;
  return failureReply(0, failure("BUSY", message));
}
