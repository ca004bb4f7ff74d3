import { openAccount, type Account, type MemberProfile } from "../../domain/account/account.js";
import type { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import { holdForMember, type OperationContext } from "../../domain/engine/member-operations.js";
import { ledgerTotals, settleLedger } from "../../domain/ledger/ledger.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import type { CalculateResult } from "../../protocol/terminal-wire.js";
import { calculationAnswer } from "./commit-receipt.js";
import { historyWrite, refused, type OperationResult } from "./operation-result.js";

/**
 * The state changes that are not keyed by a client id: enrolment (idempotent
 * by member), a hold of points for a receipt being calculated, and the
 * expiry of lots and lapsed holds found by the sweep.
 */

/**
 * Opens the member's account; the same profile again answers the existing
 * account (`view` shapes the answer), another profile is CONFLICT.
 */
export function enrollMember<View extends object>(
  existing: Account | undefined,
  member: { readonly memberId: string; readonly logicalShard: number; readonly profile: MemberProfile },
  now: number,
  view: (account: Account) => View,
): OperationResult<View> {
  if (existing !== undefined) {
    return JSON.stringify(existing.profile) === JSON.stringify(member.profile)
      ? { kind: "answered", answer: view(existing) }
      : refused(failure("CONFLICT", `card ${member.profile.card} is already enrolled with other details`));
  }
  const account = openAccount(member.memberId, member.logicalShard, member.profile, now);
  return { kind: "applied", answer: view(account), account, writes: [{ kind: "account", account }] };
}

/** A calculation that reserves the points it redeems until commit, cancel or the hold's time. */
export function holdPoints(program: CompiledProgram, account: Account, receipt: Receipt, redeem: number, context: OperationContext): OperationResult<CalculateResult> {
  const outcome = holdForMember(program, account, receipt, redeem, context);
  if (!outcome.ok) return refused(outcome);
  const answer: CalculateResult = {
    ...calculationAnswer(account.memberId, receipt, outcome.calculation, outcome.account.balance + outcome.hold.points),
    hold: outcome.hold,
  };
  return {
    kind: "applied",
    answer,
    account: outcome.account,
    writes: [
      { kind: "account", account: outcome.account },
      historyWrite(outcome.account, context.now, "hold", { receipt: receipt.id, store: receipt.store, ...outcome.hold }),
    ],
  };
}

/**
 * The account with its expired lots and lapsed holds settled, and an
 * "expiry" history entry; null when nothing expired or lapsed. Expiry also
 * applies whenever an account is read, so this only makes it show in history
 * for a member who never comes back.
 */
export function expireLots(account: Account, now: number): Extract<OperationResult, { kind: "applied" }> | null {
  const settled = settleLedger(account.ledger, now);
  if (settled.expired === 0 && settled.releasedHolds.length === 0) return null;
  const next: Account = {
    ...account,
    ledger: settled.ledger,
    balance: ledgerTotals(settled.ledger, now).available,
    sequence: account.sequence + 1,
  };
  return {
    kind: "applied",
    answer: {},
    account: next,
    writes: [{ kind: "account", account: next }, historyWrite(next, now, "expiry", { expired: settled.expired, releasedHolds: settled.releasedHolds })],
  };
}
