import { afterEach, describe, expect, it, vi } from "vitest";
import { InvariantError } from "../assert/assert.js";
import type { PeriodDefinition } from "../../protocol/program-document.js";
import { randomInteger, seededRandom } from "../random/seeded-random.js";
import { itEach } from "../test-support/table-tests.js";
import { isValidTimeZone, MILLISECONDS_PER_DAY, PeriodCalendar } from "./period-calendar.js";
import type { Period } from "./period-calendar.js";

const HOUR = 3_600_000;
const MONTH: PeriodDefinition = { kind: "month" };
const QUARTER: PeriodDefinition = { kind: "quarter" };
const YEAR: PeriodDefinition = { kind: "year" };
const THIRTY_DAYS_FROM_2026: PeriodDefinition = { kind: "rollingDays", days: 30, anchorDate: "2026-01-01" };
const EVERY_DAY: PeriodDefinition = { kind: "rollingDays", days: 1, anchorDate: "2000-01-01" };

function utc(text: string): number {
  return Date.parse(text);
}

interface PeriodCase {
  readonly name: string;
  readonly definition: PeriodDefinition;
  readonly timeZone: string;
  readonly at: string;
  readonly index: number;
  readonly startsAt: string;
  readonly endsAt: string;
}

function expectPeriod(period: Period, row: PeriodCase): void {
  expect({
    index: period.index,
    startsAt: new Date(period.startsAt).toISOString(),
    endsAt: new Date(period.endsAt).toISOString(),
  }).toEqual({ index: row.index, startsAt: row.startsAt, endsAt: row.endsAt });
}

describe("PeriodCalendar months", () => {
  itEach<PeriodCase>([
    {
      name: "starts February in Moscow at 2026-01-31T21:00:00Z, local midnight at UTC+3",
      definition: MONTH,
      timeZone: "Europe/Moscow",
      at: "2026-01-31T21:00:00.000Z",
      index: 2026 * 12 + 1,
      startsAt: "2026-01-31T21:00:00.000Z",
      endsAt: "2026-02-28T21:00:00.000Z",
    },
    {
      name: "keeps the last millisecond before Moscow's February in January",
      definition: MONTH,
      timeZone: "Europe/Moscow",
      at: "2026-01-31T20:59:59.999Z",
      index: 2026 * 12,
      startsAt: "2025-12-31T21:00:00.000Z",
      endsAt: "2026-01-31T21:00:00.000Z",
    },
    {
      name: "ends New York's March 2026 at EDT midnight, after it began at EST midnight",
      definition: MONTH,
      timeZone: "America/New_York",
      at: "2026-03-08T07:00:00.000Z",
      index: 2026 * 12 + 2,
      startsAt: "2026-03-01T05:00:00.000Z",
      endsAt: "2026-04-01T04:00:00.000Z",
    },
    {
      name: "ends New York's November 2026 at EST midnight, after it began at EDT midnight",
      definition: MONTH,
      timeZone: "America/New_York",
      at: "2026-11-01T06:30:00.000Z",
      index: 2026 * 12 + 10,
      startsAt: "2026-11-01T04:00:00.000Z",
      endsAt: "2026-12-01T05:00:00.000Z",
    },
    {
      name: "puts an instant that is still 31 December in New York into December",
      definition: MONTH,
      timeZone: "America/New_York",
      at: "2027-01-01T04:59:59.999Z",
      index: 2026 * 12 + 11,
      startsAt: "2026-12-01T05:00:00.000Z",
      endsAt: "2027-01-01T05:00:00.000Z",
    },
    {
      name: "uses UTC midnights in UTC",
      definition: MONTH,
      timeZone: "UTC",
      at: "2028-02-29T23:59:59.999Z",
      index: 2028 * 12 + 1,
      startsAt: "2028-02-01T00:00:00.000Z",
      endsAt: "2028-03-01T00:00:00.000Z",
    },
  ])((row) => {
    expectPeriod(new PeriodCalendar(row.definition, row.timeZone).periodOf(utc(row.at)), row);
  });

  it("makes New York's March 2026 31 days minus the hour the clocks skip", () => {
    const march = new PeriodCalendar(MONTH, "America/New_York").periodOf(utc("2026-03-15T12:00:00Z"));
    expect(march.endsAt - march.startsAt).toBe(31 * MILLISECONDS_PER_DAY - HOUR);
  });
});

