import { describe, expect, it } from "vitest";
import { apiErrorOf } from "./api-error.js";

describe("an admin API refusal", () => {
  it("keeps the server's code, message and program problems", () => {
    const error = apiErrorOf(400, { code: "BAD_REQUEST", message: "points: bad", problems: [{ path: "points.accrualRateBasisPoints", message: "must be an integer" }, { nope: 1 }] });
    expect(error).toMatchObject({ code: "BAD_REQUEST", message: "points: bad", status: 400 });
    expect(error.problems).toEqual([{ path: "points.accrualRateBasisPoints", message: "must be an integer" }]);
  });

  it("becomes INTERNAL naming the status when the body is not a loycore answer", () => {
    expect(apiErrorOf(502, "<html>bad gateway</html>")).toMatchObject({ code: "INTERNAL", status: 502, message: expect.stringContaining("502") });
  });
});
