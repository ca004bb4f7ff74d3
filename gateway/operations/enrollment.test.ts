import { describe, expect, it } from "vitest";
import { MemoryDirectoryData, MemoryDirectoryStore } from "../directory/memory-directory-store.js";
import { createInMemoryCluster } from "../shards/in-memory-cluster.js";
import { StorageFullError } from "../../shard/storage/storage-failure.js";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { outcomeOfError } from "../transport/request-handler.js";
import { Enrollment } from "./enrollment.js";
import { KeyLocks } from "./key-locks.js";

const PROGRAM = simpleProgram();

function setUp() {
  const directoryData = new MemoryDirectoryData();
  const directory = new MemoryDirectoryStore(directoryData);
  const { cluster } = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 1 });
  return { directory, directoryData, cluster, enrollment: new Enrollment(directory, cluster) };
}

describe("Enrollment", () => {
  it("gives two lanes enrolling the same card at once one member, not two", async () => {
    const { enrollment, directoryData } = setUp();
    const profile = { card: "111", phone: "+7111", name: "A", birthDate: null };
    const [first, second] = await Promise.all([enrollment.enroll(profile), enrollment.enroll(profile)]);
    expect(first).toEqual(second);
    expect(directoryData.cards.size).toBe(1);
  });

  it("completes an enrolment that crashed after the directory write and before the account existed", async () => {
    const { enrollment, directory, cluster } = setUp();
    await directory.writeEntry({ memberId: "m00000000000000ff", card: "222", phone: null });
    expect(await cluster.requestForMember({ kind: "lookup", memberId: "m00000000000000ff" })).toMatchObject({ code: "UNKNOWN_MEMBER" });
    const outcome = await enrollment.enroll({ card: "222", phone: null, name: null, birthDate: null });
    expect(outcome).toMatchObject({ ok: true, value: { member: "m00000000000000ff", card: "222" } });
  });

  it("refuses a phone that belongs to another member with PHONE_TAKEN and writes nothing", async () => {
    const { enrollment, directoryData } = setUp();
    await enrollment.enroll({ card: "333", phone: "+7333", name: null, birthDate: null });
    const outcome = await enrollment.enroll({ card: "334", phone: "+7333", name: null, birthDate: null });
    expect(outcome).toMatchObject({ ok: false, code: "PHONE_TAKEN" });
    expect(directoryData.cards.has("334")).toBe(false);
  });
});

describe("Enrollment on a full directory disk", () => {
  it("refuses with STORAGE_FULL, writes nothing, and enrols the same card once space returns", async () => {
    const directoryData = new MemoryDirectoryData();
    let full = true;
    class FullDirectory extends MemoryDirectoryStore {
      override async writeEntry(entry: Parameters<MemoryDirectoryStore["writeEntry"]>[0]): Promise<void> {
        if (full) throw new StorageFullError("/data/directory", Object.assign(new Error("No space left on device"), { code: 28 }));
        await super.writeEntry(entry);
      }
    }
    const { cluster } = createInMemoryCluster({ shardThreads: 2, program: PROGRAM, clock: () => 1 });
    const enrollment = new Enrollment(new FullDirectory(directoryData), cluster);
    const profile = { card: "444", phone: "+7444", name: null, birthDate: null };
    const refused = await enrollment.enroll(profile).then(
      () => undefined,
      (error: unknown) => outcomeOfError(error),
    );
    expect(refused).toMatchObject({ ok: false, code: "STORAGE_FULL" });
    expect(directoryData.cards.size).toBe(0);
    expect(directoryData.phones.size).toBe(0);
    full = false;
    expect(await enrollment.enroll(profile)).toMatchObject({ ok: true, value: { card: "444" } });
    expect(directoryData.cards.size).toBe(1);
  });
});

describe("KeyLocks", () => {
  it("runs work on the same key one after the other and work on other keys at once", async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = locks.run(["a"], async () => {
      order.push("first starts");
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      order.push("first ends");
    });
    const second = locks.run(["a", "b"], async () => {
      order.push("second runs");
    });
    const other = locks.run(["c"], async () => {
      order.push("other runs");
    });
    await other;
    expect(order).toEqual(["first starts", "other runs"]);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(["first starts", "other runs", "first ends", "second runs"]);
    expect(locks.heldKeys).toBe(0);
  });
});
