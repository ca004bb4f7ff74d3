import { describe, expect, it } from "vitest";
import { CEILING_BODY_OVERHEAD_BYTES, ceilingResponseBody, formatResponseBytes, parseResponseBytes } from "./http-ceiling-body.js";
import { startHttpCeilingServer } from "./http-ceiling-server-process.js";
import { ProcessSampler } from "./server-sampler.js";

describe("HTTP ceiling bodies", () => {
  it("are JSON of exactly the size asked for", () => {
    for (const bytes of [CEILING_BODY_OVERHEAD_BYTES, 862, 4096]) {
      const body = ceilingResponseBody(bytes);
      expect(Buffer.byteLength(body)).toBe(bytes);
      expect(JSON.parse(body)).toHaveProperty("padding");
    }
    expect(() => ceilingResponseBody(CEILING_BODY_OVERHEAD_BYTES - 1)).toThrow(/bytes/);
  });

  it("sizes round-trip through the server's flag and bad ones are refused", () => {
    const sizes = new Map([["calculate", 862], ["commit", 899]]);
    expect(parseResponseBytes(formatResponseBytes(sizes))).toEqual(sizes);
    expect(() => parseResponseBytes("calculate=big")).toThrow(/--response-bytes/);
  });
});

describe("HTTP ceiling server (needs npm run build)", () => {
  it("answers each operation with a body of its size and stops", async () => {
    const server = await startHttpCeilingServer(new Map([["calculate", 500], ["commit", 700]]));
    try {
      for (const [operation, bytes] of [["calculate", 500], ["commit", 700], ["identify", 700]] as const) {
        const response = await fetch(`${server.url}/v1/${operation}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(response.status).toBe(200);
        expect(Buffer.byteLength(await response.text())).toBe(bytes);
      }
    } finally {
      await server.stop();
    }
    // Stopped means gone: its /proc entry is.
    expect(await new ProcessSampler(server.pid).read()).toBeNull();
  });
});
