import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../../domain/program/seed-programs.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import type { Program } from "../../protocol/program-document.js";
import type { ReceiptLine } from "../../domain/receipt/receipt.js";
import { decodeMutations, MutationPayloadWriter } from "./mutation-payload.js";
import { MEMBER_FAMILY, OUTBOX_MEMBER, SETTLEMENT_MEMBER } from "./record-keys.js";
import type { ShardReply, ShardRequest, ShardRequestBody } from "../shard-messages.js";
import { familyHoldKey, poolAccountId, type FamilyIntent } from "../../domain/family/family.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { openMemoryShardActor, settleTurns } from "../test-support/memory-shard-actor.js";
import { EVENT_KINDS } from "../operations/outbox-events.js";
import { randomInteger, seededRandom } from "../../domain/random/seeded-random.js";

/**
 * Log payloads are loycore's redo records and LMDB's values: their bytes are
 * a format, kept by every build. A fixed run of operations (enrolments,
 * receipts accruing more than a chunk of lots, redemptions that close and
 * prune lots, holds, cancels, refunds, adjustments, visits, over two
 * years of a simulated clock so points activate and expire) must log
 * exactly the bytes the format's build logged: the digest below was taken
 * from that build (7ea858b). A change of it is a format change.
 *
 * The answers' digest changed once, with the payloads' unchanged: enrol
 * answers (the member view) gained `email` (null) and `consent` (both
 * false); hashed without those two keys, the answers are the earlier
 * digest (d0d75fcf...). And once more: the member view gained `pointLevel`
 * (null: the program has no levels by active points); hashed without it,
 * the answers are the digest before it (754e791b..., checked below).
 */
const EXPECTED_PAYLOADS_DIGEST = "605556a3c00a0c6ca61f03d436205d372a113f6e7094c21d18db93bd282177b7";
/** The digest before outbox events (issue 14): what the payloads are without their event mutations. */
const EXPECTED_PAYLOADS_WITHOUT_EVENTS_DIGEST = "f72c02034913351ea759144b5913db744101439a204044431f4ef10d65db2f32";
/** The digest the format was fixed with, before settlement entries: what the payloads are without them. */
const EXPECTED_PAYLOADS_WITHOUT_SETTLEMENT_DIGEST = "ca086d1b46c404e3ebf0f12770dca6b2906edd932e7bc02a6d313ed926d79b6a";
/** Profile edits' payloads, pinned by the build that added them (format 2 accounts, profile records, profile history). */
const EXPECTED_PROFILE_EDIT_PAYLOADS_DIGEST = "9bfac8ac3e13023c75b6dfdea17db35accbf82067719c8b3235443cf2cf30780";
/**
 * Campaigns' payloads, pinned by the build that added their parts: accounts with purchase counters
 * (flagged format 9: family accounts took 5-8), receipt records with campaign lots and counted purchases (flagged settlement form 3),
 * campaign lots in the chunks, a budget's records (given by the logical shard, spent out and given back
 * by returns), returns and cancels of them.
 */
const EXPECTED_CAMPAIGN_PAYLOADS_DIGEST = "b174f033656e8318c0301b3f0006d694c8aa20c446c9ea8cc3f2865d39f8bfe4";
/** Coupons' payloads, pinned by the build that added them: issued coupons, a use counted, a commit presenting it (settlement part), its cancel, the use given back. */
const EXPECTED_COUPON_PAYLOADS_DIGEST = "e2b4617731e6f19c4a8589dfb01f32770f7138e7a7bbb724d888ceeacae4f2a5";
/**
 * Campaign triggers' payloads, pinned by the build that added them: an enrolment with its enrolment
 * trigger's lot, record and history and its month-day index entries, the walk's backfill and day
 * progress records, a birthday accrual, a profile edit moving the birthday's entry; each accrual with its
 * campaign.accrued event (every kind is taken in this run).
 */
