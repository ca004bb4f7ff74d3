import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDatasetScenario } from "./dataset-scenario.js";

const SMOKE_MEMBERS = 2_000;

describe("dataset scenario", () => {
  it("imports the members, starts the gateway over them and reports import rate, start-up time and memory", async () => {
    const base = await mkdtemp(join(tmpdir(), "loycore-dataset-test-"));
    const dataDirectory = join(base, "data");
    const progress: string[] = [];
    try {
      const result = await runDatasetScenario(["--members", String(SMOKE_MEMBERS), "--data-dir", dataDirectory, "--import-threads", "1"], {
        log: () => undefined,
        progress: (line) => progress.push(line),
      });
      expect(result.scenario).toBe("dataset");
      expect(result.dataset?.members).toBe(SMOKE_MEMBERS);
      expect(result.dataset?.membersPerSecond).toBeGreaterThan(0);
      expect(result.dataset?.serverStartSeconds).toBeGreaterThan(0);
      expect(result.dataset?.serverRssMebibytesAfterStart).toBeGreaterThan(10);
      expect(result.notes.join("\n")).toContain(`card 2000000002000 is served`);
      // A given data directory is kept, and a second run over it imports nothing new.
      expect(existsSync(join(dataDirectory, "control"))).toBe(true);
      const again = await runDatasetScenario(["--members", String(SMOKE_MEMBERS), "--data-dir", dataDirectory, "--import-threads", "0"], {
        log: () => undefined,
        progress: () => undefined,
      });
      expect(again.dataset?.membersPerSecond).toBe(0);
      expect(again.notes.join("\n")).toContain(`${SMOKE_MEMBERS} of the members were in the data directory already`);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it("refuses a member count beyond ten million, naming the flag", async () => {
    await expect(runDatasetScenario(["--members", "10000001"], { log: () => undefined, progress: () => undefined })).rejects.toThrow("--members");
  });
});
