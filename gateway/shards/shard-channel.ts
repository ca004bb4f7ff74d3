import type { ChannelReply, ShardRequestBody } from "../../shard/shard-messages.js";

/**
 * Requests queued for one shard and not yet answered. The shard reads its
 * port one message at a time; this bound is its mailbox's capacity. At the
 * bound the channel answers BUSY itself, without sending, so an overloaded
 * shard never builds an unbounded queue. 8,192 is about 100 ms of commits at
 * the rate one shard thread sustains: more waiting than that helps no lane.
 */
export const SHARD_MAILBOX_CAPACITY_REQUESTS = 8_192;

/**
 * How the gateway talks to one shard. Two implementations: WorkerShardChannel
 * (a real worker thread) and InProcessShardChannel (the same actor on the
 * calling thread, for tests: the in-memory test cluster).
 */
export interface ShardChannel {
  readonly shardIndex: number;
  /** Requests sent and not yet answered: the mailbox depth. */
  readonly inFlight: number;
  request(body: ShardRequestBody): Promise<ChannelReply>;
  close(): Promise<void>;
}
