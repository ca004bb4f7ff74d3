/**
 * Protocol fuzzing of a loycore gateway, from the outside, against docs/protocol.md and docs/errors.md.
 *
 * gateway/fuzz.test.ts runs these generators with a small, fixed budget on every `npm test`;
 * `node dist/bench/fuzz-long.js --runs <n> --seed <s>` (npm run test:fuzz) runs the same generators with
 * a large budget against a gateway it starts itself, prints how often each code was answered, and
 * exits 1 on any violation. The properties:
 *
 * 1. Raw WebSocket frames (random bytes, truncated or corrupted msgpack of requests, msgpack that is not
 *    a map, huge ints, NaN and Infinity, deep nesting, long strings, binary blobs, extension types, text
 *    frames, oversized frames): every frame gets exactly one answer, a binary msgpack map
 *    `{id, ok: true, ...}` or `{id, ok: false, code, message}` with a code from ERROR_CODES; `id` is the
 *    frame's when the gateway can read it and null otherwise; the connection stays open.
 * 2. Structured requests for every operation, each made invalid on purpose (wrong types, negative,
 *    fractional, huge, NaN money, unknown and missing fields, long strings, odd unicode, arrays for
 *    objects...) or refused by the domain (unknown card, redeem over the balance, a receipt id used by
 *    another member, a return of more than was bought, a phone that is taken): each is refused with the
 *    code it deserves (BAD_REQUEST for every validation failure), never INTERNAL.
 * 3. The same over HTTP `POST /v1/<op>`, plus invalid JSON, wrong content types and tokens, unknown
 *    operations, oversized and chunked bodies: the status is the code's (docs/errors.md) and the body
 *    `{code, message}` in the request's format.
 * 4. Nothing changes: the demo members' identify, balance (with lots) and admin member view are the same
 *    before and after, and the gateway is still healthy.
 *
 * No valid state-changing request is ever sent, so any accepted write is a violation.
 */
import { decodeFrame } from "../gateway/transport/frame-codec.js";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual, parseArgs } from "node:util";
import fc from "fast-check";
import { Packr } from "msgpackr";
import WebSocket from "ws";
import type { RawData } from "ws";
import { ERROR_CODES, HTTP_STATUS_BY_CODE, isErrorCode } from "../core/errors/error-codes.js";
import type { ErrorCode } from "../core/errors/error-codes.js";
import {
  CARD_NUMBER_LENGTH_MAX,
  CLIENT_IDENTIFIER_LENGTH_MAX,
  LINE_AMOUNT_MINOR_MAX,
  LINE_QUANTITY_MAX,
  MEMBER_NAME_LENGTH_MAX,
  POINTS_BALANCE_MAX,
  RECEIPT_LINES_MAX,
  RECEIPT_TIME_MAX_EPOCH_MILLISECONDS,
  RECEIPT_TIME_MIN_EPOCH_MILLISECONDS,
  RECEIPT_TOTAL_MINOR_MAX,
} from "../core/limits.js";
import { REQUEST_BYTES_MAX } from "../gateway/transport/limits.js";
import { startServerProcess, type ServerProcess } from "../gateway/server-process.js";

// ---------------------------------------------------------------------------------------------------
// The contract's vocabulary
// ---------------------------------------------------------------------------------------------------

/** The operations of docs/protocol.md. */
export const OPERATIONS = ["ping", "identify", "balance", "calculate", "commit", "enroll", "reportVisit", "cancel", "refund"] as const;
export type Operation = (typeof OPERATIONS)[number];

function isOperation(value: unknown): value is Operation {
  return typeof value === "string" && (OPERATIONS as readonly string[]).includes(value);
}

/** Fields each operation knows (docs/protocol.md), besides the WebSocket envelope's `id` and `op`. */
const FIELDS: Readonly<Record<Operation, readonly string[]>> = {
  ping: [],
  identify: ["card", "phone"],
  balance: ["card", "phone", "detail"],
  calculate: ["card", "phone", "receipt", "redeem", "hold"],
  commit: ["card", "phone", "receipt", "redeem"],
  enroll: ["card", "phone", "name", "birthDate"],
  reportVisit: ["card", "phone", "visit"],
  cancel: ["card", "phone", "receipt"],
  refund: ["card", "phone", "refund"],
};
const RECEIPT_FIELDS = ["id", "store", "at", "lines"];
const LINE_FIELDS = ["sku", "qty", "price", "amount", "noDiscount", "noPoints"];
const VISIT_FIELDS = ["id", "status", "at"];
const REFUND_FIELDS = ["id", "receipt", "lines"];
const REFUND_LINE_FIELDS = ["line", "qty"];
/** Field names a client might misspell or put at the wrong level. */
const NEAR_MISS_KEYS = [
  "Card", "CARD", "card ", " card", "cardNumber", "Phone", "phoneNumber", "receiptId", "Receipt", "lines", "redeem", "hold",
  "detail", "visit", "refund", "name", "birthDate", "store", "at", "id", "op", "sku", "qty", "price", "amount", "noDiscount",
  "noPoints", "line", "status", "points", "member", "token", "discount", "receipt", "__proto__", "constructor", "toString",
  "hasOwnProperty", "valueOf", "",
];

/** The smallest quantity (docs/protocol.md: `qty` is a number of at least 0.001). */
const LINE_QUANTITY_MIN = 0.001;
/** A refund line's `line` is an index into a receipt of at most RECEIPT_LINES_MAX lines. */
const REFUND_LINE_INDEX_MAX = RECEIPT_LINES_MAX - 1;
/** "A string up to ~60 KB": long enough to matter, short enough to fit a 64 KiB frame with the rest. */
const LONG_STRING_LENGTH_MAX = 60_000;
/** Nesting "up to a few hundred levels" inside requests; deeper only as a whole frame. */
const NESTING_DEPTH_MAX = 400;

/** The codes a well-behaved gateway may answer to anything: all but INTERNAL, which docs/errors.md calls a bug. */
const NON_INTERNAL_CODES: readonly ErrorCode[] = ERROR_CODES.filter((code) => code !== "INTERNAL");

/** What an answer may be: refused with one of `codes`, or, when `okAllowed`, accepted. */
export interface Expectation {
  readonly codes: readonly ErrorCode[];
  readonly okAllowed: boolean;
}

const ANY_ANSWER: Expectation = { codes: NON_INTERNAL_CODES, okAllowed: true };

function refusedWith(...codes: ErrorCode[]): Expectation {
  return { codes, okAllowed: false };
}

/** A broken property: the message says what the gateway did and what the contract says. */
export class FuzzViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FuzzViolation";
  }
}

/** Answers counted by code ("OK" for accepted), for the report. */
export type Tally = Map<string, number>;

