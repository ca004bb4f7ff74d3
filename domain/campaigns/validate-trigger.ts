// Thread: any; pure domain (no I/O, no clock).
import type { CampaignTrigger, TriggerKind } from "../../protocol/campaign-document.js";
import { at, field, isAbsent, isCalendarDate, type CollectingReader } from "./document-reader.js";

/** A trigger's points: as a fixed reward of a receipt mechanic (CAMPAIGN_FIXED_POINTS_MAX), ten million roubles at a kopeck a point. */
export const TRIGGER_POINTS_MAX = 1_000_000_000;
/** A trigger's points lifetime: as the program's and the campaign's (a hundred years). */
export const TRIGGER_LIFETIME_DAYS_MAX = 36_500;

export const TRIGGER_KINDS: readonly TriggerKind[] = ["birthday", "registrationAnniversary", "enrolment", "statusReached", "oneTime"];
const TRIGGER_FIELDS = new Set(["kind", "points", "lifetimeDays", "status", "date"]);

/**
 * Reads a campaign's `trigger` at `path`, recording every problem on `reader`:
 * `kind`, `points` (1 to 10^9), `lifetimeDays` (1 to 36,500, optional),
 * `status` (statusReached only, required there; one the program defines when
 * `statuses` is given) and `date` (oneTime only, required there: YYYY-MM-DD).
 * Undefined when refused; absent fields are left out of what it returns.
 */
export function readTrigger(reader: CollectingReader, input: unknown, path: string, statuses: ReadonlySet<string> | null): CampaignTrigger | undefined {
  const trigger = reader.object(input, path);
  if (trigger === undefined) return undefined;
  reader.refuseUnknownFields(trigger, path, TRIGGER_FIELDS);
  const kind = reader.oneOf(field(trigger, "kind"), at(path, "kind"), TRIGGER_KINDS);
  const points = reader.integer(field(trigger, "points"), at(path, "points"), 1, TRIGGER_POINTS_MAX);
  const lifetimeDays = reader.nullableInteger(field(trigger, "lifetimeDays"), at(path, "lifetimeDays"), 1, TRIGGER_LIFETIME_DAYS_MAX);
  const status = kind === undefined ? undefined : triggerStatus(reader, field(trigger, "status"), at(path, "status"), kind, statuses);
  const date = kind === undefined ? undefined : triggerDate(reader, field(trigger, "date"), at(path, "date"), kind);
  if (kind === undefined || points === undefined || lifetimeDays === undefined || status === undefined || date === undefined) return undefined;
  return {
    kind,
    points,
    ...(lifetimeDays === null ? {} : { lifetimeDays }),
    ...(status === null ? {} : { status }),
    ...(date === null ? {} : { date }),
  };
}

/** The status of a statusReached trigger (null for other kinds, which must not name one). */
function triggerStatus(reader: CollectingReader, value: unknown, path: string, kind: TriggerKind, statuses: ReadonlySet<string> | null): string | null | undefined {
  if (kind !== "statusReached") return isAbsent(value) ? null : reader.problem(path, "only a statusReached trigger names a status");
  const status = reader.id(value, path);
  if (status !== undefined && statuses !== null && !statuses.has(status)) return reader.problem(path, `must name a status the program defines; "${status}" is not one`);
  return status;
}

/** The date of a oneTime trigger (null for other kinds, which must not name one). */
function triggerDate(reader: CollectingReader, value: unknown, path: string, kind: TriggerKind): string | null | undefined {
  if (kind !== "oneTime") return isAbsent(value) ? null : reader.problem(path, "only a oneTime trigger names a date");
  if (isAbsent(value)) return reader.problem(path, "is required");
  if (typeof value !== "string" || !isCalendarDate(value)) return reader.problem(path, "must be a date YYYY-MM-DD");
  return value;
}
