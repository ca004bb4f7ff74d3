import type { Account, PointLevelState } from "../account/account.js";
import { assert } from "../assert/assert.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import { accrueLot, ledgerTotals, spendPoints } from "../ledger/ledger.js";
import type { Outcome } from "../../protocol/errors/loycore-error.js";
import type { PointLevel } from "../../protocol/program-document.js";
import type { CompiledProgram } from "./compiled-program.js";

/**
 * Levels by active points (issue 12, the reference's "member levels"): a
 * member reaches a level when their active points reach its threshold; it
 * holds for its validity from then, and lapses lazily (read as gone once
 * past its expiry: no job walks the members). Reaching a level changes the
 * balance once by the level's pointsOnReach: a credit as a lot of its own,
 * or a debit (the threshold consumed, say) spent like a redemption. Only a
 * higher level than the one held is reached; a lapsed level can be reached
 * again, and applies again.
 */

/** The level the account holds at `now`, with its definition; null when none holds (none reached, lapsed, or dropped by the program). */
export function pointLevelAt(compiled: CompiledProgram, account: Account, now: number): { readonly level: PointLevel; readonly state: PointLevelState } | null {
  const state = account.pointLevel;
  if (state === undefined || (state.expiresAt !== null && now >= state.expiresAt)) return null;
  const level = compiled.pointLevelsById.get(state.id);
  return level === undefined ? null : { level, state };
}

export type PointLevelOutcome = Outcome<{ readonly account: Account; readonly reached: PointLevel | null }, "LEDGER_LIMIT" | "INSUFFICIENT_POINTS">;

/**
 * The account after checking its active points against the levels at `now`
 * (after an operation that may have changed them, whose `balance` is its
 * active points at `now`): the highest level whose
 * threshold they reach, if higher than the level held, is reached now and
 * its pointsOnReach applied. Unchanged when none is.
 */
export function reachPointLevel(compiled: CompiledProgram, account: Account, now: number): PointLevelOutcome {
  const levels = compiled.program.pointLevels?.levels;
  if (levels === undefined || levels.length === 0) return { ok: true, account, reached: null };
  const held = pointLevelAt(compiled, account, now);
  // Every operation leaves balance = its ledger's active points at its time (`now` here): no settling again.
  const active = account.balance;
  let candidate: PointLevel | null = null;
  for (const level of levels) if (level.threshold <= active) candidate = level;
  if (candidate === null || (held !== null && candidate.threshold <= held.level.threshold)) return { ok: true, account, reached: null };
  const state: PointLevelState = { id: candidate.id, reachedAt: now, expiresAt: candidate.validityDays === null ? null : now + candidate.validityDays * MILLISECONDS_PER_DAY };
  const ledger = applyPointsOnReach(compiled, account, candidate, now);
  if (!ledger.ok) return ledger;
  return { ok: true, account: { ...account, ledger: ledger.ledger, balance: ledgerTotals(ledger.ledger, now).available, pointLevel: state }, reached: candidate };
}

function applyPointsOnReach(compiled: CompiledProgram, account: Account, level: PointLevel, now: number): Outcome<{ readonly ledger: Account["ledger"] }, "LEDGER_LIMIT" | "INSUFFICIENT_POINTS"> {
  const points = level.pointsOnReach;
  if (points === 0) return { ok: true, ledger: account.ledger };
  if (points < 0) {
    // Validation keeps a debit within the threshold, and the active points reach it.
    assert(-points <= level.threshold, "a level's debit is at most its threshold");
    const spent = spendPoints(account.ledger, -points, now);
    return spent.ok ? { ok: true, ledger: spent.ledger } : spent;
  }
  const lifetime = compiled.program.points.lifetimeDays;
  const accrued = accrueLot(account.ledger, {
    points,
    source: "bonus",
    reference: `level:${level.id}`,
    partner: "",
    at: now,
    activatesAt: now,
    expiresAt: lifetime === null ? null : now + lifetime * MILLISECONDS_PER_DAY,
  });
  return accrued.ok ? { ok: true, ledger: accrued.ledger } : accrued;
}
