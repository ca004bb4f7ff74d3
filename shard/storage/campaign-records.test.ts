import { describe, expect, it } from "vitest";
import { openAccount } from "../../domain/account/account.js";
import { MemoryShardStore } from "./memory-shard-store.js";
import { writeMutations } from "./mutations.js";
import { BUDGET_KIND, BUDGET_MEMBER, campaignBudgetKey, COUPON_KIND, COUPON_MEMBER, COUPON_USE_KIND, couponKey, couponUseKey, decodeKey, keyString } from "./record-keys.js";
import { readCoupon, readCouponUse } from "./records/coupon-codec.js";
import type { Coupon } from "../../domain/campaigns/coupons.js";
import { readCampaignBudget } from "./records/campaign-budget-codec.js";

describe("campaign budget records", () => {
  it("are keyed under the logical shard's budget pseudo member, one key per campaign, and decode as such", () => {
    const key = campaignBudgetKey(7, "spring");
    expect(decodeKey(key)).toEqual({ logicalShard: 7, memberId: BUDGET_MEMBER, kind: BUDGET_KIND });
    expect(keyString(key)).not.toBe(keyString(campaignBudgetKey(7, "spring-2")));
    expect(keyString(key)).not.toBe(keyString(campaignBudgetKey(8, "spring")));
  });

  it("leave a logical shard's members scanned and counted as before, and read back their totals", () => {
    const store = new MemoryShardStore();
    const account = openAccount("m-1", 7, { card: "1", phone: null, name: null, birthDate: null }, 0);
    const mutations = writeMutations(undefined, [
      { kind: "account", account },
      { kind: "campaignBudget", budget: { logicalShard: 7, campaign: "spring", given: 1_234 } },
    ]);
    store.writeCheckpointSync(mutations, 2);
    expect(store.scanMembers(7, null, 10)).toEqual(["m-1"]);
    expect(store.countAccounts(7)).toBe(1);
    const bytes = store.get(campaignBudgetKey(7, "spring"));
    expect(bytes === undefined ? null : readCampaignBudget(bytes, "test")).toEqual({ points: 1_234, discount: 0 });
  });

  it("keep a record without discount in its first format's bytes, and read one with discount back", () => {
    const written = (budget: { logicalShard: number; campaign: string; given: number; discount?: number }): Uint8Array | undefined => {
      const store = new MemoryShardStore();
      store.writeCheckpointSync(writeMutations(undefined, [{ kind: "campaignBudget", budget }]), 2);
      return store.get(campaignBudgetKey(budget.logicalShard, budget.campaign));
    };
    // Format 1, then the points as a varint: as before discount budgets.
    expect(Buffer.from(written({ logicalShard: 7, campaign: "spring", given: 300 }) ?? []).toString("hex")).toBe("01ac02");
    const both = written({ logicalShard: 7, campaign: "spring", given: 300, discount: 5_000 });
    expect(Buffer.from(both ?? []).toString("hex")).toBe("02ac028827");
    expect(both === undefined ? null : readCampaignBudget(both, "test")).toEqual({ points: 300, discount: 5_000 });
    const discountOnly = written({ logicalShard: 7, campaign: "spring", given: 0, discount: 1 });
    expect(discountOnly === undefined ? null : readCampaignBudget(discountOnly, "test")).toEqual({ points: 0, discount: 1 });
  });
});

describe("coupon records", () => {
  it("are keyed under the logical shard's coupon pseudo member, the coupon and each receipt's use, and leave member scans as they were", () => {
    expect(decodeKey(couponKey(9, "ABCDEFGHIJKLMNOP"))).toEqual({ logicalShard: 9, memberId: COUPON_MEMBER, kind: COUPON_KIND });
    expect(decodeKey(couponUseKey(9, "ABCDEFGHIJKLMNOP", "store-1", "R-1"))).toEqual({ logicalShard: 9, memberId: COUPON_MEMBER, kind: COUPON_USE_KIND });
    expect(keyString(couponUseKey(9, "ABCDEFGHIJKLMNOP", "store-1", "R-1"))).not.toBe(keyString(couponUseKey(9, "ABCDEFGHIJKLMNOP", "store-1R", "-1")));
    const store = new MemoryShardStore();
    const coupon = { campaign: "welcome", member: null, uses: 3, used: 1, validUntil: null };
    store.writeCheckpointSync(
      writeMutations(undefined, [
        { kind: "account", account: openAccount("m-1", 9, { card: "1", phone: null, name: null, birthDate: null }, 0) },
        { kind: "coupon", logicalShard: 9, code: "ABCDEFGHIJKLMNOP", coupon },
        { kind: "couponUse", logicalShard: 9, code: "ABCDEFGHIJKLMNOP", store: "store-1", receiptId: "R-1", memberId: "m-1" },
      ]),
      2,
    );
    expect(store.scanMembers(9, null, 10)).toEqual(["m-1"]);
    const bytes = store.get(couponKey(9, "ABCDEFGHIJKLMNOP"));
    expect(bytes === undefined ? null : readCoupon(bytes, "test")).toEqual(coupon);
    const use = store.get(couponUseKey(9, "ABCDEFGHIJKLMNOP", "store-1", "R-1"));
    expect(use === undefined ? null : readCouponUse(use, "test")).toBe("m-1");
  });
});

describe("revoked coupon records", () => {
  it("keep a coupon never revoked in format 1's bytes, and read a revoked one back with its revoke", () => {
    const bytesOf = (coupon: Coupon): Buffer => {
      const store = new MemoryShardStore();
      store.writeCheckpointSync(writeMutations(undefined, [{ kind: "coupon", logicalShard: 9, code: "ABCDEFGHIJKLMNOP", coupon }]), 2);
      return Buffer.from(store.get(couponKey(9, "ABCDEFGHIJKLMNOP")) ?? []);
    };
    const coupon: Coupon = { campaign: "w", member: null, uses: 3, used: 1, validUntil: null };
    expect(bytesOf(coupon).toString("hex")).toBe("01017700030100");
    const revoked: Coupon = { ...coupon, revoked: { id: "revoke-1", at: 1_700_000_000_000 } };
    const bytes = bytesOf(revoked);
    expect(bytes[0]).toBe(2);
    expect(readCoupon(bytes, "test")).toEqual(revoked);
  });
});
