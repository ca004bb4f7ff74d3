import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { validateCampaignsDocument } from "../domain/campaigns/validate-campaigns.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { MILLISECONDS_PER_DAY } from "../domain/calendar/period-calendar.js";
import type { CampaignSet } from "../protocol/campaign-document.js";
import type { PointLot } from "../protocol/terminal-wire.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxEntry, ShardReply, ShardRequest } from "./shard-messages.js";

const PROGRAM = {
  ...validateProgramDocument({ ...FULL_EXAMPLE_PROGRAM, points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 1, lifetimeDays: 365 } }),
  version: 1,
};
/** Noon in Moscow on 10 March 2026. */
const MARCH_10 = Date.UTC(2026, 2, 10, 9);
const YEAR_AGO = MARCH_10 - 400 * MILLISECONDS_PER_DAY;

function campaignsWith(trigger: Record<string, unknown>, extra: Record<string, unknown> = {}): CampaignSet {
  const document = validateCampaignsDocument(
    {
      segments: [{ id: "a-year", name: "A year with us", when: { fact: "daysSinceRegistration", atLeast: 365 } }],
      campaigns: [{ id: "gift", name: "Gift", start: "2026-01-01", end: "2027-12-31", state: "active", partner: "legal-1", audience: "a-year", trigger, ...extra }],
    },
    PROGRAM,
  );
  return { ...document, version: 1 };
}
const BIRTHDAY = campaignsWith({ kind: "birthday", points: 500, lifetimeDays: 30 });

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function enrol(shard: MemoryShardActor, memberId: string, birthDate: string | null): Promise<void> {
  valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard: logicalShardOf(memberId), memberId, profile: { card: `card-${memberId}`, phone: null, name: null, birthDate } }));
}

async function campaignLots(shard: MemoryShardActor, memberId: string): Promise<PointLot[]> {
  const view = valueOf<{ lots: PointLot[] }>(await shard.call({ kind: "lookup", ref: 2, logicalShard: logicalShardOf(memberId), memberId, detail: true }));
  return view.lots.filter((lot) => lot.source === "campaign");
}

/** Walks until a step fires nothing and looks at no one; the accruals fired. */
function walkAll(shard: MemoryShardActor, limit = 500): number {
  let fired = 0;
  for (let step = 0; step < 10_000; step += 1) {
    const report = shard.actor.walkTriggers(limit);
    if (report === null) return fired;
    const now = Object.values(report.fired).reduce((sum, count) => sum + count, 0);
    fired += now;
    if (report.progressed === 0) return fired;
  }
  throw new Error("the walk did not finish");
}

const member = (index: number): string => `m${String(index).padStart(16, "0")}`;

describe("docs/campaigns.md's birthday example", () => {
  it("accrues the page's campaign as the page shows it in the activity and the detailed balance", async () => {
    const { readFileSync } = await import("node:fs");
    const page = readFileSync(new URL("../docs/campaigns.md", import.meta.url), "utf8");
    const section = page.slice(page.indexOf("## The seed's birthday present, worked through"));
    const [document, activity, lot] = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => JSON.parse(match[1] as string) as unknown);
    const campaigns = { ...validateCampaignsDocument(document, PROGRAM), version: 1 };
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns });
    await enrol(shard, member(1), "1990-03-10");
    now = MARCH_10 - 10 * MILLISECONDS_PER_DAY;
    await enrol(shard, member(2), "1990-03-10");
    now = MARCH_10;
    expect(walkAll(shard)).toBe(1);
    const page1 = valueOf<{ activity: unknown[] }>(await shard.call({ kind: "activity", ref: 3, logicalShard: logicalShardOf(member(1)), memberId: member(1), before: null, limit: 1 }));
    expect(page1.activity[0]).toEqual(activity);
    expect(await campaignLots(shard, member(1))).toEqual([lot]);
    expect(await campaignLots(shard, member(2))).toEqual([]);
  });
});