describe("PeriodCalendar quarters and years", () => {
  itEach<PeriodCase>([
    {
      name: "starts the second quarter in Moscow at local midnight of 1 April",
      definition: QUARTER,
      timeZone: "Europe/Moscow",
      at: "2026-03-31T21:00:00.000Z",
      index: 2026 * 4 + 1,
      startsAt: "2026-03-31T21:00:00.000Z",
      endsAt: "2026-06-30T21:00:00.000Z",
    },
    {
      name: "keeps the last Moscow millisecond of March in the first quarter",
      definition: QUARTER,
      timeZone: "Europe/Moscow",
      at: "2026-03-31T20:59:59.999Z",
      index: 2026 * 4,
      startsAt: "2025-12-31T21:00:00.000Z",
      endsAt: "2026-03-31T21:00:00.000Z",
    },
    {
      name: "starts New York's fourth quarter at EDT midnight and ends it at EST midnight",
      definition: QUARTER,
      timeZone: "America/New_York",
      at: "2026-11-15T12:00:00.000Z",
      index: 2026 * 4 + 3,
      startsAt: "2026-10-01T04:00:00.000Z",
      endsAt: "2027-01-01T05:00:00.000Z",
    },
    {
      name: "makes the Moscow year 2026 run between local New Year midnights",
      definition: YEAR,
      timeZone: "Europe/Moscow",
      at: "2026-07-01T00:00:00.000Z",
      index: 2026,
      startsAt: "2025-12-31T21:00:00.000Z",
      endsAt: "2026-12-31T21:00:00.000Z",
    },
    {
      name: "puts 2025-12-31T21:00:00Z into 2025 in New York while Moscow is already in 2026",
      definition: YEAR,
      timeZone: "America/New_York",
      at: "2025-12-31T21:00:00.000Z",
      index: 2025,
      startsAt: "2025-01-01T05:00:00.000Z",
      endsAt: "2026-01-01T05:00:00.000Z",
    },
    {
      name: "handles a zone with a half-hour daylight-saving shift (Lord Howe, UTC+11 in January)",
      definition: YEAR,
      timeZone: "Australia/Lord_Howe",
      at: "2026-06-01T00:00:00.000Z",
      index: 2026,
      startsAt: "2025-12-31T13:00:00.000Z",
      endsAt: "2026-12-31T13:00:00.000Z",
    },
  ])((row) => {
    expectPeriod(new PeriodCalendar(row.definition, row.timeZone).periodOf(utc(row.at)), row);
  });
});

