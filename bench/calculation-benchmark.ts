import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { openAccount, type Account } from "../domain/account/account.js";
import { CompiledProgram } from "../domain/engine/compiled-program.js";
import { totalsOfPeriod } from "../domain/account/counters.js";
import { calculateForMember, commitForMember } from "../domain/engine/member-operations.js";
import { evaluateStanding } from "../domain/engine/standing.js";
import { calculateReceipt } from "../domain/engine/calculate-receipt.js";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import { readBoundedFlag } from "./bounded-flag.js";
import { CompiledCampaigns } from "../domain/campaigns/compiled-campaigns.js";
import { validateCampaignsDocument } from "../domain/campaigns/validate-campaigns.js";

/**
 * Micro-benchmark of the pure receipt calculation: a 50-line receipt under
 * the full seed program (statuses, rules, classes, categories, excluded SKUs),
 * for a member with history. Each sample times a batch of calculations and
 * divides, because one calculation is shorter than the timer's resolution is
 * trustworthy. Prints p50/p99 per receipt over the samples, and the shard's
 * calculation again with five active campaigns (docs/campaigns.md) against none.
 *
 *   npm run bench:calculation -- [--lines 50] [--samples 2000] [--batch 50]
 */
const LINES_MAX = 500;
const SAMPLES_MAX = 100_000;
const BATCH_MAX = 10_000;
const WARM_UP_CALCULATIONS = 20_000;

const { values } = parseArgs({
  options: { lines: { type: "string" }, samples: { type: "string" }, batch: { type: "string" } },
  strict: true,
});
const lineCount = readBoundedFlag(values.lines, 50, LINES_MAX, "lines");
const samples = readBoundedFlag(values.samples, 2_000, SAMPLES_MAX, "samples");
const batch = readBoundedFlag(values.batch, 50, BATCH_MAX, "batch");

const compiled = new CompiledProgram({
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000, pointValueMinor: 1 },
    discountPolicy: { kind: "sum", capBasisPoints: 2_500 },
  }),
  version: 1,
});

const start = Date.UTC(2026, 0, 3, 9);
const DAY_MILLISECONDS = 86_400_000;
function receiptAt(id: string, at: number): Receipt {
  return {
    id,
    store: "bench-store",
    at,
    lines: Array.from({ length: lineCount }, (_, index) => ({
      sku: index % 17 === 0 ? "TOBACCO-0001" : index % 23 === 0 ? "GIFT-CARD-1000" : `SKU-${index}`,
      qty: 1 + (index % 3),
      price: 1_990 + index * 37,
      amount: (1_990 + index * 37) * (1 + (index % 3)),
      ...(index % 29 === 0 ? { noPoints: true } : {}),
    })),
  };
}

// A member with two months of history: statuses, classes and categories all hold something.
let account: Account = openAccount("m00000000000000b1", 0, { card: "B1", phone: null, name: null, birthDate: null }, start);
for (let day = 0; day < 60; day += 3) {
  const outcome = commitForMember(compiled, account, receiptAt(`history-${day}`, start + day * DAY_MILLISECONDS), 0);
  if (!outcome.ok) throw new Error(outcome.message);
  account = outcome.account;
}
const now = start + 62 * DAY_MILLISECONDS;
const receipt = receiptAt("bench", now);
const redeem = Math.min(account.balance, 1_000);

let sink = 0;
const purchaseNumber = totalsOfPeriod(account.counters, compiled.calendar.periodOf(now).index).visits + 1;
/** The rules alone: the member's standing and the receipt's calculation. */
const pureCalculation = (): void => {
  const standing = evaluateStanding(compiled, account, now);
  const outcome = calculateReceipt({ compiled, standing, balance: account.balance, purchaseNumberInPeriod: purchaseNumber, receipt, redeem });
  if (outcome.ok) sink += outcome.calculation.points;
};
/** What a shard runs for `calculate`: the ledger settled at the time, then the rules. */
const shardCalculation = (): void => {
  const outcome = calculateForMember(compiled, account, receipt, redeem, { now, partner: "bench" });
  if (outcome.ok) sink += outcome.calculation.points;
};

