import { assert } from "../assert/assert.js";
import { PeriodCalendar } from "../calendar/period-calendar.js";

/** A local calendar date. */
export interface LocalDate {
  readonly year: number;
  /** 1 to 12. */
  readonly month: number;
  /** 1 to 31. */
  readonly day: number;
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "YYYY-MM-DD" as a LocalDate; null if it is not one (a stored birth date is validated, so this is defensive). */
export function parseDate(text: string): LocalDate | null {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return null;
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/**
 * The UTC instant of local midnight starting `date` in `timeZone`: a one-day
 * rolling calendar anchored on the date has its period 0 start there (the
 * calendar already handles offsets and daylight saving).
 */
export function localMidnightOf(date: string, timeZone: string): number {
  const calendar = new PeriodCalendar({ kind: "rollingDays", days: 1, anchorDate: date }, timeZone);
  const parsed = parseDate(date);
  assert(parsed !== null, "a validated date");
  // Within 14 hours of local midnight: the period holding UTC midnight of the date is day -1, 0 or 1.
  let period = calendar.periodOf(Date.UTC(parsed.year, parsed.month - 1, parsed.day));
  while (period.index > 0) period = calendar.periodOf(period.startsAt - 1);
  while (period.index < 0) period = calendar.periodOf(period.endsAt);
  return period.startsAt;
}

/** Reads the local date of instants in one time zone; one formatter, made once. */
export class LocalDateReader {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" });
  }

  dateAt(instant: number): LocalDate {
    let year = 0;
    let month = 0;
    let day = 0;
    for (const part of this.format.formatToParts(instant)) {
      if (part.type === "year") year = Number(part.value);
      else if (part.type === "month") month = Number(part.value);
      else if (part.type === "day") day = Number(part.value);
    }
    return { year, month, day };
  }
}

/** Whole years from `birth` to `today` (a birthday counts on its day; 29 February on 1 March in common years). */
export function ageOn(birth: LocalDate, today: LocalDate): number {
  const hadBirthday = today.month > birth.month || (today.month === birth.month && today.day >= birth.day);
  return today.year - birth.year - (hadBirthday ? 0 : 1);
}