function count(tally: Tally, key: string): void {
  tally.set(key, (tally.get(key) ?? 0) + 1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** A short, printable description of a value for violation messages (binary as length and leading hex). */
function describe(value: unknown, maxLength = 300): string {
  let text: string;
  try {
    text =
      JSON.stringify(value, function (this: unknown, key: string, item: unknown): unknown {
        const original = (this as Record<string, unknown> | undefined)?.[key] ?? item;
        if (original instanceof Uint8Array) return `<${original.length} bytes ${Buffer.from(original.subarray(0, 48)).toString("hex")}${original.length > 48 ? "..." : ""}>`;
        if (typeof item === "bigint") return `${item}n`;
        if (typeof item === "number" && !Number.isFinite(item)) return String(item);
        return item;
      }) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}... (${text.length} characters)` : text;
}

// ---------------------------------------------------------------------------------------------------
// MessagePack
// ---------------------------------------------------------------------------------------------------

/**
 * Decodes with the gateway's own frame codec to predict whether the gateway can read a frame's id.
 * Only used for that prediction; the answers are checked against the documented contract.
 */
const gatewayLikeUnpackr = { unpack: (bytes: Uint8Array): unknown => decodeFrame(bytes) };
/** What a client packs with (as in the integration tests): standard MessagePack, no records. */
const clientPackr = new Packr({ useRecords: false });
/**
 * Reads the gateway's answers as docs/protocol.md tells a JavaScript client to: times and other
 * integers of 2^32 and more come as uint64/int64, which msgpackr would otherwise make BigInts.
 * ("auto" is in msgpackr's documentation but not in its type declaration, hence the cast.)
 */
const answerUnpackr = new Packr({ useRecords: false, int64AsType: "auto" as "number" });

function u16(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function u32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A hand encoder for the bytes msgpackr would never write: lying lengths, 64-bit small ints, odd floats. */
export const msgpack = {
  strBytes(content: Uint8Array, declared: number = content.length): Buffer {
    const header =
      declared < 32 ? [0xa0 | declared] : declared < 0x100 ? [0xd9, declared] : declared < 0x10000 ? [0xda, ...u16(declared)] : [0xdb, ...u32(declared)];
    return Buffer.concat([Buffer.from(header), content]);
  },
  str(text: string): Buffer {
    return msgpack.strBytes(Buffer.from(text, "utf8"));
  },
  bin(content: Uint8Array, declared: number = content.length): Buffer {
    const header = declared < 0x100 ? [0xc4, declared] : declared < 0x10000 ? [0xc5, ...u16(declared)] : [0xc6, ...u32(declared)];
    return Buffer.concat([Buffer.from(header), content]);
  },
  map(entries: readonly (readonly [Uint8Array, Uint8Array])[]): Buffer {
    const size = entries.length;
    const header = size < 16 ? [0x80 | size] : size < 0x10000 ? [0xde, ...u16(size)] : [0xdf, ...u32(size)];
    return Buffer.concat([Buffer.from(header), ...entries.flatMap(([key, value]) => [key, value])]);
  },
  array(items: readonly Uint8Array[]): Buffer {
    const size = items.length;
    const header = size < 16 ? [0x90 | size] : size < 0x10000 ? [0xdc, ...u16(size)] : [0xdd, ...u32(size)];
    return Buffer.concat([Buffer.from(header), ...items]);
  },
  uint64(value: bigint): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xcf;
    bytes.writeBigUInt64BE(BigInt.asUintN(64, value), 1);
    return bytes;
  },
  int64(value: bigint): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xd3;
    bytes.writeBigInt64BE(BigInt.asIntN(64, value), 1);
    return bytes;
  },
  uint32(value: number): Buffer {
    return Buffer.from([0xce, ...u32(value)]);
  },
  float64(value: number): Buffer {
    const bytes = Buffer.alloc(9);
    bytes[0] = 0xcb;
    bytes.writeDoubleBE(value, 1);
    return bytes;
  },
  float32(value: number): Buffer {
    const bytes = Buffer.alloc(5);
    bytes[0] = 0xca;
    bytes.writeFloatBE(value, 1);
    return bytes;
  },
  ext(type: number, data: Uint8Array): Buffer {
    const typeByte = type & 0xff;
    const fixed: Readonly<Record<number, number>> = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 };
    const fixedHeader = fixed[data.length];
    const header =
      fixedHeader !== undefined
        ? [fixedHeader, typeByte]
        : data.length < 0x100
          ? [0xc7, data.length, typeByte]
          : data.length < 0x10000
            ? [0xc8, ...u16(data.length), typeByte]
            : [0xc9, ...u32(data.length), typeByte];
    return Buffer.concat([Buffer.from(header), data]);
  },
};

function isMapHeader(byte: number): boolean {
  return (byte >= 0x80 && byte <= 0x8f) || byte === 0xde || byte === 0xdf;
}

/** Bytes from a seed, cheaply: big blobs without generating them byte by byte. */
function filledBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed | 0 || 0x9e3779b9;
  for (let index = 0; index < length; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

function blob(minLength: number, maxLength: number): fc.Arbitrary<Buffer> {
  return fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer()).map(([length, seed]) => filledBytes(length, seed));
}

/** A string of `minLength` to `maxLength` UTF-16 units, repeating a short random pattern. */
function longString(unit: fc.Arbitrary<string>, minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.string({ unit, minLength: 1, maxLength: 8 }), fc.integer({ min: minLength, max: maxLength }))
    .map(([pattern, length]) => pattern.repeat(Math.ceil(length / pattern.length)).slice(0, length));
}

function nestedValue(depth: number, kind: "array" | "map", leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = kind === "array" ? [value] : { "~": value };
  return value;
}

function nestedBytes(depth: number, kind: "array" | "map", leaf: Uint8Array): Buffer {
  const level = kind === "array" ? Buffer.from([0x91]) : Buffer.from([0x81, 0xa1, 0x7e]);
  return Buffer.concat([...new Array<Buffer>(depth).fill(level), leaf]);
}

// ---------------------------------------------------------------------------------------------------
// Character sets
// ---------------------------------------------------------------------------------------------------

const printableAscii = fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code));
const cardCharacter = fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-");
const digit = fc.constantFrom(..."0123456789");
/** Characters that are odd in some way: controls, spaces, invisible, bidi, lone surrogates, look-alike digits. */
const WEIRD_CHARACTERS = [
  " ", "\t", "\n", "\r", "\u0000", "\u0007", "\u007f", "\u0085", "\u00a0", "\u00e9", "\u0301", "\u200b", "\u200d", "\u202e",
  "\u2028", "\ufeff", "\ufffd", "\ud800", "\udfff", "\ud83d\ude00", "\uff10", "\uff21", "\u0661", "\u0410", "\u{1d7ce}",
  "_", ".", "+", "/", "~", "%", "'", '"', "\\", "*", "?", "#", "&", "=", ",", ":", ";", "<", ">", "@", "!", "$",
];
const weirdCharacter = fc.oneof(
  fc.constantFrom(...WEIRD_CHARACTERS),
  fc.string({ unit: "binary", minLength: 1, maxLength: 2 }),
  fc.integer({ min: 0, max: 0x20 }).map((code) => String.fromCharCode(code)),
);

function isClientIdCharacter(character: string): boolean {
  const code = character.charCodeAt(0);
  return character.length === 1 && code >= 0x21 && code <= 0x7e;
}

function isCardCharacter(character: string): boolean {
  return /^[0-9A-Za-z-]$/.test(character);
}

/** A valid string with at least one character the field refuses inserted somewhere. */
function withForbiddenCharacter(valid: fc.Arbitrary<string>, allowed: (character: string) => boolean): fc.Arbitrary<string> {
  const forbidden = weirdCharacter.filter((text) => [...text].some((character) => !allowed(character)));
  return fc.tuple(valid, forbidden, fc.nat()).map(([text, character, at]) => {
    const position = at % (text.length + 1);
    return text.slice(0, position) + character + text.slice(position);
  });
}

// ---------------------------------------------------------------------------------------------------
// Valid parts of requests
// ---------------------------------------------------------------------------------------------------

/** A demo member the fuzzer must leave unchanged, read from the admin member view before fuzzing. */
export interface SentinelMember {
  readonly card: string;
  /** As stored: "+" and digits. */
  readonly phone: string;
  readonly name: string;
  readonly balance: number;
  /** The member's demo welcome receipt (committed before the fuzzing) and its store, the terminal's. */
  readonly welcomeReceipt: string;
  readonly store: string;
}

/** A client id that was never committed: every receipt, refund and visit id the fuzzer makes starts with it. */
const FUZZ_ID_PREFIX = "fz-";
const fuzzId = fc.string({ unit: printableAscii, minLength: 1, maxLength: 24 }).map((suffix) => `${FUZZ_ID_PREFIX}${suffix}`);
const validClientId = fc.string({ unit: printableAscii, minLength: 1, maxLength: 24 });
const validCard = fc.string({ unit: cardCharacter, minLength: 1, maxLength: CARD_NUMBER_LENGTH_MAX });
const validPhone = fc.tuple(fc.boolean(), fc.string({ unit: digit, minLength: 5, maxLength: 15 })).map(([plus, digits]) => `${plus ? "+" : ""}${digits}`);
/** Cards no member has: "FZ" and digits (demo cards are all digits). */
const unenrolledCard = fc.string({ unit: digit, minLength: 1, maxLength: 20 }).map((digits) => `FZ${digits}`);
/** Phones no member has: demo phones are +7900... */
const unenrolledPhone = fc.string({ unit: digit, minLength: 7, maxLength: 11 }).map((digits) => `+1555${digits}`);
/** Up to the fuzzer's start: a time ahead of the server's clock is refused TIME_IN_FUTURE (tested in gateway/idempotent-retries.test.ts). */
const validTime = fc.integer({ min: RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, max: Date.now() });
const validQuantity = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.double({ min: LINE_QUANTITY_MIN, max: 100, noNaN: true }));

const validLine = fc.record(
  {
    sku: validClientId.map((sku) => `${FUZZ_ID_PREFIX}${sku}`),
    qty: validQuantity,
    price: fc.integer({ min: 0, max: 1_000_000 }),
    amount: fc.integer({ min: 0, max: 1_000_000 }),
    noDiscount: fc.boolean(),
    noPoints: fc.boolean(),
  },
  { requiredKeys: ["sku", "qty", "price", "amount"] },
);

function validReceipt(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    { id: fuzzId, store: fc.constant(member.store), at: validTime, lines: fc.array(validLine, { minLength: 1, maxLength: 4 }) },
    { requiredKeys: ["id", "lines"] },
  );
}

function memberReference(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.constantFrom<Record<string, unknown>>({ card: member.card }, { phone: member.phone }, { phone: member.phone.replace(/^\+/, "") });
}

function optionalMemberReference(member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(memberReference(member), fc.constant({}));
}

/** A valid-shaped request of `op` for `member`; the mutations then make it invalid. */
function baseRequest(op: Operation, member: SentinelMember): fc.Arbitrary<Record<string, unknown>> {
  const withOp = (fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> => fields.map((value) => ({ op, ...value }));
  const merge = (...parts: fc.Arbitrary<Record<string, unknown>>[]): fc.Arbitrary<Record<string, unknown>> =>
    withOp(fc.tuple(...parts).map((values) => Object.assign({}, ...values) as Record<string, unknown>));
  switch (op) {
    case "ping":
      return fc.constant({ op });
    case "identify":
      return merge(memberReference(member));
    case "balance":
      return merge(memberReference(member), fc.record({ detail: fc.boolean() }, { requiredKeys: [] }));
    case "calculate":
      return merge(
        memberReference(member),
        fc.record({ receipt: validReceipt(member), redeem: fc.integer({ min: 0, max: member.balance }), hold: fc.boolean() }, { requiredKeys: ["receipt"] }),
      );
    case "commit":
      return merge(
        memberReference(member),
        fc.record({ receipt: validReceipt(member), redeem: fc.integer({ min: 0, max: member.balance }) }, { requiredKeys: ["receipt"] }),
      );
    case "enroll":
      return merge(
        fc.record(
          { card: fc.constant(member.card), phone: fc.constant(member.phone), name: fc.constant(member.name), birthDate: fc.constant("1990-01-31") },
          { requiredKeys: ["card"] },
        ),
      );
    case "reportVisit":
      return merge(
        memberReference(member),
        fc.record({
          visit: fc.record({ id: fuzzId, status: fc.constantFrom("came", "didNotCome"), at: validTime }, { requiredKeys: ["id", "status"] }),
        }),
      );
    case "cancel":
      return merge(optionalMemberReference(member), fc.record({ receipt: fuzzId }));
    case "refund":
      return merge(
        optionalMemberReference(member),
        fc.record({
          refund: fc.record({
            id: fuzzId,
            receipt: fuzzId,
            lines: fc.array(fc.record({ line: fc.integer({ min: 0, max: 10 }), qty: validQuantity }), { minLength: 1, maxLength: 3 }),
          }),
        }),
      );
  }
}

// ---------------------------------------------------------------------------------------------------
// Invalid values
// ---------------------------------------------------------------------------------------------------

/** BigInts the gateway can never read as a safe integer in range: negative, or at least 2^53. */
const hugeOrNegativeBigInt = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: -1n }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }));
/** Objects no field accepts: every key starts with "~", which no field name does. */
const junkDictionary = fc.dictionary(
  fc.string({ maxLength: 6 }).map((key) => `~${key}`),
  fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.constant(null)),
  { maxKeys: 4 },
);
const deepJunk = fc
  .tuple(fc.integer({ min: 1, max: NESTING_DEPTH_MAX }), fc.constantFrom<"array" | "map">("array", "map"), fc.oneof(fc.integer(), fc.constant(null)))
  .map(([depth, kind, leaf]) => nestedValue(depth, kind, leaf));
const dateJunk = fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(RECEIPT_TIME_MAX_EPOCH_MILLISECONDS) });

/** Anything but a string (and not null: for optional fields null means absent). */
const nonString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 }),
  junkDictionary,
  fc.uint8Array({ maxLength: 32 }),
  hugeOrNegativeBigInt,
  deepJunk,
  dateJunk,
);

function withNull(arbitrary: fc.Arbitrary<unknown>, required: boolean): fc.Arbitrary<unknown> {
  return required ? fc.oneof({ arbitrary, weight: 9 }, { arbitrary: fc.constant(null), weight: 1 }) : arbitrary;
}

function invalidClientId(required: boolean): fc.Arbitrary<unknown> {
  return withNull(
    fc.oneof(
      fc.constant(""),
      longString(printableAscii, CLIENT_IDENTIFIER_LENGTH_MAX + 1, LONG_STRING_LENGTH_MAX),
      withForbiddenCharacter(validClientId, isClientIdCharacter),
      fc.string({ unit: "binary", minLength: 1, maxLength: 20 }).filter((text) => [...text].some((character) => !isClientIdCharacter(character))),
      nonString,
    ),
    required,
  );
}

function invalidCard(required: boolean): fc.Arbitrary<unknown> {
  return withNull(
    fc.oneof(
      fc.constant(""),
      longString(cardCharacter, CARD_NUMBER_LENGTH_MAX + 1, LONG_STRING_LENGTH_MAX),
      withForbiddenCharacter(validCard, isCardCharacter),
      fc.constantFrom("２０００００００００００１", "2000 0000 0000 1", "2000000000001\n", "+79000000001"),
      nonString,
    ),
    required,
  );
}

const invalidPhone: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(""),
  fc.tuple(fc.boolean(), fc.string({ unit: digit, minLength: 1, maxLength: 4 })).map(([plus, digits]) => `${plus ? "+" : ""}${digits}`),
  fc.tuple(fc.boolean(), fc.string({ unit: digit, minLength: 16, maxLength: 40 })).map(([plus, digits]) => `${plus ? "+" : ""}${digits}`),
  // "+" counts as allowed here: inserted first into a phone without one, it would make a valid phone.
  withForbiddenCharacter(validPhone, (character) => /^[0-9+]$/.test(character)),
  fc.constantFrom("++79000000001", "7900-000-0001", "+7 900 000 0001", "(900)0000001", "+７９０００００００１", "+٧٩٠٠٠٠٠٠٠٠١", "phone"),
  longString(digit, 16, LONG_STRING_LENGTH_MAX),
  nonString,
);

/** Not an integer in [minimum, maximum]: below, above, fractional, NaN, infinite, huge, a string, ... */
function invalidInteger(minimum: number, maximum: number, required: boolean): fc.Arbitrary<unknown> {
  return withNull(
    fc.oneof(
      fc.integer({ min: Number.MIN_SAFE_INTEGER, max: minimum - 1 }),
      fc.integer({ min: maximum + 1, max: Number.MAX_SAFE_INTEGER }),
      fc.double({ min: maximum + 1, noNaN: true, noDefaultInfinity: true }),
      fc.double({ max: minimum - 1, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: minimum, max: maximum, noNaN: true }).filter((value) => !Number.isInteger(value)),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 99.99, 5e-324, -1, 2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE),
      hugeOrNegativeBigInt,
      fc.integer({ min: 0, max: 1000 }).map((value) => String(value)),
      fc.constantFrom("", "1e3", "0x10", "NaN", "100.00", " 100"),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }).map((value) => [value]),
      fc.integer({ min: 0, max: 1000 }).map((value) => ({ value })),
      junkDictionary,
      fc.uint8Array({ maxLength: 16 }),
      deepJunk,
      dateJunk,
    ).filter((value) => !(typeof value === "number" && Number.isInteger(value) && value >= minimum && value <= maximum)),
    required,
  );
}

const invalidQuantity: fc.Arbitrary<unknown> = withNull(
  fc.oneof(
    fc.constantFrom(0, -0, -1, 0.0009, 1e-10, 5e-324, LINE_QUANTITY_MAX + 0.5, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
    fc.double({ max: 0, noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: Number.MIN_VALUE, max: 0.000_999_9, noNaN: true }),
    fc.double({ min: LINE_QUANTITY_MAX + 1, noNaN: true, noDefaultInfinity: true }),
    hugeOrNegativeBigInt,
    fc.constantFrom("1", "0.5", "", "one", true, false),
    fc.constant([1]),
    junkDictionary,
    fc.uint8Array({ maxLength: 8 }),
    dateJunk,
  ),
  true,
);

const invalidBoolean: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 1, -1, Number.NaN, "true", "false", "", "yes", [], [true]),
  fc.integer(),
  junkDictionary,
  fc.uint8Array({ maxLength: 8 }),
  hugeOrNegativeBigInt,
  dateJunk,
);

/** Anything but an object (arrays where objects are expected, among others). */
function invalidObject(validExample: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return withNull(
    fc.oneof(
      fc.constant([]),
      validExample.map((example) => [example]),
      fc.array(nonString, { minLength: 1, maxLength: 3 }),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      junkDictionary,
      fc.uint8Array({ maxLength: 32 }),
      hugeOrNegativeBigInt,
      deepJunk,
    ),
    true,
  );
}

/** Anything but an array of 1 to RECEIPT_LINES_MAX objects. */
function invalidArray(validItem: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return withNull(
    fc.oneof(
      fc.constant([]),
      validItem,
      fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 }), fc.constant(null), fc.constant([]), fc.boolean()), { minLength: 1, maxLength: 4 }),
      fc.tuple(validItem, fc.integer({ min: RECEIPT_LINES_MAX + 1, max: RECEIPT_LINES_MAX + 40 })).map(([item, length]) => new Array<unknown>(length).fill(item)),
      fc.string({ maxLength: 20 }),
      fc.integer(),
      junkDictionary,
      fc.uint8Array({ maxLength: 32 }),
      hugeOrNegativeBigInt,
      fc.integer({ min: 1, max: NESTING_DEPTH_MAX }).map((depth) => nestedValue(depth, "array", 1)),
    ),
    true,
  );
}

const invalidVisitStatus: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("Came", "CAME", "came ", " came", "didnotcome", "did_not_come", "noShow", "", "came\u0000", "сame"),
  fc.string({ maxLength: 12 }).filter((status) => status !== "came" && status !== "didNotCome"),
  nonString,
  fc.constant(null),
);

const invalidBirthDate: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "2023-02-30", "2023-13-01", "2023-00-10", "1999-02-29", "2024-04-31", "9999-99-99", "2023-1-01", "2023/01/01", "01-01-2023",
    "2023-01-01T00:00:00Z", "２０２３-01-01", "", " 2023-01-01", "2023-01-01 ",
  ),
  fc.string({ maxLength: 12 }).filter((text) => !/^\d{4}-\d{2}-\d{2}$/.test(text)),
  longString(digit, 11, LONG_STRING_LENGTH_MAX),
  nonString,
);

const invalidName: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(""),
  longString(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), MEMBER_NAME_LENGTH_MAX + 1, LONG_STRING_LENGTH_MAX),
  nonString,
);

/** A value for an unknown field: anything (null included: the field is still there), never undefined. */
const unknownFieldValue: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.string({ maxLength: 20 }), fc.integer(), nonString);

// ---------------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------------

const ABSENT = Symbol("absent");
type Path = readonly (string | number)[];

interface Edit {
  readonly path: Path;
  readonly value: unknown;
}

/** One way of breaking a request: the edits it makes and the paths it owns (mutations never overlap). */
interface Mutation {
  readonly note: string;
  readonly edits: readonly Edit[];
}

function pathText(path: Path): string {
  return path.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
}

function isPrefix(shorter: Path, longer: Path): boolean {
  return shorter.length <= longer.length && shorter.every((segment, index) => segment === longer[index]);
}

function overlaps(first: Mutation, second: Mutation): boolean {
  return first.edits.some((a) => second.edits.some((b) => isPrefix(a.path, b.path) || isPrefix(b.path, a.path)));
}

function set(path: Path, values: fc.Arbitrary<unknown>, what: string): fc.Arbitrary<Mutation> {
  return values.map((value) => ({ note: `${pathText(path)} ${what}: ${describe(value)}`, edits: [{ path, value }] }));
}

function remove(path: Path): fc.Arbitrary<Mutation> {
  return fc.constant({ note: `${pathText(path)} missing`, edits: [{ path, value: ABSENT }] });
}

function unknownField(parent: Path, known: readonly string[]): fc.Arbitrary<Mutation> {
  const key = fc
    .oneof(fc.constantFrom(...NEAR_MISS_KEYS), fc.string({ maxLength: 12 }), fc.string({ unit: "binary", minLength: 1, maxLength: 8 }), longString(printableAscii, 100, 2_000))
    .filter((name) => !known.includes(name));
  return fc.tuple(key, unknownFieldValue).map(([name, value]) => ({
    note: `unknown field ${describe(name)} in ${parent.length === 0 ? "the request" : pathText(parent)}: ${describe(value)}`,
    edits: [{ path: [...parent, name], value }],
  }));
}

/** Breaks "exactly one of card or phone" (`required`: the operation needs one; else it may have none). */
function invalidMemberReference(member: SentinelMember, required: boolean): fc.Arbitrary<Mutation> {
  const reference = (note: string, card: unknown, phone: unknown): Mutation => ({
    note,
    edits: [
      { path: ["card"], value: card },
      { path: ["phone"], value: phone },
    ],
  });
  const variants: fc.Arbitrary<Mutation>[] = [
    fc.constant(reference("both card and phone", member.card, member.phone)),
    invalidCard(false).map((card) => reference(`card invalid: ${describe(card)}`, card, ABSENT)),
    invalidCard(false).map((card) => reference(`card invalid, phone null: ${describe(card)}`, card, null)),
    invalidPhone.map((phone) => reference(`phone invalid: ${describe(phone)}`, ABSENT, phone)),
    fc.tuple(invalidCard(false), invalidPhone).map(([card, phone]) => reference(`card and phone invalid: ${describe(card)}, ${describe(phone)}`, card, phone)),
  ];
  if (required) {
    variants.push(
      fc.constantFrom(
        reference("neither card nor phone", ABSENT, ABSENT),
        reference("card and phone null", null, null),
        reference("card null, phone missing", null, ABSENT),
      ),
    );
  }
  return fc.oneof(...variants);
}

function lineMutations(prefix: Path): fc.Arbitrary<Mutation>[] {
  const line = [...prefix, 0];
  return [
    set(line, invalidObject(validLine), "not an object"),
    remove([...line, "sku"]),
    remove([...line, "qty"]),
    remove([...line, "price"]),
    remove([...line, "amount"]),
    set([...line, "sku"], invalidClientId(true), "invalid"),
    set([...line, "qty"], invalidQuantity, "invalid"),
    set([...line, "price"], invalidInteger(0, LINE_AMOUNT_MINOR_MAX, true), "invalid money"),
    set([...line, "amount"], invalidInteger(0, LINE_AMOUNT_MINOR_MAX, true), "invalid money"),
    set([...line, "noDiscount"], invalidBoolean, "not a boolean"),
    set([...line, "noPoints"], invalidBoolean, "not a boolean"),
    unknownField(line, LINE_FIELDS),
  ];
}

function receiptMutations(member: SentinelMember): fc.Arbitrary<Mutation>[] {
  const receipt = ["receipt"];
  return [
    set(receipt, invalidObject(validReceipt(member)), "not an object"),
    remove(receipt),
    remove([...receipt, "id"]),
    remove([...receipt, "lines"]),
    set([...receipt, "id"], invalidClientId(true), "invalid"),
    set([...receipt, "store"], fc.oneof(invalidClientId(false), fuzzId.map((store) => `${store}-other-store`)), "invalid or another store"),
    set([...receipt, "at"], fc.oneof(invalidInteger(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, false), fc.constant(1_763_800_000)), "invalid time"),
    set([...receipt, "lines"], invalidArray(validLine), "not 1 to 500 lines"),
    set(
      [...receipt, "lines"],
      fc.tuple(fc.integer({ min: 2, max: 5 }), fc.integer({ min: Math.ceil(RECEIPT_TOTAL_MINOR_MAX / 2) + 1, max: LINE_AMOUNT_MINOR_MAX })).map(([length, amount]) =>
        Array.from({ length }, (_unused, index) => ({ sku: `${FUZZ_ID_PREFIX}${index}`, qty: 1, price: amount, amount })),
      ),
      "summing over 10^11",
    ),
    unknownField(receipt, RECEIPT_FIELDS),
    ...lineMutations([...receipt, "lines"]),
  ];
}

function validationMutations(op: Operation, member: SentinelMember, transport: "websocket" | "http"): fc.Arbitrary<Mutation>[] {
  const topLevelKnown = [...FIELDS[op], "id", "op"];
  const mutations: fc.Arbitrary<Mutation>[] = [unknownField([], topLevelKnown)];
  if (transport === "websocket") {
    mutations.push(
      set(
        ["op"],
        fc.oneof(
          fc.constantFrom(op.toUpperCase(), `${op} `, ` ${op}`, `${op}s`, "transfer", "", "__proto__", "constructor", "Ping"),
          fc.string({ maxLength: 16 }).filter((name) => !isOperation(name)),
          nonString,
          fc.constant(null),
        ),
        "not an operation",
      ),
      remove(["op"]),
    );
  }
  switch (op) {
    case "ping":
      break;
    case "identify":
      mutations.push(invalidMemberReference(member, true));
      break;
    case "balance":
      mutations.push(invalidMemberReference(member, true), set(["detail"], invalidBoolean, "not a boolean"));
      break;
    case "calculate":
    case "commit":
      mutations.push(
        invalidMemberReference(member, true),
        set(["redeem"], invalidInteger(0, POINTS_BALANCE_MAX, false), "invalid points"),
        ...receiptMutations(member),
      );
      if (op === "calculate") mutations.push(set(["hold"], invalidBoolean, "not a boolean"));
      break;
    case "enroll":
      mutations.push(
        set(["card"], invalidCard(true), "invalid"),
        remove(["card"]),
        set(["phone"], invalidPhone, "invalid"),
        set(["name"], invalidName, "invalid"),
        set(["birthDate"], invalidBirthDate, "invalid"),
      );
      break;
    case "reportVisit": {
      const visit = ["visit"];
      mutations.push(
        invalidMemberReference(member, true),
        set(visit, invalidObject(fc.constant({ id: "fz-v", status: "came" })), "not an object"),
        remove(visit),
        remove([...visit, "id"]),
        remove([...visit, "status"]),
        set([...visit, "id"], invalidClientId(true), "invalid"),
        set([...visit, "status"], invalidVisitStatus, "invalid"),
        set([...visit, "at"], invalidInteger(RECEIPT_TIME_MIN_EPOCH_MILLISECONDS, RECEIPT_TIME_MAX_EPOCH_MILLISECONDS, false), "invalid time"),
        unknownField(visit, VISIT_FIELDS),
      );
      break;
    }
    case "cancel":
      mutations.push(invalidMemberReference(member, false), set(["receipt"], invalidClientId(true), "invalid"), remove(["receipt"]));
      break;
    case "refund": {
      const refund = ["refund"];
      const refundLine = fc.record({ line: fc.integer({ min: 0, max: 10 }), qty: validQuantity });
      const line = [...refund, "lines", 0];
      mutations.push(
        invalidMemberReference(member, false),
        set(refund, invalidObject(fc.constant({ id: "fz-f", receipt: "fz-r", lines: [{ line: 0, qty: 1 }] })), "not an object"),
        remove(refund),
        remove([...refund, "id"]),
        remove([...refund, "receipt"]),
        remove([...refund, "lines"]),
        set([...refund, "id"], invalidClientId(true), "invalid"),
        set([...refund, "receipt"], invalidClientId(true), "invalid"),
        set([...refund, "lines"], invalidArray(refundLine), "not 1 to 500 lines"),
        unknownField(refund, REFUND_FIELDS),
        set(line, invalidObject(refundLine), "not an object"),
        remove([...line, "line"]),
        remove([...line, "qty"]),
        set([...line, "line"], invalidInteger(0, REFUND_LINE_INDEX_MAX, true), "invalid index"),
        set([...line, "qty"], invalidQuantity, "invalid"),
        unknownField(line, REFUND_LINE_FIELDS),
      );
      break;
    }
  }
  return mutations;
}

/** A mutation that leaves a well-formed request the domain refuses, with the codes it may be refused with. */
interface DomainMutation {
  readonly mutation: Mutation;
  readonly expectation: Expectation;
  /** A card the request named that must still be unknown afterwards. */
  readonly absentCard?: string;
}

function domainMutations(op: Operation, member: SentinelMember, members: readonly SentinelMember[]): fc.Arbitrary<DomainMutation>[] {
  const edits = (note: string, ...list: Edit[]): Mutation => ({ note, edits: list });
  const others = members.filter((other) => other.card !== member.card);
  const otherMember = others.length > 0 ? fc.constantFrom(...others) : undefined;
  const unknownMember: fc.Arbitrary<DomainMutation>[] = [
    unenrolledCard.map((card) => ({
      mutation: edits(`unknown card ${card}`, { path: ["card"], value: card }, { path: ["phone"], value: ABSENT }),
      expectation: refusedWith("UNKNOWN_CARD"),
    })),
    unenrolledPhone.map((phone) => ({
      mutation: edits(`unknown phone ${phone}`, { path: ["phone"], value: phone }, { path: ["card"], value: ABSENT }),
      expectation: refusedWith("UNKNOWN_PHONE"),
    })),
  ];
  const overBalance = fc.integer({ min: member.balance + 1, max: POINTS_BALANCE_MAX }).map((redeem) => ({
    mutation: edits(`redeem ${redeem} over the balance ${member.balance}`, { path: ["redeem"], value: redeem }),
    expectation: refusedWith("INSUFFICIENT_POINTS", "REDEEM_LIMIT_EXCEEDED"),
  }));
  switch (op) {
    case "ping":
      return [];
    case "identify":
    case "balance":
    case "reportVisit":
      return unknownMember;
    case "calculate":
      return [...unknownMember, overBalance];
    case "commit": {
      const receiptOf = fc.constantFrom(...members).map((owner) => ({
        mutation: edits(
          `receipt id ${owner.welcomeReceipt} (committed for ${owner.card}) with other content`,
          { path: ["receipt", "id"], value: owner.welcomeReceipt },
          { path: ["redeem"], value: ABSENT },
        ),
        expectation: refusedWith("CONFLICT"),
      }));
      return [...unknownMember, overBalance, receiptOf];
    }
    case "enroll": {
      const otherName = fc
        .oneof(fuzzId, fc.string({ unit: "binary", minLength: 1, maxLength: 60 }))
        .filter((name) => name.length <= MEMBER_NAME_LENGTH_MAX && name !== member.name);
      const list: fc.Arbitrary<DomainMutation>[] = [
        otherName.map((name) => ({
          mutation: edits(`enrolled card with another name ${describe(name)}`, { path: ["name"], value: name }, { path: ["phone"], value: member.phone }),
          expectation: refusedWith("CONFLICT"),
        })),
        fc.tuple(unenrolledCard, fc.constantFrom(...members)).map(([card, owner]) => ({
          mutation: edits(`new card ${card} with ${owner.card}'s phone`, { path: ["card"], value: card }, { path: ["phone"], value: owner.phone }),
          expectation: refusedWith("PHONE_TAKEN"),
          absentCard: card,
        })),
      ];
      if (otherMember !== undefined) {
        list.push(
          otherMember.map((other) => ({
            mutation: edits(`enrolled card with ${other.card}'s phone`, { path: ["phone"], value: other.phone }),
            expectation: refusedWith("PHONE_TAKEN"),
          })),
        );
      }
      return list;
    }
    case "cancel": {
      const list: fc.Arbitrary<DomainMutation>[] = [
        fuzzId.map((receipt) => ({ mutation: edits(`never committed receipt ${receipt}`, { path: ["receipt"], value: receipt }), expectation: refusedWith("UNKNOWN_RECEIPT") })),
      ];
      if (otherMember !== undefined) {
        list.push(
          otherMember.map((owner) => ({
            mutation: edits(
              `${owner.card}'s receipt ${owner.welcomeReceipt} with ${member.card}'s card`,
              { path: ["card"], value: member.card },
              { path: ["phone"], value: ABSENT },
              { path: ["receipt"], value: owner.welcomeReceipt },
            ),
            expectation: refusedWith("UNKNOWN_RECEIPT"),
          })),
        );
      }
      return list;
    }
    case "refund": {
      // The welcome receipt has one line of quantity 1: a return of more, or of a line it does not have, is refused.
      const ownCardOrNone = fc.constantFrom<readonly Edit[]>(
        [{ path: ["card"], value: member.card }, { path: ["phone"], value: ABSENT }],
        [{ path: ["phone"], value: member.phone }, { path: ["card"], value: ABSENT }],
        [{ path: ["card"], value: ABSENT }, { path: ["phone"], value: ABSENT }],
      );
      const tooMuch = fc.oneof(
        fc.record({ line: fc.constant(0), qty: fc.oneof(fc.integer({ min: 2, max: LINE_QUANTITY_MAX }), fc.double({ min: 1.01, max: 1000, noNaN: true })) }).map((line) => [line]),
        fc.record({ line: fc.integer({ min: 1, max: REFUND_LINE_INDEX_MAX }), qty: validQuantity }).map((line) => [line]),
        fc.tuple(fc.double({ min: 0.51, max: 1, noNaN: true }), fc.double({ min: 0.51, max: 1, noNaN: true })).map(([first, second]) => [
          { line: 0, qty: first },
          { line: 0, qty: second },
        ]),
      );
      const list: fc.Arbitrary<DomainMutation>[] = [
        fc.tuple(fc.constantFrom(...members), tooMuch, ownCardOrNone).map(([owner, lines, reference]) => ({
          mutation: edits(
            `return of more than ${owner.welcomeReceipt} has: ${describe(lines)}`,
            ...(owner.card === member.card ? reference : [{ path: ["card"], value: ABSENT }, { path: ["phone"], value: ABSENT }]),
            { path: ["refund", "receipt"], value: owner.welcomeReceipt },
            { path: ["refund", "lines"], value: lines },
          ),
          // Two parts of one line summing over it may also be refused as malformed.
          expectation: lines.length > 1 ? refusedWith("RETURN_EXCEEDS_PURCHASE", "BAD_REQUEST") : refusedWith("RETURN_EXCEEDS_PURCHASE"),
        })),
        fuzzId.map((receipt) => ({
          mutation: edits(`never committed receipt ${receipt}`, { path: ["refund", "receipt"], value: receipt }),
          expectation: refusedWith("UNKNOWN_RECEIPT"),
        })),
      ];
      if (otherMember !== undefined) {
        list.push(
          otherMember.map((owner) => ({
            mutation: edits(
              `${owner.card}'s receipt ${owner.welcomeReceipt} with ${member.card}'s card`,
              { path: ["card"], value: member.card },
              { path: ["phone"], value: ABSENT },
              { path: ["refund", "receipt"], value: owner.welcomeReceipt },
              { path: ["refund", "lines"], value: [{ line: 0, qty: 1 }] },
            ),
            expectation: refusedWith("UNKNOWN_RECEIPT"),
          })),
        );
      }
      return list;
    }
  }
}

