import type { DirectoryStore } from "../directory/directory-store.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { ShardFailureReply } from "../../shard/shard-messages.js";
import type {
  BalanceResult,
  CalculateResult,
  CancelResult,
  CommitResult,
  EnrollResult,
  IdentifyResult,
  PaymentResult,
  PingResult,
  RefundResult,
  ReportVisitResult,
} from "../../protocol/terminal-wire.js";
import { isPackedAnswer, unpackAnswer, type PackedAnswer } from "../../protocol/packed-answer.js";
import { CouponUses } from "./coupon-uses.js";
import type { MemberReference, OperationRequest } from "../protocol/operation-request.js";
import type { Enrollment } from "./enrollment.js";
import { enrollResult } from "../../shard/operations/cashier-view.js";
import type { OperationFailure, OperationOutcome, Terminal } from "./operation-outcome.js";
import { isCardRefusal, presentedMember, unknownMember, type PresentedMember } from "./presented-member.js";
import type { ReceiptIndex } from "./receipt-index.js";
import type { CardService } from "./card-service.js";
import type { CardView, ReplaceCardResult } from "../../protocol/admin-wire.js";
import { familyToHoldFor, type FamilyService } from "./family-service.js";

/**
 * Executes validated terminal operations: finds the member in the directory,
 * sends the work to the owning shard, shapes the answer. Transport-free, so
 * WebSocket and HTTP give the same answers by construction.
 */
export class TerminalOperations {
  constructor(
    private readonly directory: DirectoryStore,
    private readonly cluster: ShardCluster,
    private readonly enrollment: Enrollment,
    private readonly receipts: ReceiptIndex,
    private readonly clock: () => number,
    private readonly cards: CardService,
    private readonly family: FamilyService,
    private readonly coupons: CouponUses = new CouponUses(cluster),
  ) {}

  /** Not async itself: each family's promise is handed back as it is, settling when it did inline. */
  execute(request: OperationRequest, terminal: Terminal): Promise<OperationOutcome> {
    switch (request.op) {
      case "ping":
        return this.ping();
      case "enroll":
        return this.enroll(request);
      case "reportVisit":
        return this.reportVisit(request, terminal);
      case "cancel":
      case "refund":
      case "payment":
        return this.byReceipt(request, terminal);
      case "identify":
      case "balance":
        return this.identifyOrBalance(request, terminal);
      case "calculate":
      case "commit":
        return this.calculateOrCommit(request, terminal);
      case "issueCard":
      case "blockCard":
      case "replaceCard":
        return this.cardOperation(request, terminal);
    }
  }

  /**
   * A lane's card operation for the member its card or phone names (whatever that card's state: a
   * member may come with a blocked card for its replacement). A card blocked or replaced must be that
   * member's: a lane cannot touch another member's cards. Audited as the terminal.
   */
  private async cardOperation(
    request: Extract<OperationRequest, { op: "issueCard" | "blockCard" | "replaceCard" }>,
    terminal: Terminal,
  ): Promise<OperationOutcome<CardView | ReplaceCardResult>> {
    const memberId = this.resolve(request.member);
    if (memberId === undefined) return unknownMember(request.member);
    const operator = `terminal:${terminal.id}`;
    if (request.op === "issueCard") return this.cards.issue(memberId, request.issue, operator);
    const target = request.op === "blockCard" ? request.block.card : request.replace.card;
    if (this.directory.findMemberByCard(target) !== memberId) return failure("UNKNOWN_CARD", `card ${target} is not this member's`);
    return request.op === "blockCard"
      ? this.cards.block(target, { reason: request.block.reason }, operator)
      : this.cards.replace(target, request.replace.with, operator);
  }

  private async ping(): Promise<OperationOutcome<PingResult>> {
    return { ok: true, value: { at: this.clock() } };
  }

  private async enroll(request: Extract<OperationRequest, { op: "enroll" }>): Promise<OperationOutcome<EnrollResult>> {
    const outcome = await this.enrollment.enroll(request.profile);
    return outcome.ok ? { ok: true, value: enrollResult(outcome.value) } : outcome;
  }

  private async reportVisit(request: Extract<OperationRequest, { op: "reportVisit" }>, terminal: Terminal): Promise<OperationOutcome<PackedAnswer<ReportVisitResult>>> {
    const presented = this.presented(request.member);
    if ("ok" in presented) return presented;
    const reply = await this.cluster.requestForMember({ kind: "reportVisit", memberId: presented.memberId, visit: request.visit, partner: terminal.partner });
    if (!reply.ok) return this.memberFailure(reply, request.member);
    return { ok: true, value: reply.value };
  }

