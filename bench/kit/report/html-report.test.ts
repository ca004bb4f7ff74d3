import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import { describe, expect, it } from "vitest";
import { renderHtmlReport } from "./html-report.js";
import { percentileSpectrum } from "./percentile-spectrum.js";
import { CEILING_RATES, HOSTILE_SETTING, encodedHistogram, latencies, scenarioResultFixture } from "./test-support/scenario-result-fixture.js";
import { writeReports } from "./write-reports.js";

interface Polyline {
  readonly series: string;
  readonly points: { x: number; y: number }[];
}

function charts(html: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of html.matchAll(/<svg class="chart" data-chart="([^"]+)"[\s\S]*?<\/svg>/g)) found.set(match[1] ?? "", match[0]);
  return found;
}

function polylines(svg: string): Polyline[] {
  return [...svg.matchAll(/<polyline data-series="([^"]+)"[^>]*points="([^"]+)"/g)].map((match) => ({
    series: match[1] ?? "",
    points: (match[2] ?? "").split(" ").map((pair) => {
      const [x, y] = pair.split(",").map(Number);
      return { x: x ?? Number.NaN, y: y ?? Number.NaN };
    }),
  }));
}

describe("HTML report", () => {
  const result = scenarioResultFixture();
  const html = renderHtmlReport(result);
  const svgs = charts(html);

  it("has one svg per chart: throughput, latency and server per phase, the distribution per mode", () => {
    expect((html.match(/<svg/g) ?? []).length).toBe(svgs.size);
    expect([...svgs.keys()]).toEqual([
      "throughput-0",
      "latency-0",
      "server-cpu-0",
      "server-rss-0",
      "throughput-1",
      "latency-1",
      "server-cpu-1",
      "server-rss-1",
      "throughput-2",
      "latency-2",
      "distribution-lanes",
    ]);
    expect(html).toContain("open-loop: no latency histogram to draw (no successes).");
  });

  it("draws one point per interval, higher rates higher on the chart", () => {
    const throughput = polylines(svgs.get("throughput-0") ?? "");
    const requests = throughput.find((line) => line.series === "requests/s");
    expect(throughput.map((line) => line.series)).toEqual(["requests/s", "receipts/s", "errors/s"]);
    expect(requests?.points).toHaveLength(CEILING_RATES.length);
    const points = requests?.points ?? [];
    for (let index = 1; index < points.length; index += 1) {
      expect(points[index]?.x).toBeGreaterThan(points[index - 1]?.x ?? Number.POSITIVE_INFINITY);
    }
    // SVG y grows downwards: the highest rate (21,000 at the third second) is the smallest y.
    const highest = points.reduce((best, point, index) => ((point.y < (points[best]?.y ?? Number.POSITIVE_INFINITY)) ? index : best), 0);
    expect(highest).toBe(CEILING_RATES.indexOf(21_000));
    const cpu = polylines(svgs.get("server-cpu-1") ?? "");
    expect(cpu[0]?.points).toHaveLength(result.phases[1]?.intervals.length ?? -1);
  });

  it("draws the offered rate only when a phase has one", () => {
    expect(polylines(svgs.get("throughput-2") ?? "").map((line) => line.series)).toEqual(["requests/s", "receipts/s", "offered/s", "errors/s"]);
  });

  it("draws the percentile spectrum of every operation, ceiling and loycore on one chart", () => {
    const lines = polylines(svgs.get("distribution-lanes") ?? "");
    expect(lines.map((line) => line.series)).toEqual(["ceiling ping", "loycore identify", "loycore calculate", "loycore commit"]);
    for (const line of lines) expect(line.points).toHaveLength(101);
    expect(svgs.get("distribution-lanes")).toContain("99.999%");
    // The ceiling is 0.3 ms at base, commit 1.4 ms: the commit curve lies above (smaller y) at the median.
    const median = 20; // x = log10(2) is not sampled; the 20th point is x = 1, the 90th percentile.
    expect(lines[3]?.points[median]?.y).toBeLessThan(lines[0]?.points[median]?.y ?? 0);
  });

  it("shows no latency line for a phase without successes, and says so", () => {
    expect(polylines(svgs.get("latency-2") ?? "")).toEqual([]);
    expect(svgs.get("latency-2")).toContain(">no data<");
    expect(html).toContain("No server figures for this phase");
  });

  it("escapes every string from the result", () => {
    expect(html).not.toContain(HOSTILE_SETTING);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;");
  });

  it("needs nothing from the network", () => {
    expect(html).not.toMatch(/<link|<script|src=|@import|url\(/i);
    const addresses = [...html.matchAll(/https?:\/\/[^\s"')<]+/g)].map((match) => match[0]);
    expect(new Set(addresses)).toEqual(new Set(["http://www.w3.org/2000/svg"]));
  });

  it("has the tables: checks with their verdicts, the share of the ceiling, machine and dataset", () => {
    expect(html).toContain(`<td class="met">met</td>`);
    expect(html).toContain(`<td class="not-met">NOT met</td>`);
    expect(html).toContain("0.850 (85.0 %)");
    expect(html).toContain("2.18 1.90 1.86");
    expect(html).toContain("23,810");
    expect(html).toContain("BUSY 3, TIMEOUT 1");
  });
});

describe("percentile spectrum", () => {
  it("reads the histogram's latency at each percentile on the 1/(1-p) axis", () => {
    const encoded = encodedHistogram(latencies(1));
    const histogram = decodeFromCompressedBase64(encoded);
    const points = percentileSpectrum(encoded);
    expect(points).toHaveLength(101);
    expect(points[0]?.x).toBe(0);
    expect(points[20]?.x).toBe(1);
    expect(points[20]?.y).toBe(histogram.getValueAtPercentile(90) / 1000);
    expect(points[40]?.y).toBe(histogram.getValueAtPercentile(99) / 1000);
    expect(points[100]?.x).toBe(5);
    expect(points[100]?.y).toBeCloseTo(20, 1);
  });
});

describe("written reports", () => {
  it("writes result.json and report.html into the directory", async () => {
    const directory = await mkdtemp(join(tmpdir(), "loycore-report-"));
    try {
      const written = await writeReports(scenarioResultFixture(), join(directory, "nested"));
      expect(JSON.parse(await readFile(written.jsonPath, "utf8"))).toEqual(scenarioResultFixture());
      expect(await readFile(written.htmlPath, "utf8")).toContain("<!doctype html>");
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