function applyEdits(base: Record<string, unknown>, edits: readonly Edit[]): Record<string, unknown> {
  const copy = structuredClone(base);
  for (const { path, value } of edits) {
    let parent: unknown = copy;
    for (const segment of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[segment];
    const last = path[path.length - 1];
    if (last === undefined || typeof parent !== "object" || parent === null) throw new Error(`the fuzzer cannot edit ${pathText(path)}`);
    if (value === ABSENT) delete (parent as Record<string | number, unknown>)[last];
    // defineProperty: a key "__proto__" must become a field, not the object's prototype.
    else Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A request made to be refused: `request` is the WebSocket message without `id` (it has `op`). */
export interface InvalidRequest {
  readonly op: Operation;
  readonly request: Record<string, unknown>;
  readonly expectation: Expectation;
  readonly notes: readonly string[];
  readonly absentCard?: string;
}

/** BAD_REQUEST, unless a mutation made `op` a string that names no operation: that is NOT_FOUND, whatever else is wrong. */
function refusalOfValidationMutations(request: Record<string, unknown>): Expectation {
  return isOperation(request["op"]) ? refusedWith("BAD_REQUEST") : refusalOfOtherThanAnOperation(request["op"]);
}

/**
 * Requests of `op` aimed at the demo members, each refused: one to three validation mutations
 * (BAD_REQUEST, or NOT_FOUND for an unknown op name) or, a fifth of the time, one domain mutation (its code).
 */
export function invalidRequestArbitrary(op: Operation, members: readonly SentinelMember[], transport: "websocket" | "http"): fc.Arbitrary<InvalidRequest> {
  const forMember = (member: SentinelMember): fc.Arbitrary<InvalidRequest> => {
    const base = baseRequest(op, member);
    const slots = validationMutations(op, member, transport);
    const validation = fc
      .shuffledSubarray(slots, { minLength: 1, maxLength: Math.min(3, slots.length) })
      .chain((chosen) => fc.tuple(...chosen))
      .filter((mutations) => mutations.every((mutation, index) => mutations.slice(index + 1).every((other) => !overlaps(mutation, other))))
      .chain((mutations) =>
        base.map((request): InvalidRequest => {
          const edited = applyEdits(request, mutations.flatMap((mutation) => mutation.edits));
          return { op, request: edited, expectation: refusalOfValidationMutations(edited), notes: mutations.map((mutation) => mutation.note) };
        }),
      );
    const domain = domainMutations(op, member, members);
    if (domain.length === 0) return validation;
    const refusedByDomain = fc.tuple(base, fc.oneof(...domain)).map(
      ([request, { mutation, expectation, absentCard }]): InvalidRequest => ({
        op,
        request: applyEdits(request, mutation.edits),
        expectation,
        notes: [mutation.note],
        ...(absentCard === undefined ? {} : { absentCard }),
      }),
    );
    return fc.oneof({ arbitrary: validation, weight: 4 }, { arbitrary: refusedByDomain, weight: 1 });
  };
  return fc.oneof(...members.map(forMember));
}

// ---------------------------------------------------------------------------------------------------
// Raw WebSocket frames
// ---------------------------------------------------------------------------------------------------

/** One WebSocket frame: bytes sent as a binary frame, or a string sent as a text frame. */
export interface RawFrame {
  readonly kind: string;
  readonly frame: Buffer | string;
}

/** Requests for a card nobody has: truncating or corrupting them can never change anyone's state. */
const sampleRequest: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    fc.oneof(fc.nat(), fc.string({ minLength: 1, maxLength: 64 })),
    fc.constantFrom<Record<string, unknown>>(
      { op: "ping" },
      { op: "identify", card: "FZ99999999999" },
      { op: "balance", card: "FZ99999999999", detail: true },
      { op: "calculate", card: "FZ99999999999", redeem: 0, receipt: { id: "fz-r", at: 1_763_800_000_000, lines: [{ sku: "fz-s", qty: 1, price: 100, amount: 100 }] } },
      { op: "commit", card: "FZ99999999999", receipt: { id: "fz-r", at: 1_763_800_000_000, lines: [{ sku: "fz-s", qty: 1.5, price: 100, amount: 150 }] } },
      { op: "cancel", card: "FZ99999999999", receipt: "fz-r" },
      { op: "refund", card: "FZ99999999999", refund: { id: "fz-f", receipt: "fz-r", lines: [{ line: 0, qty: 1 }] } },
      { op: "reportVisit", card: "FZ99999999999", visit: { id: "fz-v", status: "came", at: 1_763_800_000_000 } },
    ),
  )
  .map(([id, request]) => ({ id, ...request }));

/** Single msgpack values of the kinds that break decoders: huge ints, odd floats, long or invalid strings, blobs, nesting, extensions. */
const oddValueBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...[[0xc0], [0xc2], [0xc3], [0xc1], [0x00], [0x7f], [0xe0], [0xff], [0x80], [0x90], [0xa0]].map((bytes) => Buffer.from(bytes))),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((value) => msgpack.uint64(value)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value) => msgpack.int64(value)),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => msgpack.uint32(value)),
  fc
    .tuple(fc.oneof(fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 5e-324, 1.5, 2 ** 53, 1e308), fc.double()), fc.boolean())
    .map(([value, wide]) => (wide ? msgpack.float64(value) : msgpack.float32(value))),
  fc.string({ unit: "binary", maxLength: 80 }).map((text) => msgpack.str(text)),
  longString(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), 100, LONG_STRING_LENGTH_MAX / 2).map((text) => msgpack.str(text)),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => msgpack.strBytes(bytes)),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([bytes, declared]) => msgpack.strBytes(bytes, declared)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => msgpack.bin(bytes)),
  blob(1_000, LONG_STRING_LENGTH_MAX).map((bytes) => msgpack.bin(bytes)),
  fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })).map(([bytes, declared]) => msgpack.bin(bytes, declared)),
  fc
    .tuple(fc.integer({ min: 1, max: NESTING_DEPTH_MAX }), fc.constantFrom<"array" | "map">("array", "map"))
    .map(([depth, kind]) => nestedBytes(depth, kind, Buffer.from([0x01]))),
  fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 20 })).map(([type, data]) => msgpack.ext(type, data)),
  fc.tuple(fc.constantFrom(4, 8, 12, 3, 0), fc.integer()).map(([length, seed]) => msgpack.ext(-1, filledBytes(length, seed))),
);

const keyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.constantFrom("id", "op", "card", "phone", "receipt", "__proto__", "constructor", "").map((key) => msgpack.str(key)), weight: 3 },
  { arbitrary: fc.string({ maxLength: 12 }).map((key) => msgpack.str(key)), weight: 2 },
  { arbitrary: oddValueBytes, weight: 1 },
);

export function rawFrameArbitrary(): fc.Arbitrary<RawFrame> {
  const frame = (kind: string) => (bytes: Buffer | string): RawFrame => ({ kind, frame: bytes });
  const id = msgpack.str("id");
  const op = msgpack.str("op");
  const readOnlyOp = fc.constantFrom("ping", "identify", "balance").map((name) => msgpack.str(name));
  const validId = fc.oneof(fc.nat().map((value) => clientPackr.pack(value)), fc.string({ minLength: 1, maxLength: 64 }).map((text) => msgpack.str(text)));
  // Cheap kinds weigh 4; the deep and oversized frames (tens of KiB each) and the single empty frame 1.
  const often = (arbitrary: fc.Arbitrary<RawFrame>): fc.WeightedArbitrary<RawFrame> => ({ arbitrary, weight: 4 });
  return fc.oneof(
    often(fc.uint8Array({ maxLength: 300 }).map((bytes) => frame("random bytes")(Buffer.from(bytes)))),
    often(
      fc.tuple(sampleRequest, fc.nat()).map(([request, cut]) => {
        const bytes = clientPackr.pack(request);
        return frame("truncated request")(bytes.subarray(0, cut % bytes.length));
      }),
    ),
    often(
      fc
        .tuple(sampleRequest, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
        .map(([request, flips]) => {
          const bytes = Buffer.from(clientPackr.pack(request));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          return frame("corrupted request")(bytes);
        }),
    ),
    often(
      fc
        .tuple(sampleRequest, fc.oneof(sampleRequest.map((request) => clientPackr.pack(request)), fc.uint8Array({ minLength: 1, maxLength: 8 })))
        .map(([request, tail]) => frame("request with trailing bytes")(Buffer.concat([clientPackr.pack(request), tail]))),
    ),
    often(
      fc
        .anything({ maxDepth: 3, withNullPrototype: true, withDate: true, withMap: true, withSparseArray: true, withBoxedValues: false })
        .map((value) => {
          try {
            return frame("msgpack of any value")(clientPackr.pack(value));
          } catch {
            return frame("msgpack of any value")(clientPackr.pack(null));
          }
        }),
    ),
    often(oddValueBytes.map(frame("odd value as the frame"))),
    often(oddValueBytes.map((value) => frame("odd id")(msgpack.map([[id, value], [op, msgpack.str("ping")]])))),
    often(
      fc
        .tuple(validId, readOnlyOp, oddValueBytes)
        .map(([requestId, name, value]) => frame("odd card")(msgpack.map([[id, requestId], [op, name], [msgpack.str("card"), value]]))),
    ),
    often(
      fc
        .tuple(validId, fc.array(fc.tuple(keyBytes, oddValueBytes), { maxLength: 6 }), fc.oneof(readOnlyOp, oddValueBytes))
        .map(([requestId, entries, name]) => frame("map of odd keys and values")(msgpack.map([[id, requestId], [op, name], ...entries]))),
    ),
    often(fc.tuple(validId, validId).map(([first, second]) => frame("duplicate id")(msgpack.map([[id, first], [op, msgpack.str("ping")], [id, second]])))),
    often(
      fc
        .oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 }), sampleRequest.map((request) => JSON.stringify(request)))
        .map(frame("text frame")),
    ),
    // Far past any decoder's recursion: refused, never a crash.
    { arbitrary: fc.integer({ min: 20_000, max: REQUEST_BYTES_MAX - 1 }).map((depth) => frame("very deep nesting")(nestedBytes(depth, "array", Buffer.from([0x01])))), weight: 1 },
    { arbitrary: blob(REQUEST_BYTES_MAX + 1, REQUEST_BYTES_MAX * 3).map(frame("oversized frame")), weight: 1 },
    { arbitrary: fc.constant(frame("empty frame")(Buffer.alloc(0))), weight: 1 },
  );
}