  /**
   * Cancel, refund, payment: without a card or phone, the receipt index names the member the receipt was
   * committed for. A blocked or expired card may still cancel, return or pay a receipt: it settles what
   * was done with it.
   */
  private async byReceipt(
    request: Extract<OperationRequest, { op: "cancel" | "refund" | "payment" }>,
    terminal: Terminal,
  ): Promise<OperationOutcome<PackedAnswer<CancelResult> | PackedAnswer<RefundResult> | PackedAnswer<PaymentResult>>> {
    const memberId =
      request.member === null
        ? this.receipts.ownerOf(request.store, request.receiptId)
        : this.resolve(request.member);
    if (memberId === undefined) {
      return request.member === null
        ? failure("UNKNOWN_RECEIPT", `store ${request.store} has no receipt ${request.receiptId} on record; send the card or phone with it`)
        : unknownMember(request.member);
    }
    const reply = await this.cluster.requestForMember(receiptRequest(request, memberId, terminal.partner));
    if (!reply.ok) return request.member === null ? failure(reply.code, reply.message) : this.memberFailure(reply, request.member);
    if (request.op === "cancel") {
      // A cancelled receipt that presented a coupon gives its use back (a repeated cancel, again: nothing changes).
      const coupon = cancelledCoupon(reply.value as object);
      if (coupon !== undefined) await this.coupons.release(coupon, request.store, request.receiptId);
    }
    // A return of a family receipt gives points back through the pool (family-service.ts).
    if (reply.family === true) return this.family.finishPacked(reply.value);
    return { ok: true, value: reply.value };
  }

  /**
   * One shard request; the shard shapes the member's card view (identify: the standing under the
   * program of the terminal's partner) or points view (balance) as a lane may see it.
   */
  private async identifyOrBalance(
    request: Extract<OperationRequest, { op: "identify" | "balance" }>,
    terminal: Terminal,
  ): Promise<OperationOutcome<PackedAnswer<IdentifyResult> | PackedAnswer<BalanceResult>>> {
    const presented = this.presented(request.member);
    if ("ok" in presented) return presented;
    const { memberId } = presented;
    const reply =
      request.op === "balance"
        ? await this.cluster.requestForMember({ kind: "balance", memberId, detail: request.detail })
        : await this.cluster.requestForMember({
            kind: "identify",
            memberId,
            presented: request.member.kind === "card" ? { card: request.member.card, type: presented.cardType } : null,
            partner: terminal.partner,
          });
    if (!reply.ok) return this.memberFailure(reply, request.member);
    // A family member's points are the pool's: one more shard request, for family members only.
    if (reply.family === true) return this.family.withPoolPoints(reply.value, request.op === "balance" && request.detail);
    return { ok: true, value: reply.value };
  }

  /** A commit first claims its receipt id in the receipt index; a calculation claims nothing. */
  private async calculateOrCommit(
    request: Extract<OperationRequest, { op: "calculate" | "commit" }>,
    terminal: Terminal,
  ): Promise<OperationOutcome<PackedAnswer<CalculateResult> | PackedAnswer<CommitResult>>> {
    const presented = this.presentedForReceipt(request);
    if ("ok" in presented) return presented;
    const memberId = presented.memberId;
    if (request.op === "calculate") {
      const coupon = request.coupon === undefined ? null : await this.coupons.use(request.coupon, memberId, request.receipt, false);
      if (coupon !== null && !coupon.ok) return coupon;
      return (await this.sendReceipt(request, presented, terminal, coupon === null ? null : { code: coupon.value.code, campaign: coupon.value.campaign })).outcome;
    }
    // The same receipt id committed for another member is a conflict, not a second receipt; a
    // second member's commit racing the first (on another shard thread) waits for it here.
    const claim = await this.receipts.claim(request.receipt.store, request.receipt.id, memberId);
    if (claim.kind === "busy") return failure("BUSY", "too many receipts are being committed; retry shortly");
    if (claim.kind === "owned by another member") {
      return failure("CONFLICT", `receipt ${request.receipt.id} of store ${request.receipt.store} was committed for another member`);
    }
    let done: { outcome: OperationOutcome<PackedAnswer<CalculateResult>>; sequence: number | undefined; committed: boolean } | undefined;
    try {
      // A coupon's use is counted on its own shard first, under this receipt (a retry finds it); a refused commit gives it back.
      const coupon = request.coupon === undefined ? null : await this.coupons.use(request.coupon, memberId, request.receipt, true);
      if (coupon !== null && !coupon.ok) done = { outcome: coupon, sequence: undefined, committed: false };
      else {
        done = await this.sendReceipt(request, presented, terminal, coupon === null ? null : { code: coupon.value.code, campaign: coupon.value.campaign });
        // Only a use this request counted goes back: one found again belongs to the receipt's earlier commit.
        if (coupon !== null && coupon.value.counted && !done.outcome.ok) await this.coupons.release(coupon.value.code, request.receipt.store, request.receipt.id);
      }
    } finally {
      const sequence = done?.sequence;
      // A family receipt is committed on its member's shard even when its pool did not answer (the lane retries).
      claim.finish(done?.committed === true, sequence === undefined ? undefined : { shard: this.cluster.shardOf(memberId), sequence });
    }
    return done.outcome;
  }

