import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { CONNECTIONS_MAX, HttpScenarioUsageError, parseHttpScenarioOptions } from "./http-options.js";
import { errorCodeOf } from "./http-phase.js";

/**
 * The smoke run uses the build (dist/), as `npm test` runs after `npm run build`: the gateway and the
 * ceiling server are child processes, and Node runs only the compiled JavaScript.
 */
const COMPILED_SCENARIO_PATH = fileURLToPath(new URL("../../../dist/bench/kit/scenarios/http-scenario.js", import.meta.url));

describe("HTTP scenario options", () => {
  it("applies the documented defaults when no flag is given", () => {
    expect(parseHttpScenarioOptions([])).toEqual({
      connections: 100,
      pipelining: 1,
      durationSeconds: 10,
      members: 2000,
      operation: "mix",
      receiptLines: 5,
      url: undefined,
      token: undefined,
    });
  });

  it.each([
    ["--connections", ["--connections", String(CONNECTIONS_MAX + 1)]],
    ["--connections", ["--connections", "1.5"]],
    ["--pipelining", ["--pipelining", "0"]],
    ["--duration-seconds", ["--duration-seconds", "ten"]],
    ["--members", ["--members", "-3"]],
    ["--operation", ["--operation", "refund"]],
    ["--receipt-lines", ["--receipt-lines", "501"]],
    ["--url", ["--url", "ws://127.0.0.1:1/v1/ws", "--token", "t"]],
    ["--token", ["--url", "http://127.0.0.1:1"]],
    ["--token", ["--token", "t"]],
    ["--lanes", ["--lanes", "4"]],
  ])("refuses a bad %s with an error naming it", (flag, argv) => {
    expect(() => parseHttpScenarioOptions(argv)).toThrow(HttpScenarioUsageError);
    expect(() => parseHttpScenarioOptions(argv)).toThrow(flag);
  });

  it("accepts a remote loycore with its token and drops a trailing slash", () => {
    expect(parseHttpScenarioOptions(["--url", "http://10.0.0.5:8080/", "--token", "t", "--operation", "commit"])).toMatchObject({
      url: "http://10.0.0.5:8080",
      token: "t",
      operation: "commit",
    });
  });
});

describe("HTTP error codes", () => {
  it("takes loycore's code from the body and falls back on the status", () => {
    expect(errorCodeOf(503, '{"code":"BUSY","message":"later"}')).toBe("BUSY");
    expect(errorCodeOf(502, "<html>Bad gateway</html>")).toBe("HTTP_502");
    expect(errorCodeOf(400, '{"code":"<script>"}')).toBe("HTTP_400");
  });
});

describe("HTTP scenario smoke run (needs npm run build)", () => {
  it("runs the ceiling and loycore phases over HTTP with successes and no errors", async () => {
    const { runHttpScenario } = (await import(pathToFileURL(COMPILED_SCENARIO_PATH).href)) as typeof import("./http-scenario.js");
    const logged: string[] = [];
    const result = await runHttpScenario(["--connections", "10", "--duration-seconds", "2", "--members", "200"], {
      log: (line) => logged.push(line),
      progress: (line) => logged.push(line),
    });

    expect(result.scenario).toBe("http");
    expect(result.phases.map((phase) => phase.target)).toEqual(["ceiling", "loycore"]);
    for (const phase of result.phases) {
      expect(phase.operations.map((operation) => operation.operation)).toEqual(["calculate", "commit"]);
      for (const operation of phase.operations) {
        expect(operation.successes).toBeGreaterThan(0);
        expect(operation.errorsByCode).toEqual({});
        expect(operation.histogramBase64).not.toBeNull();
      }
      expect(phase.intervals.length).toBeGreaterThanOrEqual(1);
      expect(phase.server?.rssMebibytesMax).toBeGreaterThan(0);
    }
    const loycore = result.phases[1];
    expect(loycore?.receiptsPerSecond).toBeGreaterThan(0);
    expect(result.checks[0]?.measured).toBeGreaterThan(0);
    expect(logged.some((line) => line.includes("loycore phase"))).toBe(true);
  }, 30_000);
});
