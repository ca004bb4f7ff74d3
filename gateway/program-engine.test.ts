import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { PeriodCalendar, MILLISECONDS_PER_DAY } from "../domain/calendar/period-calendar.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";

/** The demo program: the seeds' statuses, rules, classes and categories, 5 % back in points (gateway/demo.ts). */
describe("the loyalty program engine over the wire, with the demo program", () => {
  const directory = makeTemporaryDirectory("engine");
  let server: ServerProcess;
  let client: LoycoreClient;
  const moscowMonths = new PeriodCalendar({ kind: "month" }, "Europe/Moscow");
  const currentMonth = moscowMonths.periodOf(Date.now());
  const previousMonth = moscowMonths.periodOf(currentMonth.startsAt - 1);
  const lastMonthVisit = previousMonth.startsAt + 10 * MILLISECONDS_PER_DAY;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1"]);
    client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
  });

  afterAll(async () => {
    await client?.close();
    await server?.stop();
    directory.remove();
  });

  it("gives a new member the entry status, and Silver in the month after buying for more than 10,000 roubles", async () => {
    await client.enroll({ card: "8000000000001" });
    const committed = await client.commit({
      card: "8000000000001",
      receipt: {
        id: "engine-1",
        at: lastMonthVisit,
        lines: [
          { sku: "SKU-1", qty: 1, price: 1_500_000, amount: 1_500_000 },
          { sku: "TOBACCO-0001", qty: 1, price: 30_000, amount: 30_000 },
        ],
      },
    });
    // Bronze: 2 % on the discountable line only; tobacco takes no discount.
    expect(committed.discountBasisPoints).toBe(200);
    expect(committed.lines.map((line) => line.discount)).toEqual([30_000, 0]);
    expect(committed.points).toBe(Math.floor((1_530_000 - 30_000) * 0.05));
    expect(committed.rules.map((rule) => `${rule.rule}/${rule.effect}`)).toEqual(["status:bronze/discount", "program/accrual"]);

    const identified = await client.identify({ card: "8000000000001" });
    expect(identified.status).toEqual({ id: "silver", name: "Silver" });
    expect(identified.discountBasisPoints).toBe(500);
    expect(identified.categories).toEqual([{ id: "standard", name: "Standard" }]);
    expect(identified.importanceClass).toBeNull();
    expect(identified.discountLapsesAt).toBe(lastMonthVisit + 60 * MILLISECONDS_PER_DAY);
  });

  it("calculates this month's receipt with the Silver discount and explains it", async () => {
    const calculated = await client.calculate({
      card: "8000000000001",
      receipt: {
        id: "engine-2",
        lines: [
          { sku: "SKU-2", qty: 1, price: 100_000, amount: 100_000 },
          { sku: "SKU-3", qty: 1, price: 10_000, amount: 10_000, noDiscount: true },
        ],
      },
    });
    expect(calculated.discount).toBe(5_000);
    expect(calculated.lines.map((line) => line.discount)).toEqual([5_000, 0]);
    expect(calculated.rules[0]).toEqual({ rule: "status:silver", effect: "discount", basisPoints: 500 });
  });

  it("records the status change in the member's history when the next receipt comes under the new status", async () => {
    const committed = await client.commit({
      card: "8000000000001",
      receipt: { id: "engine-3", at: Date.now(), lines: [{ sku: "SKU-4", qty: 1, price: 10_000, amount: 10_000 }] },
    });
    const activity = await getJson(`${server.url}/v1/admin/members/${committed.member}/activity?limit=1`, server.adminToken ?? "");
    expect(activity.body["activity"]).toEqual([
      expect.objectContaining({ kind: "receipt", receipt: "engine-3", statusChange: { from: "bronze", to: "silver" } }),
    ]);
  });

  it("applies visit-status events to categories, idempotently by visit id", async () => {
    await client.enroll({ card: "8000000000002" });
    const at = Date.now();
    const came = await client.reportVisit({ card: "8000000000002", visit: { id: "v-1", status: "came", at } });
    expect(came.categories).toEqual(["economy"]);
    expect(await client.reportVisit({ card: "8000000000002", visit: { id: "v-1", status: "came", at } })).toEqual(came);
    await expect(client.reportVisit({ card: "8000000000002", visit: { id: "v-1", status: "didNotCome", at } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    const identified = await client.identify({ card: "8000000000002" });
    expect(identified.categories).toEqual([{ id: "economy", name: "Economy" }]);
  });

  it("shows status, class, categories, lapse dates and period counters in the admin member view", async () => {
    const view = await getJson(`${server.url}/v1/admin/members?card=8000000000001`, server.adminToken ?? "");
    expect(view.body).toMatchObject({
      status: { id: "silver" },
      categories: [{ id: "standard" }],
      counters: {
        lifetime: { sold: 1_540_000, visits: 2 },
        recentPeriods: [
          { period: currentMonth.index, visits: 1 },
          { period: previousMonth.index, visits: 1 },
        ],
      },
      programVersion: 1,
    });
  });

  it("switches every shard to a new program version under load, each answer computed wholly by one version", async () => {
    const rates = new Map<number, number>();
    const pending: Promise<{ programVersion: number; points: number; payable: number }>[] = [];
    for (let index = 0; index < 600; index += 1) {
      pending.push(
        client.calculate({
          card: "8000000000002",
          receipt: { id: `load-${index}`, lines: [{ sku: "SKU-9", qty: 1, price: 99_999, amount: 99_999 }] },
        }),
      );
      if (index === 200) {
        const put = await postJson(
          `${server.url}/v1/admin/program`,
          server.adminToken ?? "",
          { name: "Ten percent back", points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } },
          "PUT",
        );
        expect(put.status).toBe(200);
      }
    }
    rates.set(1, 500);
    rates.set(2, 1_000);
    const answers = await Promise.all(pending);
    const versions = new Set(answers.map((answer) => answer.programVersion));
    expect([...versions].sort()).toEqual([1, 2]);
    for (const answer of answers) {
      expect(answer.points).toBe(Math.floor((answer.payable * (rates.get(answer.programVersion) ?? 0)) / 10_000));
    }
    // Once the PUT has answered, every shard computes with the new version.
    const after = await client.calculate({ card: "8000000000002", receipt: { id: "after", lines: [{ sku: "a", qty: 1, price: 100, amount: 100 }] } });
    expect(after.programVersion).toBe(2);
  });
});
