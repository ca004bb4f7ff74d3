import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreAdminClient, type LoycoreClient } from "../client/index.js";
import { LocalDateReader } from "../domain/campaigns/local-date.js";
import type { ServerProcess } from "./server-process.js";
import { getJson, postJson } from "./test-support/http-json.js";
import { startProgramGateway, type ProgramGateway } from "./test-support/program-gateway.js";

const TIME_ZONE = "Europe/Moscow";
/** 10 % back, Moscow time. */
const PROGRAM = { name: "Triggers", timeZone: TIME_ZONE, points: { accrualRateBasisPoints: 1_000, maxRedeemShareBasisPoints: 5_000 } };
const DAY = 86_400_000;
/** The shard's walk runs every second; the index's backfill and the day's walk take a step or two. */
const WALK_WAIT_MILLISECONDS = 15_000;

/** Today's month-day in the program's time zone, as a birth date of 1990. */
function birthDateToday(): string {
  const today = new LocalDateReader(TIME_ZONE).dateAt(Date.now());
  return `1990-${String(today.month).padStart(2, "0")}-${String(today.day).padStart(2, "0")}`;
}

async function eventually<Value>(read: () => Promise<Value>, done: (value: Value) => boolean): Promise<Value> {
  const deadline = Date.now() + WALK_WAIT_MILLISECONDS;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("campaign triggers over the wire", () => {
  let gateway: ProgramGateway;
  let server: ServerProcess;
  let client: LoycoreClient;
  let admin: LoycoreAdminClient;

  beforeAll(async () => {
    gateway = await startProgramGateway("triggers", PROGRAM);
    ({ server, client } = gateway);
    admin = new LoycoreAdminClient({ url: server.url, token: gateway.admin });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it("refuses a trigger's bad fields at their paths, and stores nothing", async () => {
    const refused = await postJson(
      `${server.url}/v1/admin/campaigns/bad`,
      gateway.admin,
      { name: "Bad", start: Date.now(), end: Date.now() + DAY, trigger: { kind: "statusReached", points: 0, date: "2026-01-01" } },
      "PUT",
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: "BAD_REQUEST",
      problems: [
        { path: "trigger.points", message: "must be from 1 to 1000000000" },
        { path: "trigger.status", message: "is required" },
        { path: "trigger.date", message: "only a oneTime trigger names a date" },
      ],
    });
    const unknownStatus = await postJson(`${server.url}/v1/admin/campaigns/gold`, gateway.admin, { name: "Gold", start: Date.now(), end: Date.now() + DAY, trigger: { kind: "statusReached", points: 10, status: "gold" } }, "PUT");
    expect(unknownStatus.body).toMatchObject({ code: "BAD_REQUEST", problems: [{ path: "trigger.status", message: expect.stringContaining("must name a status the program defines") }] });
    expect((await getJson(`${server.url}/v1/admin/campaigns`, gateway.admin)).body).toMatchObject({ version: 0 });
  });

  it("accrues a birthday campaign's points, once, to a member whose birthday is today, as the funding partner's lot shown in the detailed balance and the activity", async () => {
    const birthday = await client.enroll({ card: "9600000000001", birthDate: birthDateToday() });
    const other = await client.enroll({ card: "9600000000002", birthDate: "1990-01-01" === birthDateToday() ? "1990-01-02" : "1990-01-01" });
    await admin.putCampaign("birthday", {
      name: "Birthday present",
      start: Date.now() - DAY,
      end: Date.now() + 30 * DAY,
      state: "active",
      partner: "legal-1",
      audience: null,
      trigger: { kind: "birthday", points: 500, lifetimeDays: 30 },
    } as never);

    const detailed = await eventually(
      () => client.balance({ card: "9600000000001", detail: true }),
      (balance) => (balance.lots ?? []).some((lot) => lot.source === "campaign"),
    );
    const year = new LocalDateReader(TIME_ZONE).dateAt(Date.now()).year;
    const lots = (detailed.lots ?? []).filter((lot) => lot.source === "campaign");
    expect(lots).toEqual([expect.objectContaining({ points: 500, partner: "legal-1", reference: JSON.stringify(["birthday", String(year), "campaign:birthday"]) })]);
    const lot = lots[0];
    expect((lot?.expiresAt ?? 0) - (lot?.accruedAt ?? 0)).toBe(30 * DAY);
    expect(detailed.balance).toBe(500);
    const activity = await admin.memberActivity(birthday.member);
    expect(activity.activity[0]).toMatchObject({ kind: "trigger", accruals: [{ campaign: "birthday", kind: "birthday", occurrence: String(year), points: 500 }] });

    // The walk goes on every second: nothing more for either member.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await client.balance({ card: "9600000000001" })).balance).toBe(500);
    expect((await client.balance({ card: "9600000000002" })).balance).toBe(0);
    expect((await admin.memberActivity(other.member)).activity.filter((entry) => entry.kind === "trigger")).toEqual([]);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/loycore_trigger_accruals_total\{[^}]*kind="birthday"[^}]*\} 1/);
    expect(metrics).toMatch(/loycore_trigger_members_walked_total/);
    expect(metrics).toMatch(/loycore_trigger_walk_lag_days\{[^}]*\} 0/);
    const today = new LocalDateReader(TIME_ZONE).dateAt(Date.now());
    expect(metrics).toContain(`${today.year}${String(today.month).padStart(2, "0")}${String(today.day).padStart(2, "0")}`);
  });

  it("accrues an enrolment campaign's points in the enrolment's own answer", async () => {
    await admin.putCampaign("welcome", { name: "Welcome", start: Date.now() - DAY, end: Date.now() + DAY, state: "active", trigger: { kind: "enrolment", points: 150 } } as never);
    const enrolled = await client.enroll({ card: "9600000000003" });
    expect(enrolled).toMatchObject({ balance: 150 });
  });
});
