import type { ShardActor } from "../../shard/shard-actor.js";
import type { ShardChannel } from "./shard-channel.js";
import { SHARD_MAILBOX_CAPACITY_REQUESTS } from "./shard-channel.js";
import { busyReply, Mailbox } from "./mailbox.js";
import { channelReply } from "../../shard/packed-replies.js";
import type { ChannelReply, ShardRequest, ShardRequestBody } from "../../shard/shard-messages.js";

/**
 * A shard actor on the calling thread, reached through the same channel
 * interface as a worker. Each request is delivered on a later macrotask, as a
 * worker's would be, so tests see the same interleavings.
 */
export class InProcessShardChannel implements ShardChannel {
  private readonly mailbox: Mailbox;

  constructor(
    readonly shardIndex: number,
    private readonly actor: ShardActor,
    capacity: number = SHARD_MAILBOX_CAPACITY_REQUESTS,
  ) {
    this.mailbox = new Mailbox(capacity, () => performance.now());
  }

  get inFlight(): number {
    return this.mailbox.depth;
  }

  request(body: ShardRequestBody): Promise<ChannelReply> {
    const refusal = this.mailbox.refusal(body);
    if (refusal !== undefined) return Promise.resolve(busyReply(this.shardIndex, refusal));
    const { ref, reply } = this.mailbox.enter();
    const request = { ...body, ref } as ShardRequest;
    setImmediate(() => this.actor.handle(structuredClone(request), (answer) => this.mailbox.deliver(channelReply(request.kind, answer))));
    return reply;
  }

  async close(): Promise<void> {
    await this.actor.drain();
    this.mailbox.failAll("SHUTTING_DOWN", "the shard is shutting down");
  }
}
