import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  accrueLot,
  captureHold,
  checkLedgerInvariants,
  EMPTY_LEDGER,
  holdPoints,
  ledgerTotals,
  releaseHold,
  returnShares,
  revokeLot,
  settleLedger,
  spendPoints,
  type DebtPolicy,
  type Ledger,
} from "./ledger.js";
import { LOT_SOURCES, type LotShare, type LotSource } from "./lot.js";

/**
 * A model test: random command sequences run on the ledger and on an
 * independent model that keeps every point as its own unit with a state, and
 * after every command the two must agree on balances, lifetime totals, the
 * open lots, the holds, the expired points remembered of pruned lots and
 * every refusal.
 */

/** fast-check runs and commands per run: enough to reach debt, returns to pruned lots and hold TTLs, within the suite's time budget. */
const RUNS = 200;
const COMMANDS_MAX = 60;
/** The time grid: every time is T0 plus a multiple of STEP, so expiries, activations and TTLs fall exactly on "now" often. */
const T0 = Date.UTC(2026, 0, 1);
const STEP = 1_000;
const HOLD_KEYS = ["h0", "h1"] as const;
/**
 * The bound the ledger documents on its memory of pruned lots' expired points
 * (PRUNED_EXPIRIES_REMEMBERED), written out here so that the model does not
 * take it from the code under test.
 */
const REMEMBERED = 256;
/**
 * Runs of the property that passes that bound: each accrues hundreds of lots,
 * so fewer runs fit the time budget (about 2 s for these); they still fill
 * the memory, evict from it and revoke both remembered and forgotten lots.
 */
const BOUND_RUNS = 12;

type State = "remaining" | "held" | "spent" | "expired" | "revoked";

interface Unit {
  readonly lot: number;
  state: State;
  /** False once the ledger has pruned the lot this point belongs to (and until a return brings the point back). */
  visible: boolean;
  hold: string | null;
}

interface ModelLot {
  readonly id: number;
  readonly activatesAt: number;
  readonly expiresAt: number | null;
}

interface ModelHold {
  readonly points: number;
  readonly expiresAt: number;
  readonly shares: readonly (readonly [number, number])[];
}

type Refusal = { readonly ok: false; readonly code: string };

/**
 * How many of a pruned lot's points are remembered as expired: those expired
 * when the ledger pruned it, and those returned expired to it since, less
 * what revocations took.
 */
interface Remembered {
  readonly lot: number;
  expired: number;
}

/** Revocations the commands reached, so that a property can tell it exercised the memory of pruned lots. */
interface Reached {
  /** Of a pruned lot the model remembers with expired points: some of the revocation was taken from them. */
  remembered: number;
  /** Of a pruned lot remembered once with expired points, and evicted since by newer ones. */
  forgotten: number;
  /** Commands after which the memory held REMEMBERED entries. */
  full: number;
  /** Returns whose points expired outside any open lot: the memory got them. */
  returnedExpired: number;
  /** Revocations that took expired points remembered of a pruned lot whose entry had got returned points. */
  rememberedReturned: number;
}

function noneReached(): Reached {
  return { remembered: 0, forgotten: 0, full: 0, returnedExpired: 0, rememberedReturned: 0 };
}

/** The ledger's rules, one point at a time. */
class PointModel {
  units: Unit[] = [];
  lots = new Map<number, ModelLot>();
  holds = new Map<string, ModelHold>();
  debt = 0;
  nextLotId = 1;
  /**
   * The pruned lots whose expired points are remembered, one entry a lot, in
   * the order each was first remembered, the last REMEMBERED of them: how
   * many of their points expired (at pruning, or returned expired since),
   * less what revocations took.
   */
  remembered: Remembered[] = [];
  /** Lots ever remembered, so that a revocation of one evicted since can be counted. */
  everRemembered = new Set<number>();
  /** Lots whose entry got points returned expired, so that a revocation of one can be counted. */
  returnedTo = new Set<number>();

