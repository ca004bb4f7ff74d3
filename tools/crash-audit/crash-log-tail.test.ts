import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openFileCommitLog } from "../../shard/log/file-commit-log.js";
import { MutationPayloadWriter } from "../../shard/storage/mutation-payload.js";
import { accountKey, recordKey } from "../../shard/storage/record-keys.js";
import { seededRandom } from "../../domain/random/seeded-random.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { damageLogTail, requestKeyOfPayload, type TornForm } from "./crash-log-tail.js";

const LOG_OPTIONS = { segmentBytes: 65_536, writeBytesMax: 16_384, recordPayloadBytesMax: 1_024 } as const;

/** An operation's payload as a shard writes it: the account, and keyed records under these ids. */
function payload(recordIds: readonly string[], member = "member-1"): Buffer {
  const writer = new MutationPayloadWriter();
  writer.put(accountKey(0, member), (record) => record.bytes(Buffer.from("the account")));
  for (const id of recordIds) writer.put(recordKey(0, member, "store-1", id), (record) => record.bytes(Buffer.from(`the answer of ${id}, ${"x".repeat(80)}`)));
  return writer.finish().payload;
}


const directories: { remove: () => void }[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) directory.remove();
});

/** A data directory whose shard logs hold one commit per receipt id, each durable. */
async function dataDirectoryWith(shards: readonly (readonly string[])[]): Promise<string> {
  const directory = makeTemporaryDirectory("crash-log-tail");
  directories.push(directory);
  for (const [shard, receipts] of shards.entries()) {
    const { log } = await openFileCommitLog({ ...LOG_OPTIONS, directory: join(directory.path, "shards", String(shard), "log") });
    for (const receipt of receipts) {
      const appended = log.append(payload([receipt]));
      if (!appended.ok) throw new Error(appended.message);
      await log.whenDurable(appended.sequence);
    }
    await log.close();
  }
  return directory.path;
}

async function reopen(dataDirectory: string, shard: number): Promise<{ sequences: number[]; tornTail: unknown }> {
  const opened = await openFileCommitLog({ ...LOG_OPTIONS, directory: join(dataDirectory, "shards", String(shard), "log") });
  const sequences = [...opened.replay(1)].map((record) => record.sequence);
  await opened.log.close();
  return { sequences, tornTail: opened.recovery.tornTail };
}

const RECEIPTS = ["r-1", "r-2", "r-3", "r-4", "r-5", "r-6"];

