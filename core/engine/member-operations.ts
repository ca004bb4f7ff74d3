import { applyReceiptCommit, type Account } from "../account/account.js";
import { totalsOfPeriod } from "../account/counters.js";
import { calculateReceipt, type CalculationOutcome } from "../receipt/calculate-receipt.js";
import type { Receipt } from "../receipt/receipt.js";
import type { CompiledProgram } from "./compiled-program.js";
import { categoriesAt, evaluateStanding, importanceClassAt, type Standing, type VisitStatus } from "./standing.js";

/**
 * The pure operations on one member that a shard performs: state, receipt,
 * program and time in; result and next state out.
 */

export function calculateForMember(compiled: CompiledProgram, account: Account, receipt: Receipt, redeem: number): CalculationOutcome {
  const standing = evaluateStanding(compiled, account, receipt.at);
  return calculateWithStanding(compiled, account, standing, receipt, redeem);
}

function calculateWithStanding(
  compiled: CompiledProgram,
  account: Account,
  standing: Standing,
  receipt: Receipt,
  redeem: number,
): CalculationOutcome {
  return calculateReceipt({
    compiled,
    standing,
    balance: account.balance,
    purchaseNumberInPeriod: totalsOfPeriod(account.counters, standing.period).visits + 1,
    receipt,
    redeem,
  });
}

export type CommitOutcome =
  | { readonly ok: true; readonly calculation: Extract<CalculationOutcome, { ok: true }>["calculation"]; readonly account: Account }
  | Extract<CalculationOutcome, { ok: false }>;

/**
 * Commits a receipt: calculates it on the member's standing at the receipt's
 * time, applies it to balance and counters, then re-applies the category
 * rules with the new counters, so memberships follow the receipt at once.
 */
export function commitForMember(compiled: CompiledProgram, account: Account, receipt: Receipt, redeem: number): CommitOutcome {
  const standing = evaluateStanding(compiled, account, receipt.at);
  const outcome = calculateWithStanding(compiled, account, standing, receipt, redeem);
  if (!outcome.ok) return outcome;
  const applied = applyReceiptCommit(account, outcome.calculation, receipt.at, standing.period);
  const afterReceipt = { ...applied, categories: standing.categories };
  const categories = categoriesAt(compiled, afterReceipt, importanceClassAt(compiled, afterReceipt, receipt.at), receipt.at);
  return { ok: true, calculation: outcome.calculation, account: { ...afterReceipt, categories } };
}

/**
 * A visit-status event ("came", "did not come"): becomes the member's last
 * visit status, which category rules may test; counters do not change.
 */
export function reportVisitForMember(compiled: CompiledProgram, account: Account, status: VisitStatus, at: number): Account {
  const before = evaluateStanding(compiled, account, at);
  const reported = { ...account, categories: before.categories, lastVisitStatus: status };
  const categories = categoriesAt(compiled, reported, before.importanceClass, at);
  return { ...reported, categories, sequence: account.sequence + 1 };
}

/** What identify and the admin view show of a member at `now`. */
export function standingView(compiled: CompiledProgram | null, account: Account, now: number): Record<string, unknown> {
  if (compiled === null) {
    return {
      status: null,
      importanceClass: null,
      categories: [],
      discountBasisPoints: 0,
      discountSources: [],
      discountLapsesAt: null,
      classLapsesAt: null,
    };
  }
  const standing = evaluateStanding(compiled, account, now);
  return {
    status: standing.status === null ? null : { id: standing.status.id, name: standing.status.name },
    importanceClass: standing.importanceClass === null ? null : { id: standing.importanceClass.id, name: standing.importanceClass.name },
    categories: standing.categories.map((id) => ({ id, name: compiled.categoriesById.get(id)?.name ?? id })),
    discountBasisPoints: standing.discountBasisPoints,
    discountSources: standing.appliedDiscounts,
    accrualRateBasisPoints: standing.accrualRateBasisPoints,
    discountLapsesAt: standing.discountLapsesAt,
    classLapsesAt: standing.classLapsesAt,
  };
}
