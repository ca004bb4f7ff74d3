import { describe, expect, it } from "vitest";
import { navigationFor, parseRoute, titleOf } from "./routes.js";
import { formatPeriod, mechanicsSummary, mechanicSummary, newClientId, stateActions, triggerSummary } from "./campaign-summary.js";

const POINTS = { kind: "points", rateBasisPoints: null, fixedPoints: null, skus: null, receiptTotalAtLeast: null, everyPurchases: null } as const;

describe("campaigns in the console", () => {
  it("routes #/campaigns to its own page, listed for every role", () => {
    expect(parseRoute("#/campaigns")).toEqual({ page: "campaigns" });
    expect(titleOf({ page: "campaigns" })).toBe("Campaigns · loycore console");
    for (const role of ["admin", "marketer", "support", "read-only"] as const) expect(navigationFor(role).map((item) => item.page)).toContain("campaigns");
  });

  it("says a period with dates as written and epoch milliseconds as UTC times", () => {
    expect(formatPeriod({ start: "2026-03-01", end: "2026-03-31" })).toBe("2026-03-01 – 2026-03-31");
    expect(formatPeriod({ start: Date.UTC(2026, 2, 1, 10, 30), end: "2026-03-31" })).toBe("2026-03-01 10:30 UTC – 2026-03-31");
  });

  it("sums a mechanic up in a few words", () => {
    expect(mechanicSummary({ ...POINTS, rateBasisPoints: 500 })).toBe("+5 % points");
    expect(mechanicSummary({ ...POINTS, fixedPoints: 100, everyPurchases: 3 })).toBe("+100 points every 3rd purchase");
    expect(mechanicSummary({ ...POINTS, fixedPoints: 50, skus: ["a"], receiptTotalAtLeast: 1000, everyPurchases: 11 })).toBe("+50 points (1 SKU) on receipts of 1\u202f000+ every 11th purchase");
    expect(mechanicSummary({ kind: "discount", basisPoints: 1000, skus: ["a", "b"] })).toBe("10 % off (2 SKUs)");
  });

  it("lists mechanics, marks a coupon-only campaign and says none for a trigger alone", () => {
    expect(mechanicsSummary({ mechanics: [{ ...POINTS, fixedPoints: 10 }, { kind: "discount", basisPoints: 500, skus: null }], couponOnly: true })).toBe("+10 points; 5 % off; coupon only");
    expect(mechanicsSummary({ mechanics: [] })).toBe("none");
    expect(triggerSummary(undefined)).toBe("—");
    expect(triggerSummary({ kind: "birthday", points: 500 })).toBe("birthday: 500 points");
    expect(triggerSummary({ kind: "statusReached", status: "gold", points: 100 })).toBe("statusReached gold: 100 points");
  });

  it("offers the state changes a state allows", () => {
    expect(stateActions("draft").map((action) => action.label)).toEqual(["Activate", "End"]);
    expect(stateActions("active")).toEqual([{ label: "Pause", state: "paused" }, { label: "End", state: "ended" }]);
    expect(stateActions("paused").map((action) => action.label)).toEqual(["Activate", "End"]);
    expect(stateActions("ended").map((action) => action.label)).toEqual(["Activate"]);
  });

  it("makes a new client id per click", () => {
    expect(newClientId(1, () => 0.5)).not.toBe(newClientId(1, () => 0.25));
    expect(newClientId(1_700_000_000_000)).toMatch(/^console-[a-z0-9]+-[a-z0-9]+$/);
  });
});
