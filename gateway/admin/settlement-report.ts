// Thread: the gateway (main) thread; pages through every shard thread's settlement entries.
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../../domain/limits.js";
import { readString } from "../../domain/validation/fields.js";
import type { SettlementPair, SettlementReport } from "../../protocol/admin-wire.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { SettlementCursor, SettlementEntry, ChannelReply } from "../../shard/shard-messages.js";
import { TextAnswer, type OperationOutcome } from "../operations/operation-outcome.js";
import type { ShardCluster } from "../shards/shard-cluster.js";

/** Entries one page asks of a shard thread: about 5 ms of its time, so lanes on it barely notice a report. */
export const SETTLEMENT_PAGE_ENTRIES = 2_000;
/** Entries one report reads in all: a month of a large coalition's cross-partner redemptions; past it, TOO_LARGE (ask fewer days). */
export const SETTLEMENT_REPORT_ENTRIES_MAX = 500_000;
/** Days one report covers: a year, the longest settlement period anyone closes. */
export const SETTLEMENT_REPORT_DAYS_MAX = 366;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const CSV_HEADER = "day,issuer,redeemer,member,store,receipt,operation,at,points,valueMinor";

export interface SettlementQuery {
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly issuer: string | undefined;
  readonly redeemer: string | undefined;
  readonly format: string | undefined;
}

/**
 * The admin settlement report (issue 12): what each partner owes each
 * other for points it issued that were spent at the other's stores, net of
 * returns, over whole UTC days. JSON: totals per (issuer, redeemer); CSV
 * (`format=csv`): every entry, which add up to those totals.
 */
export async function settlementReport(cluster: ShardCluster, query: SettlementQuery): Promise<OperationOutcome<SettlementReport | TextAnswer>> {
  const days = readDays(query.from, query.to);
  if ("ok" in days) return days;
  const issuer = query.issuer === undefined ? undefined : readString(query.issuer, "issuer", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  const redeemer = query.redeemer === undefined ? undefined : readString(query.redeemer, "redeemer", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  if (query.format !== undefined && query.format !== "csv" && query.format !== "json") return failure("BAD_REQUEST", 'format must be "json" or "csv"');
  const entries: SettlementEntry[] = [];
  for (let shard = 0; shard < cluster.shardCount; shard += 1) {
    let after: SettlementCursor | null = null;
    do {
      const reply: ChannelReply<"settlement"> = await cluster.requestToShard(shard, { kind: "settlement", fromDay: days.fromDay, toDay: days.toDay, after, limit: SETTLEMENT_PAGE_ENTRIES });
      if (!reply.ok) return failure(reply.code, reply.message);
      for (const entry of reply.value.entries) {
        if ((issuer === undefined || entry.issuer === issuer) && (redeemer === undefined || entry.redeemer === redeemer)) entries.push(entry);
      }
      if (entries.length > SETTLEMENT_REPORT_ENTRIES_MAX) {
        return failure("TOO_LARGE", `more than ${SETTLEMENT_REPORT_ENTRIES_MAX} settlement entries in these days; ask for fewer days or one partner`);
      }
      after = reply.value.next;
    } while (after !== null);
  }
  if (query.format === "csv") return { ok: true, value: new TextAnswer("text/csv; charset=utf-8", csvOf(entries)) };
  return { ok: true, value: { from: days.from, to: days.to, pairs: pairsOf(entries) } };
}

function readDays(from: string | undefined, to: string | undefined): { from: string; to: string; fromDay: number; toDay: number } | ReturnType<typeof failure> {
  const fromDay = dayOf(from);
  const lastDay = dayOf(to);
  if (fromDay === undefined) return failure("BAD_REQUEST", "from must be a date YYYY-MM-DD");
  if (lastDay === undefined) return failure("BAD_REQUEST", "to must be a date YYYY-MM-DD");
  if (lastDay < fromDay) return failure("BAD_REQUEST", "to must not be before from");
  if (lastDay - fromDay + 1 > SETTLEMENT_REPORT_DAYS_MAX) return failure("BAD_REQUEST", `a report covers at most ${SETTLEMENT_REPORT_DAYS_MAX} days`);
  return { from: from as string, to: to as string, fromDay, toDay: lastDay + 1 };
}

/** UTC days since 1970 of a real date YYYY-MM-DD (1970 or later), else undefined. */
function dayOf(text: string | undefined): number | undefined {
  const match = text === undefined ? null : DATE_PATTERN.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = Date.UTC(year, month - 1, day);
  const date = new Date(at);
  if (year < 1970 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return at / MILLISECONDS_PER_DAY;
}

function pairsOf(entries: readonly SettlementEntry[]): SettlementPair[] {
  const pairs = new Map<string, { issuer: string; redeemer: string; points: number; valueMinor: number; entries: number }>();
  for (const entry of entries) {
    const key = JSON.stringify([entry.issuer, entry.redeemer]);
    const pair = pairs.get(key) ?? { issuer: entry.issuer, redeemer: entry.redeemer, points: 0, valueMinor: 0, entries: 0 };
    pair.points += entry.points;
    pair.valueMinor += entry.valueMinor;
    pair.entries += 1;
    pairs.set(key, pair);
  }
  return [...pairs.values()].sort((left, right) => compare(left.issuer, right.issuer) || compare(left.redeemer, right.redeemer));
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function csvOf(entries: readonly SettlementEntry[]): string {
  const lines = [CSV_HEADER];
  for (const entry of entries) {
    const day = new Date(entry.day * MILLISECONDS_PER_DAY).toISOString().slice(0, 10);
    const fields = [day, entry.issuer, entry.redeemer, entry.memberId, entry.store, entry.receiptId, entry.operation, String(entry.at), String(entry.points), String(entry.valueMinor)];
    lines.push(fields.map(csvField).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180); a leading = + - @ is prefixed with ' so a spreadsheet never runs it. */
function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) && !/^-?\d+$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