describe("crash-log-tail: the audit's torn tails", () => {
  it("names the request a record belongs to by its own keyed record", () => {
    expect(requestKeyOfPayload(payload(["r-1-2"]))).toBe("commit r-1-2");
    // A refund or a cancel may rewrite the receipt it acts on as well: its own id has a space.
    expect(requestKeyOfPayload(payload(["refund f-1-3", "r-1-2"]))).toBe("refund f-1-3");
    expect(requestKeyOfPayload(payload(["cancel r-1-2", "r-1-2"]))).toBe("cancel r-1-2");
    expect(requestKeyOfPayload(payload([]))).toBeNull();
    expect(requestKeyOfPayload(payload(["r-1", "r-2"]))).toBeNull();
    expect(requestKeyOfPayload(Uint8Array.from([9, 9, 9]))).toBeNull();
  });

  for (const form of ["truncate", "garble"] as const satisfies readonly TornForm[]) {
    it(`${form}: damages only the unanswered suffix, and reopening cuts it as a torn tail`, async () => {
      for (let seed = 1; seed <= 8; seed += 1) {
        const dataDirectory = await dataDirectoryWith([RECEIPTS]);
        const unanswered = new Set(["commit r-4", "commit r-5", "commit r-6"]);
        const outcome = await damageLogTail({ dataDirectory, eligible: (key) => unanswered.has(key), random: seededRandom(seed), form });
        if (outcome.kind !== "damaged") throw new Error(`seed ${seed}: nothing damaged: ${outcome.reason}`);
        const { damage } = outcome;
        expect(damage.shard).toBe(0);
        expect(damage.form).toBe(form);
        expect(damage.bytes).toBeGreaterThan(0);
        const lost = damage.records.map((record) => record.requestKey);
        // From the damaged record to the end, all of them unanswered.
        expect(lost.length).toBeGreaterThanOrEqual(1);
        expect(lost.every((key) => key !== null && unanswered.has(key))).toBe(true);
        expect(lost.at(-1)).toBe("commit r-6");
        const first = damage.records[0]?.sequence ?? 0;
        expect(damage.offset).toBeGreaterThanOrEqual(damage.records[0]?.offset ?? Infinity);
        expect(damage.offset).toBeLessThan(damage.records[0]?.end ?? 0);
        const reopened = await reopen(dataDirectory, 0);
        expect(reopened.tornTail, `seed ${seed}`).not.toBeNull();
        expect(reopened.sequences).toEqual(Array.from({ length: first - 1 }, (_, index) => index + 1));
        // Cut once: the next open finds a clean log.
        expect((await reopen(dataDirectory, 0)).tornTail).toBeNull();
      }
    });
  }

  it("leaves the log alone when its last record may have been answered", async () => {
    const dataDirectory = await dataDirectoryWith([RECEIPTS]);
    const segment = join(dataDirectory, "shards", "0", "log", "segment-00000001.log");
    const before = readFileSync(segment);
    // r-5 is unanswered, but r-6 after it was answered: cutting r-5 would take r-6 with it.
    const outcome = await damageLogTail({ dataDirectory, eligible: (key) => key === "commit r-5", random: seededRandom(1) });
    expect(outcome.kind).toBe("skipped");
    if (outcome.kind === "skipped") expect(outcome.reason).toMatch(/shard 0: its last record \(commit r-6\) may have been answered/);
    expect(readFileSync(segment).equals(before)).toBe(true);
  });

  it("never damages a record at or below the shard's receipt-index floor", async () => {
    const dataDirectory = await dataDirectoryWith([RECEIPTS]);
    const unanswered = (key: string): boolean => ["commit r-4", "commit r-5", "commit r-6"].includes(key);
    const above = await damageLogTail({ dataDirectory, eligible: unanswered, random: seededRandom(2), floors: new Map([[0, 5]]) });
    if (above.kind !== "damaged") throw new Error(above.reason);
    expect(above.damage.records.map((record) => record.sequence)).toEqual([6]);
    expect((await reopen(dataDirectory, 0)).sequences).toEqual([1, 2, 3, 4, 5]);

    const covered = await dataDirectoryWith([RECEIPTS]);
    const outcome = await damageLogTail({ dataDirectory: covered, eligible: unanswered, random: seededRandom(2), floors: new Map([[0, 6]]) });
    expect(outcome).toEqual({ kind: "skipped", reason: "shard 0: its last record (6) is within the receipt index's floor (6)" });
  });

  it("passes over a log whose tail is torn already, and damages another shard's", async () => {
    const dataDirectory = await dataDirectoryWith([RECEIPTS, ["r-7", "r-8"]]);
    const eligible = (key: string): boolean => ["commit r-6", "commit r-8"].includes(key);
    const first = await damageLogTail({ dataDirectory, eligible: (key) => key === "commit r-6", random: seededRandom(3), form: "garble" });
    expect(first.kind === "damaged" && first.damage.shard).toBe(0);
    const second = await damageLogTail({ dataDirectory, eligible, random: seededRandom(4) });
    if (second.kind !== "damaged") throw new Error(second.reason);
    expect(second.damage.shard).toBe(1);
    expect(second.damage.records.map((record) => record.requestKey)).toEqual(["commit r-8"]);
    expect((await reopen(dataDirectory, 0)).sequences).toEqual([1, 2, 3, 4, 5]);
    expect((await reopen(dataDirectory, 1)).sequences).toEqual([1]);
  });

  it("says why when there is nothing to damage", async () => {
    const dataDirectory = await dataDirectoryWith([[]]);
    const outcome = await damageLogTail({ dataDirectory, eligible: () => true, random: seededRandom(1) });
    expect(outcome).toEqual({ kind: "skipped", reason: "shard 0: no record in the log" });
  });
});
