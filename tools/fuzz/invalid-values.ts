// Invalid values for every kind of field; runs in the fuzzer's own process, not in the gateway.
import fc from "fast-check";
import {
  CARD_NUMBER_LENGTH_MAX,
  CLIENT_IDENTIFIER_LENGTH_MAX,
  LINE_QUANTITY_MAX,
  MEMBER_NAME_LENGTH_MAX,
  RECEIPT_LINES_MAX,
  RECEIPT_TIME_MAX_EPOCH_MILLISECONDS,
} from "../../domain/limits.js";
import { LONG_STRING_LENGTH_MAX, NESTING_DEPTH_MAX } from "./vocabulary.js";
import { longString, nestedValue } from "./msgpack.js";
import { cardCharacter, digit, isCardCharacter, isClientIdCharacter, printableAscii, withForbiddenCharacter } from "./character-sets.js";
import { validCard, validClientId, validPhone } from "./valid-requests.js";

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
export const nonString: fc.Arbitrary<unknown> = fc.oneof(
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

export function invalidClientId(required: boolean): fc.Arbitrary<unknown> {
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

export function invalidCard(required: boolean): fc.Arbitrary<unknown> {
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

export const invalidPhone: fc.Arbitrary<unknown> = fc.oneof(
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
export function invalidInteger(minimum: number, maximum: number, required: boolean): fc.Arbitrary<unknown> {
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

export const invalidQuantity: fc.Arbitrary<unknown> = withNull(
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

export const invalidBoolean: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(0, 1, -1, Number.NaN, "true", "false", "", "yes", [], [true]),
  fc.integer(),
  junkDictionary,
  fc.uint8Array({ maxLength: 8 }),
  hugeOrNegativeBigInt,
  dateJunk,
);

/** Anything but an object (arrays where objects are expected, among others). */
export function invalidObject(validExample: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
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
export function invalidArray(validItem: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
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

export const invalidVisitStatus: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("Came", "CAME", "came ", " came", "didnotcome", "did_not_come", "noShow", "", "came\u0000", "сame"),
  fc.string({ maxLength: 12 }).filter((status) => status !== "came" && status !== "didNotCome"),
  nonString,
  fc.constant(null),
);

export const invalidBirthDate: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "2023-02-30", "2023-13-01", "2023-00-10", "1999-02-29", "2024-04-31", "9999-99-99", "2023-1-01", "2023/01/01", "01-01-2023",
    "2023-01-01T00:00:00Z", "２０２３-01-01", "", " 2023-01-01", "2023-01-01 ",
  ),
  fc.string({ maxLength: 12 }).filter((text) => !/^\d{4}-\d{2}-\d{2}$/.test(text)),
  longString(digit, 11, LONG_STRING_LENGTH_MAX),
  nonString,
);

export const invalidName: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(""),
  longString(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), MEMBER_NAME_LENGTH_MAX + 1, LONG_STRING_LENGTH_MAX),
  nonString,
);

/** A value for an unknown field: anything (null included: the field is still there), never undefined. */
export const unknownFieldValue: fc.Arbitrary<unknown> = fc.oneof(fc.constant(null), fc.string({ maxLength: 20 }), fc.integer(), nonString);