  clone(): PointModel {
    const copy = new PointModel();
    copy.units = this.units.map((unit) => ({ ...unit }));
    copy.lots = new Map(this.lots);
    copy.holds = new Map(this.holds);
    copy.debt = this.debt;
    copy.nextLotId = this.nextLotId;
    copy.remembered = this.remembered.map((entry) => ({ ...entry }));
    copy.everRemembered = new Set(this.everRemembered);
    copy.returnedTo = new Set(this.returnedTo);
    return copy;
  }

  lot(id: number): ModelLot {
    const lot = this.lots.get(id);
    if (lot === undefined) throw new Error(`model: no lot ${String(id)}`);
    return lot;
  }

  expired(id: number, now: number): boolean {
    const expiresAt = this.lot(id).expiresAt;
    return expiresAt !== null && expiresAt <= now;
  }

  active(unit: Unit, now: number): boolean {
    return unit.state === "remaining" && this.lot(unit.lot).activatesAt <= now && !this.expired(unit.lot, now);
  }

  /** Earliest expiry first, never-expiring last, lower lot id on a tie. */
  compare(a: Unit, b: Unit): number {
    const aExpiry = this.lot(a.lot).expiresAt ?? Number.POSITIVE_INFINITY;
    const bExpiry = this.lot(b.lot).expiresAt ?? Number.POSITIVE_INFINITY;
    return aExpiry === bExpiry ? a.lot - b.lot : aExpiry < bExpiry ? -1 : 1;
  }

  /** Moves `count` remaining points that `eligible` accepts, in spending order, to `to`; [lot, points] in taking order. */
  take(count: number, eligible: (unit: Unit) => boolean, to: State, hold: string | null): [number, number][] {
    const chosen = this.units.filter((unit) => unit.state === "remaining" && eligible(unit)).sort((a, b) => this.compare(a, b));
    if (chosen.length < count) throw new Error("model: take beyond what is there");
    const shares: [number, number][] = [];
    for (const unit of chosen.slice(0, count)) {
      unit.state = to;
      unit.hold = hold;
      const last = shares[shares.length - 1];
      if (last !== undefined && last[0] === unit.lot) last[1] += 1;
      else shares.push([unit.lot, 1]);
    }
    return shares;
  }

  count(predicate: (unit: Unit) => boolean): number {
    return this.units.filter(predicate).length;
  }

  repay(): number {
    const points = Math.min(this.debt, this.count((unit) => unit.state === "remaining"));
    this.take(points, () => true, "spent", null);
    this.debt -= points;
    return points;
  }

  releaseHoldUnits(key: string, now: number): number {
    let expired = 0;
    for (const unit of this.units) {
      if (unit.state === "held" && unit.hold === key) {
        unit.hold = null;
        unit.state = this.expired(unit.lot, now) ? "expired" : "remaining";
        if (unit.state === "expired") expired += 1;
      }
    }
    this.holds.delete(key);
    return expired;
  }

  /** The units the ledger still shows, by lot, in ascending lot id. */
  visibleByLot(): [number, Unit[]][] {
    const byLot = new Map<number, Unit[]>();
    for (const unit of this.units) {
      if (!unit.visible) continue;
      const units = byLot.get(unit.lot);
      if (units === undefined) byLot.set(unit.lot, [unit]);
      else units.push(unit);
    }
    return [...byLot].sort(([a], [b]) => a - b);
  }

  /**
   * Remembers `points` more expired points of pruned lot `lot`: added to its
   * entry if it has one (which keeps its place), else a new newest entry,
   * and past REMEMBERED entries the oldest goes.
   */
  remember(lot: number, points: number): void {
    const entry = this.remembered.find((each) => each.lot === lot);
    if (entry !== undefined) {
      entry.expired += points;
      return;
    }
    this.remembered.push({ lot, expired: points });
    this.everRemembered.add(lot);
    if (this.remembered.length > REMEMBERED) this.remembered.shift();
  }

