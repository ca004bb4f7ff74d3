import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { POINTS_BALANCE_MAX, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, RECEIPT_TIME_MIN_EPOCH_MILLISECONDS } from "../../domain/limits.js";
import type { ErrorCode } from "../../protocol/errors/error-codes.js";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { badRequest, readObject, readOptionalInteger, refuseUnknownFields } from "../../domain/validation/fields.js";
import { readMemberProfile } from "../../gateway/protocol/read-operation-request.js";
import type { MigratedMember } from "./member-builder.js";

/** A member record is a few hundred bytes; a line past 16 KiB is not a member, and is not parsed. */
export const MEMBER_LINE_LENGTH_MAX = 16 * 1024;

/**
 * Lifetime totals beyond 10^15 kopecks (10 trillion roubles) are a unit
 * mistake, not a customer; the bound also keeps later additions safe integers.
 */
const LIFETIME_AMOUNT_MINOR_MAX = 1_000_000_000_000_000;
/** Ten visits a day for a hundred years. */
const LIFETIME_VISITS_MAX = 365_000;

/** A line of the members file that was not imported, and why. */
export interface LineProblem {
  readonly line: number;
  readonly code: ErrorCode;
  readonly message: string;
}

const MEMBER_FIELDS = new Set(["card", "phone", "name", "birthDate", "email", "consent", "points", "lifetime", "firstVisitAt", "lastVisitAt"]);
const LIFETIME_FIELDS = new Set(["sold", "paid", "visits"]);

/**
 * One line of a members file (NDJSON), validated field by field with the
 * same readers and messages as enrolment:
 *
 *   {"card":"2000000000017","phone":"+79001234567","name":"Anna","birthDate":"1990-05-01",
 *    "email":"anna@example.com","consent":{"sms":true,"email":false},
 *    "points":1500,"lifetime":{"sold":1250000,"paid":1190000,"visits":14},
 *    "firstVisitAt":1700000000000,"lastVisitAt":1760000000000}
 *
 * Only `card` is required. Blank lines are skipped (null).
 */
export function readMemberLine(text: string, line: number): MigratedMember | LineProblem | null {
  if (text.trim().length === 0) return null;
  if (text.length > MEMBER_LINE_LENGTH_MAX) {
    return { line, code: "TOO_LARGE", message: `the line is longer than ${MEMBER_LINE_LENGTH_MAX} characters` };
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { line, code: "BAD_REQUEST", message: `the line is not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  try {
    const input = readObject(document, "member");
    refuseUnknownFields(input, "", MEMBER_FIELDS);
    const profile = readMemberProfile(input);
    const points = readOptionalInteger(input["points"], "points", 0, POINTS_BALANCE_MAX) ?? 0;
    let lifetime = null;
    if (input["lifetime"] !== undefined && input["lifetime"] !== null) {
      const totals = readObject(input["lifetime"], "lifetime");
      refuseUnknownFields(totals, "lifetime", LIFETIME_FIELDS);
      const sold = readOptionalInteger(totals["sold"], "lifetime.sold", 0, LIFETIME_AMOUNT_MINOR_MAX) ?? 0;
      const paid = readOptionalInteger(totals["paid"], "lifetime.paid", 0, LIFETIME_AMOUNT_MINOR_MAX) ?? sold;
      const visits = readOptionalInteger(totals["visits"], "lifetime.visits", 0, LIFETIME_VISITS_MAX) ?? 0;
      if (paid > sold) throw badRequest("lifetime.paid", "must not exceed lifetime.sold (a member never pays more than was billed)");
      lifetime = { sold, paid, visits };
    }
    const firstVisitAt = readTime(input["firstVisitAt"], "firstVisitAt");
    const lastVisitAt = readTime(input["lastVisitAt"], "lastVisitAt");
    if (firstVisitAt !== null && lastVisitAt !== null && firstVisitAt > lastVisitAt) {
      throw badRequest("firstVisitAt", "must not be after lastVisitAt");
    }
    if (lifetime === null && (firstVisitAt !== null || lastVisitAt !== null)) {
      throw badRequest("lifetime", "must be given with firstVisitAt or lastVisitAt");
    }
    return { line, profile, points, lifetime, firstVisitAt, lastVisitAt };
  } catch (error) {
    if (error instanceof LoycoreError) return { line, code: error.code, message: error.message };
    throw error;
  }
}

function readTime(value: unknown, field: string): number | null {
  return readOptionalInteger(value, field, RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS) ?? null;
}

export function isLineProblem(value: MigratedMember | LineProblem): value is LineProblem {
  return "code" in value;
}

/**
 * The members of an NDJSON file in batches of at most `batchMembers`, each
 * batch with the problems of the lines it spans, so that memory stays
 * bounded whatever the file's size.
 */
export async function* readMemberFile(
  path: string,
  batchMembers: number,
): AsyncGenerator<{ readonly members: MigratedMember[]; readonly problems: LineProblem[] }> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let members: MigratedMember[] = [];
  let problems: LineProblem[] = [];
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber += 1;
    const read = readMemberLine(text, lineNumber);
    if (read === null) continue;
    if (isLineProblem(read)) problems.push(read);
    else members.push(read);
    if (members.length >= batchMembers) {
      yield { members, problems };
      members = [];
      problems = [];
    }
  }
  if (members.length > 0 || problems.length > 0) yield { members, problems };
}
