import { BASIS_POINTS_PER_WHOLE } from "../money/basis-points.js";
import {
  readInteger,
  readObject,
  readOptionalString,
  readString,
  refuseUnknownFields,
} from "../validation/fields.js";
import type { ProgramDefinition } from "./program.js";

/** A point worth more than 1,000 roubles is a configuration mistake, not a program. */
export const POINT_VALUE_MINOR_MAX = 100_000;
const PROGRAM_NAME_LENGTH_MAX = 200;
const STATUS_NAME_LENGTH_MAX = 64;

const PROGRAM_FIELDS: ReadonlySet<string> = new Set([
  "name",
  "accrualRateBasisPoints",
  "maxRedeemShareBasisPoints",
  "pointValueMinor",
  "entryStatusName",
  "version",
]);

/**
 * Validates an administrator's program document field by field. Throws a
 * BAD_REQUEST LoycoreError naming the first bad field. A `version` field is
 * accepted and ignored: the control store assigns versions.
 */
export function validateProgramDefinition(input: unknown): ProgramDefinition {
  const document = readObject(input, "program");
  refuseUnknownFields(document, "program", PROGRAM_FIELDS);
  return {
    name: readString(document["name"], "program.name", PROGRAM_NAME_LENGTH_MAX),
    accrualRateBasisPoints: readInteger(
      document["accrualRateBasisPoints"],
      "program.accrualRateBasisPoints",
      0,
      BASIS_POINTS_PER_WHOLE,
    ),
    maxRedeemShareBasisPoints: readInteger(
      document["maxRedeemShareBasisPoints"],
      "program.maxRedeemShareBasisPoints",
      0,
      BASIS_POINTS_PER_WHOLE,
    ),
    pointValueMinor: readInteger(
      document["pointValueMinor"] ?? 1,
      "program.pointValueMinor",
      1,
      POINT_VALUE_MINOR_MAX,
    ),
    entryStatusName:
      readOptionalString(document["entryStatusName"], "program.entryStatusName", STATUS_NAME_LENGTH_MAX) ?? null,
  };
}
