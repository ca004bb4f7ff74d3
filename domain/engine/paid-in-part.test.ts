import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { totalsOfPeriod } from "../account/counters.js";
import { compileProgram, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { commitForMember } from "./member-operations.js";
import { payReceipt, reverseReceipt, type ReceiptSettlement } from "./receipt-settlement.js";

const PROGRAM = compileProgram(programDocument({ points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000 } }));
const MARCH = moscow(2026, 3, 10);
const APRIL = moscow(2026, 4, 10);

/** A receipt of 10,000 billed, committed in March with `paid` of it paid then. */
function committed(paid: number | undefined): { account: Account; settlement: ReceiptSettlement; march: number } {
  const account = openAccount("m0000000000000001", 1, TEST_PROFILE, MARCH - 1_000);
  const outcome = commitForMember(PROGRAM, account, receiptAt(MARCH, [6_000, 4_000]), 0, { now: MARCH, partner: "p" }, paid);
  if (!outcome.ok) throw new Error(outcome.message);
  return { account: outcome.account, settlement: outcome.settlement, march: outcome.settlement.period };
}

const paidIn = (account: Account, period: number): number => totalsOfPeriod(account.counters, period).paid;

describe("a receipt paid in part: paid counts in the period it was paid", () => {
  it("counts only the money paid at the commit, and a later payment in the period of the payment", () => {
    const { account, settlement, march } = committed(3_000);
    expect(paidIn(account, march)).toBe(3_000);
    expect(totalsOfPeriod(account.counters, march).sold).toBe(10_000);
    const april = PROGRAM.calendar.periodOf(APRIL).index;
    const paid = payReceipt(account, settlement, 5_000, april);
    expect(paid.ok).toBe(true);
    if (!paid.ok) return;
    expect(paid.unpaid).toBe(2_000);
    expect(paidIn(paid.account, march)).toBe(3_000);
    expect(paidIn(paid.account, april)).toBe(5_000);
    expect(paid.account.counters.lifetime).toMatchObject({ sold: 10_000, paid: 8_000, visits: 1 });
    expect(payReceipt(paid.account, paid.settlement, 2_001, april)).toMatchObject({ ok: false, code: "PAYMENT_EXCEEDS_UNPAID" });
  });

  it("refuses a commit that says more was paid than the receipt's payable", () => {
    const account = openAccount("m0000000000000001", 1, TEST_PROFILE, MARCH - 1_000);
    expect(commitForMember(PROGRAM, account, receiptAt(MARCH, [10_000]), 0, { now: MARCH, partner: "p" }, 10_001)).toMatchObject({
      ok: false,
      code: "PAYMENT_EXCEEDS_UNPAID",
    });
  });

  it("lets a return first lower what is owed, then take back paid money from the newest payment's period", () => {
    const { account, settlement, march } = committed(3_000);
    const april = PROGRAM.calendar.periodOf(APRIL).index;
    const paid = payReceipt(account, settlement, 5_000, april);
    if (!paid.ok) throw new Error(paid.message);
    // The first line (6,000 of the 10,000) returned: 2,000 owed goes first, then 4,000 of April's money.
    const returned = reverseReceipt(paid.account, paid.account.ledger, paid.settlement, [{ line: 0, quantity: 1_000 }], APRIL, "debt");
    if (!returned.ok) throw new Error(returned.message);
    expect(returned.settlement.payment).toEqual({ unpaid: 0, paidByPeriod: [{ period: march, paid: 3_000 }, { period: april, paid: 1_000 }] });
    expect(paidIn(returned.account, april)).toBe(1_000);
    expect(paidIn(returned.account, march)).toBe(3_000);
    const cancelled = reverseReceipt(returned.account, returned.account.ledger, returned.settlement, "all", APRIL, "debt");
    if (!cancelled.ok) throw new Error(cancelled.message);
    expect(cancelled.account.counters.lifetime).toEqual({ sold: 0, paid: 0, visits: 0 });
    expect(cancelled.settlement.payment).toEqual({ unpaid: 0, paidByPeriod: [] });
  });

  it("keeps a receipt paid in full at its commit without a payment part, as before", () => {
    const { settlement, account, march } = committed(undefined);
    expect(settlement.payment).toBeUndefined();
    expect(paidIn(account, march)).toBe(10_000);
    expect(payReceipt(account, settlement, 1, march)).toMatchObject({ ok: false, code: "PAYMENT_EXCEEDS_UNPAID" });
  });
});
