import { describe, expect, it } from "vitest";
import { hasProgramPermission } from "./permissions.js";

describe("the console's copy of the program permission", () => {
  it("is held by admins and marketers, not by support or read-only operators", () => {
    expect((["admin", "marketer", "support", "read-only"] as const).map(hasProgramPermission)).toEqual([true, true, false, false]);
  });
});
