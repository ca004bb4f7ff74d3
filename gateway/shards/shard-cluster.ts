// Thread: the gateway (main) thread; routes each request to the shard thread that owns its member.
import { assert } from "../../domain/assert/assert.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import type { PlacementTable } from "../../domain/placement/placement-table.js";
import type { ShardChannel } from "./shard-channel.js";
import type { ChannelReply, ShardRequestBody, ShardRequestKind } from "../../shard/shard-messages.js";

/** Member-addressed requests: the cluster fills in the logical shard. */
type MemberRequestBody = Extract<ShardRequestBody, { logicalShard: number; memberId: string }>;
type MemberRequestFields = MemberRequestBody extends infer Body
  ? Body extends MemberRequestBody
    ? Omit<Body, "logicalShard">
    : never
  : never;

/**
 * The gateway's view of the shards: member id -> logical shard (shard
 * function) -> shard thread (placement table) -> channel. It is the only
 * place that routes, so moving logical shards later changes only the table.
 */
export class ShardCluster {
  constructor(
    readonly placement: PlacementTable,
    private readonly channels: readonly ShardChannel[],
  ) {
    assert(channels.length === placement.shardThreadCount, "one channel per shard thread in the placement");
  }

  get shardCount(): number {
    return this.channels.length;
  }

  requestForMember<Body extends MemberRequestFields>(body: Body): Promise<ChannelReply<Body["kind"]>> {
    const logicalShard = logicalShardOf(body.memberId);
    const channel = this.channels[this.placement.ownerOf(logicalShard)];
    assert(channel !== undefined, "the placement names an existing shard thread");
    return asReplyTo<Body["kind"]>(channel.request({ ...body, logicalShard } as ShardRequestBody));
  }

  /** A request about a whole logical shard (not one member), to the thread that owns it. */
  requestForLogicalShard<Body extends Extract<ShardRequestBody, { kind: "memberProfiles" | "segmentPreview" | "couponIssue" | "couponUse" | "couponRelease" | "couponRead" | "surveyInvite" | "surveyAnswers" }>>(body: Body): Promise<ChannelReply<Body["kind"]>> {
    const channel = this.channels[this.placement.ownerOf(body.logicalShard)];
    assert(channel !== undefined, "the placement names an existing shard thread");
    return asReplyTo<Body["kind"]>(channel.request(body));
  }

  /** The shard thread that owns a member. */
  shardOf(memberId: string): number {
    return this.placement.ownerOf(logicalShardOf(memberId));
  }

  /** Tells one shard thread how far the gateway's receipt index is durable (ShardRequest "receiptIndexFloor"). */
  sendReceiptIndexFloor(shardIndex: number, through: number): Promise<ChannelReply<"receiptIndexFloor">> {
    const channel = this.channels[shardIndex];
    assert(channel !== undefined, "a floor goes to an existing shard thread");
    return asReplyTo<"receiptIndexFloor">(channel.request({ kind: "receiptIndexFloor", through }));
  }

  /** A request to one shard thread (not about a member: a page of an admin report). */
  requestToShard<Body extends Exclude<ShardRequestBody, MemberRequestBody>>(shardIndex: number, body: Body): Promise<ChannelReply<Body["kind"]>> {
    const channel = this.channels[shardIndex];
    assert(channel !== undefined, "a request goes to an existing shard thread");
    return asReplyTo<Body["kind"]>(channel.request(body));
  }

  /** Sends the same request to every shard and waits for all answers. */
  broadcast<Body extends Exclude<ShardRequestBody, MemberRequestBody>>(body: Body): Promise<ChannelReply<Body["kind"]>[]> {
    return Promise.all(this.channels.map((channel) => asReplyTo<Body["kind"]>(channel.request(body))));
  }

  mailboxDepths(): number[] {
    return this.channels.map((channel) => channel.inFlight);
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((channel) => channel.close()));
  }
}

/**
 * The reply to a request of `Kind`, typed as that kind's answer. Channels
 * carry replies of every kind; the mailbox hands each to the request with
 * its ref, and a shard answers a request of a kind with that kind's answer
 * (ShardAnswers): the one place the gateway relies on it.
 */
function asReplyTo<Kind extends ShardRequestKind>(reply: Promise<ChannelReply>): Promise<ChannelReply<Kind>> {
  return reply as Promise<ChannelReply<Kind>>;
}
