import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN } from "../limits.js";
import { PROGRAM_ID_PATTERN, PROGRAM_NAME_LENGTH_MAX, type ProgramProblem } from "../program/validate-program-document.js";
import { isPlainObject, type InputObject } from "../validation/fields.js";

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `campaigns` + `name` -> `campaigns.name`; odd keys quoted. */
export function at(path: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === "" ? key : `${path}.${key}`;
}

export function indexed(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** An own field only: a document cannot reach Object.prototype through a field name. */
export function field(input: InputObject, name: string): unknown {
  return Object.hasOwn(input, name) ? input[name] : undefined;
}

/** Absent and null mean the same: "not given". */
export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** YYYY-MM-DD naming a day that exists in the proleptic Gregorian calendar. */
export function isCalendarDate(text: string): boolean {
  const match = DATE_PATTERN.exec(text);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days;
}

/**
 * A collecting reader: each method reads one value at a path and records a
 * problem instead of throwing, answering undefined for a refused value, so
 * that one pass finds every problem (as the program's validator does).
 */
export class CollectingReader {
  readonly problems: ProgramProblem[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push({ path: path === "" ? "$" : path, message });
    return undefined;
  }

  object(value: unknown, path: string): InputObject | undefined {
    if (!isPlainObject(value)) return this.problem(path, "must be an object");
    return value;
  }

  refuseUnknownFields(input: InputObject, path: string, known: ReadonlySet<string>): void {
    for (const key of Object.keys(input)) if (!known.has(key)) this.problem(at(path, key), "is not a known field");
  }

  string(value: unknown, path: string, maxLength: number): string | undefined {
    if (isAbsent(value)) return this.problem(path, "is required");
    if (typeof value !== "string") return this.problem(path, "must be a string");
    if (value.length === 0) return this.problem(path, "must not be empty");
    if (value.length > maxLength) return this.problem(path, `must be at most ${maxLength} characters`);
    return value;
  }

  name(value: unknown, path: string): string | undefined {
    return this.string(value, path, PROGRAM_NAME_LENGTH_MAX);
  }

  id(value: unknown, path: string): string | undefined {
    if (isAbsent(value)) return this.problem(path, "is required");
    if (typeof value !== "string" || !PROGRAM_ID_PATTERN.test(value)) {
      return this.problem(path, "must be 1 to 64 characters from A-Z a-z 0-9 _ . -");
    }
    return value;
  }

  integer(value: unknown, path: string, minimum: number, maximum: number): number | undefined {
    if (isAbsent(value)) return this.problem(path, "is required");
    if (typeof value !== "number" || !Number.isInteger(value)) return this.problem(path, "must be an integer");
    if (value < minimum || value > maximum) return this.problem(path, `must be from ${minimum} to ${maximum}`);
    return value;
  }

  /** null when absent, else an integer within the bounds (undefined: refused). */
  nullableInteger(value: unknown, path: string, minimum: number, maximum: number): number | null | undefined {
    return isAbsent(value) ? null : this.integer(value, path, minimum, maximum);
  }

  oneOf<Choice extends string>(value: unknown, path: string, choices: readonly Choice[]): Choice | undefined {
    if (isAbsent(value)) return this.problem(path, "is required");
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      return this.problem(path, `must be one of ${choices.map((choice) => JSON.stringify(choice)).join(", ")}`);
    }
    return value as Choice;
  }

  /** A list of at most `maximum` items (at least `minimum`), each read by `read`; undefined if the list or any item is refused. */
  list<Item>(value: unknown, path: string, minimum: number, maximum: number, read: (item: unknown, path: string) => Item | undefined): Item[] | undefined {
    if (isAbsent(value)) return minimum === 0 ? [] : this.problem(path, "is required");
    if (!Array.isArray(value)) return this.problem(path, "must be an array");
    if (value.length < minimum) return this.problem(path, `must have at least ${minimum} item${minimum === 1 ? "" : "s"}`);
    if (value.length > maximum) return this.problem(path, `must have at most ${maximum} items`);
    const items: Item[] = [];
    let refused = false;
    (value as readonly unknown[]).forEach((item, index) => {
      const read_ = read(item, indexed(path, index));
      if (read_ === undefined) refused = true;
      else items.push(read_);
    });
    return refused ? undefined : items;
  }

  /** null when absent; else 1 to `maximum` SKUs as receipts carry them. */
  skus(value: unknown, path: string, maximum: number): readonly string[] | null | undefined {
    if (isAbsent(value)) return null;
    return this.list(value, path, 1, maximum, (item, itemPath) =>
      typeof item === "string" && item.length <= CLIENT_IDENTIFIER_LENGTH_MAX && CLIENT_IDENTIFIER_PATTERN.test(item)
        ? item
        : this.problem(itemPath, `must be 1 to ${CLIENT_IDENTIFIER_LENGTH_MAX} printable ASCII characters (0x21-0x7e)`),
    );
  }

  /** Reports ids that appear more than once in a list of read items. */
  refuseDuplicateIds(items: readonly { readonly id: string }[] | undefined, path: string): void {
    if (items === undefined) return;
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id)) this.problem(at(indexed(path, index), "id"), `"${item.id}" appears more than once`);
      seen.add(item.id);
    });
  }
}
