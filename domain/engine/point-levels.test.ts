import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import { ledgerTotals } from "../ledger/ledger.js";
import { compileProgram, DAY, moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { adjustForMember, commitForMember, standingView } from "./member-operations.js";
import { pointLevelAt } from "./point-levels.js";

const START = moscow(2026, 3, 1);

/** 10 % back; Silver at 1,000 active points for 30 days (+100 points), Gold at 3,000 for good (the threshold consumed). */
const PROGRAM = compileProgram(
  programDocument({
    points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 },
    pointLevels: {
      levels: [
        { id: "silver", name: "Silver", threshold: 1_000, validityDays: 30, pointsOnReach: 100 },
        { id: "gold", name: "Gold", threshold: 3_000, validityDays: null, pointsOnReach: -3_000 },
      ],
    },
  }),
);

function commit(account: Account, at: number, amount: number, id: string): ReturnType<typeof commitForMember> {
  return commitForMember(PROGRAM, account, receiptAt(at, [amount], id), 0, { now: at, partner: "p" });
}

function committed(account: Account, at: number, amount: number, id: string): Account {
  const outcome = commit(account, at, amount, id);
  if (!outcome.ok) throw new Error(outcome.message);
  return outcome.account;
}

const active = (account: Account, at: number): number => ledgerTotals(account.ledger, at).active;

describe("levels by active points", () => {
  it("reaches a level when the active points reach its threshold, credits its points once, and shows it with its expiry", () => {
    const member = openAccount("m0000000000000001", 1, TEST_PROFILE, START);
    const below = committed(member, START + 1_000, 9_000, "r-1");
    expect(below.pointLevel).toBeUndefined();
    const reaching = commit(below, START + 2_000, 1_000, "r-2");
    expect(reaching.ok && reaching.pointLevelReached?.id).toBe("silver");
    if (!reaching.ok) return;
    expect(active(reaching.account, START + 2_000)).toBe(1_000 + 100);
    expect(standingView(PROGRAM, reaching.account, START + 3_000).pointLevel).toEqual({ id: "silver", name: "Silver", expiresAt: START + 2_000 + 30 * DAY });
    // Held already: another receipt does not reach it again or credit again.
    const again = commit(reaching.account, START + 4_000, 500, "r-3");
    expect(again.ok && again.pointLevelReached).toBeNull();
    expect(again.ok && active(again.account, START + 4_000)).toBe(1_100 + 50);
  });

  it("lets a level lapse lazily after its validity and reaches it again, crediting again, at the next operation", () => {
    const member = committed(openAccount("m0000000000000001", 1, TEST_PROFILE, START), START + 1_000, 10_000, "r-1");
    expect(member.pointLevel?.id).toBe("silver");
    const later = START + 1_000 + 31 * DAY;
    expect(pointLevelAt(PROGRAM, member, later)).toBeNull();
    expect(standingView(PROGRAM, member, later).pointLevel).toBeNull();
    const adjusted = adjustForMember(PROGRAM, member, "a-1", 1, later);
    expect(adjusted.ok && adjusted.account.pointLevel).toEqual({ id: "silver", reachedAt: later, expiresAt: later + 30 * DAY });
    expect(adjusted.ok && active(adjusted.account, later)).toBe(1_100 + 1 + 100);
  });

  it("consumes the threshold on reaching a level that debits it, and holds the higher level without expiry", () => {
    const member = committed(openAccount("m0000000000000001", 1, TEST_PROFILE, START), START + 1_000, 10_000, "r-1");
    const gold = commit(member, START + 2_000, 20_000, "r-2");
    expect(gold.ok && gold.pointLevelReached?.id).toBe("gold");
    if (!gold.ok) return;
    // 1,100 + 2,000 earned = 3,100 active; gold consumes 3,000.
    expect(active(gold.account, START + 2_000)).toBe(100);
    expect(gold.account.pointLevel).toEqual({ id: "gold", reachedAt: START + 2_000, expiresAt: null });
    expect(pointLevelAt(PROGRAM, gold.account, START + 1_000 * DAY)?.level.id).toBe("gold");
  });
});
