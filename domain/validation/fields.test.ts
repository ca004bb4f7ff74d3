import { describe, expect, it } from "vitest";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { expectBadRequestMessage } from "../test-support/expect-bad-request.js";
import { itEach } from "../test-support/table-tests.js";
import {
  badRequest,
  isPlainObject,
  readArray,
  readInteger,
  readObject,
  readOptionalInteger,
  readOptionalString,
  readPositiveNumber,
  readString,
  refuseUnknownFields,
} from "./fields.js";

const ID_PATTERN = /^[a-z]+$/;

describe("badRequest", () => {
  it("builds a BAD_REQUEST LoycoreError whose message is the field followed by the expectation", () => {
    const error = badRequest("member.phone", "must be a string");
    expect(error).toBeInstanceOf(LoycoreError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("LoycoreError");
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toBe("member.phone must be a string");
  });
});

describe("isPlainObject", () => {
  itEach<{ readonly name: string; readonly value: unknown; readonly expected: boolean }>([
    { name: "treats an object literal as a plain object", value: { a: 1 }, expected: true },
    { name: "treats an empty object as a plain object", value: {}, expected: true },
    { name: "treats an object without a prototype as a plain object", value: Object.create(null) as unknown, expected: true },
    { name: "does not treat null as a plain object", value: null, expected: false },
    { name: "does not treat undefined as a plain object", value: undefined, expected: false },
    { name: "does not treat an array as a plain object", value: [1, 2], expected: false },
    { name: "does not treat a Uint8Array as a plain object", value: new Uint8Array(2), expected: false },
    { name: "does not treat a Buffer as a plain object", value: Buffer.from("ab"), expected: false },
    { name: "does not treat a string as a plain object", value: "object", expected: false },
    { name: "does not treat a number as a plain object", value: 1, expected: false },
    { name: "does not treat a function as a plain object", value: () => ({}), expected: false },
  ])(({ value, expected }) => {
    expect(isPlainObject(value)).toBe(expected);
  });
});

describe("readObject", () => {
  it("returns the very object it was given", () => {
    const input = { card: "123" };
    expect(readObject(input, "member")).toBe(input);
  });

  itEach<{ readonly name: string; readonly value: unknown }>([
    { name: "refuses null as an object", value: null },
    { name: "refuses an array as an object", value: [] },
    { name: "refuses a string as an object", value: "{}" },
    { name: "refuses bytes as an object", value: new Uint8Array(0) },
  ])(({ value }) => {
    expectBadRequestMessage(() => readObject(value, "member"), "member must be an object");
  });
});

describe("readString", () => {
  itEach<{ readonly name: string; readonly value: string; readonly pattern?: RegExp }>([
    { name: "returns a one-character string", value: "a" },
    { name: "returns a string of exactly the maximum length", value: "abcde" },
    { name: "returns a string that matches the pattern", value: "abc", pattern: ID_PATTERN },
    { name: "returns a string with spaces when no pattern is given", value: "a b c" },
  ])(({ value, pattern }) => {
    expect(readString(value, "member.name", 5, pattern)).toBe(value);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly pattern?: RegExp; readonly message: string }>([
    { name: "refuses a number as a string", value: 5, message: "member.name must be a string" },
    { name: "refuses null as a string", value: null, message: "member.name must be a string" },
    { name: "refuses undefined as a string", value: undefined, message: "member.name must be a string" },
    { name: "refuses an empty string", value: "", message: "member.name must not be empty" },
    { name: "refuses a string one character over the maximum", value: "abcdef", message: "member.name must be at most 5 characters" },
    {
      name: "refuses a string that does not match the pattern and names the pattern",
      value: "ab1",
      pattern: ID_PATTERN,
      message: "member.name must match /^[a-z]+$/",
    },
  ])(({ value, pattern, message }) => {
    expectBadRequestMessage(() => readString(value, "member.name", 5, pattern), message);
  });
});

describe("readOptionalString", () => {
  itEach<{ readonly name: string; readonly value: unknown; readonly expected: string | undefined }>([
    { name: "reads undefined as absent", value: undefined, expected: undefined },
    { name: "reads null as absent", value: null, expected: undefined },
    { name: "reads a present string as itself", value: "abc", expected: "abc" },
  ])(({ value, expected }) => {
    expect(readOptionalString(value, "member.name", 5, ID_PATTERN)).toBe(expected);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly message: string }>([
    { name: "refuses an empty string rather than treating it as absent", value: "", message: "member.name must not be empty" },
    { name: "refuses a present string that breaks the pattern", value: "ABC", message: "member.name must match /^[a-z]+$/" },
    { name: "refuses a present string that is too long", value: "abcdef", message: "member.name must be at most 5 characters" },
    { name: "refuses a boolean", value: false, message: "member.name must be a string" },
  ])(({ value, message }) => {
    expectBadRequestMessage(() => readOptionalString(value, "member.name", 5, ID_PATTERN), message);
  });
});

describe("readInteger", () => {
  itEach<{ readonly name: string; readonly value: number }>([
    { name: "accepts the minimum itself", value: -10 },
    { name: "accepts the maximum itself", value: 100 },
    { name: "accepts zero inside the range", value: 0 },
    { name: "accepts an integer written with a fractional zero", value: 42.0 },
  ])(({ value }) => {
    expect(readInteger(value, "receipt.amount", -10, 100)).toBe(value);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly message: string }>([
    { name: "refuses a fraction", value: 1.5, message: "receipt.amount must be an integer" },
    { name: "refuses NaN", value: Number.NaN, message: "receipt.amount must be an integer" },
    { name: "refuses Infinity", value: Number.POSITIVE_INFINITY, message: "receipt.amount must be an integer" },
    { name: "refuses a numeric string", value: "5", message: "receipt.amount must be an integer" },
    { name: "refuses a bigint", value: 5n, message: "receipt.amount must be an integer" },
    { name: "refuses a boolean", value: true, message: "receipt.amount must be an integer" },
    { name: "refuses a missing value", value: undefined, message: "receipt.amount must be an integer" },
    { name: "refuses one below the minimum", value: -11, message: "receipt.amount must be at least -10" },
    { name: "refuses one above the maximum", value: 101, message: "receipt.amount must be at most 100" },
  ])(({ value, message }) => {
    expectBadRequestMessage(() => readInteger(value, "receipt.amount", -10, 100), message);
  });
});

describe("readOptionalInteger", () => {
  itEach<{ readonly name: string; readonly value: unknown; readonly expected: number | undefined }>([
    { name: "reads undefined as absent", value: undefined, expected: undefined },
    { name: "reads null as absent", value: null, expected: undefined },
    { name: "reads zero as zero, not as absent", value: 0, expected: 0 },
    { name: "reads a present integer as itself", value: 7, expected: 7 },
  ])(({ value, expected }) => {
    expect(readOptionalInteger(value, "receipt.at", 0, 10)).toBe(expected);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly message: string }>([
    { name: "refuses a present fraction", value: 0.5, message: "receipt.at must be an integer" },
    { name: "refuses a present integer out of range", value: 11, message: "receipt.at must be at most 10" },
    { name: "refuses a present string", value: "", message: "receipt.at must be an integer" },
  ])(({ value, message }) => {
    expectBadRequestMessage(() => readOptionalInteger(value, "receipt.at", 0, 10), message);
  });
});

describe("readPositiveNumber", () => {
  itEach<{ readonly name: string; readonly value: number }>([
    { name: "accepts a fractional quantity", value: 0.375 },
    { name: "accepts the smallest positive double", value: Number.MIN_VALUE },
    { name: "accepts the maximum itself", value: 1_000 },
  ])(({ value }) => {
    expect(readPositiveNumber(value, "line.qty", 1_000)).toBe(value);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly message: string }>([
    { name: "refuses NaN", value: Number.NaN, message: "line.qty must be a finite number" },
    { name: "refuses Infinity", value: Number.POSITIVE_INFINITY, message: "line.qty must be a finite number" },
    { name: "refuses minus Infinity", value: Number.NEGATIVE_INFINITY, message: "line.qty must be a finite number" },
    { name: "refuses a numeric string", value: "1", message: "line.qty must be a finite number" },
    { name: "refuses zero", value: 0, message: "line.qty must be greater than 0" },
    { name: "refuses negative zero", value: -0, message: "line.qty must be greater than 0" },
    { name: "refuses a negative number", value: -0.5, message: "line.qty must be greater than 0" },
    { name: "refuses a number just above the maximum", value: 1_000.001, message: "line.qty must be at most 1000" },
  ])(({ value, message }) => {
    expectBadRequestMessage(() => readPositiveNumber(value, "line.qty", 1_000), message);
  });
});

describe("readArray", () => {
  itEach<{ readonly name: string; readonly value: readonly unknown[] }>([
    { name: "accepts an array of exactly the minimum length", value: [1] },
    { name: "accepts an array of exactly the maximum length", value: [1, 2, 3] },
  ])(({ value }) => {
    expect(readArray(value, "receipt.lines", 1, 3)).toBe(value);
  });

  itEach<{ readonly name: string; readonly value: unknown; readonly message: string }>([
    { name: "refuses an object with numeric keys", value: { 0: "a" }, message: "receipt.lines must be an array" },
    { name: "refuses a typed array", value: new Uint8Array(2), message: "receipt.lines must be an array" },
    { name: "refuses an array shorter than the minimum", value: [], message: "receipt.lines must have at least 1 items" },
    { name: "refuses an array longer than the maximum", value: [1, 2, 3, 4], message: "receipt.lines must have at most 3 items" },
  ])(({ value, message }) => {
    expectBadRequestMessage(() => readArray(value, "receipt.lines", 1, 3), message);
  });
});

describe("refuseUnknownFields", () => {
  const KNOWN: ReadonlySet<string> = new Set(["card", "phone"]);

  itEach<{ readonly name: string; readonly input: Record<string, unknown> }>([
    { name: "accepts an object whose fields are all known", input: { card: "1", phone: "2" } },
    { name: "accepts an object with only some of the known fields", input: { card: "1" } },
    { name: "accepts an empty object", input: {} },
  ])(({ input }) => {
    expect(() => refuseUnknownFields(input, "member", KNOWN)).not.toThrow();
  });

  itEach<{ readonly name: string; readonly input: Record<string, unknown>; readonly field: string; readonly message: string }>([
    {
      name: "names an unknown field under its parent",
      input: { card: "1", email: "a@b" },
      field: "member",
      message: "member.email is not a known field",
    },
    {
      name: "names an unknown field alone when the parent is the root",
      input: { email: "a@b" },
      field: "",
      message: "email is not a known field",
    },
    {
      name: "refuses a field that differs from a known one only by case",
      input: { Card: "1" },
      field: "member",
      message: "member.Card is not a known field",
    },
    {
      name: "refuses an own __proto__ key from parsed JSON",
      input: JSON.parse('{"__proto__": {"card": "1"}}') as Record<string, unknown>,
      field: "member",
      message: "member.__proto__ is not a known field",
    },
  ])(({ input, field, message }) => {
    expectBadRequestMessage(() => refuseUnknownFields(input, field, KNOWN), message);
  });
});