type RequestId = number | string | null;

/** The id the gateway can read from a frame (docs/protocol.md), or null; and the answers the frame may get. */
export function expectedRawAnswer(frame: Buffer | string): { id: RequestId; expectation: Expectation } {
  const unreadable = { id: null, expectation: refusedWith("BAD_REQUEST") };
  if (typeof frame === "string") return unreadable;
  if (frame.length > REQUEST_BYTES_MAX) return { id: null, expectation: refusedWith("TOO_LARGE") };
  let decoded: unknown;
  try {
    decoded = gatewayLikeUnpackr.unpack(frame);
  } catch {
    return unreadable;
  }
  if (!isPlainObject(decoded)) return unreadable;
  const id = decoded["id"];
  const readable =
    (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) || (typeof id === "string" && id.length >= 1 && id.length <= CLIENT_IDENTIFIER_LENGTH_MAX);
  if (!readable) return unreadable;
  return { id, expectation: isOperation(decoded["op"]) ? ANY_ANSWER : refusalOfOtherThanAnOperation(decoded["op"]) };
}

/**
 * docs/protocol.md, WebSocket request: an `op` that is a string naming no operation is NOT_FOUND
 * (as over HTTP), refused before the other fields are read; a missing or non-string `op` is BAD_REQUEST.
 */
function refusalOfOtherThanAnOperation(op: unknown): Expectation {
  return typeof op === "string" ? refusedWith("NOT_FOUND") : refusedWith("BAD_REQUEST");
}

// ---------------------------------------------------------------------------------------------------
// WebSocket client
// ---------------------------------------------------------------------------------------------------