/** Five active campaigns of every kind of mechanic, three of them for segments the member is in. */
const FIVE_CAMPAIGNS = new CompiledCampaigns(
  {
    ...validateCampaignsDocument(
      {
        segments: [
          { id: "regulars", name: "Regulars", when: { all: [{ fact: "lifetimeVisits", atLeast: 5 }, { not: { fact: "daysSinceLastVisit", atLeast: 90 } }] } },
          { id: "spenders", name: "Spenders", when: { any: [{ fact: "lifetimeSold", atLeast: 100_000 }, { inCategory: "vip" }] } },
        ],
        campaigns: [
          { id: "c1", name: "Rate", start: start, end: start + 365 * DAY_MILLISECONDS, state: "active", mechanics: [{ kind: "points", rateBasisPoints: 300 }] },
          { id: "c2", name: "Fixed", start: start, end: start + 365 * DAY_MILLISECONDS, state: "active", audience: "regulars", mechanics: [{ kind: "points", fixedPoints: 100, receiptTotalAtLeast: 10_000 }] },
          { id: "c3", name: "SKUs", start: start, end: start + 365 * DAY_MILLISECONDS, state: "active", audience: "spenders", mechanics: [{ kind: "points", rateBasisPoints: 1_000, skus: ["SKU-1", "SKU-2", "SKU-3", "SKU-40"] }] },
          { id: "c4", name: "Discount", start: start, end: start + 365 * DAY_MILLISECONDS, state: "active", mechanics: [{ kind: "discount", basisPoints: 500, skus: ["SKU-5", "SKU-6", "SKU-7"] }] },
          { id: "c5", name: "Every 2nd", start: start, end: start + 365 * DAY_MILLISECONDS, state: "active", audience: "regulars", mechanics: [{ kind: "points", fixedPoints: 50, everyPurchases: 2 }, { kind: "discount", basisPoints: 200 }] },
        ],
      },
      compiled.program,
    ),
    version: 1,
  },
  compiled.program.timeZone,
);
/** The shard's calculation with five active campaigns. */
const campaignCalculation = (): void => {
  const outcome = calculateForMember(compiled, account, receipt, redeem, { now, partner: "bench", campaigns: FIVE_CAMPAIGNS });
  if (outcome.ok) sink += outcome.calculation.points;
};

function measure(calculation: () => void): number[] {
  for (let index = 0; index < WARM_UP_CALCULATIONS; index += 1) calculation();
  const perReceiptMicroseconds: number[] = [];
  for (let sample = 0; sample < samples; sample += 1) {
    const began = performance.now();
    for (let index = 0; index < batch; index += 1) calculation();
    perReceiptMicroseconds.push(((performance.now() - began) * 1_000) / batch);
  }
  return perReceiptMicroseconds.sort((left, right) => left - right);
}

function describe(name: string, sorted: readonly number[]): string {
  const at = (quantile: number): number => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return `${name} per receipt over ${samples} samples of ${batch}: p50 ${at(0.5).toFixed(2)} us, p99 ${at(0.99).toFixed(2)} us, max ${at(1).toFixed(2)} us`;
}

const pure = measure(pureCalculation);
const shard = measure(shardCalculation);
const withCampaigns = measure(campaignCalculation);
const check = calculateForMember(compiled, account, receipt, redeem, { now, partner: "bench" });
const campaignCheck = calculateForMember(compiled, account, receipt, redeem, { now, partner: "bench", campaigns: FIVE_CAMPAIGNS });
process.stdout.write(
  [
    `machine: ${cpus()[0]?.model ?? "unknown"}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}`,
    `receipt: ${lineCount} lines, full seed program (sum policy), member with ${account.counters.lifetime.visits} visits, redeem ${redeem}`,
    check.ok
      ? `answer: total ${check.calculation.total}, discount ${check.calculation.discount} (${check.calculation.discountBasisPoints} bp), points ${check.calculation.points}, rules ${check.calculation.rules.map((rule) => rule.rule).join(" ")}`
      : `answer: ${check.code}`,
    describe("rules (standing + receipt calculation)", pure),
    describe("as a shard runs it (ledger settle + rules)", shard),
    campaignCheck.ok
      ? `with five active campaigns: discount ${campaignCheck.calculation.discount}, points ${campaignCheck.calculation.points}, campaign rules ${campaignCheck.calculation.rules.filter((rule) => rule.rule.startsWith("campaign:")).length}`
      : `with five active campaigns: ${campaignCheck.code}`,
    describe("as a shard runs it with five active campaigns", withCampaigns),
    `(checksum ${sink % 1_000})`,
    "",
  ].join("\n"),
);
