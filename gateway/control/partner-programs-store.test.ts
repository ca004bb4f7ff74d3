import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Program } from "../../protocol/program-document.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { ControlStore, type PartnerProgramRecord } from "./control-store.js";

/** Only the fields the store reads; it keeps whatever program it is given. */
function record(partner: string, version: number, named: boolean): PartnerProgramRecord {
  const program = named ? ({ name: `${partner} ${version}`, version } as unknown as Program) : null;
  return { partner, version, program, at: version * 1_000, operator: "olga" };
}

const audit = (action: string) => ({ at: 1, action, operator: "olga", detail: {} });

describe("ControlStore: partners' own programs", () => {
  it("keeps each partner's versions apart, newest first, the ones in force after a reopen, and an audit record with each", async () => {
    const directory = makeTemporaryDirectory("control-partner-programs");
    const path = join(directory.path, "control");
    let store = new ControlStore({ path });
    try {
      // "a" and "a:b" are different partners, whatever their ids' bytes share.
      for (const entry of [record("a", 1, true), record("a:b", 1, true), record("a", 2, true), record("b", 1, true), record("b", 2, false), record("c", 1, true)]) {
        await store.appendPartnerProgram(entry, audit(entry.program === null ? "remove-partner-program" : "put-partner-program"));
      }
      expect(store.currentPartnerProgram("a")).toEqual(record("a", 2, true));
      expect(store.currentPartnerProgram("b")).toEqual(record("b", 2, false));
      expect(store.currentPartnerProgram("d")).toBeUndefined();
      expect(store.readPartnerProgram("a", 1)).toEqual(record("a", 1, true));
      expect(store.listPartnerPrograms("a", null, 1)).toEqual({ items: [record("a", 2, true)], next: 2 });
      expect(store.listPartnerPrograms("a", 2, 1)).toEqual({ items: [record("a", 1, true)], next: null });
      expect(store.listPartnerPrograms("a:b", null, 10).items.map((each) => each.version)).toEqual([1]);
      expect(store.readAuditFiltered(null, 10, { action: "remove-partner-program" }).items).toHaveLength(1);
      await store.close();
      store = new ControlStore({ path });
      expect(store.partnerProgramsInForce().map(({ partner, version }) => [partner, version])).toEqual([
        ["a", 2],
        ["a:b", 1],
        ["c", 1],
      ]);
    } finally {
      await store.close();
      directory.remove();
    }
  });
});
