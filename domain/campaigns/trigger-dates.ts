// Thread: any; pure domain (no I/O, no clock: time is passed in).
import { MILLISECONDS_PER_DAY } from "../calendar/period-calendar.js";
import { parseDate, type LocalDate, type LocalDateReader } from "./local-date.js";

/**
 * Which members' dates fall on a local day (docs/campaigns.md, "Triggers"):
 * a birthday or registration anniversary is its month-day; 29 February is
 * celebrated on 28 February in common years (the member's birthday month,
 * and the last day before it would have been), so every member has one
 * each year, exactly once.
 */
export interface MonthDay {
  readonly month: number;
  readonly day: number;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** The month-days whose members celebrate on `date`: its own, and 29 February on 28 February of a common year. */
export function monthDaysOn(date: LocalDate): MonthDay[] {
  const own = { month: date.month, day: date.day };
  if (date.month === 2 && date.day === 28 && !isLeapYear(date.year)) return [own, { month: 2, day: 29 }];
  return [own];
}

/** Whether a member whose date is `monthDay` celebrates on `date` (monthDaysOn's rule, for one member). */
export function celebratesOn(monthDay: MonthDay, date: LocalDate): boolean {
  return monthDaysOn(date).some((candidate) => candidate.month === monthDay.month && candidate.day === monthDay.day);
}

/** The birth date's month-day; null when there is none. */
export function birthMonthDay(birthDate: string | null): MonthDay | null {
  const parsed = birthDate === null ? null : parseDate(birthDate);
  return parsed === null ? null : { month: parsed.month, day: parsed.day };
}

/** "YYYY-MM-DD" of a local date. */
export function dateText(date: LocalDate): string {
  return `${String(date.year).padStart(4, "0")}-${String(date.month).padStart(2, "0")}-${String(date.day).padStart(2, "0")}`;
}

/** The calendar date `days` after `text` ("YYYY-MM-DD"; days may be negative). */
export function addDays(text: string, days: number): string {
  const parsed = parseDate(text);
  if (parsed === null) throw new RangeError(`not a date: ${text}`);
  const shifted = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day) + days * MILLISECONDS_PER_DAY);
  return shifted.toISOString().slice(0, 10);
}

/** Whether the member registered at `createdAt` has an anniversary (a whole year or more) on `date`, in the program's time zone. */
export function registrationAnniversaryOn(createdAt: number, date: LocalDate, dates: LocalDateReader): boolean {
  const registered = dates.dateAt(createdAt);
  return registered.year < date.year && celebratesOn(registered, date);
}
