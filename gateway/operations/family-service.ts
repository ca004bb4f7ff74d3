// Thread: the gateway (main) thread.
import { randomBytes } from "node:crypto";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { FAMILY_ID_PATTERN, familyHoldKey, originOfPoolLot, poolAccountId, type FamilyIntent, type LeavePolicy } from "../../domain/family/family.js";
import { badRequest, readObject, readString, refuseUnknownFields } from "../../domain/validation/fields.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { FamilyJoinResult, FamilyLeaveResult, FamilyView } from "../../protocol/admin-wire.js";
import type { CommitResult } from "../../protocol/terminal-wire.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { familyOfHoldRequired, type FamilyAnswerPart } from "../../shard/operations/family-commit.js";
import type { ApplyAnswer } from "../../shard/operations/family-operations.js";
import type { ChannelReply, FamilyAnswers, FamilyOperation, ShardReply } from "../../shard/shard-messages.js";
import { packAnswer, unpackAnswer, type PackedAnswer } from "../../protocol/packed-answer.js";
import type { ControlStore } from "../control/control-store.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { OperationOutcome } from "./operation-outcome.js";

/** A nonce per commit attempt: each attempt holds the pool's points under its own key (6 bytes: attempts of one receipt never collide). */
const HOLD_NONCE_BYTES = 6;

/**
 * Refusals after which an attempt is over for sure (nothing of it applied): its pool hold is released
 * at once through the abort protocol. Any other failure (UNAVAILABLE, BUSY, a timeout) leaves the
 * hold to the relay, which asks the member's shard once the hold is stale.
 */
const RETRIABLE_CODES: ReadonlySet<string> = new Set(["UNAVAILABLE", "BUSY", "SHUTTING_DOWN", "STORAGE_FULL", "INTERNAL"]);

/** A receipt request of a family member, as TerminalOperations sends it. */
export interface FamilyReceipt {
  readonly memberId: string;
  readonly receipt: Receipt;
  readonly redeem: number;
  readonly partner: string;
  readonly cardType: string | null;
  readonly paid?: number;
  /** A coupon whose use the gateway counted for this receipt, and the campaign it unlocks (coupon-uses.ts). */
  readonly coupon?: { readonly code: string; readonly campaign: string };
}

/**
 * The gateway's side of family accounts (docs/ARCHITECTURE.md, "Family accounts"): a family member's
 * calculate and commit (hold on the pool, commit on the member, apply the intent on the pool), the
 * pool's balance for identify and balance, join and leave, and the pool's admin view. Members in no
 * family never come here: their receipts go to their shard as they always did.
 */
export class FamilyService {
  constructor(
    private readonly cluster: ShardCluster,
    private readonly control: ControlStore,
    private readonly clock: () => number,
  ) {}

  /** A family operation on an account (member or pool). */
  private run<Op extends FamilyOperation["op"]>(accountId: string, operation: Extract<FamilyOperation, { op: Op }>): Promise<ShardReply<"family"> & ({ ok: false } | { ok: true; value: FamilyAnswers[Op] })> {
    return this.cluster.requestForMember({ kind: "family", memberId: accountId, operation }) as Promise<ShardReply<"family"> & ({ ok: false } | { ok: true; value: FamilyAnswers[Op] })>;
  }

  /** Delivers an intent to its target now (the relay delivers it too, later, if this fails): the target's answer. */
  async deliver(intent: FamilyIntent): Promise<OperationOutcome<ApplyAnswer>> {
    const applied = await this.run<"apply">(intent.target, { op: "apply", intent });
    if (!applied.ok) return failure(applied.code, applied.message);
    // A leave's credit to its member: delivered now too, so the member has the points when the leave answers.
    if (applied.value.next !== undefined) {
      const credited = await this.run<"apply">(applied.value.next.target, { op: "apply", intent: applied.value.next });
      if (!credited.ok) return failure(credited.code, credited.message);
    }
    return { ok: true, value: applied.value };
  }

  /**
   * A committed (or returned) family receipt's answer, as the lane gets it: the intent applied on the
   * pool, and the pool's balance after it. The receipt is durable on the member's shard whatever the
   * pool answers; if the pool does not, the lane is told to retry (the retry gets this same answer).
   */
  async finish<Answer extends object>(answer: Answer): Promise<OperationOutcome<Answer>> {
    const part = (answer as Partial<FamilyAnswerPart>).familyIntent;
    if (part === undefined) return { ok: true, value: answer };
    const applied = await this.deliver(part.intent);
    if (!applied.ok) return failure("UNAVAILABLE", `the receipt is recorded; the family's pool did not answer (${applied.message}): retry with the same id`);
    const { familyIntent: _intent, ...rest } = answer as Answer & FamilyAnswerPart;
    // The shape the lane gets: the answer's own fields, the pool's balance, and the family.
    return { ok: true, value: { ...rest, balance: applied.value.balance, family: part.id } as unknown as Answer };
  }