describe("PeriodCalendar rolling days", () => {
  itEach<PeriodCase>([
    {
      name: "makes the anchor's local midnight the start of period 0",
      definition: THIRTY_DAYS_FROM_2026,
      timeZone: "Europe/Moscow",
      at: "2025-12-31T21:00:00.000Z",
      index: 0,
      startsAt: "2025-12-31T21:00:00.000Z",
      endsAt: "2026-01-30T21:00:00.000Z",
    },
    {
      name: "puts the millisecond before the anchor into period -1",
      definition: THIRTY_DAYS_FROM_2026,
      timeZone: "Europe/Moscow",
      at: "2025-12-31T20:59:59.999Z",
      index: -1,
      startsAt: "2025-12-01T21:00:00.000Z",
      endsAt: "2025-12-31T21:00:00.000Z",
    },
    {
      name: "keeps the last millisecond of the 30th local day in period 0",
      definition: THIRTY_DAYS_FROM_2026,
      timeZone: "Europe/Moscow",
      at: "2026-01-30T20:59:59.999Z",
      index: 0,
      startsAt: "2025-12-31T21:00:00.000Z",
      endsAt: "2026-01-30T21:00:00.000Z",
    },
    {
      name: "starts period 1 at local midnight of 31 January",
      definition: THIRTY_DAYS_FROM_2026,
      timeZone: "Europe/Moscow",
      at: "2026-01-30T21:00:00.000Z",
      index: 1,
      startsAt: "2026-01-30T21:00:00.000Z",
      endsAt: "2026-03-01T21:00:00.000Z",
    },
    {
      name: "makes a New York period spanning the March clock change 30 days minus an hour",
      definition: THIRTY_DAYS_FROM_2026,
      timeZone: "America/New_York",
      at: "2026-03-10T12:00:00.000Z",
      index: 2,
      startsAt: "2026-03-02T05:00:00.000Z",
      endsAt: "2026-04-01T04:00:00.000Z",
    },
    {
      name: "starts São Paulo's 2018-11-04 at 01:00 local, where the clocks skipped midnight",
      definition: EVERY_DAY,
      timeZone: "America/Sao_Paulo",
      at: "2018-11-04T12:00:00.000Z",
      index: 6_882,
      startsAt: "2018-11-04T03:00:00.000Z",
      endsAt: "2018-11-05T02:00:00.000Z",
    },
    {
      name: "makes São Paulo's 2019-02-16 25 hours, the clocks going back from midnight to 23:00",
      definition: EVERY_DAY,
      timeZone: "America/Sao_Paulo",
      at: "2019-02-17T02:30:00.000Z",
      index: 6_986,
      startsAt: "2019-02-16T02:00:00.000Z",
      endsAt: "2019-02-17T03:00:00.000Z",
    },
    {
      name: "starts Havana's 2025-11-02 at the first of its two midnights, asked between them",
      definition: EVERY_DAY,
      timeZone: "America/Havana",
      at: "2025-11-02T04:30:00.000Z",
      index: 9_437,
      startsAt: "2025-11-02T04:00:00.000Z",
      endsAt: "2025-11-03T05:00:00.000Z",
    },
    {
      name: "starts Havana's 2025-11-02 at the first of its two midnights, asked in the afternoon at UTC-5",
      definition: EVERY_DAY,
      timeZone: "America/Havana",
      at: "2025-11-02T18:00:00.000Z",
      index: 9_437,
      startsAt: "2025-11-02T04:00:00.000Z",
      endsAt: "2025-11-03T05:00:00.000Z",
    },
  ])((row) => {
    expectPeriod(new PeriodCalendar(row.definition, row.timeZone).periodOf(utc(row.at)), row);
  });

  it("skips the index of Samoa's missing 2011-12-30: 31 December follows 29 December", () => {
    const calendar = new PeriodCalendar(EVERY_DAY, "Pacific/Apia");
    const december29 = calendar.periodOf(utc("2011-12-29T12:00:00Z"));
    const next = calendar.periodOf(december29.endsAt);
    expect(next.startsAt).toBe(december29.endsAt);
    expect(next.index).toBe(december29.index + 2);
  });
});

describe("PeriodCalendar consecutive periods", () => {
  const definitions: readonly PeriodDefinition[] = [MONTH, QUARTER, YEAR, THIRTY_DAYS_FROM_2026, EVERY_DAY];
  const timeZones = ["Europe/Moscow", "America/New_York", "UTC", "America/Sao_Paulo", "Asia/Kolkata", "Australia/Lord_Howe"];

  for (const timeZone of timeZones) {
    it(`tile time from 2017 to 2022 in ${timeZone}: each period ends where the next begins`, () => {
      for (const definition of definitions) {
        const calendar = new PeriodCalendar(definition, timeZone);
        let period = calendar.periodOf(utc("2017-01-01T00:00:00Z"));
        while (period.startsAt < utc("2022-01-01T00:00:00Z")) {
          const next = calendar.periodOf(period.endsAt);
          expect(next.startsAt).toBe(period.endsAt);
          expect(next.index).toBe(period.index + 1);
          expect(calendar.periodOf(period.endsAt - 1)).toEqual(period);
          period = next;
        }
      }
    });
  }
});

