import { describe, expect, it } from "vitest";
import { ProgramValidationError } from "../program/validate-program-document.js";
import { compileProgram, programDocument } from "../test-support/loyalty-programs.js";
import { itEach } from "../test-support/table-tests.js";
import { CompiledCampaigns } from "./compiled-campaigns.js";
import { validateCampaignsDocument } from "./validate-campaigns.js";

const PROGRAM = compileProgram(
  programDocument({
    statuses: { counter: "sold", entryLevel: "bronze", levels: [{ id: "bronze", name: "Bronze", threshold: 0, discountBasisPoints: 0 }, { id: "silver", name: "Silver", threshold: 1_000, discountBasisPoints: 100 }] },
  }),
).program;

function documentWith(campaign: Record<string, unknown>): unknown {
  return {
    segments: [{ id: "a-year", name: "A year with us", when: { fact: "daysSinceRegistration", atLeast: 365 } }],
    campaigns: [{ id: "gift", name: "Gift", start: "2026-01-01", end: "2026-12-31", state: "active", partner: "legal-1", audience: "a-year", ...campaign }],
  };
}

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    validateCampaignsDocument(input, PROGRAM);
  } catch (error) {
    if (error instanceof ProgramValidationError) return error.problems.map(({ path, message }) => ({ path, message }));
    throw error;
  }
  return [];
}

describe("a campaign's trigger", () => {
  itEach([
    { name: "a birthday trigger with points and a lifetime needs no mechanics", trigger: { kind: "birthday", points: 500, lifetimeDays: 30 }, problems: [] },
    { name: "a registration anniversary with points only", trigger: { kind: "registrationAnniversary", points: 1 }, problems: [] },
    { name: "an enrolment trigger", trigger: { kind: "enrolment", points: 100 }, problems: [] },
    { name: "a statusReached trigger naming a status the program defines", trigger: { kind: "statusReached", points: 100, status: "silver" }, problems: [] },
    { name: "a oneTime trigger on a date within the period", trigger: { kind: "oneTime", points: 100, date: "2026-06-01" }, problems: [] },
    { name: "an unknown kind is refused at trigger.kind", trigger: { kind: "nameDay", points: 1 }, problems: [{ path: "campaigns[0].trigger.kind", message: expect.stringContaining("must be one of") }] },
    { name: "points below 1 are refused at trigger.points", trigger: { kind: "birthday", points: 0 }, problems: [{ path: "campaigns[0].trigger.points", message: "must be from 1 to 1000000000" }] },
    { name: "missing points are refused at trigger.points", trigger: { kind: "birthday" }, problems: [{ path: "campaigns[0].trigger.points", message: "is required" }] },
    { name: "fractional points are refused", trigger: { kind: "birthday", points: 1.5 }, problems: [{ path: "campaigns[0].trigger.points", message: "must be an integer" }] },
    { name: "a lifetime beyond a hundred years is refused at trigger.lifetimeDays", trigger: { kind: "birthday", points: 1, lifetimeDays: 36_501 }, problems: [{ path: "campaigns[0].trigger.lifetimeDays", message: "must be from 1 to 36500" }] },
    { name: "statusReached needs its status", trigger: { kind: "statusReached", points: 1 }, problems: [{ path: "campaigns[0].trigger.status", message: "is required" }] },
    { name: "statusReached names a status the program defines", trigger: { kind: "statusReached", points: 1, status: "platinum" }, problems: [{ path: "campaigns[0].trigger.status", message: expect.stringContaining("platinum") }] },
    { name: "only statusReached names a status", trigger: { kind: "birthday", points: 1, status: "silver" }, problems: [{ path: "campaigns[0].trigger.status", message: "only a statusReached trigger names a status" }] },
    { name: "oneTime needs its date", trigger: { kind: "oneTime", points: 1 }, problems: [{ path: "campaigns[0].trigger.date", message: "is required" }] },
    { name: "oneTime's date is a calendar date", trigger: { kind: "oneTime", points: 1, date: "2026-02-30" }, problems: [{ path: "campaigns[0].trigger.date", message: "must be a date YYYY-MM-DD" }] },
    { name: "oneTime's date lies within the campaign's period", trigger: { kind: "oneTime", points: 1, date: "2027-01-01" }, problems: [{ path: "campaigns[0].trigger.date", message: expect.stringContaining("within the campaign's period") }] },
    { name: "only oneTime names a date", trigger: { kind: "enrolment", points: 1, date: "2026-06-01" }, problems: [{ path: "campaigns[0].trigger.date", message: "only a oneTime trigger names a date" }] },
    { name: "unknown fields are refused", trigger: { kind: "birthday", points: 1, hour: 9 }, problems: [{ path: "campaigns[0].trigger.hour", message: "is not a known field" }] },
    { name: "a trigger that is not an object is refused", trigger: "birthday", problems: [{ path: "campaigns[0].trigger", message: "must be an object" }] },
  ])(({ trigger, problems }) => {
    expect(problemsOf(documentWith({ trigger }))).toEqual(problems);
  });

  it("keeps only the fields given, and a campaign without a trigger still needs a mechanic", () => {
    const document = validateCampaignsDocument(documentWith({ trigger: { kind: "birthday", points: 500, lifetimeDays: null } }), PROGRAM);
    expect(document.campaigns[0]).toMatchObject({ mechanics: [], trigger: { kind: "birthday", points: 500 } });
    expect(document.campaigns[0]?.trigger).not.toHaveProperty("lifetimeDays");
    expect(validateCampaignsDocument(document, PROGRAM)).toEqual(document);
    expect(problemsOf(documentWith({}))).toEqual([{ path: "campaigns[0].mechanics", message: "is required" }]);
  });

  it("keeps a trigger-only campaign out of the campaigns a receipt looks at, and groups the triggers by kind with their lifetime", () => {
    const document = validateCampaignsDocument(
      {
        segments: [],
        campaigns: [
          { id: "b", name: "B", start: "2026-01-01", end: "2026-12-31", state: "active", pointsLifetimeDays: 90, trigger: { kind: "birthday", points: 5 } },
          { id: "e", name: "E", start: "2026-01-01", end: "2026-12-31", state: "active", trigger: { kind: "enrolment", points: 5, lifetimeDays: 7 }, mechanics: [{ kind: "points", fixedPoints: 10 }] },
          { id: "d", name: "D", start: "2026-01-01", end: "2026-12-31", state: "draft", trigger: { kind: "oneTime", points: 5, date: "2026-05-05" } },
        ],
      },
      PROGRAM,
    );
    const compiled = new CompiledCampaigns({ ...document, version: 1 }, "Europe/Moscow");
    expect(compiled.active.map((campaign) => campaign.id)).toEqual(["e"]);
    expect(compiled.triggers.memberDates.map((trigger) => [trigger.campaign.id, trigger.lifetimeDays])).toEqual([["b", 90]]);
    expect(compiled.triggers.enrolment.map((trigger) => [trigger.campaign.id, trigger.lifetimeDays])).toEqual([["e", 7]]);
    expect(compiled.triggers.oneTime).toEqual([]);
  });
});
