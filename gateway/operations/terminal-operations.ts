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
  PingResult,
  RefundResult,
  ReportVisitResult,
} from "../../protocol/terminal-wire.js";
import type { MemberReference, OperationRequest } from "../protocol/operation-request.js";
import type { Enrollment } from "./enrollment.js";
import { balanceResult, enrollResult, identifyResult } from "./cashier-view.js";
import type { OperationFailure, OperationOutcome, Terminal } from "./operation-outcome.js";
import type { ReceiptIndex } from "./receipt-index.js";

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
  ) {}

  /** Not async itself: each family's promise is handed back as it is, settling when it did inline. */
  execute(request: OperationRequest, terminal: Terminal): Promise<OperationOutcome> {
    switch (request.op) {
      case "ping":
        return this.ping();
      case "enroll":
        return this.enroll(request);
      case "reportVisit":
        return this.reportVisit(request);
      case "cancel":
      case "refund":
        return this.cancelOrRefund(request);
      case "identify":
      case "balance":
        return this.identifyOrBalance(request);
      case "calculate":
      case "commit":
        return this.calculateOrCommit(request, terminal);
    }
  }

  private async ping(): Promise<OperationOutcome<PingResult>> {
    return { ok: true, value: { at: this.clock() } };
  }

  private async enroll(request: Extract<OperationRequest, { op: "enroll" }>): Promise<OperationOutcome<EnrollResult>> {
    const outcome = await this.enrollment.enroll(request.profile);
    return outcome.ok ? { ok: true, value: enrollResult(outcome.value) } : outcome;
  }

  private async reportVisit(request: Extract<OperationRequest, { op: "reportVisit" }>): Promise<OperationOutcome<ReportVisitResult>> {
    const memberId = this.resolve(request.member);
    if (memberId === undefined) return unknownMember(request.member);
    const reply = await this.cluster.requestForMember({ kind: "reportVisit", memberId, visit: request.visit });
    if (!reply.ok) return this.memberFailure(reply, request.member);
    return { ok: true, value: reply.value };
  }

  /** Without a card or phone, the receipt index names the member the receipt was committed for. */
  private async cancelOrRefund(request: Extract<OperationRequest, { op: "cancel" | "refund" }>): Promise<OperationOutcome<CancelResult | RefundResult>> {
    const memberId =
      request.member === null
        ? this.receipts.ownerOf(request.store, request.receiptId)
        : this.resolve(request.member);
    if (memberId === undefined) {
      return request.member === null
        ? failure("UNKNOWN_RECEIPT", `store ${request.store} has no receipt ${request.receiptId} on record; send the card or phone with it`)
        : unknownMember(request.member);
    }
    const reply = await this.cluster.requestForMember(
      request.op === "cancel"
        ? { kind: "cancel", memberId, store: request.store, receiptId: request.receiptId }
        : {
            kind: "refund",
            memberId,
            store: request.store,
            refundId: request.refundId,
            receiptId: request.receiptId,
            lines: request.lines,
          },
    );
    if (!reply.ok) return request.member === null ? failure(reply.code, reply.message) : this.memberFailure(reply, request.member);
    return { ok: true, value: reply.value };
  }

  /** One shard lookup; identify shapes the member's card view, balance the points view (cashier-view.ts). */
  private async identifyOrBalance(
    request: Extract<OperationRequest, { op: "identify" | "balance" }>,
  ): Promise<OperationOutcome<IdentifyResult | BalanceResult>> {
    const memberId = this.resolve(request.member);
    if (memberId === undefined) return unknownMember(request.member);
    const detail = request.op === "balance" && request.detail;
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId, detail });
    if (!reply.ok) return this.memberFailure(reply, request.member);
    return { ok: true, value: request.op === "balance" ? balanceResult(reply.value, detail) : identifyResult(reply.value) };
  }

  /** A commit first claims its receipt id in the receipt index; a calculation claims nothing. */
  private async calculateOrCommit(
    request: Extract<OperationRequest, { op: "calculate" | "commit" }>,
    terminal: Terminal,
  ): Promise<OperationOutcome<CalculateResult | CommitResult>> {
    const memberId = this.resolve(request.member);
    if (memberId === undefined) return unknownMember(request.member);
    if (request.op === "calculate") return (await this.sendReceipt(request, memberId, terminal)).outcome;
    // The same receipt id committed for another member is a conflict, not a second receipt; a
    // second member's commit racing the first (on another shard thread) waits for it here.
    const claim = await this.receipts.claim(request.receipt.store, request.receipt.id, memberId);
    if (claim.kind === "busy") return failure("BUSY", "too many receipts are being committed; retry shortly");
    if (claim.kind === "owned by another member") {
      return failure("CONFLICT", `receipt ${request.receipt.id} of store ${request.receipt.store} was committed for another member`);
    }
    let done: { outcome: OperationOutcome<CalculateResult>; sequence: number | undefined } | undefined;
    try {
      done = await this.sendReceipt(request, memberId, terminal);
    } finally {
      const sequence = done?.sequence;
      claim.finish(done?.outcome.ok === true, sequence === undefined ? undefined : { shard: this.cluster.shardOf(memberId), sequence });
    }
    return done.outcome;
  }

  private async sendReceipt(
    request: Extract<OperationRequest, { op: "calculate" | "commit" }>,
    memberId: string,
    terminal: Terminal,
  ): Promise<{ outcome: OperationOutcome<CalculateResult | CommitResult>; sequence: number | undefined }> {
    const reply = await this.cluster.requestForMember({
      kind: request.op,
      memberId,
      receipt: request.receipt,
      redeem: request.redeem,
      partner: terminal.partner,
      ...(request.hold ? { hold: true } : {}),
    });
    if (!reply.ok) return { outcome: this.memberFailure(reply, request.member), sequence: undefined };
    return { outcome: { ok: true, value: reply.value }, sequence: reply.sequence };
  }

  /** Card or phone -> member id, from the directory. No shard is asked. */
  resolve(member: MemberReference): string | undefined {
    return member.kind === "card"
      ? this.directory.findMemberByCard(member.card)
      : this.directory.findMemberByPhone(member.phone);
  }

  private memberFailure(reply: ShardFailureReply, member: MemberReference): OperationFailure {
    // A directory entry whose account was never created (enrolment interrupted by
    // a crash) is, to a lane, an unknown card: enrolling again completes it.
    if (reply.code === "UNKNOWN_MEMBER") return unknownMember(member);
    return failure(reply.code, reply.message);
  }
}

function unknownMember(member: MemberReference): OperationFailure {
  return member.kind === "card"
    ? failure("UNKNOWN_CARD", `card ${member.card} is not enrolled`)
    : failure("UNKNOWN_PHONE", `phone ${member.phone} is not enrolled`);
}