  /**
   * Hides the lots with nothing remaining or held, in ascending id (one pass,
   * as the ledger prunes), remembering each one's expired points, if it has any.
   */
  prune(): void {
    for (const [id, visible] of this.visibleByLot()) {
      if (visible.every((unit) => unit.state !== "remaining" && unit.state !== "held")) {
        for (const unit of visible) unit.visible = false;
        const expired = visible.filter((unit) => unit.state === "expired").length;
        if (expired > 0) this.remember(id, expired);
      }
    }
  }

  settle(now: number): { expired: number; releasedHolds: string[] } {
    let expired = 0;
    for (const unit of this.units) {
      if (unit.state === "remaining" && this.expired(unit.lot, now)) {
        unit.state = "expired";
        expired += 1;
      }
    }
    const releasedHolds: string[] = [];
    for (const [key, hold] of [...this.holds]) {
      if (hold.expiresAt <= now) {
        expired += this.releaseHoldUnits(key, now);
        releasedHolds.push(key);
      }
    }
    this.repay();
    this.prune();
    return { expired, releasedHolds };
  }

  accrue(points: number, at: number, activatesAt: number, expiresAt: number | null): { lot: number; debtRepaid: number } {
    this.settle(at);
    const id = this.nextLotId;
    this.nextLotId += 1;
    this.lots.set(id, { id, activatesAt, expiresAt });
    const repaid = Math.min(this.debt, points);
    for (let index = 0; index < points; index += 1) {
      this.units.push({ lot: id, state: index < repaid ? "spent" : "remaining", visible: true, hold: null });
    }
    this.debt -= repaid;
    this.prune();
    return { lot: id, debtRepaid: repaid };
  }

  spend(points: number, now: number): [number, number][] | Refusal {
    this.settle(now);
    if (this.count((unit) => this.active(unit, now)) < points) return { ok: false, code: "INSUFFICIENT_POINTS" };
    const shares = this.take(points, (unit) => this.active(unit, now), "spent", null);
    this.prune();
    return shares;
  }

  hold(key: string, points: number, now: number, ttl: number): ModelHold | Refusal {
    this.settle(now);
    const existing = this.holds.get(key);
    if (existing !== undefined) return existing.points === points ? existing : { ok: false, code: "CONFLICT" };
    if (this.count((unit) => this.active(unit, now)) < points) return { ok: false, code: "INSUFFICIENT_POINTS" };
    const hold: ModelHold = { points, expiresAt: now + ttl, shares: this.take(points, (unit) => this.active(unit, now), "held", key) };
    this.holds.set(key, hold);
    this.prune();
    return hold;
  }

  capture(key: string, now: number): ModelHold | Refusal {
    this.settle(now);
    const hold = this.holds.get(key);
    if (hold === undefined) return { ok: false, code: "NOT_FOUND" };
    for (const unit of this.units) {
      if (unit.state === "held" && unit.hold === key) {
        unit.state = "spent";
        unit.hold = null;
      }
    }
    this.holds.delete(key);
    this.prune();
    return hold;
  }

  release(key: string, now: number): { points: number; expired: number } | Refusal {
    this.settle(now);
    const hold = this.holds.get(key);
    if (hold === undefined) return { ok: false, code: "NOT_FOUND" };
    const expired = this.releaseHoldUnits(key, now);
    this.repay();
    this.prune();
    return { points: hold.points, expired };
  }

  /** Brings back `count` spent points of `lot`, those the ledger still shows first. */
  spentUnitsOf(lot: number, count: number): Unit[] {
    const spent = this.units.filter((unit) => unit.lot === lot && unit.state === "spent").sort((a, b) => Number(b.visible) - Number(a.visible));
    if (spent.length < count) throw new Error("model: return of points that are not spent");
    return spent.slice(0, count);
  }

