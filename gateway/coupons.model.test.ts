import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, LoycoreClient, type CommitResult } from "../client/index.js";
import { integerBetween, seededRandom } from "../domain/random/seeded-random.js";
import type { ServerProcess } from "./server-process.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/**
 * A model test of coupons under concurrency: lanes on two shard threads commit,
 * repeat and cancel receipts presenting a few multi-use coupons at once, round
 * after round from a seed. A model keeps, per coupon, the receipts that hold
 * one of its uses; after every round the server's count must equal it and
 * never pass the coupon's uses, a repeat must be its first answer, and a lane
 * refused COUPON_USED_UP in a round without cancels of that coupon must have
 * lost to lanes that filled it.
 */
const PROGRAM = { name: "Coupon model", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } };
const DAY_MILLISECONDS = 86_400_000;
const LANES = 8;
const ROUNDS = 12;
const USES_PER_COUPON = 3;
const COUPONS = 2;
const SEEDS = [7, 1_234];
const COUPON_POINTS = 500;
const CAMPAIGN = {
  name: "Model coupon",
  start: Date.now() - DAY_MILLISECONDS,
  end: Date.now() + 7 * DAY_MILLISECONDS,
  state: "active",
  partner: "demo-partner",
  couponOnly: true,
  mechanics: [{ kind: "points", fixedPoints: COUPON_POINTS }],
};
const LINE = { sku: "a", qty: 1, price: 1_000, amount: 1_000 };

interface Committed {
  readonly card: string;
  readonly receipt: string;
  readonly coupon: string;
  readonly at: number;
  readonly answer: CommitResult;
}

type Step = { readonly kind: "commit"; readonly coupon: string } | { readonly kind: "repeat"; readonly of: Committed } | { readonly kind: "cancel"; readonly of: Committed };

function couponPoints(answer: CommitResult): number {
  return answer.rules.filter((rule) => rule.rule === "campaign:model").reduce((sum, rule) => sum + (rule.points ?? 0), 0);
}

describe("coupons under concurrency, against a model", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let admin: LoycoreAdminClient;
  let lanes: LoycoreClient[];
  const cards = Array.from({ length: LANES }, (_, index) => `96000000000${String(index).padStart(2, "0")}`);

  beforeAll(async () => {
    gateway = await startProgramGateway("coupon-model", PROGRAM);
    server = gateway.server;
    admin = new LoycoreAdminClient({ url: server.url, token: gateway.admin });
    lanes = await Promise.all(Array.from({ length: LANES }, () => LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" })));
    for (const card of cards) await gateway.client.enroll({ card });
    await admin.putCampaign("model", CAMPAIGN as never);
  });

  afterAll(async () => {
    for (const lane of lanes ?? []) await lane.close();
    await gateway?.stop();
  });

  for (const seed of SEEDS) {
    it(`never gives a coupon more uses than it has, counts exactly the receipts holding one, and gives a use back on cancel (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const issued = await admin.issueCoupons("model", { count: COUPONS, uses: USES_PER_COUPON });
      const codes = issued.coupons.map((coupon) => coupon.code);
      const holding = new Map<string, Committed[]>(codes.map((code) => [code, []]));
      let receipts = 0;
      const seen = { refused: 0, repeats: 0, cancels: 0, commits: 0 };
      for (let round = 0; round < ROUNDS; round += 1) {
        const steps = cards.map((card): Step => chooseStep(random, card, codes, holding));
        const cancelled = new Set(steps.flatMap((step) => (step.kind === "cancel" ? [step.of.coupon] : [])));
        const outcomes = await Promise.allSettled(
          steps.map((step, lane) => runStep(lanes[lane] as LoycoreClient, cards[lane] as string, step, `${seed}-${(receipts += 1)}`)),
        );
        const filledBy = new Map<string, number>();
        outcomes.forEach((outcome, lane) => {
          const step = steps[lane] as Step;
          seen[step.kind === "repeat" ? "repeats" : step.kind === "cancel" ? "cancels" : outcome.status === "rejected" ? "refused" : "commits"] += 1;
          if (step.kind === "repeat") {
            expect(outcome.status === "fulfilled" ? outcome.value : outcome.reason).toEqual(step.of.answer);
            return;
          }
          if (step.kind === "cancel") {
            expect(outcome.status).toBe("fulfilled");
            const list = holding.get(step.of.coupon) as Committed[];
            list.splice(list.indexOf(step.of), 1);
            return;
          }
          if (outcome.status === "rejected") {
            expect((outcome.reason as { code?: string }).code).toBe("COUPON_USED_UP");
            filledBy.set(step.coupon, (filledBy.get(step.coupon) ?? 0) + 1);
            return;
          }
          const committed = outcome.value as Committed;
          expect(couponPoints(committed.answer)).toBe(COUPON_POINTS);
          (holding.get(step.coupon) as Committed[]).push(committed);
        });
        for (const code of codes) {
          const held = (holding.get(code) as Committed[]).length;
          expect(held).toBeLessThanOrEqual(USES_PER_COUPON);
          expect((await admin.coupon(code)).used).toBe(held);
          // Refused while no use of it came free this round: it was full.
          if ((filledBy.get(code) ?? 0) > 0 && !cancelled.has(code)) expect(held).toBe(USES_PER_COUPON);
        }
      }
      // The run raced lanes for full coupons, repeated and cancelled: not a vacuous pass.
      expect(Object.values(seen).every((count) => count > 0)).toBe(true);
    });
  }
});

/** A lane's next step: mostly a new receipt with a coupon; sometimes a repeat or a cancel of one it holds. */
function chooseStep(random: () => number, card: string, codes: readonly string[], holding: ReadonlyMap<string, Committed[]>): Step {
  const mine = [...holding.values()].flat().filter((committed) => committed.card === card);
  const roll = random();
  const pick = mine[integerBetween(random, 0, Math.max(0, mine.length - 1))];
  if (pick !== undefined && roll < 0.2) return { kind: "repeat", of: pick };
  if (pick !== undefined && roll < 0.45) return { kind: "cancel", of: pick };
  return { kind: "commit", coupon: codes[integerBetween(random, 0, codes.length - 1)] as string };
}

async function runStep(lane: LoycoreClient, card: string, step: Step, receipt: string): Promise<Committed | CommitResult | object> {
  switch (step.kind) {
    case "commit": {
      const at = Date.now() - 1_000;
      const answer = await lane.commit({ card, receipt: { id: receipt, at, lines: [LINE] }, coupon: step.coupon });
      return { card, receipt, coupon: step.coupon, at, answer };
    }
    case "repeat":
      return lane.commit({ card, receipt: { id: step.of.receipt, at: step.of.at, lines: [LINE] }, coupon: step.of.coupon });
    case "cancel":
      return lane.cancel({ card, receipt: step.of.receipt });
  }
}
