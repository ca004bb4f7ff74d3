import { describe, expect, it } from "vitest";
import { LoycoreError } from "../errors/loycore-error.js";
import { caught } from "../test-support/caught.js";
import { withoutField } from "../test-support/documents.js";
import { expectBadRequest } from "../test-support/expect-bad-request.js";
import { itEach } from "../test-support/table-tests.js";
import type { ProgramDefinition } from "./program.js";
import { POINT_VALUE_MINOR_MAX, validateProgramDefinition } from "./validate-program.js";

function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "Family Club",
    accrualRateBasisPoints: 500,
    maxRedeemShareBasisPoints: 5_000,
    pointValueMinor: 1,
    entryStatusName: "Bronze",
    ...overrides,
  };
}

describe("validateProgramDefinition", () => {
  interface ValidCase {
    readonly name: string;
    readonly input: Record<string, unknown>;
    readonly expected: ProgramDefinition;
  }

  const FULL: ProgramDefinition = {
    name: "Family Club",
    accrualRateBasisPoints: 500,
    maxRedeemShareBasisPoints: 5_000,
    pointValueMinor: 1,
    entryStatusName: "Bronze",
  };

  itEach<ValidCase>([
    { name: "reads a complete program definition field by field", input: document(), expected: FULL },
    {
      name: "accepts a version field and leaves it out of the definition",
      input: document({ version: 17 }),
      expected: FULL,
    },
    {
      name: "ignores a version field even when it is not a number",
      input: document({ version: "latest" }),
      expected: FULL,
    },
    {
      name: "defaults pointValueMinor to 1 when it is absent",
      input: withoutField(document({ pointValueMinor: 50 }), "pointValueMinor"),
      expected: FULL,
    },
    { name: "defaults pointValueMinor to 1 when it is null", input: document({ pointValueMinor: null }), expected: FULL },
    {
      name: "turns an absent entry status name into null",
      input: withoutField(document(), "entryStatusName"),
      expected: { ...FULL, entryStatusName: null },
    },
    {
      name: "keeps a null entry status name as null",
      input: document({ entryStatusName: null }),
      expected: { ...FULL, entryStatusName: null },
    },
    {
      name: "accepts the lowest rates and point value: 0, 0 and 1",
      input: document({ accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 0, pointValueMinor: 1 }),
      expected: { ...FULL, accrualRateBasisPoints: 0, maxRedeemShareBasisPoints: 0, pointValueMinor: 1 },
    },
    {
      name: "accepts the highest rates and point value: 10,000, 10,000 and POINT_VALUE_MINOR_MAX",
      input: document({
        accrualRateBasisPoints: 10_000,
        maxRedeemShareBasisPoints: 10_000,
        pointValueMinor: POINT_VALUE_MINOR_MAX,
      }),
      expected: {
        ...FULL,
        accrualRateBasisPoints: 10_000,
        maxRedeemShareBasisPoints: 10_000,
        pointValueMinor: POINT_VALUE_MINOR_MAX,
      },
    },
    {
      name: "accepts a program name of exactly 200 characters",
      input: document({ name: "n".repeat(200) }),
      expected: { ...FULL, name: "n".repeat(200) },
    },
    {
      name: "accepts a status name of exactly 64 characters with spaces and Cyrillic",
      input: document({ entryStatusName: `Серебро ${"x".repeat(56)}` }),
      expected: { ...FULL, entryStatusName: `Серебро ${"x".repeat(56)}` },
    },
  ])(({ input, expected }) => {
    const definition = validateProgramDefinition(input);
    expect(definition).toEqual(expected);
    expect(definition).not.toHaveProperty("version");
  });

  interface BadCase {
    readonly name: string;
    readonly input: unknown;
    readonly field: string;
  }

  itEach<BadCase>([
    { name: "refuses null as program", input: null, field: "program" },
    { name: "refuses an array as program", input: [document()], field: "program" },
    { name: "refuses a string as program", input: "Family Club", field: "program" },
    { name: "refuses an unknown field by its name", input: document({ accrualRate: 500 }), field: "program.accrualRate" },
    { name: "refuses a missing name", input: withoutField(document(), "name"), field: "program.name" },
    { name: "refuses an empty name", input: document({ name: "" }), field: "program.name" },
    { name: "refuses a numeric name", input: document({ name: 7 }), field: "program.name" },
    { name: "refuses a name of 201 characters", input: document({ name: "n".repeat(201) }), field: "program.name" },
    {
      name: "refuses a missing accrual rate",
      input: withoutField(document(), "accrualRateBasisPoints"),
      field: "program.accrualRateBasisPoints",
    },
    { name: "refuses a negative accrual rate", input: document({ accrualRateBasisPoints: -1 }), field: "program.accrualRateBasisPoints" },
    { name: "refuses an accrual rate above 100 %", input: document({ accrualRateBasisPoints: 10_001 }), field: "program.accrualRateBasisPoints" },
    { name: "refuses a fractional accrual rate", input: document({ accrualRateBasisPoints: 2.5 }), field: "program.accrualRateBasisPoints" },
    { name: "refuses an accrual rate given as a string", input: document({ accrualRateBasisPoints: "500" }), field: "program.accrualRateBasisPoints" },
    {
      name: "refuses a missing redemption share",
      input: withoutField(document(), "maxRedeemShareBasisPoints"),
      field: "program.maxRedeemShareBasisPoints",
    },
    { name: "refuses a negative redemption share", input: document({ maxRedeemShareBasisPoints: -1 }), field: "program.maxRedeemShareBasisPoints" },
    { name: "refuses a redemption share above 100 %", input: document({ maxRedeemShareBasisPoints: 10_001 }), field: "program.maxRedeemShareBasisPoints" },
    { name: "refuses a NaN redemption share", input: document({ maxRedeemShareBasisPoints: Number.NaN }), field: "program.maxRedeemShareBasisPoints" },
    { name: "refuses a point value of zero", input: document({ pointValueMinor: 0 }), field: "program.pointValueMinor" },
    { name: "refuses a point value above POINT_VALUE_MINOR_MAX", input: document({ pointValueMinor: POINT_VALUE_MINOR_MAX + 1 }), field: "program.pointValueMinor" },
    { name: "refuses a fractional point value", input: document({ pointValueMinor: 1.5 }), field: "program.pointValueMinor" },
    { name: "refuses an empty entry status name", input: document({ entryStatusName: "" }), field: "program.entryStatusName" },
    { name: "refuses an entry status name of 65 characters", input: document({ entryStatusName: "s".repeat(65) }), field: "program.entryStatusName" },
    { name: "refuses a numeric entry status name", input: document({ entryStatusName: 1 }), field: "program.entryStatusName" },
  ])(({ input, field }) => {
    expectBadRequest(() => validateProgramDefinition(input), field);
  });

  it("names the unknown field before checking the known ones", () => {
    const error = caught(() => validateProgramDefinition({ name: "", colour: "red" }));
    expect(error).toBeInstanceOf(LoycoreError);
    expect((error as LoycoreError).message.split(" ")[0]).toBe("program.colour");
  });
});