const EXPECTED_TRIGGER_PAYLOADS_DIGEST = "f3981af6699a41ca51ca7e5402fb8d1090a8680e01c0a1cc1b1fe2a4d3d76480";
/** Surveys' payloads, pinned by the build that added them: an invitation (record, history, event), an answer with its survey lot (source code 5), answer record, history and event; a repeat logs nothing. */
const EXPECTED_SURVEY_PAYLOADS_DIGEST = "90c6382ebe5b595fb42bfb3f24956b55f50778c3410c32caed375a7231efa332";
/**
 * Discount budgets' and revoked coupons' payloads, pinned by the build that added them: budget records
 * with a discount (format 2), receipt records keeping a campaign's discount by line (settlement part 16),
 * returns giving it back; a revoked coupon (format 2) and a use given back after its revoke.
 */
const EXPECTED_DISCOUNT_BUDGET_PAYLOADS_DIGEST = "13e134c99ae85c531a9b6f9c310f6714a75422c7e844c1acacacb0a7365598ca";
const EXPECTED_ANSWERS_DIGEST = "98110df04c79984999fd6ce85a4d209eec8110ea284c42025092db349c3d6abf";
/** The answers before the member view had `pointLevel`: what they are without it. */
const EXPECTED_ANSWERS_WITHOUT_POINT_LEVEL_DIGEST = "754e791b7ee754fd6eeabd5c55138d7ae94a0a1b0f84a2d78f11a7cf7523f8e7";

const PROGRAM: Program = {
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 500, maxRedeemShareBasisPoints: 5_000, pointValueMinor: 1, pendingDays: 3, lifetimeDays: 180 },
  }),
  version: 1,
};
const MEMBERS = ["m00000000000000f1", "m00000000000000f2", "m00000000000000f3"];
const OPERATIONS_PER_MEMBER = 60;
const START = Date.UTC(2026, 0, 1);
const STEP_MILLISECONDS = 5 * 3_600_000;

/** The event kinds the outbox's first build had: the fixed run subscribes to these, so its pins stay those that build took. */
const FIRST_EVENT_KINDS = ["points.accrued", "status.changed", "receipt.cancelled"];
/**
 * The fixed run with every event kind taken: the outbox's mutations of class.changed and level.reached come in addition,
 * and (events-complete) the status.changed and class.changed of cancels and refunds and the class lapses' index entries.
 * The family, campaign and coupon pins below take every kind too: repinned by the same build, which was checked to
 * change nothing in them but the outbox's mutations (their payloads without the `~outbox` member hash as before).
 */
const EXPECTED_PAYLOADS_WITH_EVERY_EVENT_KIND_DIGEST = "c3f58d4a83fe3cf821c5edfe20f17ddaaf40e61d61436b103906a290f37435c8";

describe("log payload bytes", () => {
  it("are the same, byte for byte, as the build that fixed the format logged for a fixed run of every kind of operation", async () => {
    expect(await fixedRun(FIRST_EVENT_KINDS)).toEqual({
      payloads: EXPECTED_PAYLOADS_DIGEST,
      answers: EXPECTED_ANSWERS_DIGEST,
      withoutEvents: EXPECTED_PAYLOADS_WITHOUT_EVENTS_DIGEST,
      withoutSettlement: EXPECTED_PAYLOADS_WITHOUT_SETTLEMENT_DIGEST,
      answersWithoutPointLevel: EXPECTED_ANSWERS_WITHOUT_POINT_LEVEL_DIGEST,
    });
  });

  it("of the fixed run with every event kind taken differ only by the outbox's mutations, pinned by the build that added kinds", async () => {
    expect(await fixedRun(EVENT_KINDS)).toEqual({
      payloads: EXPECTED_PAYLOADS_WITH_EVERY_EVENT_KIND_DIGEST,
      answers: EXPECTED_ANSWERS_DIGEST,
      withoutEvents: EXPECTED_PAYLOADS_WITHOUT_EVENTS_DIGEST,
      withoutSettlement: EXPECTED_PAYLOADS_WITHOUT_SETTLEMENT_DIGEST,
      answersWithoutPointLevel: EXPECTED_ANSWERS_WITHOUT_POINT_LEVEL_DIGEST,
    });
  });
});

