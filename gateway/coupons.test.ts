import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, LoycoreClient, type CommitResult } from "../client/index.js";
import type { ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

/** 10 % back, half a receipt payable with points. */
const PROGRAM = { name: "Coupons", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } };
const DAY = 86_400_000;
const LANES = 6;
/** 500 points on a receipt presenting one of its coupons, and only then. */
const WELCOME = {
  name: "Welcome coupon",
  start: Date.now() - DAY,
  end: Date.now() + 7 * DAY,
  state: "active",
  partner: "demo-partner",
  couponOnly: true,
  mechanics: [{ kind: "points", fixedPoints: 500 }],
};
const LINE = { sku: "a", qty: 1, price: 1_000, amount: 1_000 };

function couponPoints(answer: { readonly rules: CommitResult["rules"] }): number {
  return answer.rules.filter((rule) => rule.rule === "campaign:welcome").reduce((sum, rule) => sum + (rule.points ?? 0), 0);
}

describe("coupons over the wire", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: LoycoreAdminClient;
  let lanes: LoycoreClient[];
  const cards = Array.from({ length: LANES }, (_, index) => `97000000000${String(index).padStart(2, "0")}`);

  beforeAll(async () => {
    gateway = await startProgramGateway("coupons", PROGRAM);
    ({ server, client } = gateway);
    admin = new LoycoreAdminClient({ url: server.url, token: gateway.admin });
    lanes = await Promise.all(Array.from({ length: LANES }, () => LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" })));
    for (const card of cards) await client.enroll({ card });
    await admin.putCampaign("welcome", WELCOME as never);
  });

  afterAll(async () => {
    for (const lane of lanes ?? []) await lane.close();
    await gateway?.stop();
  });

  it("gives a single-use coupon's campaign to exactly one of many lanes committing it at once, and a cancel gives the use back", async () => {
    const issued = await admin.issueCoupons("welcome", { count: 1 });
    const code = issued.coupons[0]?.code ?? "";
    expect(code).toMatch(/^[A-Z2-7]{16}$/);
    // Priced with the coupon, the campaign shows; without it, it does not.
    expect(couponPoints(await client.calculate({ card: cards[0] ?? "", receipt: { id: "q-0", lines: [LINE] }, coupon: code }))).toBe(500);
    expect(couponPoints(await client.calculate({ card: cards[0] ?? "", receipt: { id: "q-1", lines: [LINE] } }))).toBe(0);

    const at = Date.now() - 1_000;
    const outcomes = await Promise.allSettled(cards.map((card, index) => (lanes[index] as LoycoreClient).commit({ card, receipt: { id: `race-${index}`, at, lines: [LINE] }, coupon: code })));
    const won = outcomes.flatMap((outcome, index) => (outcome.status === "fulfilled" ? [{ index, answer: outcome.value }] : []));
    expect(won).toHaveLength(1);
    expect(couponPoints(won[0]?.answer as CommitResult)).toBe(500);
    const refusals = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [(outcome.reason as { code?: string }).code] : []));
    expect(refusals).toEqual(new Array(LANES - 1).fill("COUPON_USED_UP"));
    expect(await admin.coupon(code)).toEqual({
      code,
      campaign: "welcome",
      member: null,
      uses: 1,
      used: 1,
      validUntil: null,
      state: "usedUp",
      usesLeft: 0,
      usedBy: [{ store: "demo-store", receipt: `race-${won[0]?.index ?? -1}`, member: won[0]?.answer.member }],
      usedByComplete: true,
    });

    // The winner's retry is its first answer, taking no second use; a refused lane's balance did not move.
    const winner = won[0] as { index: number; answer: CommitResult };
    const winnerCard = cards[winner.index] as string;
    expect(await client.commit({ card: winnerCard, receipt: { id: `race-${winner.index}`, at, lines: [LINE] }, coupon: code })).toEqual(winner.answer);
    expect((await admin.coupon(code)).used).toBe(1);

    expect(await client.cancel({ card: winnerCard, receipt: `race-${winner.index}` })).toMatchObject({ cancelled: "receipt", coupon: code, pointsRevoked: 100 + 500 });
    expect((await admin.coupon(code)).used).toBe(0);
    const other = cards[(winner.index + 1) % LANES] as string;
    expect(couponPoints(await client.commit({ card: other, receipt: { id: "after-cancel", at: Date.now() - 1_000, lines: [LINE] }, coupon: code }))).toBe(500);
    expect((await admin.coupon(code)).used).toBe(1);
  });

  it("refuses a coupon that is unknown, expired, another member's, and gives back the use of a commit refused afterwards", async () => {
    const [first, second] = await Promise.all(cards.slice(0, 2).map((card) => client.identify({ card })));
    const mine = (await admin.issueCoupons("welcome", { members: [first?.member ?? ""], uses: 3 })).coupons[0]?.code ?? "";
    const expired = (await admin.issueCoupons("welcome", { count: 1, validUntil: Date.now() - 60_000 })).coupons[0]?.code ?? "";
    const refused = async (card: string, coupon: string, extra: object = {}): Promise<string | undefined> =>
      client.commit({ card, receipt: { id: `x-${coupon}-${card}-${JSON.stringify(extra).length}`, at: Date.now() - 1_000, lines: [LINE] }, coupon, ...extra }).then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    expect(await refused(cards[1] ?? "", mine)).toBe("COUPON_NOT_MEMBERS");
    expect(await refused(cards[0] ?? "", expired)).toBe("COUPON_EXPIRED");
    expect(await refused(cards[0] ?? "", "AAAAAAAAAAAAAAAA")).toBe("COUPON_UNKNOWN");
    expect(await refused(cards[0] ?? "", "not-a-code")).toBe("BAD_REQUEST");
    // A commit refused on the member's shard (more points than the balance) leaves the coupon's uses as they were.
    expect(await refused(cards[0] ?? "", mine, { redeem: 1_000_000 })).toBe("INSUFFICIENT_POINTS");
    expect(await admin.coupon(mine)).toMatchObject({ member: first?.member, uses: 3, used: 0 });
    expect(couponPoints(await client.commit({ card: cards[0] ?? "", receipt: { id: "mine-1", at: Date.now() - 1_000, lines: [LINE] }, coupon: mine }))).toBe(500);
    expect(second?.member).not.toBe(first?.member);
    expect(await getJson(`${server.url}/v1/admin/coupons/AAAAAAAAAAAAAAAA`, gateway.admin)).toMatchObject({ status: 404 });
    expect(await postJson(`${server.url}/v1/admin/campaigns/welcome/coupons`, gateway.admin, { count: 1, members: [] })).toMatchObject({ status: 400 });
    expect(await postJson(`${server.url}/v1/admin/campaigns/nope/coupons`, gateway.admin, { count: 1 })).toMatchObject({ status: 404 });
  });
});