  /**
   * Returned points of a lot whose expiry has passed expire at once. Those
   * the lot's open part did not have spent (all of them, if it is pruned)
   * stay hidden, and are remembered as the pruned lot's expired points, so a
   * later revocation of the lot takes them as expired, not as shortfall.
   */
  returnShares(
    shares: readonly (readonly [number, number])[],
    now: number,
    reached: Reached = noneReached(),
  ): { returned: number; expired: number; debtRepaid: number } {
    this.settle(now);
    const byLot = new Map<number, number>();
    for (const [lot, points] of shares) byLot.set(lot, (byLot.get(lot) ?? 0) + points);
    const ordered = [...byLot].sort(([a], [b]) => this.compare({ lot: a, state: "spent", visible: true, hold: null }, { lot: b, state: "spent", visible: true, hold: null }));
    let returned = 0;
    let expired = 0;
    let debtRepaid = 0;
    for (const [lot, points] of ordered) {
      if (this.expired(lot, now)) {
        const units = this.spentUnitsOf(lot, points);
        for (const unit of units) unit.state = "expired";
        const hidden = units.filter((unit) => !unit.visible).length;
        if (hidden > 0) {
          this.remember(lot, hidden);
          this.returnedTo.add(lot);
          reached.returnedExpired += 1;
        }
        expired += points;
        continue;
      }
      const repaid = Math.min(this.debt, points);
      this.debt -= repaid;
      debtRepaid += repaid;
      for (const unit of this.spentUnitsOf(lot, points - repaid)) {
        unit.state = "remaining";
        unit.visible = true;
      }
      returned += points - repaid;
    }
    this.prune();
    return { returned, expired, debtRepaid };
  }

  /**
   * An open lot: its remaining points are revoked, then its expired ones (no
   * debt). A pruned lot: the expired points remembered of it (its entry, if
   * it is remembered at all) are revoked, no debt. The rest is
   * shortfall: other lots' remaining points, then debt or a refusal.
   */
  revoke(
    lot: number,
    points: number,
    now: number,
    policy: DebtPolicy,
    reached: Reached = noneReached(),
  ): { revoked: number; fromExpired: number; fromOtherLots: number; debtAdded: number } | Refusal {
    this.settle(now);
    const own = (state: State): Unit[] => this.units.filter((unit) => unit.lot === lot && unit.visible && unit.state === state);
    const open = this.units.some((unit) => unit.lot === lot && unit.visible);
    const memory = open ? undefined : this.remembered.find((entry) => entry.lot === lot);
    const revoked = Math.min(points, own("remaining").length);
    const fromExpired = Math.min(points - revoked, open ? own("expired").length : (memory?.expired ?? 0));
    const shortfall = points - revoked - fromExpired;
    const fromOtherLots = Math.min(shortfall, this.count((unit) => unit.state === "remaining" && unit.lot !== lot));
    const debtAdded = shortfall - fromOtherLots;
    if (debtAdded > 0 && policy === "refuse") return { ok: false, code: "ACCRUED_POINTS_SPENT" };
    for (const unit of own("remaining").slice(0, revoked)) unit.state = "revoked";
    if (open) {
      for (const unit of own("expired").slice(0, fromExpired)) unit.state = "revoked";
    } else if (memory !== undefined) {
      // The remembered points are among the lot's hidden expired ones; which of them does not show.
      const hidden = this.units.filter((unit) => unit.lot === lot && !unit.visible && unit.state === "expired");
      if (hidden.length < memory.expired) throw new Error(`model: lot ${String(lot)} remembers ${String(memory.expired)} expired points, has ${String(hidden.length)}`);
      for (const unit of hidden.slice(0, fromExpired)) unit.state = "revoked";
      memory.expired -= fromExpired;
      if (fromExpired > 0) reached.remembered += 1;
      if (fromExpired > 0 && this.returnedTo.has(lot)) reached.rememberedReturned += 1;
    } else if (this.everRemembered.has(lot)) {
      reached.forgotten += 1;
    }
    this.debt += shortfall;
    this.repay();
    this.prune();
    return { revoked, fromExpired, fromOtherLots, debtAdded };
  }
}