/** The fixed run of operations, the shard taking these event kinds: the digests of its payloads and answers. */
async function fixedRun(eventKinds: readonly string[]): Promise<Record<string, string>> {
  let now = START;
  const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, eventKinds });
  const payloads = createHash("sha256");
  const append = log.append.bind(log);
  // The same payloads without the settlement entries (added by issue 12): the bytes of everything else
  // stay those the format was fixed with.
  const payloadsWithoutSettlement = createHash("sha256");
  // And without the outbox's events (added by issue 14): the bytes the settlement build logged.
  const payloadsWithoutEvents = createHash("sha256");
  log.append = (payload) => {
    payloads.update(payload);
    payloadsWithoutEvents.update(withoutPseudoMembers(payload, [OUTBOX_MEMBER]));
    payloadsWithoutSettlement.update(withoutPseudoMembers(payload, [OUTBOX_MEMBER, SETTLEMENT_MEMBER]));
    return append(payload);
  };
  const answers = createHash("sha256");
  const answersWithoutPointLevel = createHash("sha256");
  const random = seededRandom(20260101);
  let ref = 0;
  const send = <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> =>
    new Promise((resolve) => {
      actor.handle(request, resolve);
    });
  const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
    const pending = send(request);
    await settleTurns();
    const reply = await pending;
    answers.update(JSON.stringify(reply));
    answersWithoutPointLevel.update(JSON.stringify(reply, (key, value: unknown) => (key === "pointLevel" && value === null ? undefined : value)));
    return reply;
  };
  for (const [index, memberId] of MEMBERS.entries()) {
    const logicalShard = logicalShardOf(memberId);
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: `card-${index}`, phone: index === 0 ? null : `+7900000000${index}`, name: `Пётр ${index}`, birthDate: null } });
  }
  for (let step = 0; step < OPERATIONS_PER_MEMBER; step += 1) {
    for (const memberId of MEMBERS) {
      now += STEP_MILLISECONDS * (1 + randomInteger(random, 20));
      await oneOperation({ memberId, step, random, next: () => ++ref, now, record });
    }
  }
  return {
    payloads: payloads.digest("hex"),
    answers: answers.digest("hex"),
    withoutEvents: payloadsWithoutEvents.digest("hex"),
    withoutSettlement: payloadsWithoutSettlement.digest("hex"),
    answersWithoutPointLevel: answersWithoutPointLevel.digest("hex"),
  };
}

describe("log payload bytes", () => {
  it("of profile edits (format 2 accounts with e-mail and consent, the edit's record and history entry) are the bytes the build that added them logged", async () => {
    const now = START;
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      return pending;
    };
    const memberId = MEMBERS[0] ?? "";
    const logicalShard = logicalShardOf(memberId);
    const profile = { card: "card-e", phone: "+79000000009", name: "Ёлка", birthDate: "1990-05-01", email: "Elka@Example.com", consent: { sms: true, email: false } };
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile });
    const edits = [
      { editId: "e-1", name: "Ёлка Иванова", consent: { email: true }, operator: "olga" },
      { editId: "e-2", phone: null, email: null, operator: "olga" },
      { editId: "e-3", consent: { sms: false, email: false }, operator: "sam" },
      { editId: "e-1", name: "Ёлка Иванова", consent: { email: true }, operator: "olga" },
    ];
    for (const edit of edits) expect(await record({ kind: "editProfile", ref: ++ref, logicalShard, memberId, edit })).toMatchObject({ ok: true });
    expect(payloads.digest("hex")).toBe(EXPECTED_PROFILE_EDIT_PAYLOADS_DIGEST);
  });
});

