/**
 * What both clients' option checks share (client-options.ts, admin-client-options.ts): each option is
 * checked on its own and a bad one throws a TypeError naming the client, the field and the value.
 */

/** Header values must not break the HTTP request: visible ASCII only, no spaces. */
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;

/** Values quoted in messages are cut to this many characters: a message names a value, it does not echo a document. */
const QUOTED_VALUE_LENGTH_MAX = 40;

export type OptionRecord = Readonly<Record<string, unknown>>;

/** Reads the options of one client (`client`: its class name, for messages). */
export class OptionReader {
  constructor(
    private readonly client: string,
    readonly options: OptionRecord,
  ) {}

  /** The options as an object whose every field is known; unknown fields are refused (a misspelt option would otherwise fall back to its default silently). */
  static of(client: string, input: unknown, known: ReadonlySet<string>): OptionReader {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new TypeError(`${client} options must be an object, got ${describe(input)}`);
    }
    const reader = new OptionReader(client, input as OptionRecord);
    for (const field of Object.keys(reader.options)) {
      if (!known.has(field)) throw reader.error(field, "is not a known option", reader.options[field]);
    }
    return reader;
  }

  error(field: string, expectation: string, value: unknown): TypeError {
    return new TypeError(`${this.client} option "${field}" ${expectation}, got ${describe(value)}`);
  }

  /** A URL with one of `protocols` (e.g. ["ws:", "wss:"]); `example` shows its shape in messages. */
  url(field: string, protocols: readonly string[], example: string): { readonly text: string; readonly parsed: URL } {
    const text = this.options[field];
    if (typeof text !== "string") throw this.error(field, `must be a string like ${example}`, text);
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      throw this.error(field, `must be a valid URL like ${example}`, text);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw this.error(field, `must start with ${protocols.map((protocol) => `${protocol}//`).join(" or ")}`, text);
    }
    return { text, parsed };
  }

  token(field: string): string {
    const token = this.options[field];
    if (typeof token !== "string" || !TOKEN_PATTERN.test(token)) {
      throw this.error(field, "must be a non-empty string of visible ASCII characters", token);
    }
    return token;
  }

  integer(field: string, minimum: number, maximum: number, fallback: number): number {
    const value = this.options[field];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < minimum || value > maximum) {
      throw this.error(field, `must be an integer from ${minimum} to ${maximum}`, value);
    }
    return value;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > QUOTED_VALUE_LENGTH_MAX ? `${value.slice(0, QUOTED_VALUE_LENGTH_MAX)}...` : value);
  }
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Array.isArray(value) ? "an array" : "an object";
  return String(value);
}
