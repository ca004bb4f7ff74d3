import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, HTTP_STATUS_BY_CODE } from "./error-codes.js";

const errorsPage = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");

describe("error codes", () => {
  it("are each documented in docs/errors.md with their HTTP status", () => {
    for (const code of ERROR_CODES) {
      expect(errorsPage, code).toContain(`| \`${code}\` | ${HTTP_STATUS_BY_CODE[code]} |`);
    }
  });

  it("are listed in docs/errors.md in the order of the code, so appended codes stay appended", () => {
    const documented = [...errorsPage.matchAll(/^\| `([A-Z_]+)` \| \d{3} \|/gm)].map((match) => match[1]);
    expect(documented).toEqual([...ERROR_CODES]);
  });
});
