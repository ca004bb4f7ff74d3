import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAccount } from "../../domain/account/account.js";
import type { Receipt } from "../../domain/receipt/receipt.js";
import { ShardActor } from "../shard-actor.js";
import type { ShardReply, ShardRequest } from "../shard-messages.js";
import { PlacementTable } from "../../domain/placement/placement-table.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { LmdbShardStore } from "./lmdb-shard-store.js";
import { writeMutations } from "./mutations.js";
import { openShardStorage } from "../recovery.js";
import { tryMountTmpfs, unmountTmpfs } from "../../domain/test-support/tmpfs.js";

/** The smallest first reservation the store accepts: the test writes far past it. */
const SMALL_MAP_SIZE_BYTES = 64 * 1024;

describe("LmdbShardStore's map", () => {
  const directory = makeTemporaryDirectory("map-growth");
  afterAll(directory.remove);

  it("grows past its first reservation by itself, keeping every record", async () => {
    const path = join(directory.path, "shard");
    const store = new LmdbShardStore({ path, initialMapSizeBytes: SMALL_MAP_SIZE_BYTES });
    const profile = { card: "", phone: null, name: "x".repeat(200), birthDate: null };
    const accounts = Array.from({ length: 4_000 }, (_, index) => {
      const memberId = `m${index.toString(16).padStart(16, "0")}`;
      return openAccount(memberId, logicalShardOf(memberId), { ...profile, card: String(index) }, 1);
    });
    for (let start = 0; start < accounts.length; start += 500) {
      const writes = accounts.slice(start, start + 500).map((account) => ({ kind: "account" as const, account }));
      await store.writeCheckpoint(writeMutations(undefined, writes), store.checkpointSequence + 1);
    }
    expect(store.mapSizeBytes()).toBeGreaterThan(SMALL_MAP_SIZE_BYTES * 16);
    await store.close();
    const reopened = new LmdbShardStore({ path, initialMapSizeBytes: SMALL_MAP_SIZE_BYTES });
    for (const account of [accounts[0], accounts[1_999], accounts[3_999]]) {
      expect(reopened.readAccount(account?.logicalShard ?? -1, account?.memberId ?? "")).toEqual(account);
    }
    await reopened.close();
  });
});


/** A reply's answer: a repeat carries the first answer, without the log sequence the first one names. */
function valueOf(reply: ShardReply | undefined): unknown {
  return reply?.ok === true ? reply.value : reply;
}

/** The file system of the test: small, so that filling it takes a second. */
const FILE_SYSTEM_SIZE_BYTES = 4 * 1024 * 1024;
/** Takes most of the file system; deleting it is "space returns". */
const FILLER_SIZE_BYTES = 3 * 1024 * 1024;
/** Bounds the loop that fills the disk: 1 MiB left holds a few hundred of these receipts. */
const COMMITS_MAX = 2_000;
/** Log segments of the test: a few fit in what the filler leaves. */
const SEGMENT_BYTES = 128 * 1024;

const mountPoint = makeTemporaryDirectory("full-disk");
const mounted = tryMountTmpfs(mountPoint.path, FILE_SYSTEM_SIZE_BYTES);

