import { describe, expect, it } from "vitest";
import { FULL_EXAMPLE_PROGRAM } from "../domain/program/seed-programs.js";
import { validateProgramDocument } from "../domain/program/validate-program-document.js";
import { logicalShardOf } from "../domain/placement/shard-function.js";
import { MemoryShardFiles } from "./memory-shard.js";
import { openMemoryShardActor, settleTurns, type MemoryShardActor } from "./test-support/memory-shard-actor.js";
import type { OutboxEntry, ShardReply, ShardRequest } from "./shard-messages.js";

const NOW = Date.UTC(2026, 0, 15);
/** Bronze from 2,000,000 sold in a lifetime (the seed's classes). */
const FIRST = { ...validateProgramDocument(FULL_EXAMPLE_PROGRAM), version: 1 };
const SECOND_CLASSES = {
  ...FULL_EXAMPLE_PROGRAM.classes,
  classes: FULL_EXAMPLE_PROGRAM.classes.classes.map((candidate) => (candidate.id === "bronze" ? { ...candidate, criteria: [{ counter: "sold" as const, from: 3_000_000 }] } : candidate)),
};
/** Bronze from 3,000,000: members with 2,500,000 lose it. */
const SECOND = { ...validateProgramDocument({ ...FULL_EXAMPLE_PROGRAM, classes: SECOND_CLASSES }), version: 2 };
const MEMBERS = ["m00000000000000b1", "m00000000000000b2", "m00000000000000b3", "m00000000000000b4"];

function valueOf<Value>(reply: ShardReply): Value {
  if (!reply.ok) throw new Error(`${reply.code}: ${reply.message}`);
  return reply.value as Value;
}

async function classEvents(shard: MemoryShardActor): Promise<OutboxEntry[]> {
  const read: ShardRequest = { kind: "outboxRead", ref: 90, section: "events", endpoint: null, after: null, limit: 1_000 };
  return valueOf<{ entries: OutboxEntry[] }>(await shard.call(read)).entries.filter((event) => event.kind === "class.changed");
}

/** Every member bronze under the first program (its commit's class.changed), all in LMDB. */
async function bronzeMembers(shard: MemoryShardActor): Promise<void> {
  for (const [index, memberId] of MEMBERS.entries()) {
    const logicalShard = logicalShardOf(memberId);
    valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard, memberId, profile: { card: `b${index}`, phone: null, name: null, birthDate: null } }));
    const receipt = { id: `r${index}`, store: "s1", at: NOW, lines: [{ sku: "a", qty: 1, price: 2_500_000, amount: 2_500_000 }] };
    valueOf(await shard.call({ kind: "commit", ref: 2, logicalShard, memberId, receipt, redeem: 0, partner: "p1" }));
  }
  // The classes members are told about from now on.
  expect(shard.actor.walkClassSwitch(1_000)).toBe(0);
}

describe("class.changed after a program switch", () => {
  it("tells each member whose class the new program's classes change, once, in a record of its own, and no one else", async () => {
    const shard = openMemoryShardActor({ program: FIRST, clock: () => NOW, eventKinds: ["class.changed"] });
    await bronzeMembers(shard);
    valueOf(await shard.call({ kind: "setProgram", ref: 3, program: SECOND }));
    expect(shard.actor.walkClassSwitch(1_000)).toBeGreaterThan(0);
    await shard.actor.checkpointNow();
    while (shard.actor.walkClassSwitch(1_000) > 0);
    const switched = (await classEvents(shard)).filter((event) => event.data["cause"] === "program");
    expect(switched.map((event) => [event.memberId, event.data]).sort()).toEqual(
      [...MEMBERS].sort().map((memberId) => [memberId, { from: "bronze", to: null, receipt: null, store: null, cause: "program" }]),
    );
    expect(switched.every((event) => event.sequence === 2 && event.number === 0)).toBe(true);
    // Done: another step, or the same program again, tells no one again.
    expect(shard.actor.walkClassSwitch(1_000)).toBe(0);
    valueOf(await shard.call({ kind: "setProgram", ref: 4, program: { ...SECOND, version: 3 } }));
    shard.actor.walkClassSwitch(1_000);
    expect((await classEvents(shard)).filter((event) => event.data["cause"] === "program")).toHaveLength(MEMBERS.length);
  });

  it("resumes after a crash mid-walk and tells no member twice", async () => {
    const files = new MemoryShardFiles();
    const shard = openMemoryShardActor({ program: FIRST, clock: () => NOW, files, eventKinds: ["class.changed"] });
    await bronzeMembers(shard);
    valueOf(await shard.call({ kind: "setProgram", ref: 3, program: SECOND }));
    shard.actor.walkClassSwitch(2);
    await shard.actor.checkpointNow();
    let told = 0;
    while (told < 2) {
      shard.actor.walkClassSwitch(2);
      told = (await classEvents(shard)).filter((event) => event.data["cause"] === "program").length;
    }
    expect(told).toBeLessThan(MEMBERS.length);
    await settleTurns();
    shard.log.crash();

    // The restarted thread starts with the new program: its walk goes on from where the log says.
    const again = openMemoryShardActor({ program: SECOND, clock: () => NOW, files, eventKinds: ["class.changed"] });
    while (again.actor.walkClassSwitch(2) > 0);
    const switched = (await classEvents(again)).filter((event) => event.data["cause"] === "program");
    expect(switched.map((event) => event.memberId).sort()).toEqual([...MEMBERS].sort());
  });

  it("writes nothing for a switch while no endpoint takes class.changed", async () => {
    const shard = openMemoryShardActor({ program: FIRST, clock: () => NOW, eventKinds: ["points.accrued"] });
    for (const [index, memberId] of MEMBERS.entries()) {
      valueOf(await shard.call({ kind: "enroll", ref: 1, logicalShard: logicalShardOf(memberId), memberId, profile: { card: `b${index}`, phone: null, name: null, birthDate: null } }));
    }
    let appended = 0;
    const append = shard.log.append.bind(shard.log);
    shard.log.append = (payload) => {
      appended += 1;
      return append(payload);
    };
    valueOf(await shard.call({ kind: "setProgram", ref: 3, program: SECOND }));
    await shard.actor.checkpointNow();
    expect(shard.actor.walkClassSwitch(1_000)).toBe(0);
    expect(appended).toBe(0);
  });
});
