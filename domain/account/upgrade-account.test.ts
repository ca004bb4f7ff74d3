import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "./account.js";
import { ledgerTotals } from "../ledger/ledger.js";
import { upgradeAccount } from "./upgrade-account.js";

const PROFILE = { card: "1", phone: null, name: null, birthDate: null };

describe("upgradeAccount", () => {
  it("turns first-format flat counters into lifetime totals with no remembered periods", () => {
    const firstFormat = {
      memberId: "m1",
      logicalShard: 3,
      profile: PROFILE,
      balance: 120,
      counters: { sold: 5_000, paid: 4_500, visits: 2, firstVisitAt: 10, lastVisitAt: 20 },
      createdAt: 1,
      sequence: 2,
    } as unknown as Account;
    expect(upgradeAccount(firstFormat)).toEqual({
      ...firstFormat,
      counters: {
        lifetime: { sold: 5_000, paid: 4_500, visits: 2 },
        recentPeriods: [],
        firstVisitAt: 10,
        lastVisitAt: 20,
      },
      categories: [],
      lastVisitStatus: null,
      ledger: expect.objectContaining({ lots: [expect.objectContaining({ points: 120, remaining: 120, expiresAt: null })] }),
    });
  });

  it("keeps a first-format balance as one opening lot, so nothing the member had is lost", () => {
    const upgraded = upgradeAccount({ ...openAccount("m3", 1, PROFILE, 5), balance: 70, ledger: undefined } as unknown as Account);
    expect(ledgerTotals(upgraded.ledger, 10)).toMatchObject({ active: 70, pending: 0, held: 0, debt: 0 });
  });

  it("returns a current-format account as it is", () => {
    const current = openAccount("m2", 1, PROFILE, 5);
    expect(upgradeAccount(current)).toBe(current);
  });
});
