import { describe, expect, it } from "vitest";
import { chooseScale, lineChart, seriesSegments } from "./svg-chart.js";

describe("SVG line chart", () => {
  it("breaks a series at a null instead of drawing it through zero", () => {
    const points = [
      { x: 1, y: 5 },
      { x: 2, y: null },
      { x: 3, y: 7 },
      { x: 4, y: 8 },
    ];
    expect(seriesSegments(points, "linear")).toEqual([[{ x: 1, y: 5 }], [{ x: 3, y: 7 }, { x: 4, y: 8 }]]);
    const svg = lineChart({ id: "c", title: "t", xLabel: "s", yLabel: "ms", yScale: "linear", series: [{ label: "p99", points }] });
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg.match(/<circle/g)).toHaveLength(1);
  });

  it("drops values a log scale cannot draw", () => {
    expect(seriesSegments([{ x: 1, y: 0 }, { x: 2, y: 3 }], "log")).toEqual([[{ x: 2, y: 3 }]]);
  });

  it("turns logarithmic only when values spread widely", () => {
    expect(chooseScale([1, 2, 3, null])).toBe("linear");
    expect(chooseScale([0.5, 40])).toBe("log");
    expect(chooseScale([null, 0])).toBe("linear");
  });

  it("escapes labels and titles", () => {
    const svg = lineChart({ id: "<x>", title: "a<b", xLabel: "&", yLabel: "\"", yScale: "linear", series: [{ label: "<s>", points: [] }] });
    expect(svg).not.toMatch(/<x>|a<b|<s>/);
    expect(svg).toContain("a&lt;b");
    expect(svg).toContain(">no data<");
  });
});