/** Family operations' payloads, pinned by the build that added them (formats 5-8 accounts, pool lots, family entries and records; a family receipt's points.accrued event names its family). */
const EXPECTED_FAMILY_PAYLOADS_DIGEST = "b713cfaef0f566eacd336c4cf30206af8a9d8cbabc620ba32646d1bfaebf96b9";

describe("log payload bytes of family accounts", () => {
  it("(join, a pool hold, a family commit naming it, the pool's apply, a refund, a leave with the member's share) are the bytes the build that added them logged", async () => {
    const now = START;
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const call = async (request: ShardRequestBody): Promise<ShardReply> => {
      const pending = new Promise<ShardReply>((resolve) => actor.handle({ ...request, ref: ++ref } as ShardRequest, resolve));
      await settleTurns();
      return pending;
    };
    const apply = async (reply: ShardReply): Promise<ShardReply> => {
      if (!reply.ok) throw new Error(reply.message);
      const value = reply.value as { intent?: FamilyIntent; familyIntent?: { intent: FamilyIntent }; next?: FamilyIntent };
      const intent = value.intent ?? value.familyIntent?.intent;
      if (intent === undefined) throw new Error("an intent");
      const applied = await call({ kind: "family", logicalShard: logicalShardOf(intent.target), memberId: intent.target, operation: { op: "apply", intent } });
      const next = applied.ok ? (applied.value as { next?: FamilyIntent }).next : undefined;
      if (next !== undefined) await call({ kind: "family", logicalShard: logicalShardOf(next.target), memberId: next.target, operation: { op: "apply", intent: next } });
      return applied;
    };
    const memberId = MEMBERS[0] ?? "";
    const logicalShard = logicalShardOf(memberId);
    const pool = poolAccountId("home");
    const receipt = (id: string) => ({ id, store: "store-1", at: now, lines: [{ sku: "sku-1", qty: 2, price: 5_000, amount: 10_000 }] });
    await call({ kind: "enroll", logicalShard, memberId, profile: { card: "card-f", phone: null, name: null, birthDate: null } });
    await call({ kind: "commit", logicalShard, memberId, receipt: receipt("before"), redeem: 0, partner: "partner-1" });
    await apply(await call({ kind: "family", logicalShard, memberId, operation: { op: "join", joinId: "j-1", family: "home", pool, operator: "olga" } }));
    const key = familyHoldKey(memberId, "store-1", "fam-1", "0a0b0c0d0e0f");
    await call({ kind: "family", logicalShard: logicalShardOf(pool), memberId: pool, operation: { op: "hold", key, points: 100, partner: "partner-1", member: memberId, store: "store-1", receiptId: "fam-1" } });
    await apply(await call({ kind: "commit", logicalShard, memberId, receipt: receipt("fam-1"), redeem: 100, partner: "partner-1", familyHold: { family: "home", key, points: 100 } }));
    await apply(await call({ kind: "refund", logicalShard, memberId, store: "store-1", refundId: "back-1", receiptId: "fam-1", lines: [{ line: 0, qty: 1 }], partner: "partner-1" }));
    await apply(await call({ kind: "family", logicalShard, memberId, operation: { op: "leave", leaveId: "l-1", policy: "share", operator: "olga" } }));
    expect(payloads.digest("hex")).toBe(EXPECTED_FAMILY_PAYLOADS_DIGEST);
  });
});

