import { expect } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import type { CompiledProgram } from "../engine/compiled-program.js";
import {
  adjustForMember,
  commitForMember,
  holdForMember,
  releaseHoldForMember,
  type AdjustOutcome,
  type CommitOutcome,
  type HoldOutcome,
} from "../engine/member-operations.js";
import { reverseReceipt, scaledQuantity, type ReceiptSettlement, type ReversalOutcome } from "../engine/receipt-settlement.js";
import { ledgerTotals, settleLedger, type LedgerBalances, type LedgerLifetimeTotals } from "../ledger/ledger.js";
import type { Lot, LotShare } from "../ledger/lot.js";
import type { Receipt, ReceiptCalculation } from "../receipt/receipt.js";
import { compileProgram, programDocument, TEST_PROFILE } from "./loyalty-programs.js";

/** The partner every receipt of a PointsMember is committed for. */
export const PARTNER = "partner-1";

/** A points-only program: 10 % back, points may pay the whole receipt, and `points` overrides on top. */
export function pointsProgram(points: Record<string, unknown> = {}): CompiledProgram {
  return compileProgram(
    programDocument({ points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000, ...points } }),
  );
}

/** What the shard keeps of a committed receipt: the receipt, its answer and its settlement (replaced by each return). */
export interface CommittedReceipt {
  readonly receipt: Receipt;
  readonly calculation: ReceiptCalculation;
  settlement: ReceiptSettlement;
}

/** A return of `qty` (a count or a weight, as the POS sends it) of receipt line `line`. */
export interface QuantityReturn {
  readonly line: number;
  readonly qty: number;
}

/**
 * One member's points through the engine, the way a shard drives it: every
 * successful operation replaces the account; a commit's settlement is kept
 * with its receipt and handed to each cancel or refund, whose new settlement
 * replaces it. A refused operation changes nothing, as in the shard.
 */
export class PointsMember {
  account: Account;
  readonly receipts = new Map<string, CommittedReceipt>();

  constructor(
    public compiled: CompiledProgram,
    createdAt: number,
  ) {
    this.account = openAccount("m-1", 7, TEST_PROFILE, createdAt);
  }

  commit(receipt: Receipt, redeem: number, now: number): CommitOutcome {
    const outcome = commitForMember(this.compiled, this.account, receipt, redeem, { now, partner: PARTNER });
    if (outcome.ok) {
      this.account = outcome.account;
      this.receipts.set(receipt.id, { receipt, calculation: outcome.calculation, settlement: outcome.settlement });
    }
    return outcome;
  }

  hold(receipt: Receipt, redeem: number, now: number): HoldOutcome {
    const outcome = holdForMember(this.compiled, this.account, receipt, redeem, { now, partner: PARTNER });
    if (outcome.ok) this.account = outcome.account;
    return outcome;
  }

  /** Cancels a receipt's hold; null when it has none (the account then stays as it was). */
  releaseHold(receipt: Receipt, now: number): Account | null {
    const released = releaseHoldForMember(this.account, receipt, now);
    if (released !== null) this.account = released;
    return released;
  }

  cancel(receiptId: string, now: number): ReversalOutcome {
    return this.reverse(receiptId, "all", now);
  }

  refund(receiptId: string, returns: readonly QuantityReturn[], now: number): ReversalOutcome {
    return this.reverse(
      receiptId,
      returns.map((each) => ({ line: each.line, quantity: scaledQuantity(each.qty) })),
      now,
    );
  }

  adjust(adjustmentId: string, points: number, now: number): AdjustOutcome {
    const outcome = adjustForMember(this.compiled, this.account, adjustmentId, points, now);
    if (outcome.ok) this.account = outcome.account;
    return outcome;
  }

  /** The balances a view shows at `now`. */
  balances(now: number): LedgerBalances {
    return ledgerTotals(this.account.ledger, now);
  }

  /** The ledger's lifetime totals as they are once settled at `now`. */
  totals(now: number): LedgerLifetimeTotals {
    return settleLedger(this.account.ledger, now).ledger.totals;
  }

  /** The open lots once settled at `now`. */
  lots(now: number): readonly Lot[] {
    return settleLedger(this.account.ledger, now).ledger.lots;
  }

  committed(receiptId: string): CommittedReceipt {
    const record = this.receipts.get(receiptId);
    if (record === undefined) return expect.unreachable(`receipt ${receiptId} was never committed`);
    return record;
  }

  private reverse(receiptId: string, returns: Parameters<typeof reverseReceipt>[3], now: number): ReversalOutcome {
    const record = this.committed(receiptId);
    const outcome = reverseReceipt(
      this.account,
      this.account.ledger,
      record.settlement,
      returns,
      now,
      this.compiled.program.points.returnPolicy,
    );
    if (outcome.ok) {
      this.account = outcome.account;
      record.settlement = outcome.settlement;
    }
    return outcome;
  }
}

/** Narrows an engine outcome to its success, failing the test with the refusal otherwise. */
export function succeeded<Outcome extends { readonly ok: boolean }>(outcome: Outcome): Extract<Outcome, { ok: true }> {
  if (!outcome.ok) {
    const refusal = outcome as unknown as { code: string; message: string };
    return expect.unreachable(`expected success, got ${refusal.code}: ${refusal.message}`);
  }
  return outcome as Extract<Outcome, { ok: true }>;
}

/** [lot, points] of each share, in order. */
export function shareList(shares: readonly LotShare[]): (readonly [number, number])[] {
  return shares.map((share) => [share.lot, share.points] as const);
}

/** Open lots by id -> [remaining, held, spent, expired, revoked]. */
export function lotStates(lots: readonly Lot[]): Record<number, readonly number[]> {
  return Object.fromEntries(lots.map((lot) => [lot.id, [lot.remaining, lot.held, lot.spent, lot.expired, lot.revoked]]));
}

/** A receipt of lines with their own quantities, at `at`, from store-1. */
export function weighedReceipt(id: string, at: number, lines: readonly { readonly qty: number; readonly amount: number }[]): Receipt {
  return {
    id,
    store: "store-1",
    at,
    lines: lines.map((each, index) => ({ sku: `sku-${index}`, qty: each.qty, price: Math.round(each.amount / each.qty), amount: each.amount })),
  };
}
