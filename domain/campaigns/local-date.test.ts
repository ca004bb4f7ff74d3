import { describe, expect } from "vitest";
import { itEach } from "../test-support/table-tests.js";
import { instantOf } from "./compiled-campaigns.js";
import { ageOn, LocalDateReader } from "./local-date.js";

describe("campaign dates in the program's time zone", () => {
  itEach([
    { name: "a start date is local midnight in Moscow (21:00 UTC the day before)", instant: "2026-03-01", zone: "Europe/Moscow", end: false, expected: Date.UTC(2026, 1, 28, 21) },
    { name: "an end date is the next local midnight in Moscow", instant: "2026-03-31", zone: "Europe/Moscow", end: true, expected: Date.UTC(2026, 2, 31, 21) },
    { name: "an end date far east of UTC is still the end of that local day", instant: "2026-03-01", zone: "Pacific/Kiritimati", end: true, expected: Date.UTC(2026, 2, 1, 10) },
    { name: "an end date on a daylight-saving night in Berlin ends at the next local midnight", instant: "2026-03-29", zone: "Europe/Berlin", end: true, expected: Date.UTC(2026, 2, 29, 22) },
    { name: "an end date west of UTC", instant: "2026-03-01", zone: "America/New_York", end: true, expected: Date.UTC(2026, 2, 2, 5) },
    { name: "epoch milliseconds are taken as they are", instant: 1_234, zone: "Europe/Moscow", end: true, expected: 1_234 },
  ])((row) => {
    expect(instantOf(row.instant, row.zone, row.end)).toBe(row.expected);
  });

  itEach([
    { name: "the day before a birthday is a year short", birth: "1990-05-21", today: { year: 2026, month: 5, day: 20 }, age: 35 },
    { name: "on the birthday the year counts", birth: "1990-05-21", today: { year: 2026, month: 5, day: 21 }, age: 36 },
    { name: "29 February counts from 1 March in a common year", birth: "2000-02-29", today: { year: 2026, month: 3, day: 1 }, age: 26 },
  ])((row) => {
    const [year, month, day] = row.birth.split("-").map(Number) as [number, number, number];
    expect(ageOn({ year, month, day }, row.today)).toBe(row.age);
  });

  itEach([{ name: "the local date of an instant is Moscow's, not UTC's", at: Date.UTC(2026, 1, 28, 22), expected: { year: 2026, month: 3, day: 1 } }])((row) => {
    expect(new LocalDateReader("Europe/Moscow").dateAt(row.at)).toEqual(row.expected);
  });
});