describe("log payload bytes with campaigns", () => {
  it("of receipts priced by campaigns (purchase counters, campaign lots, their returns and cancels) are the bytes the build that added them logged", async () => {
    let now = START;
    const campaigns = {
      version: 1,
      segments: [],
      campaigns: [
        { id: "third", name: "Every third", start: START, end: START + 400 * 86_400_000, state: "active" as const, partner: "fund-1", audience: null, mechanics: [{ kind: "points" as const, fixedPoints: 70, everyPurchases: 3, rateBasisPoints: null, skus: null, receiptTotalAtLeast: null }] },
        { id: "rate", name: "Extra", start: START, end: START + 400 * 86_400_000, state: "active" as const, partner: "fund-2", audience: null, budgetPoints: 30_000, mechanics: [{ kind: "points" as const, rateBasisPoints: 300, fixedPoints: null, everyPurchases: null, skus: null, receiptTotalAtLeast: null }] },
      ],
    };
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const campaignRulePoints: number[] = [];
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      const reply = await pending;
      if (request.kind === "commit" && reply.ok) {
        const rules = (reply.value as { readonly rules: readonly { readonly rule: string; readonly points?: number }[] }).rules;
        campaignRulePoints.push(rules.filter((rule) => rule.rule === "campaign:rate").reduce((sum, rule) => sum + (rule.points ?? 0), 0));
      }
      return reply;
    };
    const memberId = MEMBERS[1] ?? "";
    const logicalShard = logicalShardOf(memberId);
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: "card-c", phone: null, name: null, birthDate: null } });
    const random = seededRandom(20260313);
    for (let step = 0; step < 12; step += 1) {
      now += STEP_MILLISECONDS * (1 + randomInteger(random, 20));
      await oneOperation({ memberId, step, random, next: () => ++ref, now, record });
    }
    const detail = await record({ kind: "lookup", ref: ++ref, logicalShard, memberId, detail: true });
    // The run holds what it pins: lots of both funding partners beside the receipts' own.
    expect(detail.ok && new Set(detail.value.lots?.map((lot) => `${lot.source} ${lot.partner}`))).toEqual(new Set(["receipt partner-1", "receipt partner-2", "campaign fund-1", "campaign fund-2", "adjustment "]));
    // The budget ran out on the way (returns gave some back meanwhile): the run pins a spent budget too.
    expect(campaignRulePoints.at(-1)).toBe(0);
    expect(payloads.digest("hex")).toBe(EXPECTED_CAMPAIGN_PAYLOADS_DIGEST);
  });
});

describe("log payload bytes with campaign triggers", () => {
  it("of an enrolment trigger, the month-day index, its backfill and walk, a birthday accrual and a profile edit are the bytes the build that added them logged", async () => {
    let now = START + 1_000;
    const campaign = { start: START, end: START + 800 * 86_400_000, state: "active" as const, partner: "legal-1", audience: null, mechanics: [] };
    const campaigns = {
      version: 1,
      segments: [],
      campaigns: [
        { ...campaign, id: "welcome", name: "Welcome", trigger: { kind: "enrolment" as const, points: 150 } },
        { ...campaign, id: "birthday", name: "Birthday", budgetPoints: 256_000, trigger: { kind: "birthday" as const, points: 500, lifetimeDays: 30 } },
      ],
    };
    const memberId = MEMBERS[0] ?? "";
    const logicalShard = logicalShardOf(memberId);
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns, ownedLogicalShards: [logicalShard] });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      return pending;
    };
    expect(await record({ kind: "enroll", ref: 1, logicalShard, memberId, profile: { card: "card-t", phone: null, name: null, birthDate: "1990-01-10" } })).toMatchObject({ ok: true, value: { balance: 150 } });
    now = START + 9 * 86_400_000 + 12 * 3_600_000;
    for (let step = 0; step < 4; step += 1) actor.walkTriggers(500);
    expect(await record({ kind: "editProfile", ref: 2, logicalShard, memberId, edit: { editId: "e-1", birthDate: "1990-01-11", operator: "olga" } })).toMatchObject({ ok: true });
    const detail = await record({ kind: "lookup", ref: 3, logicalShard, memberId, detail: true });
    expect(detail.ok && detail.value.lots?.map((lot) => [lot.source, lot.points, lot.reference])).toEqual([
      ["campaign", 150, JSON.stringify(["enrolment", "once", "campaign:welcome"])],
      ["campaign", 500, JSON.stringify(["birthday", "2026", "campaign:birthday"])],
    ]);
    expect(payloads.digest("hex")).toBe(EXPECTED_TRIGGER_PAYLOADS_DIGEST);
  });
});

