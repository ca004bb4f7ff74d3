// Thread: any; pure domain (no I/O, no clock: time is passed in).
import type { Account } from "../account/account.js";
import type { CompiledProgram } from "../engine/compiled-program.js";
import { evaluateStanding } from "../engine/standing.js";
import { settleWithTotals } from "../ledger/ledger.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import type { LocalDateReader } from "./local-date.js";
import { segmentHolds, type SurveyAnswerReader } from "./segment.js";

/**
 * Counting a segment's members (docs/campaigns.md, "Previews") is an admin's
 * sweep, never a receipt's: the gateway walks every logical shard a page of
 * accounts at a time, each page on the shard that owns it.
 */

/** Accounts a shard reads for one page of a segment preview: a few milliseconds of a shard thread's time between two lanes' messages (as the search backfill's page). */
export const SEGMENT_PREVIEW_PAGE_ACCOUNTS = 1_000;
/** Member ids a preview lists: a screen's worth; a marketer samples, an export is another tool. */
export const SEGMENT_PREVIEW_SAMPLE_MAX = 100;
/**
 * Members one preview scans at most: about 5 s of shard time at 5 us a member,
 * spread over every thread; a larger base is counted up to here and the
 * answer says it is incomplete.
 */
export const SEGMENT_PREVIEW_MEMBERS_MAX = 1_000_000;

/** Whether the member is in the segment at `at`, as a receipt then would see it without a card (card type conditions hold for nobody). */
export function memberInSegment(
  compiled: CompiledProgram,
  condition: SegmentCondition,
  account: Account,
  at: number,
  dates: LocalDateReader,
  /** The member's survey answers; null: survey conditions hold for nobody. */
  surveyAnswers: SurveyAnswerReader | null = null,
): boolean {
  const standing = evaluateStanding(compiled, account, at);
  return segmentHolds(condition, {
    at,
    createdAt: account.createdAt,
    birthDate: account.profile.birthDate,
    counters: account.counters,
    standing,
    cardType: null,
    balance: settleWithTotals(account.ledger, at).balances.available,
    dates,
    surveyAnswers,
  });
}