type Command =
  | { readonly kind: "accrue"; readonly points: number; readonly delaySteps: number; readonly lifeSteps: number | null; readonly source: LotSource }
  | { readonly kind: "spend"; readonly points: number }
  | { readonly kind: "hold"; readonly key: string; readonly points: number; readonly ttlSteps: number }
  | { readonly kind: "capture"; readonly key: string }
  | { readonly kind: "release"; readonly key: string }
  | { readonly kind: "return"; readonly pick: number }
  | { readonly kind: "revoke"; readonly pick: number; readonly points: number; readonly policy: DebtPolicy }
  /** A revocation of a lot pruned with expired points: one the ledger still remembers, or one it has forgotten. */
  | { readonly kind: "revokePruned"; readonly forgotten: boolean; readonly pick: number; readonly points: number; readonly policy: DebtPolicy }
  | { readonly kind: "advance"; readonly steps: number }
  | { readonly kind: "settle" }
  /** Many small lots at once that expire together: enough of them pass the memory's bound. */
  | { readonly kind: "burst"; readonly lots: number; readonly points: number; readonly lifeSteps: number };

const key = fc.constantFrom(...HOLD_KEYS);
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("accrue" as const),
      points: fc.integer({ min: 1, max: 30 }),
      delaySteps: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 })),
      lifeSteps: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 4 }),
      source: fc.constantFrom(...LOT_SOURCES),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("spend" as const), points: fc.integer({ min: 1, max: 25 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("hold" as const), key, points: fc.integer({ min: 1, max: 15 }), ttlSteps: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("capture" as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("return" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("revoke" as const), pick: fc.nat(), points: fc.integer({ min: 1, max: 40 }), policy: fc.constantFrom<DebtPolicy>("debt", "refuse") }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), steps: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("settle" as const) }) },
);

const burst = (lots: fc.Arbitrary<number>): fc.Arbitrary<Command> =>
  fc.record({ kind: fc.constant("burst" as const), lots, points: fc.integer({ min: 1, max: 5 }), lifeSteps: fc.integer({ min: 1, max: 4 }) });

/**
 * The commands of the property that passes the memory's bound: the same
 * commands, and bursts of lots, so that within a run more than REMEMBERED
 * lots are pruned with expired points and the oldest are forgotten.
 */
const boundCommand: fc.Arbitrary<Command> = fc.oneof(
  { weight: 22, arbitrary: command },
  { weight: 3, arbitrary: burst(fc.integer({ min: 20, max: 150 })) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("revokePruned" as const),
      forgotten: fc.boolean(),
      pick: fc.nat(),
      points: fc.integer({ min: 1, max: 8 }),
      policy: fc.constantFrom<DebtPolicy>("debt", "refuse"),
    }),
  },
);

function pairs(shares: readonly LotShare[]): [number, number][] {
  return shares.map((share) => [share.lot, share.points]);
}