describe("log payload bytes with coupons", () => {
  it("of issuing, using, committing with, cancelling and giving back a coupon are the bytes the build that added them logged", async () => {
    const now = START + 1_000;
    const campaigns = {
      version: 1,
      segments: [],
      campaigns: [
        { id: "welcome", name: "Welcome", start: START, end: START + 86_400_000, state: "active" as const, partner: "p", audience: null, couponOnly: true as const, mechanics: [{ kind: "points" as const, fixedPoints: 500, rateBasisPoints: null, everyPurchases: null, skus: null, receiptTotalAtLeast: null }] },
      ],
    };
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      return pending;
    };
    const memberId = MEMBERS[2] ?? "";
    const logicalShard = logicalShardOf(memberId);
    const code = "K7QJ2ZP4XW3MAB6T";
    const codeShard = logicalShardOf(code);
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: "card-k", phone: null, name: null, birthDate: null } });
    await record({ kind: "couponIssue", ref: ++ref, logicalShard: codeShard, coupons: [{ code, coupon: { campaign: "welcome", member: memberId, uses: 2, used: 0, validUntil: null } }] });
    const use = { kind: "couponUse" as const, ref: ++ref, logicalShard: codeShard, code, user: memberId, store: "store-1", receiptId: "k-1", at: now, count: true };
    expect(await record(use)).toMatchObject({ ok: true, value: { campaign: "welcome", counted: true } });
    const receipt = { id: "k-1", store: "store-1", at: now, lines: [{ sku: "a", qty: 1, price: 10_000, amount: 10_000 }] };
    expect(await record({ kind: "commit", ref: ++ref, logicalShard, memberId, receipt, redeem: 0, partner: "p", coupon: { code, campaign: "welcome" } })).toMatchObject({ ok: true });
    expect(await record({ kind: "cancel", ref: ++ref, logicalShard, memberId, store: "store-1", receiptId: "k-1", partner: "p" })).toMatchObject({ ok: true });
    expect(await record({ kind: "couponRelease", ref: ++ref, logicalShard: codeShard, code, store: "store-1", receiptId: "k-1" })).toMatchObject({ ok: true, value: { released: true } });
    expect(await record({ kind: "couponRead", ref: ++ref, logicalShard: codeShard, code })).toMatchObject({ ok: true, value: { used: 0, uses: 2 } });
    expect(payloads.digest("hex")).toBe(EXPECTED_COUPON_PAYLOADS_DIGEST);
  });
});

