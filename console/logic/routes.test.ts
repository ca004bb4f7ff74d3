import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTE, formatRoute, navigationFor, parseRoute, titleOf } from "./routes.js";

describe("console routes", () => {
  it("read a page and a member id from the hash and write them back", () => {
    expect(parseRoute("#/members/m0123456789abcdef")).toEqual({ page: "members", member: "m0123456789abcdef" });
    expect(parseRoute("#/program")).toEqual({ page: "program" });
    expect(formatRoute({ page: "members", member: "m0123456789abcdef" })).toBe("#/members/m0123456789abcdef");
    expect(parseRoute(formatRoute({ page: "audit" }))).toEqual({ page: "audit" });
  });

  it("send an empty or unknown hash to the default page", () => {
    expect(parseRoute("")).toEqual(DEFAULT_ROUTE);
    expect(parseRoute("#/nowhere")).toEqual(DEFAULT_ROUTE);
  });

  it("show the operators page to admins only", () => {
    expect(navigationFor("admin").map((item) => item.page)).toContain("operators");
    expect(navigationFor("read-only").map((item) => item.page)).not.toContain("operators");
  });

  it("show the surveys page to every role", () => {
    expect(parseRoute("#/surveys")).toEqual({ page: "surveys" });
    for (const role of ["admin", "marketer", "support", "read-only"] as const) expect(navigationFor(role).map((item) => item.page)).toContain("surveys");
  });

  it("give every page its own title", () => {
    const titles = new Set(["program", "members", "setup", "audit", "live", "operators"].map((page) => titleOf(parseRoute(`#/${page}`))));
    expect(titles.size).toBe(6);
  });
});
