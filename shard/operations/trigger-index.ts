// Thread: any (pure); run by a shard worker thread and by the bulk importer.
import type { Account } from "../../domain/account/account.js";
import { parseDate, type LocalDateReader } from "../../domain/campaigns/local-date.js";
import type { ShardWrite } from "../storage/shard-store.js";

/**
 * The trigger index's entries of one account (docs/campaigns.md, "Triggers
 * at scale"): its birth date's month-day (a calendar date, no time zone) and
 * its registration's local month-day in the program's time zone. Written by
 * enrolment, profile edits, the bulk importer and the backfill only while a
 * date trigger is active: otherwise no operation writes any.
 */
export function triggerIndexWrites(account: Account, dates: LocalDateReader): ShardWrite[] {
  const writes: ShardWrite[] = [];
  const birth = account.profile.birthDate === null ? null : parseDate(account.profile.birthDate);
  if (birth !== null) writes.push({ kind: "triggerIndex", logicalShard: account.logicalShard, memberId: account.memberId, which: "birthday", month: birth.month, day: birth.day });
  const registered = dates.dateAt(account.createdAt);
  writes.push({ kind: "triggerIndex", logicalShard: account.logicalShard, memberId: account.memberId, which: "registration", month: registered.month, day: registered.day });
  return writes;
}

/** A profile edit's index changes: the old birth date's entry goes, the new one's comes; none when the birth date stays. */
export function birthDateIndexWrites(before: Account, after: Account): ShardWrite[] {
  const from = before.profile.birthDate;
  const to = after.profile.birthDate;
  if (from === to) return [];
  const writes: ShardWrite[] = [];
  const old = from === null ? null : parseDate(from);
  const next = to === null ? null : parseDate(to);
  const { logicalShard, memberId } = after;
  if (old !== null) writes.push({ kind: "triggerIndex", logicalShard, memberId, which: "birthday", month: old.month, day: old.day, remove: true });
  if (next !== null) writes.push({ kind: "triggerIndex", logicalShard, memberId, which: "birthday", month: next.month, day: next.day });
  return writes;
}