/** Asserts that the ledger and the model agree on everything observable at `now`. */
function expectAgreement(ledger: Ledger, model: PointModel, now: number): void {
  checkLedgerInvariants(ledger);
  const units = model.units;
  const visibleByLot = new Map(model.visibleByLot());
  const inState = (state: State): number => units.filter((unit) => unit.state === state).length;
  // Conservation, in the ledger and against the model.
  const lotSum = (field: "remaining" | "held"): number => ledger.lots.reduce((total, lot) => total + lot[field], 0);
  expect(ledger.totals.accrued).toBe(lotSum("remaining") + lotSum("held") + ledger.totals.spent + ledger.totals.expired + ledger.totals.revoked);
  expect({
    accrued: ledger.totals.accrued,
    remaining: lotSum("remaining"),
    held: lotSum("held"),
    spent: ledger.totals.spent,
    expired: ledger.totals.expired,
    revoked: ledger.totals.revoked,
    debt: ledger.debt,
  }).toEqual({ accrued: units.length, remaining: inState("remaining"), held: inState("held"), spent: inState("spent"), expired: inState("expired"), revoked: inState("revoked"), debt: model.debt });
  // The open lots are the lots the model still shows, with the same points in each state.
  const shown: Record<number, number[]> = {};
  const order: readonly State[] = ["remaining", "held", "spent", "expired", "revoked"];
  for (const unit of units) {
    if (!unit.visible) continue;
    const states = (shown[unit.lot] ??= [0, 0, 0, 0, 0]);
    states[order.indexOf(unit.state)] = (states[order.indexOf(unit.state)] ?? 0) + 1;
  }
  expect(Object.fromEntries(ledger.lots.map((lot) => [lot.id, [lot.remaining, lot.held, lot.spent, lot.expired, lot.revoked]]))).toEqual(shown);
  // (One expect per check, not per lot: a burst leaves hundreds of lots open, and each expect call costs.)
  expect(ledger.lots.filter((lot) => order.some((field) => lot[field] < 0))).toEqual([]);
  // Holds: the same keys, points and shares; no point is held by two holds.
  expect(ledger.holds.map((hold) => [hold.key, hold.points, hold.expiresAt, pairs(hold.shares)])).toEqual(
    [...model.holds].map(([key, hold]) => [key, hold.points, hold.expiresAt, hold.shares]),
  );
  const heldByHolds = (lot: number): number =>
    ledger.holds.flatMap((hold) => hold.shares.filter((share) => share.lot === lot)).reduce((total, share) => total + share.points, 0);
  // Per lot: [id, held by the holds, held in the lot, held in the model]. Held points are never hidden: a lot with some is open.
  expect(ledger.lots.map((lot) => [lot.id, heldByHolds(lot.id), lot.held, (visibleByLot.get(lot.id) ?? []).filter((unit) => unit.state === "held").length])).toEqual(
    ledger.lots.map((lot) => [lot.id, heldByHolds(lot.id), heldByHolds(lot.id), heldByHolds(lot.id)]),
  );
  expect(units.filter((unit) => unit.state === "held" && !unit.visible)).toEqual([]);
  // The expired points remembered of pruned lots: the same lots, in the same order (oldest first), with the same counts,
  // one entry a lot, never more than REMEMBERED; and they are expired points of pruned lots, in the ledger and in the model.
  const remembered = ledger.prunedExpiries ?? [];
  expect(remembered.map((entry) => [entry.lot, entry.expired])).toEqual(model.remembered.map((entry) => [entry.lot, entry.expired]));
  expect(remembered.length).toBeLessThanOrEqual(REMEMBERED);
  expect(new Set(remembered.map((entry) => entry.lot)).size).toBe(remembered.length);
  const openExpired = ledger.lots.reduce((total, lot) => total + lot.expired, 0);
  expect(remembered.reduce((total, entry) => total + entry.expired, 0)).toBeLessThanOrEqual(ledger.totals.expired - openExpired);
  const hiddenExpired = new Map<number, number>();
  for (const unit of units) if (!unit.visible && unit.state === "expired") hiddenExpired.set(unit.lot, (hiddenExpired.get(unit.lot) ?? 0) + 1);
  expect(model.remembered.filter((entry) => entry.expired > (hiddenExpired.get(entry.lot) ?? 0))).toEqual([]);
  // Balances as of now, computed by the model from a settled copy.
  const settled = model.clone();
  settled.settle(now);
  const active = settled.count((unit) => settled.active(unit, now));
  const pending = settled.count((unit) => unit.state === "remaining" && settled.lot(unit.lot).activatesAt > now);
  const held = settled.count((unit) => unit.state === "held");
  const totals = ledgerTotals(ledger, now);
  expect(totals).toEqual({ active, pending, held, debt: settled.debt, available: active });
  if (totals.debt > 0) expect(totals.active + totals.pending).toBe(0);
}