  private async sendReceipt(
    request: Extract<OperationRequest, { op: "calculate" | "commit" }>,
    { memberId, cardType }: PresentedMember,
    terminal: Terminal,
    coupon: { readonly code: string; readonly campaign: string } | null = null,
  ): Promise<{ outcome: OperationOutcome<PackedAnswer<CalculateResult> | PackedAnswer<CommitResult>>; sequence: number | undefined; committed: boolean }> {
    let reply = await this.cluster.requestForMember({
      kind: request.op,
      memberId,
      receipt: request.receipt,
      redeem: request.redeem,
      partner: terminal.partner,
      ...(request.hold ? { hold: true } : {}),
      ...(cardType === null ? {} : { cardType }),
      ...(request.paid === undefined ? {} : { paid: request.paid }),
      ...(coupon === null ? {} : { coupon }),
    });
    const family = reply.ok ? null : familyToHoldFor(reply);
    if (family !== null) {
      // A family member: the pool's points first (family-service.ts); members in no family never come here.
      const fields = { memberId, receipt: request.receipt, redeem: request.redeem, partner: terminal.partner, cardType, ...(request.paid === undefined ? {} : { paid: request.paid }), ...(coupon === null ? {} : { coupon }) };
      if (request.op === "commit") {
        const done = await this.family.commitWithHold(family, fields);
        return { outcome: done.outcome.ok ? done.outcome : this.memberFailure(done.outcome, request.member), sequence: done.reply.ok ? done.reply.sequence : undefined, committed: done.reply.ok };
      }
      reply = await this.family.calculate(family, fields);
    }
    if (!reply.ok) return { outcome: this.memberFailure(reply, request.member), sequence: undefined, committed: false };
    // A family member's commit without a redeem: its intent goes to the pool before the answer.
    if (reply.family === true) return { outcome: await this.family.finishPacked(reply.value), sequence: reply.sequence, committed: true };
    return { outcome: { ok: true, value: reply.value }, sequence: reply.sequence, committed: true };
  }

  /** The member a card or phone names and the card's type; a blocked or expired card is refused (presented-member.ts). */
  private presented(member: MemberReference): PresentedMember | OperationFailure {
    return presentedMember(this.directory, member, this.clock());
  }

  /**
   * As presented(), but a commit whose receipt the receipt index already holds for the card's member
   * goes on with a blocked or expired card: a retry of a receipt committed before the block gets its
   * first answer.
   */
  private presentedForReceipt(request: Extract<OperationRequest, { op: "calculate" | "commit" }>): PresentedMember | OperationFailure {
    const presented = this.presented(request.member);
    if (!("ok" in presented) || request.op !== "commit" || !isCardRefusal(presented)) return presented;
    const memberId = this.resolve(request.member);
    const owner = this.receipts.ownerOf(request.receipt.store, request.receipt.id);
    return owner !== undefined && owner === memberId ? { memberId, cardType: null } : presented;
  }

  /** Card or phone -> member id, from the directory, whatever the card's state. No shard is asked. */
  resolve(member: MemberReference): string | undefined {
    return member.kind === "card"
      ? this.directory.findMemberByCard(member.card)
      : this.directory.findMemberByPhone(member.phone);
  }

  private memberFailure(reply: Pick<ShardFailureReply, "code" | "message">, member: MemberReference): OperationFailure {
    // A directory entry whose account was never created (enrolment interrupted by
    // a crash) is, to a lane, an unknown card: enrolling again completes it.
    if (reply.code === "UNKNOWN_MEMBER") return unknownMember(member);
    return failure(reply.code, reply.message);
  }
}


/** The coupon a cancel's answer names; a packed answer is decoded only when its bytes hold the key (a cancel without a coupon decodes nothing). */
function cancelledCoupon(value: object): string | undefined {
  if (!isPackedAnswer(value)) return (value as CancelResult).coupon;
  if (!Buffer.from(value.buffer, value.byteOffset, value.byteLength).includes(COUPON_KEY)) return undefined;
  return (unpackAnswer(value) as CancelResult).coupon;
}

const COUPON_KEY = "coupon";

/** The shard request of a cancel, a refund or a payment: each names a receipt of the terminal's store. */
function receiptRequest(request: Extract<OperationRequest, { op: "cancel" | "refund" | "payment" }>, memberId: string, partner: string) {
  const { store, receiptId } = request;
  switch (request.op) {
    case "cancel":
      return { kind: "cancel", memberId, store, receiptId, partner } as const;
    case "refund":
      return { kind: "refund", memberId, store, receiptId, refundId: request.refundId, lines: request.lines, partner } as const;
    case "payment": {
      const { paymentId, amount, at } = request;
      return { kind: "payment", memberId, store, receiptId, paymentId, amount, at, ...(request.atFromServer === true ? { atFromServer: true as const } : {}) } as const;
    }
  }
}
