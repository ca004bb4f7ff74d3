/**
 * The program's calendar: which period (month, quarter, year or N-day
 * window) an instant falls in, in the program's time zone.
 *
 * Pure code: no I/O and no clock; instants are epoch milliseconds passed in.
 * Periods begin at LOCAL midnight, so a period's bounds are the exact UTC
 * instants of local midnights, and a local day may last 23 or 25 hours across
 * a daylight-saving change. Local fields are read with Intl.DateTimeFormat;
 * no time-zone library is used.
 *
 * periodOf runs several times on every receipt (the receipt's period, the
 * period of the member's last visit, the one before for the status), so a
 * calendar keeps the few periods it returned last and answers from them with
 * no Intl call.
 */
import { assert, assertSafeInteger, InvariantError } from "../assert/assert.js";
import type { PeriodDefinition } from "../../protocol/program-document.js";

/** One period: the instants `startsAt <= at < endsAt`, in epoch milliseconds. */
export interface Period {
  /**
   * month: localYear * 12 + (localMonth - 1); quarter: localYear * 4 +
   * floor((localMonth - 1) / 3); year: localYear; rollingDays: whole periods
   * since the anchor date, negative before it.
   */
  readonly index: number;
  /** UTC instant of the local midnight the period begins at, inclusive. */
  readonly startsAt: number;
  /** UTC instant of the local midnight the next period begins at, exclusive. */
  readonly endsAt: number;
}

/**
 * One day of elapsed time. "Did not visit for more than D days" is decided on
 * elapsed time, exactly:
 *
 *     now - lastVisit > D * MILLISECONDS_PER_DAY
 *
 * and not on whole days floored ((now - lastVisit) / day, rounded down), which
 * would still say "D days" one millisecond short of D + 1 days, nor on local
 * calendar days, which would make the answer depend on daylight-saving
 * changes and on the time of day of the last visit.
 */
export const MILLISECONDS_PER_DAY = 86_400_000;

/** Whether `timeZone` is a time zone this runtime knows ("Europe/Moscow", "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

const MILLISECONDS_PER_HOUR = 3_600_000;
const MILLISECONDS_PER_MINUTE = 60_000;
const MILLISECONDS_PER_SECOND = 1_000;
/** The range of a JavaScript Date; Intl cannot format instants outside it. */
const LARGEST_INSTANT = 8_640_000_000_000_000;
/**
 * Periods a calendar remembers. A receipt asks for its own period, its
 * member's last visit's (anything from this period to months back) and the
 * previous one for the status: keeping only the last period missed on most
 * commits and recomputed one with Intl (measured: 12 % of a bulk import's CPU).
 * Eight covers the current quarter of months with room to spare; the scan of
 * eight is cheaper than one Intl call.
 */
const RECENT_PERIODS_KEPT = 8;

/** periodOf steps to a neighbouring period at most this often before giving up (see periodAround). */
const NEIGHBOUR_STEPS_MAX = 4;
/** Offset iterations before finding a local midnight falls back to bisection. */
const OFFSET_ITERATIONS_MAX = 4;

/** A local date and time as the time zone's clock shows it at some instant. */
interface LocalTime {
  /** Days since 1970-01-01 of the local date. */
  readonly dayNumber: number;
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  /** Local wall time minus the instant: +3 h in Moscow. */
  readonly offset: number;
}

/** The period's rule, with an anchor day number for rollingDays. */
type PeriodRule =
  | { readonly kind: "month" | "quarter" | "year" }
  | { readonly kind: "rollingDays"; readonly days: number; readonly anchorDay: number };

export class PeriodCalendar {
  private readonly rule: PeriodRule;
  private readonly format: Intl.DateTimeFormat;
  /** Where each number format() prints goes in `fields`, in printing order. */
  private readonly fieldOrder: readonly FieldSlot[];
  /** Scratch for localTimeAt: month, day, hour, minute, second. */
  private readonly fields = [0, 0, 0, 0, 0];
  /** Most recently returned first; at most RECENT_PERIODS_KEPT. */
  private readonly recent: Period[] = [];

  /**
   * `definition` and `timeZone` come from a validated program: an unknown time
   * zone, a malformed anchor date or a period of less than one day is an
   * invariant violation here.
   */
  constructor(definition: PeriodDefinition, timeZone: string) {
    assert(isValidTimeZone(timeZone), `unknown time zone ${JSON.stringify(timeZone)}`);
    this.rule = ruleOf(definition);
    // The year is left out on purpose: it is inferred from the UTC date (see
    // localTimeAt), which keeps years before the common era, which Intl
    // prints with an era, out of parsing.
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      calendar: "gregory",
      numberingSystem: "latn",
      hourCycle: "h23",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    this.fieldOrder = fieldOrderOf(this.format);
  }

