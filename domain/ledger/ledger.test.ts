import { describe, expect, it } from "vitest";
import { InvariantError } from "../assert/assert.js";
import { caught } from "../test-support/caught.js";
import { itEach } from "../test-support/table-tests.js";
import {
  accrueLot,
  captureHold,
  checkLedgerInvariants,
  EMPTY_LEDGER,
  holdPoints,
  HOLDS_MAX,
  ledgerTotals,
  OPEN_LOTS_MAX,
  PRUNED_EXPIRIES_REMEMBERED,
  releaseHold,
  returnShares,
  revokeLot,
  settleLedger,
  spendPoints,
  type Accrual,
  type DebtPolicy,
  type Ledger,
  type LedgerBalances,
  type LedgerLifetimeTotals,
} from "./ledger.js";
import type { Lot, LotShare } from "./lot.js";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const DAY = 86_400_000;
/** The hold TTL of most cases: a POS lane finishes a payment within minutes. */
const TTL = 15 * MINUTE;

/** Freezes a value and everything in it, so that any write by the code under test throws. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const each of Object.values(value)) deepFreeze(each);
  }
  return value;
}

/** The ok branch of an outcome; fails the test with the refusal otherwise. */
function ok<T extends { readonly ok: boolean }>(outcome: T): Extract<T, { ok: true }> {
  if (!outcome.ok) return expect.unreachable(`expected ok, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<T, { ok: true }>;
}

function accrual(overrides: Partial<Accrual> = {}): Accrual {
  return { points: 100, source: "receipt", reference: "r-1", partner: "shop", at: T0, activatesAt: T0, expiresAt: T0 + 365 * DAY, ...overrides };
}

/** The ledger after the accruals, each on a frozen input. */
function accrued(ledger: Ledger, ...accruals: readonly Partial<Accrual>[]): Ledger {
  return accruals.reduce<Ledger>((current, each) => ok(accrueLot(deepFreeze(current), accrual(each))).ledger, ledger);
}

function spend(ledger: Ledger, points: number, now: number): { ledger: Ledger; shares: readonly LotShare[] } {
  return ok(spendPoints(deepFreeze(ledger), points, now));
}

function hold(ledger: Ledger, key: string, points: number, now: number, ttl = TTL): Ledger {
  return ok(holdPoints(deepFreeze(ledger), key, points, now, ttl)).ledger;
}

function balances(ledger: Ledger, now: number): LedgerBalances {
  return ledgerTotals(deepFreeze(ledger), now);
}

/** Lots by id -> [remaining, held, spent, expired, revoked], for compact expectations. */
function lotStates(ledger: Ledger): Record<number, readonly number[]> {
  return Object.fromEntries(ledger.lots.map((lot) => [lot.id, [lot.remaining, lot.held, lot.spent, lot.expired, lot.revoked]]));
}

/** [lot, points] of each share, in order. */
function taken(shares: readonly LotShare[]): (readonly [number, number])[] {
  return shares.map((share) => [share.lot, share.points] as const);
}

describe("accrueLot", () => {
  it("creates lots with ids 1, 2, 3 in ascending order, all points remaining", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10 }, { points: 20 }, { points: 30 });
    expect(ledger.lots.map((lot) => lot.id)).toEqual([1, 2, 3]);
    expect(lotStates(ledger)).toEqual({ 1: [10, 0, 0, 0, 0], 2: [20, 0, 0, 0, 0], 3: [30, 0, 0, 0, 0] });
    expect(ledger.nextLotId).toBe(4);
    expect(ledger.totals.accrued).toBe(60);
  });

  it("keeps the accrual's source, reference, partner and times on the lot", () => {
    const outcome = ok(accrueLot(EMPTY_LEDGER, accrual({ source: "campaign", reference: "c-7", partner: "fuel", at: T0, activatesAt: T0 + DAY, expiresAt: null })));
    expect(outcome.lot).toEqual({
      id: 1,
      source: "campaign",
      reference: "c-7",
      partner: "fuel",
      points: 100,
      accruedAt: T0,
      activatesAt: T0 + DAY,
      expiresAt: null,
      remaining: 100,
      held: 0,
      spent: 0,
      expired: 0,
      revoked: 0,
    });
    expect(outcome.debtRepaid).toBe(0);
  });

  itEach([
    { name: "repays debt of 30 from a new lot of 100, which keeps 70", debt: 30, points: 100, remaining: 70, debtAfter: 0 },
    { name: "repays debt of 100 with a new lot of exactly 100, which closes at once", debt: 100, points: 100, remaining: 0, debtAfter: 0 },
    { name: "repays 40 of a debt of 100 with a new lot of 40, leaving 60 owed", debt: 100, points: 40, remaining: 0, debtAfter: 60 },
  ])(({ debt, points, remaining, debtAfter }) => {
    const inDebt = ok(revokeLot(spend(accrued(EMPTY_LEDGER, { points: debt }), debt, T0).ledger, 1, debt, T0, "debt")).ledger;
    expect(inDebt.debt).toBe(debt);
    const outcome = ok(accrueLot(deepFreeze(inDebt), accrual({ points, at: T0 + 1, activatesAt: T0 + DAY })));
    expect(outcome.debtRepaid).toBe(points - remaining);
    expect(outcome.lot).toMatchObject({ id: 2, remaining, spent: points - remaining });
    expect(outcome.ledger.debt).toBe(debtAfter);
    expect(outcome.ledger.totals.debtRepaid).toBe(points - remaining);
    expect(outcome.ledger.lots.map((lot) => lot.id)).toEqual(remaining > 0 ? [2] : []);
  });

  it("refuses an accrual with LEDGER_LIMIT when the account has OPEN_LOTS_MAX open lots", () => {
    const template = ok(accrueLot(EMPTY_LEDGER, accrual({ points: 1 }))).lot;
    const lots: Lot[] = Array.from({ length: OPEN_LOTS_MAX }, (_, index) => ({ ...template, id: index + 1 }));
    const full: Ledger = { ...EMPTY_LEDGER, lots, nextLotId: OPEN_LOTS_MAX + 1, totals: { ...EMPTY_LEDGER.totals, accrued: OPEN_LOTS_MAX } };
    checkLedgerInvariants(full);
    expect(accrueLot(deepFreeze(full), accrual({ at: T0 + 1, activatesAt: T0 + 1 }))).toMatchObject({ ok: false, code: "LEDGER_LIMIT" });
  });

  itEach<{ name: string; overrides: Partial<Accrual> }>([
    { name: "asserts that accrued points are positive (0 is a bug)", overrides: { points: 0 } },
    { name: "asserts that accrued points are positive (-5 is a bug)", overrides: { points: -5 } },
    { name: "asserts that accrued points are whole", overrides: { points: 1.5 } },
    { name: "asserts that a lot does not activate before it is accrued", overrides: { activatesAt: T0 - 1 } },
    { name: "asserts that a lot expires after it activates", overrides: { activatesAt: T0 + DAY, expiresAt: T0 + DAY } },
  ])(({ overrides }) => {
    expect(caught(() => accrueLot(EMPTY_LEDGER, accrual(overrides)))).toBeInstanceOf(InvariantError);
  });
});

describe("spendPoints", () => {
  interface FifoCase {
    readonly name: string;
    readonly lots: readonly Partial<Accrual>[];
    readonly points: number;
    readonly expected: readonly (readonly [number, number])[];
  }
  itEach<FifoCase>([
    {
      name: "takes the lot that expires first, whatever the order of accrual",
      lots: [{ points: 50, expiresAt: T0 + 30 * DAY }, { points: 50, expiresAt: T0 + 10 * DAY }],
      points: 30,
      expected: [[2, 30]],
    },
    {
      name: "goes on to the next expiry when the first lot is used up",
      lots: [{ points: 50, expiresAt: T0 + 30 * DAY }, { points: 20, expiresAt: T0 + 10 * DAY }, { points: 50, expiresAt: T0 + 20 * DAY }],
      points: 60,
      expected: [
        [2, 20],
        [3, 40],
      ],
    },
    {
      name: "takes the lower id first between lots with the same expiry",
      lots: [{ points: 10, expiresAt: T0 + 10 * DAY }, { points: 10, expiresAt: T0 + 10 * DAY }, { points: 10, expiresAt: T0 + 10 * DAY }],
      points: 15,
      expected: [
        [1, 10],
        [2, 5],
      ],
    },
    {
      name: "takes points that never expire last",
      lots: [{ points: 10, expiresAt: null }, { points: 10, expiresAt: T0 + 400 * DAY }, { points: 10, expiresAt: null }],
      points: 25,
      expected: [
        [2, 10],
        [1, 10],
        [3, 5],
      ],
    },
    {
      name: "skips a pending lot even when it expires first",
      lots: [{ points: 10, activatesAt: T0 + DAY, expiresAt: T0 + 2 * DAY }, { points: 10, expiresAt: T0 + 30 * DAY }],
      points: 10,
      expected: [[2, 10]],
    },
  ])(({ lots, points, expected }) => {
    const outcome = spend(accrued(EMPTY_LEDGER, ...lots), points, T0);
    expect(taken(outcome.shares)).toEqual(expected);
  });

  it("records in each share enough of its lot to recreate it", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, source: "bonus", reference: "b-1", partner: "cafe", activatesAt: T0 + 5, expiresAt: T0 + DAY });
    expect(spend(ledger, 4, T0 + 5).shares).toEqual([
      { lot: 1, points: 4, expiresAt: T0 + DAY, source: "bonus", partner: "cafe", activatesAt: T0 + 5, reference: "b-1", accruedAt: T0 },
    ]);
  });

  itEach([
    { name: "refuses pending points one millisecond before they activate", at: T0 + DAY - 1, spendable: false },
    { name: "spends points from the millisecond they activate", at: T0 + DAY, spendable: true },
  ])(({ at, spendable }) => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, activatesAt: T0 + DAY });
    expect(spendPoints(deepFreeze(ledger), 10, at).ok).toBe(spendable);
  });

  itEach([
    { name: "spends points one millisecond before they expire, without a settle first", at: T0 + DAY - 1, spendable: true },
    { name: "refuses points at their expiry time, without a settle first", at: T0 + DAY, spendable: false },
    { name: "refuses points after their expiry time, without a settle first", at: T0 + 9 * DAY, spendable: false },
  ])(({ at, spendable }) => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY });
    expect(spendPoints(deepFreeze(ledger), 10, at).ok).toBe(spendable);
  });

  it("refuses to spend more than the active points with INSUFFICIENT_POINTS and changes nothing", () => {
    const ledger = deepFreeze(accrued(EMPTY_LEDGER, { points: 10 }, { points: 5, activatesAt: T0 + DAY }));
    const outcome = spendPoints(ledger, 11, T0);
    expect(outcome).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    expect(ledger.lots.map((lot) => lot.remaining)).toEqual([10, 5]);
  });

  it("prunes a lot once all its points are spent and keeps them in the lifetime totals", () => {
    const outcome = spend(accrued(EMPTY_LEDGER, { points: 10 }, { points: 10, expiresAt: null }), 10, T0);
    expect(outcome.ledger.lots.map((lot) => lot.id)).toEqual([2]);
    expect(outcome.ledger.totals).toMatchObject({ accrued: 20, spent: 10, pruned: 10 });
  });
});

describe("settleLedger", () => {
  it("expires the remaining points of a lot at its expiry time and prunes it", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 7, expiresAt: null });
    const outcome = settleLedger(deepFreeze(ledger), T0 + DAY);
    expect(outcome.expired).toBe(10);
    expect(outcome.releasedHolds).toEqual([]);
    expect(outcome.ledger.lots.map((lot) => lot.id)).toEqual([2]);
    expect(outcome.ledger.totals).toMatchObject({ accrued: 17, expired: 10, pruned: 10 });
  });

  it("returns its input when nothing is due", () => {
    const ledger = deepFreeze(accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }));
    expect(settleLedger(ledger, T0 + DAY - 1)).toEqual({ ledger, expired: 0, releasedHolds: [] });
    expect(settleLedger(ledger, T0 + DAY - 1).ledger).toBe(ledger);
  });

  it("is idempotent: settling again at the same time changes nothing", () => {
    let ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 20, expiresAt: T0 + 2 * DAY });
    ledger = hold(ledger, "h-1", 15, T0);
    const first = settleLedger(deepFreeze(ledger), T0 + DAY);
    const second = settleLedger(deepFreeze(first.ledger), T0 + DAY);
    expect(second.ledger).toBe(first.ledger);
    expect(second.expired).toBe(0);
    expect(second.releasedHolds).toEqual([]);
  });

  it("keeps the held points of an expired lot held, and expires them when the hold ends", () => {
    let ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + 5 * MINUTE });
    ledger = hold(ledger, "h-1", 4, T0);
    const atExpiry = settleLedger(deepFreeze(ledger), T0 + 5 * MINUTE);
    expect(atExpiry.expired).toBe(6);
    expect(lotStates(atExpiry.ledger)).toEqual({ 1: [0, 4, 0, 6, 0] });
    const atTtl = settleLedger(deepFreeze(atExpiry.ledger), T0 + TTL);
    expect(atTtl.expired).toBe(4);
    expect(atTtl.releasedHolds).toEqual(["h-1"]);
    expect(atTtl.ledger.lots).toEqual([]);
    expect(atTtl.ledger.totals).toMatchObject({ expired: 10, pruned: 10 });
  });

  itEach([
    { name: "keeps a hold one millisecond before its TTL ends", at: T0 + TTL - 1, holds: ["h-1"], active: 6 },
    { name: "drops a hold when its TTL ends and gives its points back", at: T0 + TTL, holds: [], active: 10 },
  ])(({ at, holds, active }) => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0);
    const settled = settleLedger(deepFreeze(ledger), at).ledger;
    expect(settled.holds.map((each) => each.key)).toEqual(holds);
    expect(balances(settled, at).active).toBe(active);
  });
});

describe("ledgerTotals", () => {
  interface TotalsCase {
    readonly name: string;
    readonly build: () => Ledger;
    readonly now: number;
    readonly expected: LedgerBalances;
  }
  itEach<TotalsCase>([
    { name: "is all zero for an empty ledger", build: () => EMPTY_LEDGER, now: T0, expected: { active: 0, pending: 0, held: 0, debt: 0, available: 0 } },
    {
      name: "shows points before their activation as pending, and as active from then",
      build: () => accrued(EMPTY_LEDGER, { points: 10 }, { points: 5, activatesAt: T0 + DAY }),
      now: T0 + DAY - 1,
      expected: { active: 10, pending: 5, held: 0, debt: 0, available: 10 },
    },
    {
      name: "counts pending points as active once their activation time is reached",
      build: () => accrued(EMPTY_LEDGER, { points: 10 }, { points: 5, activatesAt: T0 + DAY }),
      now: T0 + DAY,
      expected: { active: 15, pending: 0, held: 0, debt: 0, available: 15 },
    },
    {
      name: "leaves out expired points without a settle first",
      build: () => accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 3, expiresAt: null }),
      now: T0 + DAY,
      expected: { active: 3, pending: 0, held: 0, debt: 0, available: 3 },
    },
    {
      name: "shows held points apart from the active ones",
      build: () => hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0),
      now: T0 + 1,
      expected: { active: 6, pending: 0, held: 4, debt: 0, available: 6 },
    },
    {
      name: "leaves out a hold past its TTL without a settle first",
      build: () => hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0),
      now: T0 + TTL,
      expected: { active: 10, pending: 0, held: 0, debt: 0, available: 10 },
    },
    {
      name: "shows debt with nothing available",
      build: () => ok(revokeLot(spend(accrued(EMPTY_LEDGER, { points: 10 }), 10, T0).ledger, 1, 10, T0, "debt")).ledger,
      now: T0,
      expected: { active: 0, pending: 0, held: 0, debt: 10, available: 0 },
    },
  ])(({ build, now, expected }) => {
    expect(balances(build(), now)).toEqual(expected);
  });
});

describe("holdPoints, captureHold and releaseHold", () => {
  it("moves held points to held in their lots, earliest expiry first, and records the shares", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + 9 * DAY }, { points: 10, expiresAt: T0 + 3 * DAY });
    const outcome = ok(holdPoints(deepFreeze(ledger), "h-1", 15, T0, TTL));
    expect(outcome.created).toBe(true);
    expect(outcome.hold).toMatchObject({ key: "h-1", points: 15, expiresAt: T0 + TTL });
    expect(taken(outcome.hold.shares)).toEqual([
      [2, 10],
      [1, 5],
    ]);
    expect(lotStates(outcome.ledger)).toEqual({ 1: [5, 5, 0, 0, 0], 2: [0, 10, 0, 0, 0] });
  });

  it("returns the existing hold when asked again with the same key and points", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0);
    const again = ok(holdPoints(deepFreeze(ledger), "h-1", 4, T0 + 1, TTL));
    expect(again.created).toBe(false);
    expect(again.hold).toBe(ledger.holds[0]);
    expect(again.ledger).toBe(ledger);
  });

  it("refuses the same key with other points as a CONFLICT", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0);
    expect(holdPoints(deepFreeze(ledger), "h-1", 5, T0, TTL)).toMatchObject({ ok: false, code: "CONFLICT" });
  });

  it("never lets a hold and a spend, or two holds, take the same points", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 100 }), "h-1", 80, T0);
    expect(spendPoints(deepFreeze(ledger), 30, T0)).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    expect(holdPoints(deepFreeze(ledger), "h-2", 30, T0, TTL)).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    expect(lotStates(spend(ledger, 20, T0).ledger)).toEqual({ 1: [0, 80, 20, 0, 0] });
  });

  it("refuses hold number HOLDS_MAX + 1 with LEDGER_LIMIT", () => {
    let ledger = accrued(EMPTY_LEDGER, { points: HOLDS_MAX + 1 });
    for (let index = 0; index < HOLDS_MAX; index += 1) ledger = hold(ledger, `h-${index}`, 1, T0);
    expect(holdPoints(deepFreeze(ledger), "one-more", 1, T0, TTL)).toMatchObject({ ok: false, code: "LEDGER_LIMIT" });
  });

  it("captures a hold: its points become spent and its shares come back", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10 }, { points: 10, expiresAt: null }), "h-1", 15, T0);
    const outcome = ok(captureHold(deepFreeze(ledger), "h-1", T0 + MINUTE));
    expect(outcome.points).toBe(15);
    expect(taken(outcome.shares)).toEqual([
      [1, 10],
      [2, 5],
    ]);
    expect(outcome.ledger.holds).toEqual([]);
    expect(lotStates(outcome.ledger)).toEqual({ 2: [5, 0, 5, 0, 0] });
    expect(outcome.ledger.totals).toMatchObject({ spent: 15, pruned: 10 });
  });

  interface NoHoldCase {
    readonly name: string;
    readonly act: (ledger: Ledger) => { readonly ok: boolean };
  }
  itEach<NoHoldCase>([
    { name: "refuses to capture an unknown hold with NOT_FOUND", act: (ledger) => captureHold(ledger, "h-2", T0) },
    { name: "refuses to release an unknown hold with NOT_FOUND", act: (ledger) => releaseHold(ledger, "h-2", T0) },
    { name: "refuses to capture a hold twice with NOT_FOUND", act: (ledger) => captureHold(ok(captureHold(ledger, "h-1", T0)).ledger, "h-1", T0) },
    { name: "refuses to capture a released hold with NOT_FOUND", act: (ledger) => captureHold(ok(releaseHold(ledger, "h-1", T0)).ledger, "h-1", T0) },
    { name: "refuses to release a captured hold with NOT_FOUND", act: (ledger) => releaseHold(ok(captureHold(ledger, "h-1", T0)).ledger, "h-1", T0) },
    { name: "refuses to capture a hold at the end of its TTL with NOT_FOUND", act: (ledger) => captureHold(ledger, "h-1", T0 + TTL) },
    { name: "refuses to release a hold after its TTL with NOT_FOUND", act: (ledger) => releaseHold(ledger, "h-1", T0 + TTL + 1) },
  ])(({ act }) => {
    const ledger = deepFreeze(hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0));
    expect(act(ledger)).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("captures the held points of a lot that expired after the hold was made as spent, not expired", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + MINUTE }), "h-1", 4, T0);
    const outcome = ok(captureHold(deepFreeze(ledger), "h-1", T0 + 2 * MINUTE));
    expect(outcome.ledger.lots).toEqual([]);
    expect(outcome.ledger.totals).toMatchObject({ spent: 4, expired: 6, pruned: 10 });
  });

  itEach([
    { name: "releases a hold: its points are active again", at: T0 + MINUTE, states: { 1: [10, 0, 0, 0, 0] }, expired: 0 },
    { name: "releases a hold whose lot expired meanwhile: its points expire", at: T0 + 5 * MINUTE, states: {}, expired: 4 },
  ])(({ at, states, expired }) => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + 5 * MINUTE }), "h-1", 4, T0);
    const outcome = ok(releaseHold(deepFreeze(ledger), "h-1", at));
    expect(outcome.points).toBe(4);
    expect(outcome.expired).toBe(expired);
    expect(lotStates(outcome.ledger)).toEqual(states);
  });

  it("lets a key be used again once its hold is gone", () => {
    const ledger = hold(accrued(EMPTY_LEDGER, { points: 10 }), "h-1", 4, T0);
    const again = ok(holdPoints(deepFreeze(ledger), "h-1", 7, T0 + TTL, TTL));
    expect(again.created).toBe(true);
    expect(again.hold.points).toBe(7);
  });
});

describe("returnShares", () => {
  it("puts redeemed points back in their open lot, which keeps its expiry", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY });
    const spent = spend(ledger, 4, T0);
    const outcome = ok(returnShares(deepFreeze(spent.ledger), spent.shares, T0 + 1));
    expect(outcome).toMatchObject({ returned: 4, expired: 0, debtRepaid: 0 });
    expect(lotStates(outcome.ledger)).toEqual({ 1: [10, 0, 0, 0, 0] });
    expect(outcome.ledger.totals).toMatchObject({ spent: 0 });
    expect(balances(outcome.ledger, T0 + DAY).active).toBe(0);
  });

  it("recreates a pruned lot from the share, with its id, expiry, source, partner, reference and times", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10, source: "campaign", reference: "c-1", partner: "cafe", activatesAt: T0 + 1, expiresAt: T0 + DAY }, { points: 5, expiresAt: null });
    const spent = spend(ledger, 12, T0 + 1);
    expect(spent.ledger.lots.map((lot) => lot.id)).toEqual([2]);
    const outcome = ok(returnShares(deepFreeze(spent.ledger), spent.shares, T0 + 2));
    expect(outcome.returned).toBe(12);
    expect(outcome.ledger.lots).toEqual([
      { id: 1, source: "campaign", reference: "c-1", partner: "cafe", points: 10, accruedAt: T0, activatesAt: T0 + 1, expiresAt: T0 + DAY, remaining: 10, held: 0, spent: 0, expired: 0, revoked: 0 },
      { id: 2, source: "receipt", reference: "r-1", partner: "shop", points: 5, accruedAt: T0, activatesAt: T0, expiresAt: null, remaining: 5, held: 0, spent: 0, expired: 0, revoked: 0 },
    ]);
    expect(outcome.ledger.totals).toMatchObject({ accrued: 15, spent: 0, pruned: 0 });
  });

  it("returns two redemptions of a pruned lot one after the other", () => {
    const ledger = accrued(EMPTY_LEDGER, { points: 10 });
    const first = spend(ledger, 6, T0);
    const second = spend(first.ledger, 4, T0);
    expect(second.ledger.lots).toEqual([]);
    const afterFirst = ok(returnShares(deepFreeze(second.ledger), first.shares, T0)).ledger;
    expect(lotStates(afterFirst)).toEqual({ 1: [6, 0, 0, 0, 0] });
    const afterSecond = ok(returnShares(deepFreeze(afterFirst), second.shares, T0)).ledger;
    expect(lotStates(afterSecond)).toEqual({ 1: [10, 0, 0, 0, 0] });
    expect(afterSecond.lots[0]?.points).toBe(10);
  });

  itEach([
    { name: "expires returned points at once when their open lot has expired", keepLotOpen: true },
    { name: "expires returned points at once when their pruned lot has expired", keepLotOpen: false },
  ])(({ keepLotOpen }) => {
    let ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY });
    if (keepLotOpen) ledger = hold(ledger, "h-1", 1, T0, 2 * DAY);
    const spent = spend(ledger, 4, T0);
    const outcome = ok(returnShares(deepFreeze(spent.ledger), spent.shares, T0 + DAY));
    expect(outcome).toMatchObject({ returned: 0, expired: 4 });
    expect(balances(outcome.ledger, T0 + DAY).active).toBe(0);
    expect(outcome.ledger.totals).toMatchObject({ spent: 0, expired: keepLotOpen ? 9 : 10 });
  });

  it("repays debt first with returned points, and gives back the rest", () => {
    const base = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 20, reference: "r-2", activatesAt: T0 + 1 });
    const spent = spend(base, 10, T0);
    const inDebt = ok(revokeLot(spend(spent.ledger, 20, T0 + 1).ledger, 2, 20, T0 + 1, "debt")).ledger;
    expect(inDebt.debt).toBe(20);
    const outcome = ok(returnShares(deepFreeze(inDebt), spent.shares, T0 + 2));
    expect(outcome).toMatchObject({ returned: 0, expired: 0, debtRepaid: 10 });
    expect(outcome.ledger.debt).toBe(10);
    expect(balances(outcome.ledger, T0 + 2)).toMatchObject({ active: 0, debt: 10 });
  });

  itEach<{ name: string; says: string; shares: (spent: readonly LotShare[]) => readonly LotShare[] }>([
    { name: "refuses to return the same shares twice with INTERNAL", says: "more than their lots have spent", shares: (spent) => spent },
    {
      name: "refuses a share of a lot the account never had with INTERNAL",
      says: "which this account never had",
      shares: (spent) => spent.map((share) => ({ ...share, lot: 99 })),
    },
    {
      name: "refuses a share that does not match its open lot with INTERNAL",
      says: "does not match that lot",
      shares: (spent) => spent.map((share) => ({ ...share, expiresAt: null })),
    },
  ])(({ says, shares }) => {
    const spent = spend(accrued(EMPTY_LEDGER, { points: 10 }), 4, T0);
    const once = ok(returnShares(spent.ledger, spent.shares, T0)).ledger;
    expect(returnShares(deepFreeze(once), shares(spent.shares), T0)).toMatchObject({ ok: false, code: "INTERNAL", message: expect.stringContaining(says) });
  });
});

describe("revokeLot", () => {
  interface RevokeCase {
    readonly name: string;
    /** Lot 1 is the accrual revoked; the scenario spends, holds or lets time pass. */
    readonly build: () => Ledger;
    readonly points: number;
    readonly policy: DebtPolicy;
    readonly now: number;
    readonly expected: { revoked: number; fromExpired: number; fromOtherLots: number; debtAdded: number };
    readonly balances: LedgerBalances;
    /** Where lot 1 is pruned before the revocation: the lifetime totals after it... */
    readonly totals?: Partial<LedgerLifetimeTotals>;
    /** ...and the expired points still remembered of lot 1 after it; null: lot 1 is not remembered (any more). */
    readonly rememberedOfLot1?: number | null;
  }
  const twoLots = (): Ledger => accrued(EMPTY_LEDGER, { points: 100, expiresAt: T0 + DAY }, { points: 30, reference: "r-2", expiresAt: T0 + 2 * DAY });
  /** twoLots, settled at lot 1's expiry: lot 1 is pruned with its unspent points expired. */
  const lotOnePruned = (ledger: Ledger): Ledger => settleLedger(deepFreeze(ledger), T0 + DAY).ledger;
  /**
   * Lot 1 (100 points) and then `count - 1` lots of 1 point, all expiring at
   * T0 + DAY, and a lot of 30 that never expires; settled at T0 + DAY, so that
   * `count` lots are pruned with expired points, lot 1 first.
   */
  const prunedExpiring = (count: number): Ledger =>
    settleLedger(
      accrued(
        EMPTY_LEDGER,
        { points: 100, expiresAt: T0 + DAY },
        ...Array.from({ length: count - 1 }, (_, index) => ({ points: 1, reference: `r-${String(index + 2)}`, expiresAt: T0 + DAY })),
        { points: 30, reference: "kept", expiresAt: null },
      ),
      T0 + DAY,
    ).ledger;
  itEach<RevokeCase>([
    {
      name: "revokes a pending lot's points, with no debt",
      build: () => accrued(EMPTY_LEDGER, { points: 100, activatesAt: T0 + DAY }),
      points: 100,
      policy: "refuse",
      now: T0,
      expected: { revoked: 100, fromExpired: 0, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 0, pending: 0, held: 0, debt: 0, available: 0 },
    },
    {
      name: "revokes part of a lot and leaves the rest",
      build: twoLots,
      points: 40,
      policy: "refuse",
      now: T0,
      expected: { revoked: 40, fromExpired: 0, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 90, pending: 0, held: 0, debt: 0, available: 90 },
    },
    {
      name: "takes spent points of the lot from the member's other lots, even under the refuse policy",
      build: () => spend(twoLots(), 70, T0).ledger,
      points: 60,
      policy: "refuse",
      now: T0,
      expected: { revoked: 30, fromExpired: 0, fromOtherLots: 30, debtAdded: 0 },
      balances: { active: 0, pending: 0, held: 0, debt: 0, available: 0 },
    },
    {
      name: "records the part the other lots cannot cover as debt under the debt policy",
      build: () => spend(twoLots(), 100, T0).ledger,
      points: 100,
      policy: "debt",
      now: T0,
      expected: { revoked: 0, fromExpired: 0, fromOtherLots: 30, debtAdded: 70 },
      balances: { active: 0, pending: 0, held: 0, debt: 70, available: 0 },
    },
    {
      name: "records expired points of the lot as revoked but not as debt",
      build: () => hold(spend(twoLots(), 60, T0).ledger, "h-1", 5, T0, 3 * DAY),
      points: 100,
      policy: "debt",
      now: T0 + DAY,
      // lot 1: 60 spent, 5 held, 35 expired at T0 + DAY; lot 2: 30 remaining.
      expected: { revoked: 0, fromExpired: 35, fromOtherLots: 30, debtAdded: 35 },
      balances: { active: 0, pending: 0, held: 5, debt: 35, available: 0 },
    },
    {
      name: "treats held points of the lot as spent: they stay held and the shortfall is covered",
      build: () => hold(twoLots(), "h-1", 90, T0),
      points: 100,
      policy: "debt",
      now: T0,
      expected: { revoked: 10, fromExpired: 0, fromOtherLots: 30, debtAdded: 60 },
      balances: { active: 0, pending: 0, held: 90, debt: 60, available: 0 },
    },
    {
      name: "takes all of a revocation of a pruned lot whose points were all spent as shortfall",
      build: () => spend(twoLots(), 100, T0).ledger,
      points: 10,
      policy: "refuse",
      now: T0,
      expected: { revoked: 0, fromExpired: 0, fromOtherLots: 10, debtAdded: 0 },
      balances: { active: 20, pending: 0, held: 0, debt: 0, available: 20 },
      totals: { spent: 110, expired: 0, revoked: 0, debtIncurred: 10, debtRepaid: 10 },
      rememberedOfLot1: null,
    },
    {
      name: "revokes a pruned lot whose points all expired from the expired points remembered of it: no debt, no other points, even under the refuse policy",
      build: () => lotOnePruned(twoLots()),
      points: 100,
      policy: "refuse",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 100, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 30, pending: 0, held: 0, debt: 0, available: 30 },
      totals: { spent: 0, expired: 0, revoked: 100, debtIncurred: 0, debtRepaid: 0 },
      rememberedOfLot1: 0,
    },
    {
      name: "revokes a pruned lot partly spent, then expired: its 40 expired points are no debt, its 60 spent points are shortfall",
      // lot 1: 60 spent at T0, the other 40 expired at T0 + DAY; lot 2: 30 remaining.
      build: () => lotOnePruned(spend(twoLots(), 60, T0).ledger),
      points: 100,
      policy: "debt",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 40, fromOtherLots: 30, debtAdded: 30 },
      balances: { active: 0, pending: 0, held: 0, debt: 30, available: 0 },
      totals: { spent: 90, expired: 0, revoked: 40, debtIncurred: 60, debtRepaid: 30 },
      rememberedOfLot1: 0,
    },
    {
      name: "revokes the 40 expired points a pruned lot has left after a first revocation took 60, and takes the other 20 as shortfall",
      build: () => ok(revokeLot(lotOnePruned(twoLots()), 1, 60, T0 + DAY, "refuse")).ledger,
      points: 60,
      policy: "refuse",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 40, fromOtherLots: 20, debtAdded: 0 },
      balances: { active: 10, pending: 0, held: 0, debt: 0, available: 10 },
      totals: { spent: 20, expired: 0, revoked: 100, debtIncurred: 20, debtRepaid: 20 },
      rememberedOfLot1: 0,
    },
    {
      name: "revokes a pruned lot whose spent points were returned after its expiry from the expired points remembered of them: no debt, even under the refuse policy",
      // lot 1: all 100 spent at T0 (pruned with nothing expired), returned at T0 + DAY: they expire, remembered as lot 1's.
      build: () => {
        const spent = spend(twoLots(), 100, T0);
        return ok(returnShares(deepFreeze(spent.ledger), spent.shares, T0 + DAY)).ledger;
      },
      points: 100,
      policy: "refuse",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 100, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 30, pending: 0, held: 0, debt: 0, available: 30 },
      totals: { spent: 0, expired: 0, revoked: 100, debtIncurred: 0, debtRepaid: 0 },
      rememberedOfLot1: 0,
    },
    {
      name: "adds points returned after a pruned lot's expiry to the expired points already remembered of it: a revocation of all of it is no debt",
      // lot 1: 60 spent at T0, the other 40 expired and remembered at T0 + DAY; the 60 returned then join them.
      build: () => {
        const spent = spend(twoLots(), 60, T0);
        return ok(returnShares(lotOnePruned(spent.ledger), spent.shares, T0 + DAY)).ledger;
      },
      points: 100,
      policy: "refuse",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 100, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 30, pending: 0, held: 0, debt: 0, available: 30 },
      totals: { spent: 0, expired: 0, revoked: 100, debtIncurred: 0, debtRepaid: 0 },
      rememberedOfLot1: 0,
    },
    {
      name: `still remembers the expired points of the oldest of the last ${String(PRUNED_EXPIRIES_REMEMBERED)} lots pruned with expired points`,
      build: () => prunedExpiring(PRUNED_EXPIRIES_REMEMBERED),
      points: 100,
      policy: "debt",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 100, fromOtherLots: 0, debtAdded: 0 },
      balances: { active: 30, pending: 0, held: 0, debt: 0, available: 30 },
      totals: { expired: PRUNED_EXPIRIES_REMEMBERED - 1, revoked: 100, debtIncurred: 0 },
      rememberedOfLot1: 0,
    },
    {
      name: `forgets the oldest lot's expired points once a ${String(PRUNED_EXPIRIES_REMEMBERED + 1)}th lot is pruned with expired points: its revocation is all shortfall`,
      build: () => prunedExpiring(PRUNED_EXPIRIES_REMEMBERED + 1),
      points: 100,
      policy: "debt",
      now: T0 + DAY,
      expected: { revoked: 0, fromExpired: 0, fromOtherLots: 30, debtAdded: 70 },
      balances: { active: 0, pending: 0, held: 0, debt: 70, available: 0 },
      totals: { expired: 100 + PRUNED_EXPIRIES_REMEMBERED, revoked: 0, debtIncurred: 100, debtRepaid: 30 },
      rememberedOfLot1: null,
    },
  ])(({ build, points, policy, now, expected, balances: expectedBalances, totals, rememberedOfLot1 }) => {
    const ledger = build();
    if (rememberedOfLot1 !== undefined) expect(ledger.lots.map((lot) => lot.id)).not.toContain(1);
    const outcome = ok(revokeLot(deepFreeze(ledger), 1, points, now, policy));
    expect({ revoked: outcome.revoked, fromExpired: outcome.fromExpired, fromOtherLots: outcome.fromOtherLots, debtAdded: outcome.debtAdded }).toEqual(expected);
    expect(balances(outcome.ledger, now)).toEqual(expectedBalances);
    if (totals !== undefined) expect(outcome.ledger.totals).toMatchObject(totals);
    if (rememberedOfLot1 !== undefined) {
      const entry = (outcome.ledger.prunedExpiries ?? []).find((each) => each.lot === 1);
      expect(entry === undefined ? null : entry.expired).toBe(rememberedOfLot1);
    }
  });

  it("remembers pruned lots with expired points in the order they were pruned, oldest first, and not lots pruned with none expired", () => {
    // Lot 4 is spent whole at T0 and pruned with nothing expired; lots 2, 3 and 1 expire in that order.
    let ledger = accrued(
      EMPTY_LEDGER,
      { points: 10, expiresAt: T0 + 3 * DAY },
      { points: 20, reference: "r-2", expiresAt: T0 + DAY },
      { points: 30, reference: "r-3", expiresAt: T0 + 2 * DAY },
      { points: 5, reference: "r-4", activatesAt: T0, expiresAt: T0 + DAY / 2 },
    );
    ledger = spend(ledger, 5, T0).ledger;
    expect(ledger.prunedExpiries ?? []).toEqual([]);
    for (const day of [1, 2, 3]) ledger = settleLedger(deepFreeze(ledger), T0 + day * DAY).ledger;
    expect(ledger.prunedExpiries).toEqual([
      { lot: 2, expired: 20 },
      { lot: 3, expired: 30 },
      { lot: 1, expired: 10 },
    ]);
  });

  it("adds the expired points of a lot pruned after points returned expired outside it were remembered to that lot's entry, which keeps its place", () => {
    // Lot 1 (10) is spent whole in two redemptions and pruned; the second is returned before its expiry and recreates it,
    // and a hold keeps those 6 points open past its expiry. Lot 2 (10) expires a day later.
    let ledger = accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 10, reference: "r-2", expiresAt: T0 + 2 * DAY });
    const first = spend(ledger, 4, T0);
    const second = spend(first.ledger, 6, T0);
    ledger = ok(returnShares(deepFreeze(second.ledger), second.shares, T0 + 1)).ledger;
    ledger = hold(ledger, "h-1", 6, T0 + 1, 2 * DAY);
    expect(lotStates(ledger)[1]).toEqual([0, 6, 0, 0, 0]);
    // The first redemption's 4 points come back after lot 1's expiry: outside the open lot, they are remembered as its.
    ledger = ok(returnShares(deepFreeze(ledger), first.shares, T0 + DAY)).ledger;
    expect(ledger.prunedExpiries).toEqual([{ lot: 1, expired: 4 }]);
    ledger = settleLedger(deepFreeze(ledger), T0 + 2 * DAY).ledger;
    expect(ledger.prunedExpiries).toEqual([
      { lot: 1, expired: 4 },
      { lot: 2, expired: 10 },
    ]);
    // The hold lapses: its 6 points expire, lot 1 is pruned with them, and they join its entry where it is.
    ledger = settleLedger(deepFreeze(ledger), T0 + 3 * DAY).ledger;
    expect(ledger.prunedExpiries).toEqual([
      { lot: 1, expired: 10 },
      { lot: 2, expired: 10 },
    ]);
    const revoked = ok(revokeLot(deepFreeze(ledger), 1, 10, T0 + 3 * DAY, "refuse"));
    expect({ fromExpired: revoked.fromExpired, debtAdded: revoked.debtAdded }).toEqual({ fromExpired: 10, debtAdded: 0 });
  });

  it(`keeps the last ${String(PRUNED_EXPIRIES_REMEMBERED)} lots pruned with expired points: the ${String(PRUNED_EXPIRIES_REMEMBERED + 1)}th drops the oldest`, () => {
    const atBound = prunedExpiring(PRUNED_EXPIRIES_REMEMBERED);
    expect(atBound.prunedExpiries?.map((entry) => entry.lot)).toEqual(Array.from({ length: PRUNED_EXPIRIES_REMEMBERED }, (_, index) => index + 1));
    const past = prunedExpiring(PRUNED_EXPIRIES_REMEMBERED + 1);
    expect(past.prunedExpiries?.map((entry) => entry.lot)).toEqual(Array.from({ length: PRUNED_EXPIRIES_REMEMBERED }, (_, index) => index + 2));
    expect(past.prunedExpiries?.[0]).toEqual({ lot: 2, expired: 1 });
  });

  it("refuses with ACCRUED_POINTS_SPENT under the refuse policy when the points cannot be covered, and changes nothing", () => {
    const ledger = deepFreeze(spend(accrued(EMPTY_LEDGER, { points: 100 }, { points: 30, expiresAt: null }), 110, T0).ledger);
    const outcome = revokeLot(ledger, 1, 100, T0, "refuse");
    expect(outcome).toMatchObject({ ok: false, code: "ACCRUED_POINTS_SPENT" });
    expect(balances(ledger, T0)).toEqual({ active: 20, pending: 0, held: 0, debt: 0, available: 20 });
  });

  it("refuses a lot the account never had with INTERNAL", () => {
    expect(revokeLot(deepFreeze(accrued(EMPTY_LEDGER, {})), 2, 1, T0, "debt")).toMatchObject({ ok: false, code: "INTERNAL" });
  });

  it("records revoked debt, which the next accrual repays before the member can spend", () => {
    let ledger = spend(accrued(EMPTY_LEDGER, { points: 100 }), 100, T0).ledger;
    ledger = ok(revokeLot(deepFreeze(ledger), 1, 100, T0, "debt")).ledger;
    expect(balances(ledger, T0)).toEqual({ active: 0, pending: 0, held: 0, debt: 100, available: 0 });
    ledger = accrued(ledger, { points: 60, reference: "r-2", at: T0 + DAY, activatesAt: T0 + DAY });
    expect(balances(ledger, T0 + DAY)).toEqual({ active: 0, pending: 0, held: 0, debt: 40, available: 0 });
    expect(spendPoints(deepFreeze(ledger), 1, T0 + DAY)).toMatchObject({ ok: false, code: "INSUFFICIENT_POINTS" });
    ledger = accrued(ledger, { points: 50, reference: "r-3", at: T0 + 2 * DAY, activatesAt: T0 + 2 * DAY });
    expect(balances(ledger, T0 + 2 * DAY)).toEqual({ active: 10, pending: 0, held: 0, debt: 0, available: 10 });
    expect(ledger.totals).toMatchObject({ accrued: 210, spent: 200, debtIncurred: 100, debtRepaid: 100 });
  });

  it("repays debt with the points of a hold released while in debt", () => {
    let ledger = hold(accrued(EMPTY_LEDGER, { points: 100 }), "h-1", 100, T0);
    ledger = ok(revokeLot(deepFreeze(ledger), 1, 100, T0, "debt")).ledger;
    expect(balances(ledger, T0)).toMatchObject({ held: 100, debt: 100 });
    const released = ok(releaseHold(deepFreeze(ledger), "h-1", T0 + 1)).ledger;
    expect(balances(released, T0 + 1)).toEqual({ active: 0, pending: 0, held: 0, debt: 0, available: 0 });
    expect(released.lots).toEqual([]);
  });
});

