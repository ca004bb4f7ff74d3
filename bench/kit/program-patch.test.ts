import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { patchedProgram, readCampaignsDocument, readProgramPatch } from "./program-patch.js";

describe("the kit's program patch (--program-file)", () => {
  it("replaces the program's sections the patch names, keeps the others and drops the version", () => {
    const program = { name: "Demo", version: 3, points: { accrualRateBasisPoints: 500 }, cardTypes: [] };
    expect(patchedProgram(program, { cardTypes: [{ id: "vip", name: "VIP" }] })).toEqual({ name: "Demo", points: { accrualRateBasisPoints: 500 }, cardTypes: [{ id: "vip", name: "VIP" }] });
  });

  it("refuses a file that is missing, not JSON or not an object, naming the flag", async () => {
    const directory = mkdtempSync(join(tmpdir(), "program-patch-"));
    try {
      writeFileSync(join(directory, "bad.json"), "{ not json");
      writeFileSync(join(directory, "array.json"), "[]");
      await expect(readProgramPatch(join(directory, "none.json"))).rejects.toThrow(/--program-file .* cannot be read/);
      await expect(readProgramPatch(join(directory, "bad.json"))).rejects.toThrow(/is not JSON/);
      await expect(readProgramPatch(join(directory, "array.json"))).rejects.toThrow(/must hold a JSON object/);
      await expect(readCampaignsDocument(join(directory, "array.json"))).rejects.toThrow(/--campaigns-file .* must hold a campaigns document/);
      await expect(readCampaignsDocument(join(directory, "none.json"))).rejects.toThrow(/--campaigns-file .* cannot be read/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
