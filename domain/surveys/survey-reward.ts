// Thread: any; pure domain (no I/O, no clock: time is passed in).
import type { Account } from "../account/account.js";
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import type { CompiledProgram } from "../engine/compiled-program.js";
import { reachPointLevel } from "../engine/point-levels.js";
import { accrueLot, ledgerTotals, settleLedger } from "../ledger/ledger.js";
import type { Outcome } from "../../protocol/errors/loycore-error.js";
import type { SurveyReward } from "../../protocol/survey-document.js";

/**
 * A survey's reward on the member's account: a lot of its own (source
 * `survey`, reference `survey:<id>`, the funding partner's, active at once,
 * living the reward's `lifetimeDays`, else the program's lifetime), as a
 * campaign's points are. No points: only the account's next sequence.
 */
export function rewardForSurvey(compiled: CompiledProgram, account: Account, surveyId: string, reward: SurveyReward, now: number): Outcome<{ readonly account: Account; readonly lot: number | null }> {
  const settled = settleLedger(account.ledger, now).ledger;
  if (reward.points === 0) return { ok: true, account: { ...account, ledger: settled, balance: ledgerTotals(settled, now).available, sequence: account.sequence + 1 }, lot: null };
  const lifetime = reward.lifetimeDays ?? compiled.program.points.lifetimeDays;
  const accrued = accrueLot(settled, {
    points: reward.points,
    source: "survey",
    reference: `survey:${surveyId}`,
    partner: reward.partner ?? "",
    at: now,
    activatesAt: now,
    expiresAt: lifetime === null ? null : now + lifetime * MILLISECONDS_PER_DAY,
  });
  if (!accrued.ok) return accrued;
  const next: Account = { ...account, ledger: accrued.ledger, balance: ledgerTotals(accrued.ledger, now).available, sequence: account.sequence + 1 };
  const levelled = reachPointLevel(compiled, next, now);
  if (!levelled.ok) return levelled;
  return { ok: true, account: levelled.account, lot: accrued.lot.id };
}