export interface SocketAnswer {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** How long an answer may take: the gateway answers refusals at once; this is for a loaded CI machine. */
const ANSWER_TIMEOUT_MILLISECONDS = 10_000;

/** A raw WebSocket that queues every answer frame, so that none goes unnoticed. */
export class FuzzSocket {
  private readonly queue: SocketAnswer[] = [];
  private readonly waiters: ((answer: SocketAnswer | FuzzViolation) => void)[] = [];
  private closedWith: string | undefined;
  private nextRequestNumber = 1;

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: RawData, isBinary: boolean) => {
      const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      const answer = { data: bytes, isBinary };
      const waiter = this.waiters.shift();
      if (waiter === undefined) this.queue.push(answer);
      else waiter(answer);
    });
    socket.on("close", (code: number, reason: Buffer) => {
      this.closedWith = `the gateway closed the connection (${code} ${reason.toString()})`;
      for (const waiter of this.waiters.splice(0)) waiter(new FuzzViolation(this.closedWith));
    });
    socket.on("error", () => undefined);
  }

  static async open(url: string, token: string): Promise<FuzzSocket> {
    const socket = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, maxPayload: 64 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new FuzzSocket(socket);
  }

  get isOpen(): boolean {
    return this.closedWith === undefined && this.socket.readyState === WebSocket.OPEN;
  }

  /** A fresh request id: numbers and strings in turn. */
  newId(): number | string {
    const number = this.nextRequestNumber;
    this.nextRequestNumber += 1;
    return number % 3 === 0 ? `fz-${number}` : number;
  }

  send(frame: Buffer | string): void {
    if (this.closedWith !== undefined) throw new FuzzViolation(this.closedWith);
    this.socket.send(frame, { binary: typeof frame !== "string" });
  }

  next(timeoutMilliseconds = ANSWER_TIMEOUT_MILLISECONDS): Promise<SocketAnswer> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closedWith !== undefined) return Promise.reject(new FuzzViolation(this.closedWith));
    return new Promise((resolve, reject) => {
      const waiter = (answer: SocketAnswer | FuzzViolation): void => {
        clearTimeout(timer);
        if (answer instanceof FuzzViolation) reject(answer);
        else resolve(answer);
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new FuzzViolation(`no answer within ${timeoutMilliseconds} ms`));
      }, timeoutMilliseconds);
      this.waiters.push(waiter);
    });
  }

  /** Answers that arrived without a request waiting for them. */
  unexpectedAnswers(): readonly SocketAnswer[] {
    return this.queue.splice(0);
  }

  /** Sends one request and reads its answer (the socket must have nothing else in flight). */
  async call(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.newId();
    this.send(clientPackr.pack({ id, ...fields }));
    const frame = decodeSocketAnswer(await this.next());
    if (frame["id"] !== id) throw new FuzzViolation(`asked ${describe({ id, ...fields })}, got the answer ${describe(frame)}`);
    return frame;
  }

  close(): void {
    this.socket.close();
  }
}

/** An answer frame must be one binary msgpack map. */
export function decodeSocketAnswer(answer: SocketAnswer): Record<string, unknown> {
  if (!answer.isBinary) throw new FuzzViolation(`a text frame answered: ${describe(answer.data.toString("utf8"))}`);
  const first = answer.data[0];
  if (first === undefined || !isMapHeader(first)) throw new FuzzViolation(`the answer is not a msgpack map: ${answer.data.subarray(0, 40).toString("hex")}`);
  let decoded: unknown;
  try {
    decoded = answerUnpackr.unpack(answer.data);
  } catch (error) {
    throw new FuzzViolation(`the answer is not valid msgpack (${String(error)}): ${answer.data.subarray(0, 40).toString("hex")}`);
  }
  if (!isPlainObject(decoded)) throw new FuzzViolation(`the answer is not a map: ${describe(decoded)}`);
  return decoded;
}

