import { describe, expect, it } from "vitest";
import { openAccount } from "../../domain/account/account.js";
import { MemoryShardStore } from "./memory-shard-store.js";
import { writeMutations } from "./mutations.js";
import { BUDGET_KIND, BUDGET_MEMBER, campaignBudgetKey, decodeKey, keyString } from "./record-keys.js";
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
    expect(bytes === undefined ? null : readCampaignBudget(bytes, "test")).toBe(1_234);
  });
});
