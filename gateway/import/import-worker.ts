import { Packr } from "msgpackr";
import { move, transferableSymbol, valueSymbol } from "piscina";
import type { ReceiptOwner } from "../../core/directory/lmdb-directory-store.js";
import { CompiledProgram } from "../../core/engine/compiled-program.js";
import type { Program } from "../../core/program/program-document.js";
import { shardRecordKey, type ShardRecordKey } from "../../core/storage/lmdb-shard-store.js";
import type { DirectoryEntry } from "../../core/directory/directory-store.js";
import {
  buildMigratedMember,
  buildSyntheticMembers,
  type BuiltMember,
  type MigratedMember,
  type SyntheticHistoryStored,
} from "./member-builder.js";

/**
 * The stateless, CPU-bound half of a bulk import: build a batch of members'
 * records with the pure engine and encode them. Runs in piscina worker
 * threads (the default export) or, for small imports and tests, in the
 * importing thread (buildImportBatch).
 */
export type ImportTask =
  | {
      readonly kind: "synthetic";
      /** Member indices to build (those whose card is not in the directory yet). */
      readonly indices: readonly number[];
      readonly program: Program;
      readonly referenceTime: number;
      readonly stored: SyntheticHistoryStored;
    }
  | {
      readonly kind: "migrated";
      readonly members: readonly MigratedMember[];
      readonly program: Program;
      /** The time opening balances accrue and accounts are created at. */
      readonly now: number;
    };

/**
 * A built batch: directory entries, receipt owners, and every shard record as
 * a key and its MessagePack bytes. The bytes are one buffer (values[i] is
 * bytes[valueEnds[i-1], valueEnds[i])) so that it moves between threads
 * without a copy.
 */
export interface ImportBatch {
  readonly entries: DirectoryEntry[];
  readonly receiptOwners: ReceiptOwner[];
  readonly keys: ShardRecordKey[];
  readonly bytes: Uint8Array;
  readonly valueEnds: Uint32Array;
}

/**
 * msgpackr with its defaults: what lmdb-js encodes a record with when no
 * shared structures are configured (the shard store configures none), so the
 * store decodes these bytes as its own.
 */
const packr = new Packr();
const compiledByProgram = new Map<string, CompiledProgram>();

function compiledProgram(program: Program): CompiledProgram {
  // One program per import; keyed by version and name so a test that changes it is not served a stale one.
  const key = `${program.version}\u0000${program.name}`;
  let compiled = compiledByProgram.get(key);
  if (compiled === undefined) {
    compiled = new CompiledProgram(program);
    compiledByProgram.set(key, compiled);
  }
  return compiled;
}

export function buildImportBatch(task: ImportTask): ImportBatch {
  const compiled = compiledProgram(task.program);
  const built: BuiltMember[] =
    task.kind === "synthetic"
      ? buildSyntheticMembers(task.indices, compiled, task.referenceTime, task.stored)
      : task.members.map((member) => buildMigratedMember(member, compiled, task.now));
  const entries: DirectoryEntry[] = [];
  const receiptOwners: ReceiptOwner[] = [];
  const keys: ShardRecordKey[] = [];
  const encoded: Uint8Array[] = [];
  let length = 0;
  for (const member of built) {
    entries.push({ memberId: member.memberId, card: member.card, phone: member.phone });
    receiptOwners.push(...member.receiptOwners);
    for (const write of member.writes) {
      keys.push(shardRecordKey(write));
      const value = write.kind === "account" ? write.account : write.kind === "activity" ? write.activity : write.receipt;
      // packr.pack returns a view of its reusable buffer: copy before the next pack overwrites it.
      const bytes = Uint8Array.prototype.slice.call(packr.pack(value));
      encoded.push(bytes);
      length += bytes.length;
    }
  }
  const bytes = new Uint8Array(length);
  const valueEnds = new Uint32Array(encoded.length);
  let offset = 0;
  encoded.forEach((value, index) => {
    bytes.set(value, offset);
    offset += value.length;
    valueEnds[index] = offset;
  });
  return { entries, receiptOwners, keys, bytes, valueEnds };
}

/**
 * The piscina entry: the batch, with its two byte buffers moved to the
 * importing thread rather than copied (piscina moves only what the returned
 * value's transferable list names).
 */
export default function runImportTask(task: ImportTask): ImportBatch {
  const batch = buildImportBatch(task);
  const movable = {
    [transferableSymbol]: [batch.bytes.buffer, batch.valueEnds.buffer],
    [valueSymbol]: batch,
  };
  return move(movable as never) as unknown as ImportBatch;
}
