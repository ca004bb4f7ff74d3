import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../../domain/program/seed-programs.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import { MILLISECONDS_PER_DAY } from "../../domain/calendar/period-calendar.js";
import { decodeReminderKey, isOutboxKey } from "../../shard/storage/record-keys.js";
import { buildImportBatch, type ImportTask } from "./import-worker.js";

const NOW = Date.UTC(2026, 0, 15);
/** Points live 30 days, reminded 7 days ahead; the class lapses 180 days after the last visit. */
const PROGRAM = {
  ...validateProgramDocument({
    ...FULL_EXAMPLE_PROGRAM,
    points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 10_000, pointValueMinor: 1, lifetimeDays: 30 },
    reminders: { pointsExpiringDays: 7 },
  }),
  version: 1,
};
const MEMBERS = [1, 2, 3].map((index) => ({
  line: index,
  profile: { card: `77000${index}`, phone: null, name: null, birthDate: null },
  points: 500,
  lifetime: { sold: 2_500_000, paid: 2_500_000, visits: 4 },
  firstVisitAt: NOW - 100 * MILLISECONDS_PER_DAY,
  lastVisitAt: NOW - 10 * MILLISECONDS_PER_DAY,
}));

/** The reminder index entries among a batch's keys: due time and member. */
function reminderEntries(task: ImportTask): { due: number; memberId: string }[] {
  const batch = buildImportBatch(task);
  const entries: { due: number; memberId: string }[] = [];
  let start = 0;
  for (const end of batch.keyEnds) {
    const key = batch.keyBytes.subarray(start, end);
    start = end;
    if (isOutboxKey(key)) entries.push(decodeReminderKey(key));
  }
  return entries;
}

describe("the bulk importer's reminder index entries", () => {
  it("writes each imported member the entries the endpoints' kinds call for: its lot's reminder and its class's lapse", () => {
    const entries = reminderEntries({ kind: "migrated", members: MEMBERS, program: PROGRAM, now: NOW, eventKinds: ["points.expiring", "class.changed"] });
    expect(entries).toHaveLength(MEMBERS.length * 2);
    const dues = new Set(entries.map((entry) => entry.due));
    expect(dues).toEqual(new Set([NOW + 23 * MILLISECONDS_PER_DAY, NOW + 170 * MILLISECONDS_PER_DAY + 1]));
  });

  it("writes none when no endpoint takes a reminder kind", () => {
    expect(reminderEntries({ kind: "migrated", members: MEMBERS, program: PROGRAM, now: NOW, eventKinds: ["points.accrued"] })).toEqual([]);
    expect(reminderEntries({ kind: "migrated", members: MEMBERS, program: PROGRAM, now: NOW })).toEqual([]);
  });
});
