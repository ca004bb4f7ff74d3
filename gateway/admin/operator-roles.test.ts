import { describe, expect, it } from "vitest";
import { isOperatorRole, mayAct, OPERATOR_ROLES } from "./operator-roles.js";

describe("operator roles", () => {
  it("let an admin do everything, operators included", () => {
    for (const permission of ["read", "program", "members", "terminals", "setup", "operators"] as const) expect(mayAct("admin", permission)).toBe(true);
  });

  it("let a read-only operator read and nothing else", () => {
    expect(mayAct("read-only", "read")).toBe(true);
    for (const permission of ["program", "members", "terminals", "setup", "operators"] as const) expect(mayAct("read-only", permission)).toBe(false);
  });

  it("let a marketer change the program but not members, and support the reverse", () => {
    expect(mayAct("marketer", "program")).toBe(true);
    expect(mayAct("marketer", "members")).toBe(false);
    expect(mayAct("support", "members")).toBe(true);
    expect(mayAct("support", "terminals")).toBe(true);
    expect(mayAct("support", "program")).toBe(false);
  });

  it("recognise exactly the four role names", () => {
    expect(OPERATOR_ROLES.every(isOperatorRole)).toBe(true);
    expect(isOperatorRole("root")).toBe(false);
    expect(isOperatorRole(undefined)).toBe(false);
  });
});