/** `{id, ok: true, ...}` or exactly `{id, ok: false, code, message}`, as `expectation` allows. */
export function checkSocketAnswer(frame: Record<string, unknown>, expectation: Expectation, tally: Tally, context: string): void {
  if (frame["ok"] === true) {
    count(tally, "OK");
    if (!expectation.okAllowed) throw new FuzzViolation(`accepted ${context}: ${describe(frame)}; expected ${expectation.codes.join(" or ")}`);
    return;
  }
  if (frame["ok"] !== false) throw new FuzzViolation(`answer without ok: true or false to ${context}: ${describe(frame)}`);
  const keys = Object.keys(frame).sort();
  if (!isDeepStrictEqual(keys, ["code", "id", "message", "ok"])) throw new FuzzViolation(`a refusal is {id, ok, code, message}, got ${describe(frame)} for ${context}`);
  const code = frame["code"];
  const message = frame["message"];
  if (!isErrorCode(code)) throw new FuzzViolation(`code ${describe(code)} is not in ERROR_CODES, answering ${context}`);
  count(tally, code);
  if (typeof message !== "string" || message.length === 0) throw new FuzzViolation(`a refusal without a message: ${describe(frame)} for ${context}`);
  if (!expectation.codes.includes(code)) {
    throw new FuzzViolation(`answered ${code} (${message}) to ${context}; expected ${expectation.okAllowed ? "ok or " : ""}${expectation.codes.join(" or ")}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------

export interface FuzzBudget {
  readonly runs: number;
  readonly seed: number;
}

export interface FuzzTarget {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly terminalToken: string;
  readonly adminToken: string;
  readonly members: readonly SentinelMember[];
}

function noLeftovers(socket: FuzzSocket, context: string): void {
  const extra = socket.unexpectedAnswers();
  if (extra.length > 0) {
    throw new FuzzViolation(
      `${extra.length} answer(s) nobody asked for ${context}: ${extra.map((answer) => describe(answerUnpackr.unpack(answer.data) as unknown)).join("; ")}`,
    );
  }
}

/**
 * Runs a property; a failure becomes one FuzzViolation with the gateway's misbehaviour, the failing
 * input (abridged: frames can be tens of KiB) and how to replay it. Properties over one connection are
 * not shrunk (`stateful`): after a failure the connection may hold answers that belong to the failing
 * run, and shrinking would blame the next inputs for them.
 */
async function assertProperty<T>(property: fc.IAsyncPropertyWithHooks<[T]>, budget: FuzzBudget, stateful: boolean): Promise<void> {
  const details = await fc.check(property, { numRuns: budget.runs, seed: budget.seed, endOnFailure: stateful });
  if (!details.failed) return;
  const error = details.errorInstance;
  const reason = error instanceof FuzzViolation ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
  throw new FuzzViolation(
    `${reason}\n  failing input (run ${details.numRuns}${stateful ? "" : `, shrunk ${details.numShrinks} times`}): ${describe(details.counterexample?.[0], 3_000)}` +
      `\n  replay: seed ${details.seed}, path "${details.counterexamplePath ?? ""}"`,
  );
}

/** Property 1: every raw frame gets exactly one well-formed answer and the connection stays open. */
export async function fuzzRawFrames(socket: FuzzSocket, budget: FuzzBudget, tally: Tally): Promise<void> {
  await assertProperty(
    fc.asyncProperty(rawFrameArbitrary(), async ({ kind, frame }) => {
      noLeftovers(socket, "before the frame");
      const { id, expectation } = expectedRawAnswer(frame);
      socket.send(frame);
      const answer = decodeSocketAnswer(await socket.next());
      const context = `a ${kind} frame of ${frame.length} ${typeof frame === "string" ? "characters" : "bytes"}`;
      if (answer["id"] !== id) throw new FuzzViolation(`answered id ${describe(answer["id"])} to ${context}; expected id ${describe(id)}: ${describe(answer)}`);
      checkSocketAnswer(answer, expectation, tally, context);
      if (!socket.isOpen) throw new FuzzViolation(`the connection closed after ${context}`);
    }),
    budget,
    true,
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  noLeftovers(socket, "after the raw frames");
}

/** Checks a request's after-effects that are not in its answer (a card that must not have been enrolled). */
async function checkAbsentCard(socket: FuzzSocket, card: string | undefined): Promise<void> {
  if (card === undefined) return;
  const answer = await socket.call({ op: "identify", card });
  if (answer["code"] !== "UNKNOWN_CARD") throw new FuzzViolation(`card ${card} exists after its enrolment was refused: ${describe(answer)}`);
}

/** Property 2: pipelined batches of invalid requests of `op`, each refused as expected, answered by id. */
export async function fuzzWebSocketRequests(
  socket: FuzzSocket,
  op: Operation,
  members: readonly SentinelMember[],
  budget: FuzzBudget & { readonly batch: number },
  tally: Tally,
): Promise<void> {
  await assertProperty(
    fc.asyncProperty(fc.array(invalidRequestArbitrary(op, members, "websocket"), { minLength: 1, maxLength: budget.batch }), async (requests) => {
      noLeftovers(socket, "before the batch");
      const pending = new Map<RequestId, InvalidRequest>();
      const unreadable: InvalidRequest[] = [];
      for (const request of requests) {
        const id = socket.newId();
        const frame = clientPackr.pack({ id, ...request.request });
        if (frame.length > REQUEST_BYTES_MAX) unreadable.push({ ...request, expectation: refusedWith("TOO_LARGE") });
        else pending.set(id, request);
        socket.send(frame);
      }
      for (let answered = 0; answered < requests.length; answered += 1) {
        const answer = decodeSocketAnswer(await socket.next());
        const id = answer["id"];
        const request = id === null ? unreadable.shift() : pending.get(id as string | number);
        if (request === undefined) throw new FuzzViolation(`an answer with an id nobody is waiting for: ${describe(answer)}`);
        if (id !== null) pending.delete(id as string | number);
        checkSocketAnswer(answer, request.expectation, tally, `${op} with ${request.notes.join("; ")}`);
      }
      if (!socket.isOpen) throw new FuzzViolation(`the connection closed after ${op} requests`);
      for (const request of requests) await checkAbsentCard(socket, request.absentCard);
    }),
    budget,
    true,
  );
}

// --- HTTP -------------------------------------------------------------------------------------------

/** One HTTP exchange to try, with the answers it may get. */
export interface HttpCase {
  readonly method: "POST" | "GET";
  /** The path segment after /v1/, already URL-encoded. */
  readonly op: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** Sent as a chunked stream in this many pieces (0: with a content-length). */
  readonly chunks: number;
  readonly expectation: Expectation;
  /** The format the answer must be in: the request's, when it is one the gateway reads. */
  readonly answerFormat: "json" | "msgpack";
  readonly note: string;
  readonly absentCard?: string;
}

const JSON_CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"];
const MSGPACK_CONTENT_TYPES = ["application/msgpack", "application/vnd.msgpack", "application/x-msgpack", "Application/Vnd.MsgPack; charset=binary"];
const WRONG_CONTENT_TYPES = [
  "text/plain", "text/json", "application/xml", "application/jsonp", "application/json-patch+json", "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fz", "application/octet-stream", "", "json", "application/*", "*/*", "application/json+msgpack",
];

/**
 * Bodies as a JSON client would write them. NaN and the infinities have no JSON form: written as bare
 * words they make the body invalid JSON. BigInts become long integer literals; binary an array of
 * bytes; dates an object (so that no invalid value turns valid on the way).
 */
export function toJsonText(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (value instanceof Date) return `{"$date":${JSON.stringify(value.toISOString())}}`;
  if (value instanceof Uint8Array) return `[${Array.from(value).join(",")}]`;
  if (Array.isArray(value)) return `[${value.map((item: unknown) => (item === undefined ? "null" : toJsonText(item))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${toJsonText((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return "null";
}

/** What the gateway may answer a body that reached it, judging the body as the format's parser does. */
function expectationOfRawBody(body: Buffer, format: "json" | "msgpack"): Expectation {
  let fields: unknown;
  if (body.length === 0) fields = {};
  else {
    try {
      fields = format === "json" ? (JSON.parse(body.toString("utf8")) as unknown) : gatewayLikeUnpackr.unpack(body);
    } catch {
      return refusedWith("BAD_REQUEST");
    }
  }
  if (!isPlainObject(fields) || "id" in fields || "op" in fields) return refusedWith("BAD_REQUEST");
  return ANY_ANSWER;
}

function formatOf(contentType: string | undefined): "json" | "msgpack" | undefined {
  if (contentType === undefined) return undefined;
  if (JSON_CONTENT_TYPES.includes(contentType)) return "json";
  if (MSGPACK_CONTENT_TYPES.includes(contentType)) return "msgpack";
  return undefined;
}

export function httpCaseArbitrary(target: FuzzTarget): fc.Arbitrary<HttpCase> {
  const authorization = fc.oneof(
    { arbitrary: fc.constant({ valid: true, header: `Bearer ${target.terminalToken}` as string | undefined }), weight: 12 },
    {
      arbitrary: fc.constantFrom<{ valid: boolean; header: string | undefined }>(
        { valid: false, header: undefined },
        { valid: false, header: "Bearer lt_not-a-token" },
        { valid: false, header: `Bearer ${target.adminToken}` },
        { valid: false, header: "Bearer" },
        { valid: false, header: `Basic ${Buffer.from("lane:secret").toString("base64")}` },
        { valid: false, header: `Bearer ${target.terminalToken}x` },
      ),
      weight: 1,
    },
  );
  const unknownOp = fc
    .oneof(
      fc.constantFrom("transfer", "Identify", "PING", "commit2", "calculate_", "v1", "refunds", "__proto__", "constructor"),
      fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"), minLength: 1, maxLength: 20 }),
      fc.string({ unit: "binary", minLength: 1, maxLength: 8 }).map((text) => encodeURIComponent(text)),
    )
    .filter((name) => !isOperation(name) && !/^[.]+$/.test(name) && name !== "ws" && name !== "admin");
  const operation = fc.oneof({ arbitrary: fc.constantFrom(...OPERATIONS), weight: 12 }, { arbitrary: unknownOp, weight: 1 });
  const contentType = fc.oneof(
    { arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES), weight: 8 },
    { arbitrary: fc.constantFrom(...MSGPACK_CONTENT_TYPES), weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom<string | undefined>(undefined, ...WRONG_CONTENT_TYPES),
        fc.stringMatching(/^[a-z0-9.+-]{1,20}$/).map((subtype) => `x-fuzz/${subtype}`),
      ),
      weight: 1,
    },
  );

  const requestsByOperation = new Map(OPERATIONS.map((op) => [op, invalidRequestArbitrary(op, target.members, "http")] as const));

  return fc
    .tuple(authorization, operation, contentType, fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 1 }))
    .chain(([auth, op, type, chunks]) => {
      const format = formatOf(type);
      const bodyFormat = format ?? "json";
      const encode = (fields: Record<string, unknown>): Buffer => (bodyFormat === "json" ? Buffer.from(toJsonText(fields), "utf8") : clientPackr.pack(fields));
      const structuredOp: Operation = isOperation(op) ? op : "identify";
      const requests = requestsByOperation.get(structuredOp) ?? invalidRequestArbitrary(structuredOp, target.members, "http");
      const structured = requests.map(({ request, expectation, notes, absentCard }) => {
        const { op: _op, ...fields } = request;
        return { body: encode(fields), bodyExpectation: expectation, note: notes.join("; "), absentCard };
      });
      const envelope = fc.tuple(requests, fc.constantFrom("id", "op")).map(([{ request }, key]) => {
        const { op: _op, ...fields } = request;
        return { body: encode({ ...fields, [key]: key === "id" ? 1 : structuredOp }), bodyExpectation: refusedWith("BAD_REQUEST"), note: `${key} in the body`, absentCard: undefined };
      });
      const raw = fc
        .oneof(
          fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
          fc.string({ maxLength: 200 }).map((text) => Buffer.from(text, "utf8")),
          fc.constantFrom("", "null", "[]", "1", '"card"', "true", "{", "}", "{}", "{,}", '{"card":}', "{'card':'1'}", '{"card":"1",}', "/* */{}", "\ufeff{}", "NaN", "{\"card\": NaN}").map(
            (text) => Buffer.from(text, "utf8"),
          ),
          structured.map(({ body }) => body).chain((body) => fc.nat().map((cut) => body.subarray(0, cut % Math.max(1, body.length)))),
          fc.integer({ min: 1, max: NESTING_DEPTH_MAX * 10 }).map((depth) => Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
          fc.integer({ min: 1, max: NESTING_DEPTH_MAX * 10 }).map((depth) => Buffer.from(`${'{"~":'.repeat(depth)}1${"}".repeat(depth)}`)),
        )
        .map((body) => ({ body, bodyExpectation: expectationOfRawBody(body, bodyFormat), note: "raw body", absentCard: undefined }));
      const oversized = blob(REQUEST_BYTES_MAX + 1, REQUEST_BYTES_MAX * 4).map((body) => ({
        body,
        bodyExpectation: refusedWith("TOO_LARGE"),
        note: "oversized body",
        absentCard: undefined,
      }));
      const method = fc.oneof({ arbitrary: fc.constant<"POST" | "GET">("POST"), weight: 20 }, { arbitrary: fc.constant<"POST" | "GET">("GET"), weight: 1 });
      return fc
        .tuple(fc.oneof({ arbitrary: structured, weight: 8 }, { arbitrary: raw, weight: 3 }, { arbitrary: oversized, weight: 1 }, { arbitrary: envelope, weight: 1 }), method)
        .map(([{ body, bodyExpectation, note, absentCard }, verb]): HttpCase => {
          let expectation: Expectation;
          if (verb === "GET") {
            expectation = auth.valid ? refusedWith("METHOD_NOT_ALLOWED") : refusedWith("METHOD_NOT_ALLOWED", "UNAUTHORIZED");
          } else if (!auth.valid) {
            expectation = refusedWith("UNAUTHORIZED");
          } else {
            // Each of these is refused before the body is read; the contract does not order them.
            const early: ErrorCode[] = [];
            if (!isOperation(op)) early.push("NOT_FOUND");
            if (format === undefined) early.push("UNSUPPORTED_MEDIA_TYPE");
            if (body.length > REQUEST_BYTES_MAX) early.push("TOO_LARGE");
            expectation = early.length > 0 ? refusedWith(...early) : body.length > REQUEST_BYTES_MAX ? refusedWith("TOO_LARGE") : bodyExpectation;
          }
          const reachesBody = verb === "POST" && auth.valid && isOperation(op) && format !== undefined && body.length <= REQUEST_BYTES_MAX;
          return {
            method: verb,
            op,
            authorization: auth.header,
            contentType: type,
            body: verb === "GET" ? Buffer.alloc(0) : body,
            chunks: verb === "GET" ? 0 : chunks,
            expectation,
            // GET /v1/<op> is answered by its own route, always in JSON.
            answerFormat: verb === "GET" ? "json" : (format ?? "json"),
            note: `${verb} /v1/${op} (${type ?? "no content type"}, ${auth.header === undefined ? "no token" : auth.valid ? "terminal token" : "wrong token"}): ${note}`,
            ...(reachesBody && absentCard !== undefined ? { absentCard } : {}),
          };
        });
    });
}

function bodyStream(body: Buffer, pieces: number): ReadableStream<Uint8Array> {
  const size = Math.ceil(body.length / pieces) || 1;
  return new ReadableStream({
    start(controller) {
      for (let offset = 0; offset < body.length; offset += size) controller.enqueue(new Uint8Array(body.subarray(offset, offset + size)));
      controller.close();
    },
  });
}

/** Sends one case and checks the answer: the code's status, `{code, message}` in the right format. */
export async function checkHttpCase(target: FuzzTarget, item: HttpCase, tally: Tally): Promise<void> {
  const headers: Record<string, string> = {};
  if (item.authorization !== undefined) headers["authorization"] = item.authorization;
  if (item.contentType !== undefined && item.method === "POST") headers["content-type"] = item.contentType;
  const init: RequestInit & { duplex?: "half" } = { method: item.method, headers, signal: AbortSignal.timeout(ANSWER_TIMEOUT_MILLISECONDS) };
  if (item.method === "POST") {
    if (item.chunks > 0) {
      init.body = bodyStream(item.body, item.chunks);
      init.duplex = "half";
    } else {
      init.body = new Uint8Array(item.body);
    }
  }
  let response: Response;
  let bytes: Buffer;
  try {
    response = await fetch(`${target.url}/v1/${item.op}`, init);
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new FuzzViolation(`no HTTP answer to ${item.note}: ${String(error)}${error instanceof Error && error.cause !== undefined ? ` (${String(error.cause)})` : ""}`);
  }
  const contentType = response.headers.get("content-type") ?? "";
  // A msgpack answer comes in the type the request was sent in, as the client spelt it (no Accept header here).
  const expectedType = item.answerFormat === "json" ? "application/json" : (item.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (contentType !== expectedType) throw new FuzzViolation(`answered ${response.status} as ${describe(contentType)} to ${item.note}; expected ${expectedType}`);
  let body: unknown;
  try {
    body = item.answerFormat === "json" ? (JSON.parse(bytes.toString("utf8")) as unknown) : answerUnpackr.unpack(bytes);
  } catch {
    throw new FuzzViolation(`answered ${response.status} with a body that is not ${item.answerFormat}: ${describe(bytes.toString("utf8"))} to ${item.note}`);
  }
  if (!isPlainObject(body)) throw new FuzzViolation(`answered ${response.status} with a body that is not an object: ${describe(body)} to ${item.note}`);
  if (response.status === 200) {
    count(tally, "OK");
    if (!item.expectation.okAllowed) throw new FuzzViolation(`accepted ${item.note}: ${describe(body)}; expected ${item.expectation.codes.join(" or ")}`);
    return;
  }
  const keys = Object.keys(body).sort();
  if (!isDeepStrictEqual(keys, ["code", "message"])) throw new FuzzViolation(`a refusal body is {code, message}, got ${describe(body)} (${response.status}) for ${item.note}`);
  const code = body["code"];
  if (!isErrorCode(code)) throw new FuzzViolation(`code ${describe(code)} is not in ERROR_CODES (${response.status}) for ${item.note}`);
  count(tally, code);
  if (typeof body["message"] !== "string" || body["message"].length === 0) throw new FuzzViolation(`a refusal without a message: ${describe(body)} for ${item.note}`);
  if (response.status !== HTTP_STATUS_BY_CODE[code]) {
    throw new FuzzViolation(`answered ${code} with status ${response.status}; docs/errors.md says ${HTTP_STATUS_BY_CODE[code]} (${item.note})`);
  }
  if (!item.expectation.codes.includes(code)) {
    throw new FuzzViolation(`answered ${code} (${String(body["message"])}) to ${item.note}; expected ${item.expectation.okAllowed ? "200 or " : ""}${item.expectation.codes.join(" or ")}`);
  }
}

/** Property 3: HTTP requests, invalid in every way the transport allows. */
export async function fuzzHttp(target: FuzzTarget, socket: FuzzSocket, budget: FuzzBudget, tally: Tally): Promise<void> {
  await assertProperty(
    fc.asyncProperty(httpCaseArbitrary(target), async (item) => {
      await checkHttpCase(target, item, tally);
      await checkAbsentCard(socket, item.absentCard);
    }),
    budget,
    false,
  );
}

// --- State and health --------------------------------------------------------------------------------

async function getJson(url: string, token?: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MILLISECONDS),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

/** The demo members, from the admin member view (phone, name, balance, welcome receipt). */
export async function readSentinelMembers(url: string, adminToken: string, cards: readonly string[]): Promise<SentinelMember[]> {
  const members: SentinelMember[] = [];
  for (const card of cards) {
    const { status, body } = await getJson(`${url}/v1/admin/members?card=${encodeURIComponent(card)}`, adminToken);
    if (status !== 200 || !isPlainObject(body)) throw new Error(`cannot read demo member ${card}: ${status} ${describe(body)}`);
    const activity = Array.isArray(body["activity"]) ? (body["activity"] as unknown[]) : [];
    const receipt = activity.find((entry): entry is Record<string, unknown> => isPlainObject(entry) && entry["kind"] === "receipt");
    const phone = body["phone"];
    const name = body["name"];
    const balance = body["balance"];
    if (typeof phone !== "string" || typeof name !== "string" || typeof balance !== "number" || receipt === undefined) {
      throw new Error(`demo member ${card} lacks a phone, name, balance or welcome receipt: ${describe(body)}`);
    }
    members.push({ card, phone, name, balance, welcomeReceipt: String(receipt["receipt"]), store: String(receipt["store"]) });
  }
  return members;
}

/** Everything a lane or an operator can see of the demo members. */
export async function readSentinelState(target: FuzzTarget, socket: FuzzSocket): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = {};
  for (const member of target.members) {
    const admin = await getJson(`${target.url}/v1/admin/members?card=${encodeURIComponent(member.card)}`, target.adminToken);
    state[member.card] = {
      identify: without(await socket.call({ op: "identify", card: member.card }), "id"),
      identifyByPhone: without(await socket.call({ op: "identify", phone: member.phone }), "id"),
      balance: without(await socket.call({ op: "balance", card: member.card, detail: true }), "id"),
      adminView: admin,
    };
  }
  return state;
}

function without(value: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _removed, ...rest } = value;
  return rest;
}

/** The first difference between two states, for a violation message. */
export function firstDifference(before: unknown, after: unknown, path = ""): string | undefined {
  if (isDeepStrictEqual(before, after)) return undefined;
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const difference = firstDifference(before[key], after[key], `${path}.${key}`);
      if (difference !== undefined) return difference;
    }
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let index = 0; index < Math.max(before.length, after.length); index += 1) {
      const difference = firstDifference(before[index] as unknown, after[index] as unknown, `${path}[${index}]`);
      if (difference !== undefined) return difference;
    }
  }
  return `${path || "(root)"}: ${describe(before)} became ${describe(after)}`;
}

export async function readHealth(url: string): Promise<{ status: number; body: unknown }> {
  return getJson(`${url}/health`);
}

// ---------------------------------------------------------------------------------------------------
// The long run: node dist/bench/fuzz-long.js
// ---------------------------------------------------------------------------------------------------

const USAGE = `Usage: node dist/bench/fuzz-long.js [--runs <n>] [--seed <n>] [--batch <n>]

Starts node dist/gateway/main.js --demo --demo-members 3 in a temporary directory, fuzzes it (raw WebSocket
frames, invalid requests of every operation over WebSocket and HTTP), prints the answers per code and
exits 1 on any violation: a malformed or missing answer, an unexpected code, INTERNAL, a closed
connection, a changed demo member, an unhealthy or exited gateway.

  --runs <n>    runs of each property (raw frames, each operation, HTTP); default ${1_000}, at most ${1_000_000}
  --seed <n>    fast-check seed, 0 to ${2 ** 31 - 1}; default: random (printed, to reproduce a run)
  --batch <n>   requests pipelined per WebSocket run, 1 to 64; default 16
`;

interface LongRunOptions {
  readonly runs: number;
  readonly seed: number;
  readonly batch: number;
}

class UsageError extends Error {}

function readBoundedInteger(text: string | undefined, flag: string, minimum: number, maximum: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) throw new UsageError(`--${flag} must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`);
  return value;
}