describe("checkLedgerInvariants", () => {
  const healthy = (): Ledger => hold(accrued(EMPTY_LEDGER, { points: 10 }, { points: 5, expiresAt: null }), "h-1", 3, T0);
  const withLot = (ledger: Ledger, index: number, change: Partial<Lot>): Ledger => ({
    ...ledger,
    lots: ledger.lots.map((lot, at) => (at === index ? { ...lot, ...change } : lot)),
  });

  it("accepts the ledgers the functions make", () => {
    expect(() => checkLedgerInvariants(healthy())).not.toThrow();
    expect(() => checkLedgerInvariants(EMPTY_LEDGER)).not.toThrow();
  });

  itEach<{ name: string; broken: () => Ledger }>([
    { name: "rejects a lot whose states do not add up to its points", broken: () => withLot(healthy(), 1, { remaining: 6 }) },
    { name: "rejects a lot with negative remaining points", broken: () => withLot(healthy(), 1, { remaining: -1, spent: 6 }) },
    { name: "rejects a lot whose held points no hold holds", broken: () => withLot(healthy(), 1, { remaining: 4, held: 1 }) },
    { name: "rejects a lot with held points in a ledger that has no holds", broken: () => withLot(accrued(EMPTY_LEDGER, { points: 10 }), 0, { remaining: 9, held: 1 }) },
    { name: "rejects lots out of id order", broken: () => ({ ...healthy(), lots: [...healthy().lots].reverse() }) },
    { name: "rejects a closed lot left open", broken: () => withLot(healthy(), 1, { remaining: 0, spent: 5 }) },
    { name: "rejects totals that lose points", broken: () => ({ ...healthy(), totals: { ...healthy().totals, accrued: 16 } }) },
    { name: "rejects debt while points remain", broken: () => ({ ...healthy(), debt: 1, totals: { ...healthy().totals, debtIncurred: 1 } }) },
    { name: "rejects debt that does not match its history", broken: () => ({ ...healthy(), totals: { ...healthy().totals, debtRepaid: 1 } }) },
    { name: "rejects two holds with the same key", broken: () => ({ ...healthy(), holds: [...healthy().holds, ...healthy().holds] }) },
  ])(({ broken }) => {
    expect(caught(() => checkLedgerInvariants(broken()))).toBeInstanceOf(InvariantError);
  });
});

describe("purity", () => {
  it("changes none of its inputs: every function runs on deep-frozen ledgers and shares", () => {
    const start = deepFreeze(hold(accrued(EMPTY_LEDGER, { points: 10, expiresAt: T0 + DAY }, { points: 10, expiresAt: null }), "h-1", 5, T0));
    const snapshot = structuredClone(start);
    const spent = spend(start, 8, T0);
    deepFreeze(spent);
    ok(returnShares(spent.ledger, spent.shares, T0 + 1));
    ok(captureHold(start, "h-1", T0));
    ok(releaseHold(start, "h-1", T0));
    ok(revokeLot(start, 1, 10, T0, "debt"));
    settleLedger(start, T0 + 2 * DAY);
    ledgerTotals(start, T0 + 2 * DAY);
    ok(accrueLot(start, accrual({ at: T0 + 1, activatesAt: T0 + 1 })));
    expect(start).toEqual(snapshot);
  });
});