  /** A family member's calculate: the pool's spendable points, then the calculation with them. */
  async calculate(family: string, receipt: FamilyReceipt): Promise<ChannelReply<"calculate">> {
    const pool = await this.cluster.requestForMember({ kind: "lookup", memberId: poolAccountId(family) });
    const familyPoints = pool.ok ? pool.value.balance : 0;
    if (!pool.ok && pool.code !== "UNKNOWN_MEMBER") return pool;
    return this.cluster.requestForMember({ kind: "calculate", ...receiptFields(receipt), familyPoints });
  }

  /** A family member's commit or return, packed as it crossed: unpacked, finished through the pool (finish), packed again for the lane. */
  async finishPacked<Packed extends PackedAnswer<object>>(packed: Packed): Promise<OperationOutcome<Packed>> {
    const finished = await this.finish(unpackAnswer(packed));
    return finished.ok ? { ok: true, value: packAnswer(finished.value) as Packed } : finished;
  }

  /**
   * identify and balance of a family member, as the shard shaped them for the lane: the pool's points
   * in place of the member's own (balance with `detail`: the pool's lots, each with its origin).
   */
  async withPoolPoints<Packed extends PackedAnswer<object>>(packed: Packed, detail: boolean): Promise<OperationOutcome<Packed>> {
    const answer = unpackAnswer(packed) as { readonly family?: string };
    if (answer.family === undefined) return { ok: true, value: packed };
    const pool = await this.cluster.requestForMember({ kind: "lookup", memberId: poolAccountId(answer.family), detail });
    if (!pool.ok && pool.code !== "UNKNOWN_MEMBER") return failure(pool.code, pool.message);
    const points = pool.ok ? pool.value.points : { active: 0, pending: 0, held: 0, debt: 0 };
    const balance = pool.ok ? pool.value.balance : 0;
    const lots = pool.ok ? (pool.value.lots ?? []).map((lot) => ({ ...lot, origin: originOfPoolLot(lot.reference) })) : [];
    // identify has a balance; balance has the points by state too, and the lots with `detail`.
    const patched = "active" in answer ? { ...answer, balance, ...points, ...(detail ? { lots } : {}) } : { ...answer, balance };
    return { ok: true, value: packAnswer(patched) as Packed };
  }

  /**
   * A family member's commit that redeems points: hold them on the pool under this attempt's key,
   * commit naming the hold, apply the intent. A refusal of the commit releases the hold at once
   * (abort on the member's shard, then release on the pool); anything else leaves it to the relay.
   */
  async commitWithHold(family: string, request: FamilyReceipt): Promise<{ reply: ChannelReply<"commit">; outcome: OperationOutcome<PackedAnswer<CommitResult>> }> {
    const first = await this.attempt(family, request);
    // The attempt took so long that the relay gave its hold up: one more attempt, with a hold of its own.
    if (!first.reply.ok && first.reply.code === "FAMILY_HOLD_ABORTED") return this.attempt(family, request);
    return first;
  }

  /** One attempt of commitWithHold, under its own hold key. */
  private async attempt(family: string, request: FamilyReceipt): Promise<{ reply: ChannelReply<"commit">; outcome: OperationOutcome<PackedAnswer<CommitResult>> }> {
    const { memberId, receipt, redeem, partner } = request;
    const key = familyHoldKey(memberId, receipt.store, receipt.id, randomBytes(HOLD_NONCE_BYTES).toString("hex"));
    const pool = poolAccountId(family);
    const held = await this.run<"hold">(pool, { op: "hold", key, points: redeem, partner, member: memberId, store: receipt.store, receiptId: receipt.id });
    if (!held.ok) {
      // A family that never held a point has no pool account yet: as many points as a member with none.
      const reply: ChannelReply<"commit"> = held.code === "UNKNOWN_MEMBER" ? { ...held, ...failure("INSUFFICIENT_POINTS", "the family's pool has no points") } : held;
      return { reply, outcome: failure(reply.ok ? "INTERNAL" : reply.code, reply.ok ? "" : reply.message) };
    }
    const reply = await this.cluster.requestForMember({ kind: "commit", ...receiptFields(request), familyHold: { family, key, points: redeem } });
    if (reply.ok) return { reply, outcome: await this.finishPacked(reply.value) };
    if (!RETRIABLE_CODES.has(reply.code)) await this.abandon(pool, memberId, key, receipt);
    return { reply, outcome: failure(reply.code, reply.message) };
  }

  /** The abort protocol for one hold: the member's shard says whether its receipt committed with it; if not, the pool releases it. */
  async abandon(pool: string, memberId: string, key: string, receipt: { readonly store: string; readonly id: string }): Promise<boolean> {
    const aborted = await this.run<"abort">(memberId, { op: "abort", key, store: receipt.store, receiptId: receipt.id });
    if (!aborted.ok || aborted.value.committed) return false;
    const released = await this.run<"release">(pool, { op: "release", key });
    return released.ok;
  }

