import { expect } from "vitest";
import { LoycoreError } from "../../protocol/errors/loycore-error.js";
import { caught } from "./caught.js";

/** Asserts that an action throws a BAD_REQUEST LoycoreError for input validation, and returns it. */
function caughtBadRequest(action: () => unknown): LoycoreError {
  const error = caught(action);
  expect(error).toBeInstanceOf(LoycoreError);
  const coded = error as LoycoreError;
  expect(coded.code).toBe("BAD_REQUEST");
  return coded;
}

/** Asserts a BAD_REQUEST LoycoreError naming `field` as the first word of its message, and returns it. */
export function expectBadRequest(action: () => unknown, field: string): LoycoreError {
  const coded = caughtBadRequest(action);
  // The message starts with the field it is about: "receipt.lines[1].amount must be ...".
  expect(coded.message.split(" ")[0]).toBe(field);
  return coded;
}

/** Asserts a BAD_REQUEST LoycoreError whose message is exactly "<field> <expectation>". */
export function expectBadRequestMessage(action: () => unknown, message: string): LoycoreError {
  const coded = caughtBadRequest(action);
  expect(coded.message).toBe(message);
  return coded;
}