  /**
   * The period `at` falls in. `at` is whole epoch milliseconds within the
   * range of a Date (receipts keep to 2000-2200, see domain/limits.ts). The
   * result is frozen, and the same object while `at` stays inside it.
   */
  periodOf(at: number): Period {
    assertSafeInteger(at, "instant");
    const recent = this.recent;
    for (let index = 0; index < recent.length; index += 1) {
      const period = recent[index];
      assert(period !== undefined, "recent periods are dense");
      if (at >= period.startsAt && at < period.endsAt) {
        if (index > 0) {
          recent.splice(index, 1);
          recent.unshift(period);
        }
        return period;
      }
    }
    if (!(Math.abs(at) <= LARGEST_INSTANT)) assert(false, `instant ${at} is outside the range of a Date`);
    const period = this.periodAround(at);
    recent.unshift(period);
    if (recent.length > RECENT_PERIODS_KEPT) recent.pop();
    return period;
  }

  /**
   * The period of `at`, found from its local date. The period is then checked
   * against its bounds, and a neighbour taken if `at` lies outside: local
   * dates only run backwards if a zone moves its clock back across midnight
   * from after it, which no current zone does, and this keeps the periods
   * tiling time even then.
   */
  private periodAround(at: number): Period {
    const local = this.localTimeAt(at);
    let index = this.indexOf(local);
    for (let step = 0; step < NEIGHBOUR_STEPS_MAX; step += 1) {
      const startsAt = this.startOf(index, local.offset);
      if (at < startsAt) {
        index -= 1;
        continue;
      }
      const endsAt = this.startOf(index + 1, local.offset);
      if (at >= endsAt) {
        index += 1;
        continue;
      }
      return Object.freeze({ index, startsAt, endsAt });
    }
    return failNoPeriod(at);
  }

  /**
   * The instant period `index` starts at. A miss usually lands next to a
   * remembered period (the next month, or back and forth across a boundary),
   * whose bounds are then reused: two Intl calls fewer.
   */
  private startOf(index: number, offsetGuess: number): number {
    for (const known of this.recent) {
      if (index === known.index) return known.startsAt;
      if (index === known.index + 1) return known.endsAt;
    }
    return this.startOfLocalDay(this.firstDayOf(index), offsetGuess);
  }

  private indexOf(local: LocalTime): number {
    const rule = this.rule;
    switch (rule.kind) {
      case "month":
        return local.year * 12 + (local.month - 1);
      case "quarter":
        return local.year * 4 + Math.floor((local.month - 1) / 3);
      case "year":
        return local.year;
      case "rollingDays":
        return Math.floor((local.dayNumber - rule.anchorDay) / rule.days);
    }
  }

  /** Day number (days since 1970-01-01) of the first local day of period `index`. */
  private firstDayOf(index: number): number {
    const rule = this.rule;
    switch (rule.kind) {
      case "month":
        return dayNumberOf(Math.floor(index / 12), modulo(index, 12) + 1, 1);
      case "quarter":
        return dayNumberOf(Math.floor(index / 4), modulo(index, 4) * 3 + 1, 1);
      case "year":
        return dayNumberOf(index, 1, 1);
      case "rollingDays":
        return rule.anchorDay + index * rule.days;
    }
  }

  /**
   * The first instant whose local date is `dayNumber` or later: normally the
   * instant of local midnight. Iterating the offset from `offsetGuess` finds
   * it in one or two Intl calls plus one to check that no earlier instant
   * already shows that date. Where midnight does not exist (a clock that jumps
   * from 23:59:59 to 01:00, or a skipped day) or occurs twice (a clock set back
   * from 01:00 to 00:00), bisection finds the instant instead.
   */
  private startOfLocalDay(dayNumber: number, offsetGuess: number): number {
    const wallTime = dayNumber * MILLISECONDS_PER_DAY;
    let instant = wallTime - offsetGuess;
    for (let iteration = 0; iteration < OFFSET_ITERATIONS_MAX; iteration += 1) {
      const next = wallTime - this.localTimeAt(instant).offset;
      if (next === instant) {
        if (this.localTimeAt(instant - 1).dayNumber < dayNumber) {
          return instant;
        }
        break;
      }
      instant = next;
    }
    return this.bisectStartOfLocalDay(dayNumber);
  }

  private bisectStartOfLocalDay(dayNumber: number): number {
    // Offsets stay within ±16 hours, so the day starts within a day of its wall time.
    const wallTime = dayNumber * MILLISECONDS_PER_DAY;
    let before = wallTime - MILLISECONDS_PER_DAY;
    let atOrAfter = wallTime + MILLISECONDS_PER_DAY;
    assert(
      this.localTimeAt(before).dayNumber < dayNumber && this.localTimeAt(atOrAfter).dayNumber >= dayNumber,
      `local day ${dayNumber} does not start within a day of its UTC wall time`,
    );
    while (atOrAfter - before > 1) {
      const middle = before + Math.floor((atOrAfter - before) / 2);
      if (this.localTimeAt(middle).dayNumber < dayNumber) {
        before = middle;
      } else {
        atOrAfter = middle;
      }
    }
    return atOrAfter;
  }