export function parseLongRunOptions(argv: readonly string[]): LongRunOptions | "help" {
  let values: { runs?: string; seed?: string; batch?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { runs: { type: "string" }, seed: { type: "string" }, batch: { type: "string" }, help: { type: "boolean" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) return "help";
  return {
    runs: readBoundedInteger(values.runs, "runs", 1, 1_000_000, 1_000),
    seed: readBoundedInteger(values.seed, "seed", 0, 2 ** 31 - 1, Math.floor(Math.random() * 2 ** 31)),
    batch: readBoundedInteger(values.batch, "batch", 1, 64, 16),
  };
}

interface StartedGateway {
  readonly url: string;
  readonly webSocketUrl: string;
  readonly terminalToken: string;
  readonly adminToken: string;
  readonly demoCards: readonly string[];
  readonly child: ChildProcess;
  /** The exit, once it happened. */
  exit(): string | undefined;
  /** Lines of stderr that report an internal error. */
  internalErrors(): readonly string[];
  stop(): Promise<void>;
}

/** A graceful stop drains the shards; ten seconds is plenty, after that it is stuck. */
const GATEWAY_STOP_GRACE_MILLISECONDS = 10_000;
/** The fuzzer's gateway starts over an empty directory with three demo members: a minute is plenty. */
const GATEWAY_START_TIMEOUT_MILLISECONDS = 60_000;

/** Starts the compiled gateway with a fresh data directory and reads its listening line. */
async function startGateway(): Promise<StartedGateway> {
  const dataDirectory = await mkdtemp(join(tmpdir(), "loycore-fuzz-"));
  const internalErrors: string[] = [];
  const onStderrLine = (line: string): void => {
    if (/internal error|invariant/i.test(line)) internalErrors.push(line);
  };
  let gateway: ServerProcess;
  try {
    gateway = await startServerProcess(dataDirectory, ["--demo", "--demo-members", "3"], {}, { onStderrLine, startTimeoutMilliseconds: GATEWAY_START_TIMEOUT_MILLISECONDS });
  } catch (error) {
    await rm(dataDirectory, { recursive: true, force: true });
    throw error;
  }
  const stop = async (): Promise<void> => {
    await gateway.stop(GATEWAY_STOP_GRACE_MILLISECONDS);
    await rm(dataDirectory, { recursive: true, force: true });
  };
  const { terminalToken, adminToken } = gateway;
  if (terminalToken === null || adminToken === null) {
    await stop();
    throw new Error("the gateway announced no terminal or admin token over a fresh --demo directory");
  }
  const exit = (): string | undefined =>
    gateway.hasExited() ? `code ${String(gateway.child.exitCode)}, signal ${String(gateway.child.signalCode)}` : undefined;
  return { ...gateway, terminalToken, adminToken, exit, internalErrors: () => internalErrors, stop };
}

/** Each property gets its own seed, derived from --seed and kept in fast-check's 31-bit range. */
function phaseSeed(seed: number, phase: number): number {
  return (seed + phase) % 2 ** 31;
}

function formatTally(tally: Tally): string {
  const entries = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, value]) => sum + value, 0);
  return `${entries.map(([code, value]) => `${code.padEnd(24)} ${String(value).padStart(9)}`).join("\n")}\n${"total".padEnd(24)} ${String(total).padStart(9)}`;
}

async function longRun(options: LongRunOptions): Promise<number> {
  const log = (message: string): void => {
    process.stderr.write(`fuzz: ${message}\n`);
  };
  log(`runs ${options.runs} per property, seed ${options.seed}, batch ${options.batch}`);
  const gateway = await startGateway();
  const violations: string[] = [];
  const tallies = new Map<string, Tally>();
  const started = Date.now();
  try {
    const members = await readSentinelMembers(gateway.url, gateway.adminToken, gateway.demoCards);
    const target: FuzzTarget = { ...gateway, members };
    const socket = await FuzzSocket.open(gateway.webSocketUrl, gateway.terminalToken);
    const before = await readSentinelState(target, socket);
    const phase = async (name: string, run: (tally: Tally) => Promise<void>): Promise<void> => {
      const tally: Tally = new Map();
      tallies.set(name, tally);
      const phaseStarted = Date.now();
      try {
        await run(tally);
      } catch (error) {
        violations.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      log(`${name}: ${[...tally.values()].reduce((sum, value) => sum + value, 0)} answers in ${((Date.now() - phaseStarted) / 1000).toFixed(1)} s`);
    };
    let openSocket = socket;
    let failedPhases = 0;
    // After a failed phase the connection may be closed or hold answers of the failing run: start afresh.
    const reopenIfClosed = async (): Promise<void> => {
      if (openSocket.isOpen && failedPhases === violations.length) return;
      failedPhases = violations.length;
      openSocket.close();
      openSocket = await FuzzSocket.open(gateway.webSocketUrl, gateway.terminalToken);
    };
    await phase("raw WebSocket frames", (tally) => fuzzRawFrames(openSocket, options, tally));
    for (const [index, op] of OPERATIONS.entries()) {
      await reopenIfClosed();
      await phase(`WebSocket ${op}`, (tally) => fuzzWebSocketRequests(openSocket, op, members, { ...options, seed: phaseSeed(options.seed, index + 1) }, tally));
    }
    await reopenIfClosed();
    await phase("HTTP", (tally) => fuzzHttp(target, openSocket, { ...options, seed: phaseSeed(options.seed, OPERATIONS.length + 1) }, tally));
    await reopenIfClosed();
    const after = await readSentinelState(target, openSocket);
    const difference = firstDifference(before, after);
    if (difference !== undefined) violations.push(`a demo member changed: ${difference}`);
    const health = await readHealth(gateway.url);
    if (health.status !== 200) violations.push(`GET /health answered ${health.status}: ${describe(health.body)}`);
    openSocket.close();
  } catch (error) {
    violations.push(`the run stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const exit = gateway.exit();
  if (exit !== undefined) violations.push(`the gateway exited during the run (${exit})`);
  for (const line of gateway.internalErrors()) violations.push(`the gateway logged: ${line}`);
  await gateway.stop();

  const all: Tally = new Map();
  for (const [name, tally] of tallies) {
    process.stdout.write(`\n${name}\n${formatTally(tally)}\n`);
    for (const [code, value] of tally) all.set(code, (all.get(code) ?? 0) + value);
  }
  process.stdout.write(`\nall answers (${((Date.now() - started) / 1000).toFixed(1)} s, seed ${options.seed})\n${formatTally(all)}\n`);
  if (violations.length > 0) {
    process.stdout.write(`\n${violations.length} violation(s):\n${violations.map((violation) => `- ${violation}`).join("\n")}\n`);
    return 1;
  }
  process.stdout.write("\nno violations\n");
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  let options: LongRunOptions | "help";
  try {
    options = parseLongRunOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`fuzz: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  return longRun(options);
}

const invokedAsScript = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedAsScript) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`fuzz: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
