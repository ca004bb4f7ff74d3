import { expect } from "vitest";
import { openAccount, type Account, type MemberProfile } from "../account/account.js";
import { CompiledProgram } from "../engine/compiled-program.js";
import { commitForMember, reportVisitForMember, standingView, type StandingView } from "../engine/member-operations.js";
import { evaluateStanding, type Standing, type VisitStatus } from "../engine/standing.js";
import { validateProgramDocument } from "../program/validate-program-document.js";
import type { Receipt, ReceiptCalculation, ReceiptLine } from "../receipt/receipt.js";

/** One day of elapsed time, as the engine measures "days without a visit". */
export const DAY = 86_400_000;

/** Moscow has kept UTC+3 all year since 2014: no daylight-saving change to think about. */
const MOSCOW_OFFSET_HOURS = 3;

/**
 * The UTC instant of a Moscow wall-clock time. `month` is 1 to 12, as people
 * write dates: moscow(2026, 2, 1, 0, 30) is 00:30 on 1 February in Moscow,
 * which is 21:30 UTC on 31 January.
 */
export function moscow(year: number, month: number, day: number, hour = 12, minute = 0): number {
  return Date.UTC(year, month - 1, day, hour - MOSCOW_OFFSET_HOURS, minute);
}

/** The Moscow calendar month an instant falls in, as year * 12 + (month - 1): an oracle independent of domain/calendar. */
export function moscowMonthIndex(at: number): number {
  const local = new Date(at + MOSCOW_OFFSET_HOURS * 3_600_000);
  return local.getUTCFullYear() * 12 + local.getUTCMonth();
}

/** Validates a program document the way the control store does and compiles it as version `version`. */
export function compileProgram(document: object, version = 1): CompiledProgram {
  return new CompiledProgram({ ...validateProgramDocument(document), version });
}

/** A minimal valid program document (Moscow months, no points, nothing else), with `overrides` on top. */
export function programDocument(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Test program",
    timeZone: "Europe/Moscow",
    period: { kind: "month" },
    points: { accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 0 },
    ...overrides,
  };
}

export const TEST_PROFILE: MemberProfile = { card: "2000000000015", phone: "79001234567", name: "Anna", birthDate: null };

/** A receipt line of `amount` kopecks, one unit at that price, with optional POS flags. */
export function line(sku: string, amount: number, flags: { readonly noDiscount?: true; readonly noPoints?: true } = {}): ReceiptLine {
  return { sku, qty: 1, price: amount, amount, ...flags };
}

/** A receipt at `at`: a list of amounts becomes lines sku-0, sku-1, ... */
export function receiptAt(at: number, lines: readonly number[] | readonly ReceiptLine[], id = `r-${at}`): Receipt {
  const built = lines.map((each, index) => (typeof each === "number" ? line(`sku-${index}`, each) : each));
  return { id, store: "store-1", at, lines: built };
}

/**
 * One member's life under one program, through the engine's member
 * operations: each step replaces the account, as a shard would store it.
 */
export class MemberJourney {
  account: Account;
  readonly calculations: ReceiptCalculation[] = [];

  constructor(
    readonly compiled: CompiledProgram,
    createdAt: number,
    memberId = "m-1",
  ) {
    this.account = openAccount(memberId, 7, TEST_PROFILE, createdAt);
  }

  /** Commits a receipt, failing the test if the engine refuses it. */
  buy(at: number, lines: readonly number[] | readonly ReceiptLine[], redeem = 0): ReceiptCalculation {
    const outcome = commitForMember(this.compiled, this.account, receiptAt(at, lines, `r-${this.calculations.length + 1}`), redeem);
    if (!outcome.ok) return expect.unreachable(`expected the receipt at ${new Date(at).toISOString()} to commit, got ${outcome.code}: ${outcome.message}`);
    this.account = outcome.account;
    this.calculations.push(outcome.calculation);
    return outcome.calculation;
  }

  report(status: VisitStatus, at: number): Account {
    this.account = reportVisitForMember(this.compiled, this.account, status, at);
    return this.account;
  }

  standing(at: number): Standing {
    return evaluateStanding(this.compiled, this.account, at);
  }

  view(at: number): StandingView {
    return standingView(this.compiled, this.account, at);
  }

  /** The status id held at `at`, or null. */
  statusAt(at: number): string | null {
    return this.standing(at).status?.id ?? null;
  }
}
