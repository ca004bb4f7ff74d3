import { unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { startCeilingServer } from "./ceiling-process.js";
import { DEFAULT_ANSWER_BYTES, encodeAnswerTemplate, jsonBodyOfSize, parseSizes } from "./ceiling-server.js";
import { ProcessSampler } from "./server-sampler.js";

describe("ceiling server answers", () => {
  it("are msgpack maps { id, ok, pad } of exactly the size asked, with the id patched in place", () => {
    for (const bytes of [22, 23, 300, 950, 65_536]) {
      const template = encodeAnswerTemplate(bytes);
      template.writeUInt32BE(123_456, 5);
      expect(template.length).toBe(bytes);
      const answer = unpack(template) as { id: number; ok: boolean; pad: Uint8Array };
      expect(answer.id).toBe(123_456);
      expect(answer.ok).toBe(true);
      expect(answer.pad.length).toBe(bytes - 22);
    }
  });

  it("answer HTTP with JSON bodies of exactly the size asked", () => {
    for (const bytes of [20, 21, 512]) {
      const body = jsonBodyOfSize(bytes);
      expect(body.length).toBe(bytes);
      expect(JSON.parse(body)).toMatchObject({ ok: true });
    }
  });

  it("refuses sizes it cannot produce, naming the flag", () => {
    expect(parseSizes("identify=300,commit=950", "--sizes")).toEqual(new Map([["identify", 300], ["commit", 950]]));
    expect(() => parseSizes("identify=10", "--sizes")).toThrow(/--sizes: "identify=10"/);
    expect(() => parseSizes("commit", "--sizes")).toThrow(/--sizes/);
  });
});

describe("ceiling server process (needs npm run build)", () => {
  it("answers each operation over HTTP with a body of its size, and is gone once stopped", async () => {
    const server = await startCeilingServer({ answerBytes: {}, httpBodyBytes: { calculate: 500, commit: 700 } });
    try {
      for (const [operation, bytes] of [["calculate", 500], ["commit", 700], ["identify", DEFAULT_ANSWER_BYTES]] as const) {
        const response = await fetch(`${server.url}/v1/${operation}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(response.status).toBe(200);
        expect(Buffer.byteLength(await response.text())).toBe(bytes);
      }
    } finally {
      await server.stop();
    }
    expect(await new ProcessSampler(server.pid).read()).toBeNull();
  });
});
