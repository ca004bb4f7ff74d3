import { describe, expect, it } from "vitest";
import { assembleDocument, changedSections, problemsBySection, sectionOf, sectionTexts, WHOLE_DOCUMENT } from "./program-sections.js";

describe("the program editor's sections", () => {
  it("split a program into pretty JSON per section, without its version, known sections first", () => {
    const texts = sectionTexts({ version: 3, extra: 1, points: { accrualRateBasisPoints: 500 }, name: "P" });
    expect([...texts.keys()]).toEqual(["name", "points", "extra"]);
    expect(texts.get("name")).toBe('"P"');
  });

  it("assemble the document back, leaving empty sections out", () => {
    expect(assembleDocument(new Map([["name", '"P"'], ["lines", "  "]]))).toEqual({ ok: true, document: { name: "P" } });
  });

  it("report a section that is not JSON at that section", () => {
    const assembled = assembleDocument(new Map([["points", "{ accrual: 5 }"]]));
    expect(assembled.ok).toBe(false);
    if (!assembled.ok) expect(assembled.problems[0]?.path).toBe("points");
  });

  it("place each validator problem at the section its path starts with", () => {
    const sections = ["name", "statuses", "points"];
    expect(sectionOf("statuses.levels[1].threshold", sections)).toBe("statuses");
    expect(sectionOf("$", sections)).toBe(WHOLE_DOCUMENT);
    expect(sectionOf("unknownThing", sections)).toBe(WHOLE_DOCUMENT);
    const grouped = problemsBySection([{ path: "points.accrualRateBasisPoints", message: "must be an integer" }, { path: "$", message: "x" }], sections);
    expect(grouped.get("points")).toHaveLength(1);
    expect(grouped.get(WHOLE_DOCUMENT)).toHaveLength(1);
  });

  it("name the sections two versions differ in", () => {
    expect([...changedSections({ version: 1, name: "A", points: { a: 1 } }, { version: 2, name: "A", points: { a: 2 }, lines: {} })]).toEqual(["points", "lines"]);
  });
});