  /** GET /v1/admin/families/{family}: the pool's points and its open lots, each with the member who earned it. */
  async view(familyId: string): Promise<OperationOutcome<FamilyView>> {
    const family = readFamilyId(familyId);
    const pool = await this.cluster.requestForMember({ kind: "lookup", memberId: poolAccountId(family), detail: true });
    if (!pool.ok) return pool.code === "UNKNOWN_MEMBER" ? failure("NOT_FOUND", `family ${family} has no pool yet (no member has joined it)`) : failure(pool.code, pool.message);
    const lots = (pool.value.lots ?? []).map((lot) => ({ ...lot, origin: originOfPoolLot(lot.reference) }));
    return { ok: true, value: { family, balance: pool.value.balance, points: pool.value.points, lots } };
  }

  /** POST /v1/admin/families/{family}/join {id, member}: idempotent by id; the member's points move into the pool; audited. */
  async join(familyId: string, input: unknown, operator: string): Promise<OperationOutcome<FamilyJoinResult>> {
    const family = readFamilyId(familyId);
    const document = readObject(input, "join");
    refuseUnknownFields(document, "join", new Set(["id", "member"]));
    const joinId = readString(document["id"], "join.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const member = readString(document["member"], "join.member", CLIENT_IDENTIFIER_LENGTH_MAX, /^m[0-9a-f]+$/);
    const joined = await this.run<"join">(member, { op: "join", joinId, family, pool: poolAccountId(family), operator });
    if (!joined.ok) return failure(joined.code, joined.message);
    const { intent, ...answer } = joined.value;
    // A repeat delivers again: the pool applies an intent once, and answers a repeat as it did.
    const moved = await this.deliver(intent);
    if (!moved.ok) return failure("UNAVAILABLE", `the join is recorded; the family's pool did not answer (${moved.message}): retry with the same id`);
    await this.control.appendAudit({ at: this.clock(), action: "family-join", operator, detail: { family, member, join: joinId, pointsMoved: answer.pointsMoved } });
    return { ok: true, value: answer };
  }

  /** POST /v1/admin/families/{family}/leave {id, member, points: "stay" | "share"}: idempotent by id; audited. */
  async leave(familyId: string, input: unknown, operator: string): Promise<OperationOutcome<FamilyLeaveResult>> {
    const family = readFamilyId(familyId);
    const document = readObject(input, "leave");
    refuseUnknownFields(document, "leave", new Set(["id", "member", "points"]));
    const leaveId = readString(document["id"], "leave.id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
    const member = readString(document["member"], "leave.member", CLIENT_IDENTIFIER_LENGTH_MAX, /^m[0-9a-f]+$/);
    const policy = readString(document["points"], "leave.points", 5);
    if (policy !== "stay" && policy !== "share") throw badRequest("leave.points", '"stay" or "share"');
    const left = await this.run<"leave">(member, { op: "leave", leaveId, policy: policy as LeavePolicy, operator });
    if (!left.ok) return failure(left.code, left.message);
    if (left.value.family !== family) return failure("NOT_IN_FAMILY", `member ${member} left family ${left.value.family}, not ${family}`);
    const { intent, ...answer } = left.value;
    const moved = await this.deliver(intent);
    if (!moved.ok) return failure("UNAVAILABLE", `the leave is recorded; the family's pool did not answer (${moved.message}): retry with the same id`);
    const pointsMoved = moved.value.pointsMoved;
    await this.control.appendAudit({ at: this.clock(), action: "family-leave", operator, detail: { family, member, leave: leaveId, policy, pointsMoved } });
    return { ok: true, value: { ...answer, pointsMoved } };
  }
}

/** The request fields of a receipt of a member (calculate or commit). */
function receiptFields(request: FamilyReceipt) {
  return {
    memberId: request.memberId,
    receipt: request.receipt,
    redeem: request.redeem,
    partner: request.partner,
    ...(request.cardType === null ? {} : { cardType: request.cardType }),
    ...(request.paid === undefined ? {} : { paid: request.paid }),
    ...(request.coupon === undefined ? {} : { coupon: request.coupon }),
  };
}

function readFamilyId(value: string): string {
  if (!FAMILY_ID_PATTERN.test(value)) throw badRequest("family", "1 to 64 letters, digits, '.', '_', ':' or '-'");
  return value;
}

/** The family a shard's FAMILY_HOLD_REQUIRED names, or null for any other reply. */
export function familyToHoldFor(reply: ShardReply | ChannelReply): string | null {
  return !reply.ok && reply.code === "FAMILY_HOLD_REQUIRED" ? familyOfHoldRequired(reply.message) : null;
}