describe("PeriodCalendar cache", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("returns what a fresh calendar returns, over seeded-random walks and jumps", () => {
    const random = seededRandom(20_260_201);
    const definitions: readonly PeriodDefinition[] = [MONTH, QUARTER, YEAR, THIRTY_DAYS_FROM_2026, EVERY_DAY];
    const timeZones = ["Europe/Moscow", "America/New_York", "UTC", "America/Havana", "Pacific/Apia"];
    const earliest = utc("2000-01-01T00:00:00Z");
    const span = utc("2100-01-01T00:00:00Z") - earliest;
    for (const definition of definitions) {
      for (const timeZone of timeZones) {
        const cached = new PeriodCalendar(definition, timeZone);
        let at = earliest + randomInteger(random, span);
        for (let draw = 0; draw < 60; draw += 1) {
          // Mostly small steps either way (cache hits and neighbouring periods), sometimes a jump.
          at =
            random() < 0.1
              ? earliest + randomInteger(random, span)
              : at + randomInteger(random, 20 * MILLISECONDS_PER_DAY) - 10 * MILLISECONDS_PER_DAY;
          const period = cached.periodOf(at);
          expect(period).toEqual(new PeriodCalendar(definition, timeZone).periodOf(at));
          expect(period.startsAt).toBeLessThanOrEqual(at);
          expect(period.endsAt).toBeGreaterThan(at);
        }
      }
    }
  });

  it("answers an instant inside the last period with the same object and no Intl call", () => {
    const calendar = new PeriodCalendar(MONTH, "Europe/Moscow");
    const february = calendar.periodOf(utc("2026-02-10T00:00:00Z"));
    // The spec makes Intl.DateTimeFormat#format a getter returning a bound function; lib.es5 types it as a method.
    const format = vi.spyOn(Intl.DateTimeFormat.prototype as unknown as { format: unknown }, "format", "get");
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts");
    expect(calendar.periodOf(february.startsAt)).toBe(february);
    expect(calendar.periodOf(february.endsAt - 1)).toBe(february);
    expect(format).not.toHaveBeenCalled();
    expect(formatToParts).not.toHaveBeenCalled();
    expect(calendar.periodOf(february.endsAt).index).toBe(february.index + 1);
    expect(format).toHaveBeenCalled();
  });

  it("answers from memory while a receipt alternates between its own month and its member's last visit months ago", () => {
    const calendar = new PeriodCalendar(MONTH, "Europe/Moscow");
    const instants = ["2026-11-20T10:00:00Z", "2026-08-03T10:00:00Z", "2026-10-31T10:00:00Z", "2026-05-17T10:00:00Z"].map(utc);
    const periods = instants.map((at) => calendar.periodOf(at));
    const format = vi.spyOn(Intl.DateTimeFormat.prototype as unknown as { format: unknown }, "format", "get");
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts");
    for (let round = 0; round < 3; round += 1) {
      instants.forEach((at, index) => expect(calendar.periodOf(at)).toBe(periods[index]));
    }
    expect(format).not.toHaveBeenCalled();
    expect(formatToParts).not.toHaveBeenCalled();
  });
});

describe("PeriodCalendar invariants", () => {
  itEach<{ readonly name: string; readonly build: () => PeriodCalendar }>([
    { name: "refuses an unknown time zone", build: () => new PeriodCalendar(MONTH, "Mars/Olympus") },
    {
      name: "refuses an anchor date that is not a calendar date",
      build: () => new PeriodCalendar({ kind: "rollingDays", days: 30, anchorDate: "2026-02-30" }, "UTC"),
    },
    {
      name: "refuses an anchor date with a time",
      build: () => new PeriodCalendar({ kind: "rollingDays", days: 30, anchorDate: "2026-01-01T00:00" }, "UTC"),
    },
    {
      name: "refuses a rolling period of zero days",
      build: () => new PeriodCalendar({ kind: "rollingDays", days: 0, anchorDate: "2026-01-01" }, "UTC"),
    },
  ])(({ build }) => {
    expect(build).toThrow(InvariantError);
  });

  it.each([Number.NaN, 1.5, Number.POSITIVE_INFINITY])("refuses the instant %s", (at) => {
    expect(() => new PeriodCalendar(MONTH, "UTC").periodOf(at)).toThrow(InvariantError);
  });
});

describe("isValidTimeZone", () => {
  it.each([
    { timeZone: "Europe/Moscow", valid: true },
    { timeZone: "America/New_York", valid: true },
    { timeZone: "UTC", valid: true },
    { timeZone: "Mars/Olympus", valid: false },
    { timeZone: "", valid: false },
  ])("says $valid for $timeZone", ({ timeZone, valid }) => {
    expect(isValidTimeZone(timeZone)).toBe(valid);
  });
});
