import { describe, expect, it } from "vitest";
import { histogramBuckets, parsePrometheusText, sumBy, sumOf } from "./prometheus-text.js";

describe("the Prometheus text parser", () => {
  it("reads names, labels (escapes included) and values, and skips comments", () => {
    const samples = parsePrometheusText('# HELP x y\nx_total{a="1",b="q\\"uote"} 2.5\nplain 7 1700000000\n\nbroken line\n');
    expect(samples).toEqual([
      { name: "x_total", labels: { a: "1", b: 'q"uote' }, value: 2.5 },
      { name: "plain", labels: {}, value: 7 },
    ]);
  });

  it("sums a metric over labels, filtered or grouped", () => {
    const samples = parsePrometheusText('r{op="a",code="OK"} 1\nr{op="a",code="BUSY"} 2\nr{op="b",code="OK"} 4\n');
    expect(sumOf(samples, "r")).toBe(7);
    expect(sumOf(samples, "r", { op: "a" })).toBe(3);
    expect([...sumBy(samples, "r", "code")]).toEqual([["OK", 5], ["BUSY", 2]]);
  });

  it("orders histogram buckets by bound with +Inf last", () => {
    const samples = parsePrometheusText('h_bucket{le="+Inf"} 9\nh_bucket{le="0.5"} 3\nh_bucket{le="0.1"} 1\n');
    expect(histogramBuckets(samples, "h")).toEqual([
      { upperBound: 0.1, count: 1 },
      { upperBound: 0.5, count: 3 },
      { upperBound: Number.POSITIVE_INFINITY, count: 9 },
    ]);
  });
});
