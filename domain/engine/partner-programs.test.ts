import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "../account/account.js";
import type { Program } from "../../protocol/program-document.js";
import { partnerPricingProgram, validatePartnerProgramDocument } from "../program/partner-program.js";
import { validateProgramDocument } from "../program/validate-program-document.js";
import { moscow, programDocument, receiptAt, TEST_PROFILE } from "../test-support/loyalty-programs.js";
import { CompiledProgram } from "./compiled-program.js";
import { calculateForMember, categoriesToStore, commitForMember, reportVisitForMember, standingView } from "./member-operations.js";

const AT = moscow(2026, 3, 10);

/** The coalition: 10 % back; a member who came in is in its category "came". */
const COALITION: Program = {
  ...validateProgramDocument(
    programDocument({
      points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 10_000 },
      categories: [{ id: "came", name: "Came", discountBasisPoints: 0 }],
      categoryRules: [{ id: "came", action: "add", category: "came", when: { visitStatus: "came" } }],
      statuses: {
        counter: "sold",
        entryLevel: "base",
        levels: [
          { id: "base", name: "Base", threshold: 0, discountBasisPoints: 0 },
          { id: "silver", name: "Silver", threshold: 1_000_000, discountBasisPoints: 100 },
        ],
      },
    }),
  ),
  version: 4,
};

/** The cafe's own program: 30 % back; a member with a receipt is a "regular" (5 % off); a lower status threshold. */
const CAFE: Program = {
  ...validatePartnerProgramDocument(
    {
      name: "Cafe",
      points: { accrualRateBasisPoints: 3_000, maxRedeemShareBasisPoints: 10_000 },
      categories: [{ id: "regular", name: "Regular", discountBasisPoints: 500 }],
      categoryRules: [{ id: "regular", action: "add", category: "regular", when: { counter: "visits", from: 1 } }],
      statuses: {
        counter: "sold",
        entryLevel: "base",
        levels: [
          { id: "base", name: "Base", threshold: 0, discountBasisPoints: 0 },
          { id: "gold", name: "Gold", threshold: 5_000, discountBasisPoints: 1_000 },
        ],
      },
    },
    COALITION,
  ),
  version: 2,
};

const coalition = new CompiledProgram(COALITION);
const cafe = new CompiledProgram(partnerPricingProgram(COALITION, CAFE, "cafe"), "cafe");

function commit(compiled: CompiledProgram, account: Account, at: number, amount: number, partner: string, id: string): Account {
  const committed = commitForMember(compiled, account, receiptAt(at, [amount], id), 0, { now: at, partner });
  if (!committed.ok) throw new Error(committed.message);
  return committed.account;
}

describe("a member priced by the coalition program and by a partner's own program", () => {
  it("prices each receipt with its program, naming the partner's in the answer and nothing in the coalition's", () => {
    const account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 10_000);
    const atCafe = calculateForMember(cafe, account, receiptAt(AT, [10_000]), 0, { now: AT, partner: "cafe" });
    expect(atCafe.ok && atCafe.calculation).toMatchObject({ points: 3_000, programVersion: 2, programPartner: "cafe" });
    const atBakery = calculateForMember(coalition, account, receiptAt(AT, [10_000]), 0, { now: AT, partner: "bakery" });
    expect(atBakery.ok && atBakery.calculation).toMatchObject({ points: 1_000, programVersion: 4 });
    expect(atBakery.ok && "programPartner" in atBakery.calculation).toBe(false);
  });

  it("shares the counters: statuses of each program read the same purchases by that program's thresholds", () => {
    let account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 40 * 86_400_000);
    // 100 roubles bought at the bakery in February: over the cafe's Gold threshold (50), under the coalition's Silver.
    account = commit(coalition, account, moscow(2026, 2, 10), 10_000, "bakery", "feb-1");
    expect(standingView(cafe, account, AT).status).toEqual({ id: "gold", name: "Gold" });
    expect(standingView(coalition, account, AT).status).toEqual({ id: "base", name: "Base" });
    expect(account.counters.lifetime.visits).toBe(1);
  });

  it("keeps each program's categories: one program's rules never drop another's memberships", () => {
    let account = openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 10_000);
    account = reportVisitForMember(coalition, account, "came", AT - 5_000);
    expect(account.categories).toEqual(["came"]);
    account = commit(cafe, account, AT - 4_000, 1_000, "cafe", "c-1");
    expect([...account.categories].sort()).toEqual(["cafe:regular", "came"]);
    account = commit(coalition, account, AT - 3_000, 1_000, "bakery", "b-1");
    expect([...account.categories].sort()).toEqual(["cafe:regular", "came"]);
    // Each program shows and applies only its own.
    expect(standingView(cafe, account, AT).categories).toEqual([{ id: "cafe:regular", name: "Regular" }]);
    expect(standingView(coalition, account, AT).categories).toEqual([{ id: "came", name: "Came" }]);
    const priced = calculateForMember(cafe, account, receiptAt(AT, [10_000]), 0, { now: AT, partner: "cafe" });
    expect(priced.ok && priced.calculation.rules).toContainEqual({ rule: "category:cafe:regular", effect: "discount", basisPoints: 500 });
  });

  it("stores the program's own categories as they are, allocating nothing, when the account holds no other program's", () => {
    const own = ["came"];
    expect(categoriesToStore(coalition, ["came"], own)).toBe(own);
    expect(categoriesToStore(coalition, ["cafe:regular"], own)).toEqual(["came", "cafe:regular"]);
    expect(categoriesToStore(cafe, ["came", "cafe:old", "cafe2:x"], ["cafe:regular"])).toEqual(["cafe:regular", "came", "cafe2:x"]);
  });

  it("gives a receipt's points the partner of its store as issuer, under the coalition program's policy", () => {
    const account = commit(cafe, openAccount("m0000000000000001", 1, TEST_PROFILE, AT - 10_000), AT - 1_000, 1_000, "cafe", "c-1");
    expect(account.ledger.lots.map((lot) => lot.partner)).toEqual(["cafe"]);
    expect(cafe.program.coalition).toEqual(COALITION.coalition);
  });
});