  /**
   * The zone's clock at `instant`. Intl gives month, day and time; the year is
   * the UTC year, moved by one where the local date and the UTC date sit on
   * different sides of New Year (an offset is always under a day).
   *
   * format() costs about a quarter of formatToParts(), so its text is read as
   * five runs of digits in the order the constructor learned from
   * formatToParts() ("2/10, 03:00:00" in en-US).
   */
  private localTimeAt(instant: number): LocalTime {
    const text = this.format.format(instant);
    const fields = this.fields;
    let found = 0;
    let value = -1;
    for (let position = 0; position <= text.length; position += 1) {
      const digit = position < text.length ? text.charCodeAt(position) - 48 : -1;
      if (digit >= 0 && digit <= 9) {
        value = value < 0 ? digit : value * 10 + digit;
      } else if (value >= 0) {
        const slot = this.fieldOrder[found];
        assert(slot !== undefined, `unexpected local time ${JSON.stringify(text)}`);
        fields[slot] = value;
        found += 1;
        value = -1;
      }
    }
    assert(found === FIELD_COUNT, `unexpected local time ${JSON.stringify(text)}`);
    const [month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields;
    const utc = civilDateOf(Math.floor(instant / MILLISECONDS_PER_DAY));
    let year = utc.year;
    if (month === 1 && utc.month === 12) {
      year += 1;
    } else if (month === 12 && utc.month === 1) {
      year -= 1;
    }
    const dayNumber = dayNumberOf(year, month, day);
    const wallTime =
      dayNumber * MILLISECONDS_PER_DAY +
      (hour % 24) * MILLISECONDS_PER_HOUR + // some ICU versions print midnight as 24
      minute * MILLISECONDS_PER_MINUTE +
      second * MILLISECONDS_PER_SECOND;
    const wholeSecond = instant - modulo(instant, MILLISECONDS_PER_SECOND);
    return { dayNumber, year, month, offset: wallTime - wholeSecond };
  }
}

/** Index into PeriodCalendar's scratch fields: month, day, hour, minute, second. */
type FieldSlot = 0 | 1 | 2 | 3 | 4;

const FIELD_COUNT = 5;
const FIELD_SLOTS: Readonly<Partial<Record<Intl.DateTimeFormatPartTypes, FieldSlot>>> = {
  month: 0,
  day: 1,
  hour: 2,
  minute: 3,
  second: 4,
};

/**
 * The order format() prints the five numbers in. Each number must be set off
 * from the next by a literal without digits, or the text could not be split.
 */
function fieldOrderOf(format: Intl.DateTimeFormat): readonly FieldSlot[] {
  const order: FieldSlot[] = [];
  let previousWasNumber = false;
  for (const part of format.formatToParts(0)) {
    const slot = FIELD_SLOTS[part.type];
    if (slot === undefined) {
      assert(!/[0-9]/.test(part.value), `date part ${part.type} ${JSON.stringify(part.value)} holds digits`);
      previousWasNumber = false;
      continue;
    }
    assert(!previousWasNumber && !order.includes(slot), `cannot read the date parts of ${format.format(0)}`);
    order.push(slot);
    previousWasNumber = true;
  }
  assert(order.length === FIELD_COUNT, `cannot read the date parts of ${format.format(0)}`);
  return order;
}

function ruleOf(definition: PeriodDefinition): PeriodRule {
  if (definition.kind !== "rollingDays") {
    return { kind: definition.kind };
  }
  assert(
    Number.isSafeInteger(definition.days) && definition.days >= 1,
    `rollingDays period must be a positive whole number of days, got ${String(definition.days)}`,
  );
  const anchorDay = parseLocalDate(definition.anchorDate);
  assert(anchorDay !== null, `anchorDate must be a YYYY-MM-DD date, got ${JSON.stringify(definition.anchorDate)}`);
  return { kind: "rollingDays", days: definition.days, anchorDay };
}

/** Day number of a YYYY-MM-DD calendar date, or null when it is not one ("2026-02-30"). */
function parseLocalDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) {
    return null;
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const dayNumber = dayNumberOf(year, month, day);
  const roundTrip = civilDateOf(dayNumber);
  return roundTrip.year === year && roundTrip.month === month && roundTrip.day === day ? dayNumber : null;
}

function failNoPeriod(at: number): never {
  throw new InvariantError(`no period found around instant ${at} within ${NEIGHBOUR_STEPS_MAX} steps`);
}

function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date, for any year (Howard
 * Hinnant's days_from_civil). Unlike Date.UTC it does not read years 0 to 99
 * as 1900 to 1999.
 */
function dayNumberOf(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const monthFromMarch = (month + 9) % 12;
  const dayOfYear = Math.floor((153 * monthFromMarch + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The proleptic Gregorian date of a day number (Howard Hinnant's civil_from_days). */
function civilDateOf(dayNumber: number): { readonly year: number; readonly month: number; readonly day: number } {
  const shifted = dayNumber + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1_460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}