/** Runs the commands on both, comparing each outcome and then the states; counts in `reached` what the revocations reached. */
function run(commands: readonly Command[], reached: Reached = noneReached()): void {
  let ledger = EMPTY_LEDGER;
  let model = new PointModel();
  let now = T0;
  const returnable: LotShare[][] = [];
  let next = model;
  /** Revokes on both, comparing the outcomes; false when refused. */
  const revoke = (lot: number, points: number, policy: DebtPolicy): boolean => {
    const outcome = revokeLot(ledger, lot, points, now, policy);
    const expected = next.revoke(lot, points, now, policy, reached);
    if (!outcome.ok) {
      expect({ ok: false, code: outcome.code }).toEqual(expected);
      return false;
    }
    expect({ revoked: outcome.revoked, fromExpired: outcome.fromExpired, fromOtherLots: outcome.fromOtherLots, debtAdded: outcome.debtAdded }).toEqual(expected);
    expect(outcome.revoked + outcome.fromExpired + outcome.fromOtherLots + outcome.debtAdded).toBe(points);
    ledger = outcome.ledger;
    return true;
  };
  for (const step of commands) {
    next = model.clone();
    let accepted = true;
    switch (step.kind) {
      case "accrue": {
        const activatesAt = now + step.delaySteps * STEP;
        const expiresAt = step.lifeSteps === null ? null : activatesAt + step.lifeSteps * STEP;
        const outcome = accrueLot(ledger, { points: step.points, source: step.source, reference: `r-${String(next.nextLotId)}`, partner: "p", at: now, activatesAt, expiresAt });
        const expected = next.accrue(step.points, now, activatesAt, expiresAt);
        expect(outcome.ok).toBe(true);
        if (outcome.ok) {
          expect({ lot: outcome.lot.id, debtRepaid: outcome.debtRepaid }).toEqual(expected);
          ledger = outcome.ledger;
        }
        break;
      }
      case "spend": {
        const outcome = spendPoints(ledger, step.points, now);
        const expected = next.spend(step.points, now);
        if (outcome.ok) {
          expect(pairs(outcome.shares)).toEqual(expected);
          ledger = outcome.ledger;
          returnable.push([...outcome.shares]);
        } else {
          expect({ ok: false, code: outcome.code }).toEqual(expected);
          accepted = false;
        }
        break;
      }
      case "hold": {
        const outcome = holdPoints(ledger, step.key, step.points, now, step.ttlSteps * STEP);
        const expected = next.hold(step.key, step.points, now, step.ttlSteps * STEP);
        if (outcome.ok) {
          expect([outcome.hold.points, outcome.hold.expiresAt, pairs(outcome.hold.shares)]).toEqual("ok" in expected ? null : [expected.points, expected.expiresAt, expected.shares]);
          ledger = outcome.ledger;
        } else {
          expect({ ok: false, code: outcome.code }).toEqual(expected);
          accepted = false;
        }
        break;
      }
      case "capture": {
        const outcome = captureHold(ledger, step.key, now);
        const expected = next.capture(step.key, now);
        if (outcome.ok) {
          expect(pairs(outcome.shares)).toEqual("ok" in expected ? null : expected.shares);
          ledger = outcome.ledger;
          returnable.push([...outcome.shares]);
        } else {
          expect({ ok: false, code: outcome.code }).toEqual(expected);
          accepted = false;
        }
        break;
      }
      case "release": {
        const outcome = releaseHold(ledger, step.key, now);
        const expected = next.release(step.key, now);
        if (outcome.ok) {
          expect({ points: outcome.points, expired: outcome.expired }).toEqual(expected);
          ledger = outcome.ledger;
        } else {
          expect({ ok: false, code: outcome.code }).toEqual(expected);
          accepted = false;
        }
        break;
      }
      case "return": {
        if (returnable.length === 0) continue;
        const [shares] = returnable.splice(step.pick % returnable.length, 1);
        if (shares === undefined) continue;
        const outcome = returnShares(ledger, shares, now);
        const expected = next.returnShares(pairs(shares), now, reached);
        expect(outcome.ok).toBe(true);
        if (outcome.ok) {
          expect({ returned: outcome.returned, expired: outcome.expired, debtRepaid: outcome.debtRepaid }).toEqual(expected);
          ledger = outcome.ledger;
        }
        break;
      }
      case "revoke": {
        if (ledger.nextLotId === 1) continue;
        // A third of the picks name an open lot with expired points (held past its expiry: the rare, interesting case),
        // a third any open lot, a third any lot ever accrued (pruned ones too).
        const candidates = step.pick % 3 === 0 ? ledger.lots.filter((each) => each.expired > 0) : step.pick % 3 === 1 ? ledger.lots : [];
        const open = candidates[Math.floor(step.pick / 3) % Math.max(1, candidates.length)];
        const lot = open !== undefined ? open.id : 1 + (step.pick % (ledger.nextLotId - 1));
        accepted = revoke(lot, step.points, step.policy);
        break;
      }
      case "revokePruned": {
        // Picked from the model, settled first: the lots pruned by then with expired points, remembered or forgotten since.
        const settled = next.clone();
        settled.settle(now);
        const remembered = new Set(settled.remembered.map((entry) => entry.lot));
        const candidates = step.forgotten ? [...settled.everRemembered].filter((lot) => !remembered.has(lot)) : [...remembered];
        const lot = candidates[step.pick % Math.max(1, candidates.length)];
        if (lot === undefined) continue;
        accepted = revoke(lot, step.points, step.policy);
        break;
      }
      case "advance":
        // Nothing changes but the time: the balances below must follow it (lazy expiry, activation, TTLs).
        now += step.steps * STEP;
        break;
      case "settle": {
        const outcome = settleLedger(ledger, now);
        expect({ expired: outcome.expired, releasedHolds: outcome.releasedHolds }).toEqual(next.settle(now));
        expect(settleLedger(outcome.ledger, now).ledger).toBe(outcome.ledger);
        ledger = outcome.ledger;
        break;
      }
      case "burst": {
        for (let index = 0; index < step.lots; index += 1) {
          const expiresAt = now + step.lifeSteps * STEP;
          const outcome = accrueLot(ledger, { points: step.points, source: "campaign", reference: `b-${String(next.nextLotId)}`, partner: "p", at: now, activatesAt: now, expiresAt });
          const expected = next.accrue(step.points, now, now, expiresAt);
          expect(outcome.ok).toBe(true);
          if (outcome.ok) {
            expect({ lot: outcome.lot.id, debtRepaid: outcome.debtRepaid }).toEqual(expected);
            ledger = outcome.ledger;
          }
        }
        break;
      }
    }
    // A refusal changes nothing: the ledger stays as it was, and so does the model.
    if (accepted) model = next;
    expectAgreement(ledger, model, now);
    if (model.remembered.length === REMEMBERED) reached.full += 1;
  }
}

