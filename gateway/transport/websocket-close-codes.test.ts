import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as closeCodes from "./websocket-close-codes.js";

const protocolPage = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

describe("the WebSocket close codes", () => {
  it("are each in the close-code table of docs/protocol.md", () => {
    const codes = Object.values(closeCodes);
    expect(codes.length).toBeGreaterThan(0);
    for (const code of codes) expect(protocolPage, String(code)).toMatch(new RegExp(`^\\| ${code} \\|`, "m"));
  });
});