describe("campaign triggers on a shard", () => {
  it("accrue a birthday campaign's points once a year to a member in its segment whose birthday it is, as the funding partner's lot with its own lifetime, even across a crash and a restart", async () => {
    const files = new MemoryShardFiles();
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, campaigns: BIRTHDAY });
    await enrol(shard, member(1), "1990-03-10");
    await enrol(shard, member(2), "1990-03-11");
    now = MARCH_10 - 10 * MILLISECONDS_PER_DAY;
    await enrol(shard, member(3), "1991-03-10");
    now = MARCH_10;

    expect(walkAll(shard)).toBe(1);
    expect(walkAll(shard)).toBe(0);
    expect(await campaignLots(shard, member(1))).toEqual([
      expect.objectContaining({ points: 500, partner: "legal-1", reference: JSON.stringify(["birthday", "2026", "campaign:gift"]), accruedAt: MARCH_10, expiresAt: MARCH_10 + 30 * MILLISECONDS_PER_DAY }),
    ]);
    expect(await campaignLots(shard, member(3))).toEqual([]);
    const activity = valueOf<{ activity: { kind: string; accruals?: unknown }[] }>(await shard.call({ kind: "activity", ref: 3, logicalShard: logicalShardOf(member(1)), memberId: member(1), before: null, limit: 10 }));
    expect(activity.activity[0]).toMatchObject({ kind: "trigger", accruals: [{ campaign: "gift", kind: "birthday", occurrence: "2026", points: 500 }] });
    // The accrual's event, in its log record: what a birthday message is sent from (docs/notifications.md).
    const events = valueOf<{ entries: OutboxEntry[] }>(await shard.call({ kind: "outboxRead", ref: 4, section: "events", endpoint: null, after: null, limit: 100 }));
    expect(events.entries.filter((entry) => entry.kind === "campaign.accrued").map((entry) => [entry.memberId, entry.data])).toEqual([
      [member(1), { campaign: "gift", trigger: "birthday", occurrence: "2026", points: 500, balance: 500, lot: expect.any(Number), expiresAt: MARCH_10 + 30 * MILLISECONDS_PER_DAY }],
    ]);

    await settleTurns();
    shard.log.crash();
    const again = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, campaigns: BIRTHDAY });
    expect(walkAll(again)).toBe(0);
    expect(await campaignLots(again, member(1))).toHaveLength(1);

    now = MARCH_10 + MILLISECONDS_PER_DAY;
    expect(walkAll(again)).toBe(1);
    expect(await campaignLots(again, member(2))).toHaveLength(1);
    now = MARCH_10 + 365 * MILLISECONDS_PER_DAY;
    expect(walkAll(again)).toBe(2);
    expect((await campaignLots(again, member(1))).map((lot) => lot.reference)).toContain(JSON.stringify(["birthday", "2027", "campaign:gift"]));
  });

  it("fire each member exactly once when the shard crashes in the middle of a day's walk with accruals not yet durable", async () => {
    const files = new MemoryShardFiles();
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, campaigns: BIRTHDAY });
    for (let index = 0; index < 30; index += 1) await enrol(shard, member(index), "1985-03-10");
    now = MARCH_10;
    walkAll(shard, 1); // the empty logical shards' backfill and walks, a member at a time
    expect(shard.actor.walkTriggers(1_000)).toMatchObject({ walked: expect.any(Number) });
    await settleTurns();
    let fired = 0;
    for (let index = 0; index < 30; index += 1) fired += (await campaignLots(shard, member(index))).length;
    expect(fired).toBe(30);

    // Another run, cut short: ten fired and durable, five more fired and lost with the crash.
    const second = new MemoryShardFiles();
    now = YEAR_AGO;
    const cut = openMemoryShardActor({ program: PROGRAM, clock: () => now, files: second, campaigns: BIRTHDAY });
    for (let index = 0; index < 30; index += 1) await enrol(cut, member(index), "1985-03-10");
    now = MARCH_10;
    let firedBeforeCrash = 0;
    while (firedBeforeCrash < 10) firedBeforeCrash += Object.values(cut.actor.walkTriggers(2)?.fired ?? {}).reduce((sum, count) => sum + count, 0);
    await settleTurns();
    cut.log.holdSyncs();
    for (let step = 0; step < 3; step += 1) cut.actor.walkTriggers(2);
    cut.log.crash();
    const reopened = openMemoryShardActor({ program: PROGRAM, clock: () => now, files: second, campaigns: BIRTHDAY });
    let survived = 0;
    for (let index = 0; index < 30; index += 1) survived += (await campaignLots(reopened, member(index))).length;
    // What was durable survived; the accruals of the held group did not.
    expect(survived).toBe(firedBeforeCrash);
    walkAll(reopened);
    for (let index = 0; index < 30; index += 1) expect(await campaignLots(reopened, member(index))).toHaveLength(1);
  });

  it("build the month-day index over members enrolled before any date trigger (a bounded, resumable backfill), then walk it", async () => {
    const files = new MemoryShardFiles();
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, files });
    for (let index = 0; index < 20; index += 1) await enrol(shard, member(index), index % 2 === 0 ? "1980-03-10" : "1980-07-01");
    await shard.actor.checkpointNow();
    valueOf(await shard.call({ kind: "setCampaigns", ref: 5, campaigns: BIRTHDAY }));
    now = MARCH_10;
    // A few small steps, then a restart part-way: the backfill resumes from its progress record.
    for (let step = 0; step < 300; step += 1) shard.actor.walkTriggers(3);
    await settleTurns();
    await shard.actor.checkpointNow();
    const again = openMemoryShardActor({ program: PROGRAM, clock: () => now, files, campaigns: BIRTHDAY });
    walkAll(again, 3);
    for (let index = 0; index < 20; index += 1) expect(await campaignLots(again, member(index))).toHaveLength(index % 2 === 0 ? 1 : 0);
  });

  it("accrue a registration anniversary on the local day of enrolment a year on, not on the day itself", async () => {
    // 21:30 UTC on 9 March 2025 is 00:30 on the 10th in Moscow: the anniversary is the 10th, though UTC's day was the 9th.
    let now = Date.UTC(2025, 2, 9, 21, 30);
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "registrationAnniversary", points: 100 }, { audience: null, start: "2025-01-01" }) });
    await enrol(shard, member(1), null);
    now = Date.UTC(2025, 2, 10, 9);
    expect(walkAll(shard)).toBe(0);
    now = Date.UTC(2026, 2, 9, 9);
    expect(walkAll(shard)).toBe(0);
    now = MARCH_10;
    expect(walkAll(shard)).toBe(1);
    expect(await campaignLots(shard, member(1))).toEqual([expect.objectContaining({ points: 100, reference: JSON.stringify(["registrationAnniversary", "2026", "campaign:gift"]) })]);
  });

  it("build the index again when the program moves to another time zone: a registration's local day moves with it", async () => {
    // 22:30 UTC on 9 March 2025: the 10th in Moscow, the 9th in UTC.
    let now = Date.UTC(2025, 2, 9, 22, 30);
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "registrationAnniversary", points: 100 }, { audience: null }) });
    await enrol(shard, member(1), null);
    now = Date.UTC(2026, 1, 1, 12);
    walkAll(shard);
    valueOf(await shard.call({ kind: "setProgram", ref: 9, program: { ...PROGRAM, timeZone: "UTC", version: 2 } }));
    now = Date.UTC(2026, 2, 9, 12);
    expect(walkAll(shard)).toBe(1);
  });

  it("move a member's birthday entry with a profile edit, and build the index again after date triggers were off", async () => {
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: BIRTHDAY });
    await enrol(shard, member(1), "1990-07-01");
    const edit = { editId: "e-1", birthDate: "1990-03-10", operator: "olga" };
    valueOf(await shard.call({ kind: "editProfile", ref: 6, logicalShard: logicalShardOf(member(1)), memberId: member(1), edit }));
    // Date triggers off: a member enrolled meanwhile gets no index entry; on again, the backfill indexes them.
    valueOf(await shard.call({ kind: "setCampaigns", ref: 7, campaigns: { version: 2, segments: [], campaigns: [] } }));
    await enrol(shard, member(2), "1991-03-10");
    valueOf(await shard.call({ kind: "setCampaigns", ref: 8, campaigns: { ...BIRTHDAY, version: 3 } }));
    now = MARCH_10;
    expect(walkAll(shard)).toBe(2);
    now = MARCH_10 + 113 * MILLISECONDS_PER_DAY; // 1 July 2026: the old birthday's entry is stale and goes
    expect(walkAll(shard)).toBe(0);
  });

  it("celebrate 29 February on 28 February in a common year, once", async () => {
    let now = Date.UTC(2025, 0, 1);
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "birthday", points: 100 }, { audience: null, start: "2026-01-01" }) });
    await enrol(shard, member(1), "2000-02-29");
    now = Date.UTC(2026, 1, 28, 9);
    expect(walkAll(shard)).toBe(1);
    now = Date.UTC(2026, 2, 1, 9);
    expect(walkAll(shard)).toBe(0);
    expect(await campaignLots(shard, member(1))).toHaveLength(1);
  });

  it("fire an enrolment trigger in the enrolment's own log record, and not again when the enrolment is repeated", async () => {
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => MARCH_10, campaigns: campaignsWith({ kind: "enrolment", points: 250 }, { audience: null }) });
    const appended = shard.log.stats().recordsAppended;
    await enrol(shard, member(1), null);
    expect(shard.log.stats().recordsAppended - appended).toBe(1);
    const view = valueOf<{ balance: number }>(await shard.call({ kind: "enroll", ref: 1, logicalShard: logicalShardOf(member(1)), memberId: member(1), profile: { card: `card-${member(1)}`, phone: null, name: null, birthDate: null } }));
    expect(view.balance).toBe(250);
    expect(await campaignLots(shard, member(1))).toEqual([expect.objectContaining({ points: 250, partner: "legal-1", reference: JSON.stringify(["enrolment", "once", "campaign:gift"]) })]);
  });

  it("fire a statusReached trigger in the log record of the commit that brings the member to the status, once", async () => {
    let now = Date.UTC(2026, 1, 5, 9);
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "statusReached", points: 700, status: "silver" }, { audience: null }) });
    await enrol(shard, member(1), null);
    const commit = (id: string, at: number, amount: number): ShardRequest => ({
      kind: "commit",
      ref: 9,
      logicalShard: logicalShardOf(member(1)),
      memberId: member(1),
      receipt: { id, store: "s1", at, lines: [{ sku: "a", qty: 1, price: amount, amount }] },
      redeem: 0,
      partner: "p1",
    });
    valueOf(await shard.call(commit("feb", now, 1_500_000)));
    expect(await campaignLots(shard, member(1))).toEqual([]);
    now = Date.UTC(2026, 2, 5, 9);
    const appended = shard.log.stats().recordsAppended;
    const before = valueOf<{ balance: number }>(await shard.call({ kind: "lookup", ref: 3, logicalShard: logicalShardOf(member(1)), memberId: member(1) })).balance;
    const march = valueOf<{ balance: number; points: number }>(await shard.call(commit("march", now, 10_000)));
    expect(shard.log.stats().recordsAppended - appended).toBe(1);
    // The commit answers with the balance after its own points and the trigger's; a repeat answers the same.
    const after = valueOf<{ balance: number }>(await shard.call({ kind: "lookup", ref: 4, logicalShard: logicalShardOf(member(1)), memberId: member(1) })).balance;
    expect(after).toBeGreaterThanOrEqual(before + 700);
    expect(march.balance).toBe(after);
    expect(valueOf(await shard.call(commit("march", now, 10_000)))).toEqual(march);
    expect(await campaignLots(shard, member(1))).toEqual([expect.objectContaining({ points: 700, reference: JSON.stringify(["statusReached", "once", "campaign:gift"]) })]);
    now = Date.UTC(2026, 3, 5, 9);
    valueOf(await shard.call(commit("april", now, 10_000)));
    expect(await campaignLots(shard, member(1))).toHaveLength(1);
  });

  it("give a oneTime trigger's points to every member of its segment from its date on, once each", async () => {
    let now = YEAR_AGO;
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "oneTime", points: 300, date: "2026-03-10" }) });
    for (let index = 0; index < 12; index += 1) await enrol(shard, member(index), null);
    now = MARCH_10 - 10 * MILLISECONDS_PER_DAY;
    await enrol(shard, member(99), null);
    await shard.actor.checkpointNow();
    now = MARCH_10 - MILLISECONDS_PER_DAY;
    expect(walkAll(shard)).toBe(0);
    now = MARCH_10;
    expect(walkAll(shard, 5)).toBe(12);
    now = MARCH_10 + MILLISECONDS_PER_DAY;
    expect(walkAll(shard)).toBe(0);
    expect(await campaignLots(shard, member(99))).toEqual([]);
  });

  it("keep a campaign's budget for trigger points too: a share that cannot cover a trigger's points gives none", async () => {
    let now = YEAR_AGO;
    // One thread owning every logical shard has the whole budget: 1,000 points is two birthdays.
    const shard = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns: campaignsWith({ kind: "birthday", points: 500 }, { budgetPoints: 1_000 }) });
    for (let index = 0; index < 3; index += 1) await enrol(shard, member(index), "1990-03-10");
    now = MARCH_10;
    expect(walkAll(shard)).toBe(2);
    const budget = valueOf<{ given: number }>(await shard.call({ kind: "campaignBudget", ref: 4, campaign: "gift", budgetPoints: 1_000 }));
    expect(budget.given).toBe(1_000);
  });
});
