import { describe, expect, it } from "vitest";
import { KitUsageError, parseFlags } from "./kit-flags.js";
import type { FlagSpec } from "./kit-flags.js";
import { validateLoadFlags } from "./load-flags.js";
import { lanesScenario, LANES_DEFAULT } from "./scenarios/lanes-scenario.js";

const SPECS: readonly FlagSpec[] = [
  { name: "lanes", kind: "integer", minimum: 1, maximum: 10, default: 5, help: "" },
  { name: "share", kind: "number", minimum: 0, maximum: 1, default: 0.5, help: "" },
  { name: "flow", kind: "choice", choices: ["full", "commit"], default: "full", help: "" },
  { name: "json", kind: "boolean", default: false, help: "" },
  { name: "url", kind: "string", default: null, help: "" },
];

describe("kit flags", () => {
  it("applies defaults and reads values given as separate or inline arguments", () => {
    expect(parseFlags([], SPECS)).toEqual({ lanes: 5, share: 0.5, flow: "full", json: false, url: null });
    expect(parseFlags(["--lanes", "7", "--share=0.25", "--flow", "commit", "--json", "--url", "ws://x"], SPECS)).toEqual({
      lanes: 7,
      share: 0.25,
      flow: "commit",
      json: true,
      url: "ws://x",
    });
  });

  it.each([
    [["--lanes", "11"], "--lanes must be at most 10"],
    [["--lanes", "2.5"], "--lanes must be an integer"],
    [["--lanes"], "--lanes needs a value"],
    [["--share", "-0.1"], "--share must be at least 0"],
    [["--flow", "half"], "--flow must be one of full, commit"],
    [["--lanes", "2", "--lanes", "3"], "--lanes is given twice"],
    [["--speed", "3"], "unknown flag --speed"],
    [["lanes"], 'unexpected argument "lanes"'],
  ])("refuses %j with a message naming the flag", (argumentsGiven, message) => {
    expect(() => parseFlags(argumentsGiven, SPECS)).toThrow(KitUsageError);
    expect(() => parseFlags(argumentsGiven, SPECS)).toThrow(message);
  });

  it("checks the load flags against each other", () => {
    const parse = (argumentsGiven: string[]): void => validateLoadFlags(parseFlags(argumentsGiven, lanesScenario.flags));
    expect(parseFlags([], lanesScenario.flags)["lanes"]).toBe(LANES_DEFAULT);
    expect(() => parse(["--url", "ws://10.0.0.5:8080/v1/ws"])).toThrow("--token is required with --url");
    expect(() => parse(["--url", "http://10.0.0.5:8080", "--token", "t"])).toThrow("--url must be a ws:// URL");
    expect(() => parse(["--cards-file", "cards.txt"])).toThrow("--cards-file is only for --url");
    expect(() => parse(["--url", "ws://10.0.0.5:8080/v1/ws", "--token", "t", "--data-dir", "data"])).toThrow("--data-dir is only for a gateway the kit starts");
    expect(() => parse(["--members", "10000001"])).toThrow("--members must be at most 10000000");
    expect(parseFlags([], lanesScenario.flags)["members"]).toBe(100_000);
    expect(() => parse(["--members", "10000000", "--data-dir", "data"])).not.toThrow();
    expect(() => parse(["--lines-min", "5", "--lines-max", "4"])).toThrow("--lines-min must not exceed --lines-max");
    expect(() => parse(["--url", "ws://10.0.0.5:8080/v1/ws", "--token", "t", "--members", "10000000"])).not.toThrow();
  });
});