describe("log payload bytes with discount budgets and revoked coupons", () => {
  it("of receipts under a discount budget, their returns, and a coupon revoked then given back are the bytes the build that added them logged", async () => {
    let now = START + 1_000;
    const campaigns = {
      version: 1,
      segments: [],
      campaigns: [
        { id: "off", name: "Ten off", start: START, end: START + 400 * 86_400_000, state: "active" as const, partner: "fund-3", audience: null, budgetDiscount: 40_000, mechanics: [{ kind: "discount" as const, basisPoints: 1_000, skus: null }] },
        { id: "welcome", name: "Welcome", start: START, end: START + 400 * 86_400_000, state: "active" as const, partner: "p", audience: null, couponOnly: true as const, mechanics: [{ kind: "points" as const, fixedPoints: 500, rateBasisPoints: null, everyPurchases: null, skus: null, receiptTotalAtLeast: null }] },
      ],
    };
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, campaigns });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const discounts: number[] = [];
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      const reply = await pending;
      if (request.kind === "commit" && reply.ok) {
        const rules = (reply.value as { readonly rules: readonly { readonly rule: string; readonly discount?: number }[] }).rules;
        discounts.push(rules.filter((rule) => rule.rule === "campaign:off").reduce((sum, rule) => sum + (rule.discount ?? 0), 0));
      }
      return reply;
    };
    const memberId = MEMBERS[0] ?? "";
    const logicalShard = logicalShardOf(memberId);
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: "card-d", phone: null, name: null, birthDate: null } });
    const random = seededRandom(20261202);
    for (let step = 0; step < 12; step += 1) {
      now += STEP_MILLISECONDS * (1 + randomInteger(random, 20));
      await oneOperation({ memberId, step, random, next: () => ++ref, now, record });
    }
    // The budget ran out on the way (returns gave some back meanwhile): the run pins a spent discount budget too.
    expect(discounts.some((discount) => discount > 0)).toBe(true);
    expect(discounts.at(-1)).toBe(0);
    const code = "R3VQK7ZP2MXW4ABT";
    const codeShard = logicalShardOf(code);
    await record({ kind: "couponIssue", ref: ++ref, logicalShard: codeShard, coupons: [{ code, coupon: { campaign: "welcome", member: null, uses: 2, used: 0, validUntil: null } }] });
    expect(await record({ kind: "couponUse", ref: ++ref, logicalShard: codeShard, code, user: memberId, store: "store-1", receiptId: "v-1", at: now, count: true })).toMatchObject({ ok: true });
    expect(await record({ kind: "couponRevoke", ref: ++ref, logicalShard: codeShard, code, id: "revoke-1", at: now })).toMatchObject({ ok: true, value: { alreadyRevoked: false } });
    expect(await record({ kind: "couponRevoke", ref: ++ref, logicalShard: codeShard, code, id: "revoke-1", at: now + 5 })).toMatchObject({ ok: true, value: { revoked: { id: "revoke-1", at: now } } });
    expect(await record({ kind: "couponRelease", ref: ++ref, logicalShard: codeShard, code, store: "store-1", receiptId: "v-1" })).toMatchObject({ ok: true, value: { released: true } });
    expect(await record({ kind: "couponRead", ref: ++ref, logicalShard: codeShard, code })).toMatchObject({ ok: true, value: { used: 0, revoked: { id: "revoke-1" } } });
    expect(payloads.digest("hex")).toBe(EXPECTED_DISCOUNT_BUDGET_PAYLOADS_DIGEST);
  });
});

async function oneOperation(context: {
  readonly memberId: string;
  readonly step: number;
  readonly random: () => number;
  readonly next: () => number;
  readonly now: number;
  readonly record: <Request extends ShardRequest>(request: Request) => Promise<ShardReply<Request["kind"]>>;
}): Promise<void> {
  const { memberId, step, random, next, now, record } = context;
  const logicalShard = logicalShardOf(memberId);
  const store = step % 3 === 0 ? "store \"north\"" : "store-1";
  const lines: ReceiptLine[] = Array.from({ length: 1 + randomInteger(random, 6) }, (_, line) => {
    const qty = 1 + randomInteger(random, 2);
    const price = 100 + randomInteger(random, 50_000);
    return { sku: line === 0 && step % 7 === 0 ? "TOBACCO-0001" : `sku-${randomInteger(random, 50)}`, qty, price, amount: qty * price, ...(line === 1 ? { noPoints: true } : {}) };
  });
  const receipt = { id: `r-${step}`, store, at: now, lines };
  const lookup = await record({ kind: "lookup", ref: next(), logicalShard, memberId, detail: true });
  const balance = lookup.ok ? lookup.value.balance : 0;
  const redeem = step % 4 === 3 ? Math.min(balance, randomInteger(random, 3_000)) : 0;
  if (step % 11 === 5) await record({ kind: "calculate", ref: next(), logicalShard, memberId, receipt, redeem, partner: "partner-1", hold: true });
  await record({ kind: "commit", ref: next(), logicalShard, memberId, receipt, redeem, partner: step % 5 === 0 ? "partner-2" : "partner-1" });
  if (step % 9 === 4) await record({ kind: "refund", ref: next(), logicalShard, memberId, store, refundId: `f-${step}`, receiptId: receipt.id, lines: [{ line: 0, qty: 1 }] });
  if (step % 13 === 6) await record({ kind: "cancel", ref: next(), logicalShard, memberId, store, receiptId: receipt.id });
  if (step % 10 === 7) {
    await record({ kind: "adjust", ref: next(), logicalShard, memberId, adjustmentId: `a-${step}`, points: step % 20 === 7 ? 250 : -40, reason: "goodwill", operator: "op" });
  }
  if (step % 8 === 2) {
    await record({ kind: "reportVisit", ref: next(), logicalShard, memberId, visit: { id: `v-${step}`, store, status: step % 16 === 2 ? "came" : "didNotCome", at: now } });
  }
}

