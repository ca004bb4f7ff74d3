import { describe, expect, it } from "vitest";
import { simpleProgram } from "../domain/test-support/simple-program.js";
import { createInMemoryCluster } from "../gateway/shards/in-memory-cluster.js";
import type { Program } from "../protocol/program-document.js";
import type { Receipt } from "../domain/receipt/receipt.js";
import { unpackAnswer } from "../protocol/packed-answer.js";
import { ProgramSet } from "./program-set.js";

const NOW = Date.UTC(2026, 2, 10, 12);
const MEMBER = "m00000000000000a1";

function receipt(id: string, amount: number): Receipt {
  return { id, store: "cafe-1", at: NOW - 1_000, lines: [{ sku: "sku-1", qty: 1, price: amount, amount }] };
}

/** A partner's program as the gateway sends it: its own version (numbered per partner). */
function partnerProgram(version: number, accrualRateBasisPoints: number): Program {
  return { ...simpleProgram(version, accrualRateBasisPoints), name: `Cafe ${version}` };
}

describe("a shard's set of programs", () => {
  it("prices with the coalition program for every partner while none runs its own", () => {
    const programs = new ProgramSet(simpleProgram(3));
    expect(programs.forPartner("cafe")).toBe(programs.coalition);
    expect(programs.forPartner(undefined)).toBe(programs.coalition);
    expect(programs.partnerVersions()).toEqual({});
    expect(new ProgramSet(null).forPartner("cafe")).toBeNull();
  });

  it("prices a partner's stores with its own program, switched and removed whole, and compiles it again with a new coalition program", () => {
    const programs = new ProgramSet(simpleProgram(3), [{ partner: "cafe", program: partnerProgram(1, 3_000) }]);
    const first = programs.forPartner("cafe");
    expect(first).toMatchObject({ partner: "cafe", version: 1 });
    expect(programs.forPartner("bakery")).toBe(programs.coalition);
    programs.setPartner("cafe", partnerProgram(2, 4_000));
    expect(programs.forPartner("cafe")).toMatchObject({ partner: "cafe", version: 2 });
    programs.setCoalition({ ...simpleProgram(4), timeZone: "Asia/Tokyo", coalition: { redemption: "issuerOnly" } });
    // The shared sections are the new coalition program's; the partner's own version stays.
    expect(programs.forPartner("cafe")?.program).toMatchObject({ version: 2, timeZone: "Asia/Tokyo", coalition: { redemption: "issuerOnly" } });
    expect(programs.partnerVersions()).toEqual({ cafe: 2 });
    programs.setPartner("cafe", null);
    expect(programs.forPartner("cafe")).toBe(programs.coalition);
    expect(programs.partnerVersions()).toEqual({});
  });

  it("answers a receipt with the program of the store's partner over the shards, a retried commit with its first answer after a switch", async () => {
    const { cluster } = createInMemoryCluster({ shardThreads: 2, program: simpleProgram(1, 1_000), clock: () => NOW, partnerPrograms: [{ partner: "cafe", program: partnerProgram(1, 3_000) }] });
    expect(await cluster.requestForMember({ kind: "enroll", memberId: MEMBER, profile: { card: "1", phone: null, name: null, birthDate: null } })).toMatchObject({ ok: true });
    // A commit's answer crosses packed, as the gateway splices it into the lane's frame.
    const commit = async (id: string, partner: string): Promise<unknown> => {
      const reply = await cluster.requestForMember({ kind: "commit", memberId: MEMBER, receipt: receipt(id, 10_000), redeem: 0, partner });
      return reply.ok ? unpackAnswer(reply.value) : reply;
    };
    const first = await commit("r-1", "cafe");
    expect(first).toMatchObject({ points: 3_000, programVersion: 1, programPartner: "cafe" });
    const switched = await cluster.broadcast({ kind: "setPartnerProgram", partner: "cafe", program: partnerProgram(2, 5_000) });
    expect(switched.map((reply) => reply.ok && reply.value)).toEqual([
      { partner: "cafe", version: 2 },
      { partner: "cafe", version: 2 },
    ]);
    expect(await commit("r-1", "cafe")).toEqual(first);
    expect(await commit("r-2", "cafe")).toMatchObject({ points: 5_000, programVersion: 2, programPartner: "cafe" });
    const atBakery = await commit("r-3", "bakery");
    expect(atBakery).toMatchObject({ points: 1_000, programVersion: 1 });
    expect(atBakery).not.toHaveProperty("programPartner");
    const identified = await cluster.requestForMember({ kind: "lookup", memberId: MEMBER, partner: "cafe" });
    expect(identified).toMatchObject({ ok: true, value: { programVersion: 2, programPartner: "cafe" } });
    const health = await cluster.broadcast({ kind: "health" });
    expect(health.map((reply) => reply.ok && reply.value.partnerPrograms)).toEqual([{ cafe: 2 }, { cafe: 2 }]);
    await cluster.broadcast({ kind: "setPartnerProgram", partner: "cafe", program: null });
    expect(await commit("r-4", "cafe")).toMatchObject({ points: 1_000, programVersion: 1 });
  });
});
