import { describe, expect } from "vitest";
import { itEach } from "../test-support/table-tests.js";
import { LocalDateReader } from "./local-date.js";
import { addDays, celebratesOn, monthDaysOn, registrationAnniversaryOn } from "./trigger-dates.js";

describe("which members' dates fall on a day", () => {
  itEach([
    { name: "an ordinary day is its own month-day", date: { year: 2026, month: 3, day: 10 }, monthDays: [{ month: 3, day: 10 }] },
    { name: "28 February of a common year also celebrates 29 February", date: { year: 2026, month: 2, day: 28 }, monthDays: [{ month: 2, day: 28 }, { month: 2, day: 29 }] },
    { name: "28 February of a leap year is only itself", date: { year: 2028, month: 2, day: 28 }, monthDays: [{ month: 2, day: 28 }] },
    { name: "29 February of a leap year is itself", date: { year: 2028, month: 2, day: 29 }, monthDays: [{ month: 2, day: 29 }] },
    { name: "1 March of a common year is only itself (29 February was celebrated the day before)", date: { year: 2026, month: 3, day: 1 }, monthDays: [{ month: 3, day: 1 }] },
    { name: "2100 is a common year", date: { year: 2100, month: 2, day: 28 }, monthDays: [{ month: 2, day: 28 }, { month: 2, day: 29 }] },
    { name: "2000 was a leap year", date: { year: 2000, month: 2, day: 28 }, monthDays: [{ month: 2, day: 28 }] },
  ])(({ date, monthDays }) => {
    expect(monthDaysOn(date)).toEqual(monthDays);
  });

  itEach([
    { name: "a 29 February birthday falls on 28 February in 2026", birth: { month: 2, day: 29 }, date: { year: 2026, month: 2, day: 28 }, celebrates: true },
    { name: "and not on 1 March 2026", birth: { month: 2, day: 29 }, date: { year: 2026, month: 3, day: 1 }, celebrates: false },
    { name: "and on 29 February 2028, not on the 28th", birth: { month: 2, day: 29 }, date: { year: 2028, month: 2, day: 28 }, celebrates: false },
    { name: "a 28 February birthday stays on the 28th", birth: { month: 2, day: 28 }, date: { year: 2026, month: 2, day: 28 }, celebrates: true },
  ])(({ birth, date, celebrates }) => {
    expect(celebratesOn(birth, date)).toBe(celebrates);
  });

  const moscow = new LocalDateReader("Europe/Moscow");
  const vladivostok = new LocalDateReader("Asia/Vladivostok");
  itEach([
    { name: "23:30 UTC on 9 March is already 10 March in Moscow", reader: moscow, at: Date.UTC(2026, 2, 9, 23, 30), date: { year: 2026, month: 3, day: 10 } },
    { name: "20:59 UTC on 9 March is still 9 March in Moscow", reader: moscow, at: Date.UTC(2026, 2, 9, 20, 59), date: { year: 2026, month: 3, day: 9 } },
    { name: "21:00 UTC on 9 March is local midnight of 10 March in Moscow", reader: moscow, at: Date.UTC(2026, 2, 9, 21, 0), date: { year: 2026, month: 3, day: 10 } },
    { name: "14:00 UTC on 9 March is local midnight of 10 March in Vladivostok", reader: vladivostok, at: Date.UTC(2026, 2, 9, 14, 0), date: { year: 2026, month: 3, day: 10 } },
  ])(({ reader, at, date }) => {
    expect(reader.dateAt(at)).toEqual(date);
  });

  itEach([
    { name: "a member registered at 23:30 Moscow time on 10 March 2025 has an anniversary on 10 March 2026", createdAt: Date.UTC(2025, 2, 10, 20, 30), date: { year: 2026, month: 3, day: 10 }, anniversary: true },
    { name: "one registered at 00:30 Moscow time on 11 March 2025 (21:30 UTC on the 10th) has it on the 11th", createdAt: Date.UTC(2025, 2, 10, 21, 30), date: { year: 2026, month: 3, day: 10 }, anniversary: false },
    { name: "no anniversary in the year of registration", createdAt: Date.UTC(2026, 2, 1, 9), date: { year: 2026, month: 3, day: 1 }, anniversary: false },
  ])(({ createdAt, date, anniversary }) => {
    expect(registrationAnniversaryOn(createdAt, date, moscow)).toBe(anniversary);
  });

  itEach([
    { name: "a day after the end of a common February is 1 March", from: "2026-02-28", days: 1, to: "2026-03-01" },
    { name: "a week back over a year's turn", from: "2026-01-03", days: -7, to: "2025-12-27" },
  ])(({ from, days, to }) => {
    expect(addDays(from, days)).toBe(to);
  });
});