/** A payload written again without the mutations of these pseudo members (settlement entries, outbox events). */
function withoutPseudoMembers(payload: Uint8Array, pseudoMembers: readonly string[]): Buffer {
  const writer = new MutationPayloadWriter();
  for (const mutation of decodeMutations(payload)) {
    const key = Buffer.from(mutation.key);
    if (key[1] === MEMBER_FAMILY && pseudoMembers.includes(key.toString("latin1", 3, 3 + (key[2] as number)))) continue;
    if (mutation.value === undefined || mutation.value === null) writer.delete(key);
    else {
      const value = mutation.value;
      writer.put(key, (record) => record.bytes(value));
    }
  }
  return writer.finish().payload;
}

describe("log payload bytes with surveys", () => {
  it("of inviting a member and answering with a reward are the bytes the build that added them logged", async () => {
    const now = START + 1_000;
    const { actor, log } = openMemoryShardActor({ program: PROGRAM, clock: () => now, checkpoint: { intervalMilliseconds: 1_000_000_000, triggerBytes: 1024 * 1024 * 1024, overlayBytesMax: 2 * 1024 * 1024 * 1024 } });
    const payloads = createHash("sha256");
    const append = log.append.bind(log);
    log.append = (payload) => {
      payloads.update(payload);
      return append(payload);
    };
    let ref = 0;
    const record = async <Request extends ShardRequest>(request: Request): Promise<ShardReply<Request["kind"]>> => {
      const pending = new Promise<ShardReply<Request["kind"]>>((resolve) => actor.handle(request, resolve));
      await settleTurns();
      return pending;
    };
    const memberId = MEMBERS[1] ?? "";
    const logicalShard = logicalShardOf(memberId);
    await record({ kind: "enroll", ref: ++ref, logicalShard, memberId, profile: { card: "card-s", phone: null, name: null, birthDate: null } });
    await actor.checkpointNow();
    const invitation = { survey: "visit", title: "How was it?", endsAt: now + 86_400_000, when: null, linkKey: "survey-key", linkBase: "https://loyalty.example/s/" };
    expect(await record({ kind: "surveyInvite", ref: ++ref, logicalShard, afterMemberId: null, limit: 500, invitation })).toMatchObject({ ok: true, value: { invited: 1 } });
    const answer = { kind: "surveyAnswer" as const, ref: ++ref, logicalShard, memberId, survey: "visit", answers: { recommend: 9, likes: [0, 2], comment: "fine" }, reward: { points: 150, lifetimeDays: 90, partner: "p" } };
    expect(await record(answer)).toMatchObject({ ok: true, value: { points: 150 } });
    expect(await record({ ...answer, ref: ++ref })).toMatchObject({ ok: true, value: { points: 150 } });
    expect(payloads.digest("hex")).toBe(EXPECTED_SURVEY_PAYLOADS_DIGEST);
  });
});