describe("the ledger against a point-by-point model", () => {
  it("agrees with the model on balances, totals, lots, holds and refusals after every command of random sequences", () => {
    const reached = noneReached();
    fc.assert(
      fc.property(fc.array(command, { maxLength: COMMANDS_MAX, size: "max" }), (commands) => run(commands, reached)),
      { numRuns: RUNS, seed: 20_260_301 },
    );
    // Revocations of pruned lots take expired points the ledger remembers, among them points returned expired to a pruned lot.
    expect(reached.remembered).toBeGreaterThan(0);
    expect(reached.returnedExpired).toBeGreaterThan(0);
    expect(reached.rememberedReturned).toBeGreaterThan(0);
  });

  it("agrees with the model while more lots are pruned with expired points than the ledger remembers: the oldest are forgotten", () => {
    const reached = noneReached();
    fc.assert(
      fc.property(burst(fc.integer({ min: 200, max: 300 })), fc.array(boundCommand, { maxLength: COMMANDS_MAX, size: "max" }), (opening, commands) =>
        run([opening, { kind: "advance", steps: 4 }, ...commands], reached),
      ),
      { numRuns: BOUND_RUNS, seed: 20_260_303 },
    );
    // The memory fills up, and revocations reach both lots it remembers and lots it has forgotten.
    expect(reached.full).toBeGreaterThan(BOUND_RUNS);
    expect(reached.remembered).toBeGreaterThan(0);
    expect(reached.forgotten).toBeGreaterThan(0);
  });
});
