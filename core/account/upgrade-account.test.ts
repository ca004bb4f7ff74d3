import { describe, expect, it } from "vitest";
import { openAccount, type Account } from "./account.js";
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
    });
  });

  it("returns a current-format account as it is", () => {
    const current = openAccount("m2", 1, PROFILE, 5);
    expect(upgradeAccount(current)).toBe(current);
  });
});