describe.runIf(mounted)("LmdbShardStore and ShardActor on a real full disk (tmpfs)", () => {
  const storePath = join(mountPoint.path, "shard");
  const fillerPath = join(mountPoint.path, "filler");
  const memberId = "m00000000000000a1";
  const logicalShard = logicalShardOf(memberId);
  const program = simpleProgram();

  beforeAll(() => writeFileSync(fillerPath, Buffer.alloc(FILLER_SIZE_BYTES)));
  afterAll(() => {
    unmountTmpfs(mountPoint.path);
    mountPoint.remove();
  });

  async function openActor(): Promise<{ close: () => Promise<void>; call: (request: ShardRequest) => Promise<ShardReply> }> {
    const { store, log } = await openShardStorage({
      storePath,
      monotonicSeconds: () => performance.now() / 1000,
      initialMapSizeBytes: SMALL_MAP_SIZE_BYTES,
      logOptions: { segmentBytes: SEGMENT_BYTES, writeBytesMax: 64 * 1024, recordPayloadBytesMax: 32 * 1024, pendingBytesMax: 64 * 1024, spareRetryMilliseconds: 10 },
    });
    const actor = new ShardActor({
      shardIndex: 0,
      store,
      log,
      ownedLogicalShards: PlacementTable.roundRobin(1).logicalShardsOf(0),
      program,
      clock: () => 42,
      monotonicSeconds: () => performance.now() / 1000,
      checkpoint: { triggerBytes: 32 * 1024, intervalMilliseconds: 10, overlayBytesMax: 8 * 1024 * 1024, retryMilliseconds: 10 },
    });
    const call = (request: ShardRequest): Promise<ShardReply> =>
      new Promise((resolve) => {
        actor.handle(request, resolve);
        actor.tick();
      });
    const close = async (): Promise<void> => {
      await actor.drain();
      await log.close();
      await store.close();
    };
    return { close, call };
  }

  function commit(index: number): ShardRequest {
    const lines = Array.from({ length: 40 }, (_, line) => ({ sku: `sku-${index}-${line}`, qty: 1, price: 100, amount: 100 }));
    const receipt: Receipt = { id: `r${index}`, store: "s1", at: 1_000, lines };
    return { kind: "commit", ref: index, logicalShard, memberId, receipt, redeem: 0, partner: "p1" };
  }

  it("answers STORAGE_FULL without writing, keeps serving, and writes again once space returns", async () => {
    const { close, call } = await openActor();
    const enrolled = await call({ kind: "enroll", ref: 0, logicalShard, memberId, profile: { card: "1", phone: null, name: null, birthDate: null } });
    expect(enrolled.ok).toBe(true);
    const acknowledged = new Map<number, ShardReply>();
    let refused: ShardReply | undefined;
    let refusedIndex = -1;
    for (let index = 1; index <= COMMITS_MAX && refused === undefined; index += 1) {
      let reply = await call(commit(index));
      // BUSY while the log preallocates its next segment (slow on a loaded machine): nothing applied; retry.
      for (let attempt = 0; attempt < 500 && !reply.ok && reply.code === "BUSY"; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        reply = await call(commit(index));
      }
      if (reply.ok) acknowledged.set(index, reply);
      else {
        refused = reply;
        refusedIndex = index;
      }
    }
    expect(refused).toMatchObject({ ok: false, code: "STORAGE_FULL" });
    expect(acknowledged.size).toBe(refusedIndex - 1);

    // Still full: still refused; reads still served from what is on disk.
    expect(await call(commit(refusedIndex))).toMatchObject({ ok: false, code: "STORAGE_FULL" });
    const during = await call({ kind: "lookup", ref: -1, logicalShard, memberId });
    expect(during).toMatchObject({ ok: true, value: { balance: acknowledged.size * 200, transactions: acknowledged.size } });

    rmSync(fillerPath);
    // The log makes a new spare segment on its next try (every 10 ms here).
    let retried = await call(commit(refusedIndex));
    for (let attempt = 0; attempt < 200 && !retried.ok; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      retried = await call(commit(refusedIndex));
    }
    expect(retried).toMatchObject({ ok: true, value: { balance: (acknowledged.size + 1) * 200 } });
    expect(valueOf(await call(commit(1)))).toEqual(valueOf(acknowledged.get(1)));
    await close();

    // What is on disk after a restart is exactly what was acknowledged.
    const again = await openActor();
    for (const [index, reply] of acknowledged) expect(valueOf(await again.call(commit(index)))).toEqual(valueOf(reply));
    expect(valueOf(await again.call(commit(refusedIndex)))).toEqual(valueOf(retried));
    const after = await again.call({ kind: "lookup", ref: -1, logicalShard, memberId });
    expect(after).toMatchObject({ ok: true, value: { balance: (acknowledged.size + 1) * 200, transactions: acknowledged.size + 1 } });
    await again.close();
    rmSync(storePath, { recursive: true });
  });

});
