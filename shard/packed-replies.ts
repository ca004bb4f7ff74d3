// Thread: a shard worker thread (or the test cluster's thread, for the in-process channel).
import { packAnswer } from "../protocol/packed-answer.js";
import type { ChannelAnswers, ChannelReply, PackedAnswerKind, ShardReply, ShardRequestKind } from "./shard-messages.js";

const PACKED_ANSWER_KINDS: ReadonlySet<ShardRequestKind> = new Set<PackedAnswerKind>(["identify", "balance", "calculate", "commit", "cancel", "refund", "payment", "reportVisit"]);

export function isPackedAnswerKind(kind: ShardRequestKind): kind is PackedAnswerKind {
  return PACKED_ANSWER_KINDS.has(kind);
}

/**
 * The reply to a request of a packed kind as it crosses to the gateway: its
 * answer encoded once, here (docs/ARCHITECTURE.md, "Answers as bytes"). A
 * failure crosses as it is. The bytes are a view into the encoder's buffer,
 * which it never writes again: postMessage copies the buffer with the batch.
 */
export function packedReply<Kind extends PackedAnswerKind>(reply: ShardReply<Kind>): ChannelReply<Kind> {
  if (!reply.ok) return reply;
  const packed = packAnswer(reply.value) as ChannelAnswers[Kind];
  // A family member's answer (an intent for the pool, or a view whose points are the pool's): said outside the bytes.
  if ("familyIntent" in reply.value || "family" in reply.value) {
    return reply.sequence === undefined ? { ref: reply.ref, ok: true, value: packed, family: true } : { ref: reply.ref, ok: true, value: packed, sequence: reply.sequence, family: true };
  }
  return reply.sequence === undefined ? { ref: reply.ref, ok: true, value: packed } : { ref: reply.ref, ok: true, value: packed, sequence: reply.sequence };
}

/** A reply of a request of `kind` as it crosses to the gateway: packed for a packed kind, as it is otherwise. */
export function channelReply(kind: ShardRequestKind, reply: ShardReply): ChannelReply {
  return isPackedAnswerKind(kind) ? packedReply(reply as ShardReply<PackedAnswerKind>) : (reply as ChannelReply);
}
