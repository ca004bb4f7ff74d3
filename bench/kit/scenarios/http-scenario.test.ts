import { describe, expect, it } from "vitest";
import { KitUsageError, parseFlags } from "../kit-flags.js";
import { errorCodeOf } from "./http-phase.js";
import { HTTP_CONNECTIONS_MAX, httpScenario } from "./http-scenario.js";

/** The HTTP scenario's flags, parsed and checked the way the CLI does (its smoke run is in kit.test.ts). */
function parse(argumentsAfterScenario: readonly string[]): Readonly<Record<string, unknown>> {
  const values = parseFlags(argumentsAfterScenario, httpScenario.flags);
  httpScenario.validate(values);
  return values;
}

describe("HTTP scenario flags", () => {
  it("applies the documented defaults when no flag is given", () => {
    expect(parse([])).toMatchObject({
      connections: 100,
      pipelining: 1,
      "duration-seconds": 10,
      members: 100_000,
      operation: "mix",
      "receipt-lines": 5,
      url: null,
      token: null,
      "data-dir": null,
    });
  });

  it.each([
    ["--connections", ["--connections", String(HTTP_CONNECTIONS_MAX + 1)]],
    ["--connections", ["--connections", "1.5"]],
    ["--pipelining", ["--pipelining", "0"]],
    ["--duration-seconds", ["--duration-seconds", "ten"]],
    ["--members", ["--members", "-3"]],
    ["--operation", ["--operation", "refund"]],
    ["--receipt-lines", ["--receipt-lines", "501"]],
    ["--url", ["--url", "ws://127.0.0.1:1/v1/ws", "--token", "t"]],
    ["--token", ["--url", "http://127.0.0.1:1"]],
    ["--token", ["--token", "t"]],
    ["--data-dir", ["--url", "http://127.0.0.1:1", "--token", "t", "--data-dir", "data"]],
    ["--lanes", ["--lanes", "4"]],
  ])("refuses a bad %s with an error naming it", (flag, argumentsAfterScenario) => {
    expect(() => parse(argumentsAfterScenario)).toThrow(KitUsageError);
    expect(() => parse(argumentsAfterScenario)).toThrow(flag);
  });

  it("accepts a remote loycore with its token", () => {
    expect(parse(["--url", "http://10.0.0.5:8080/", "--token", "t", "--operation", "commit"])).toMatchObject({
      url: "http://10.0.0.5:8080/",
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
