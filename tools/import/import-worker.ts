// Thread: a piscina worker of the bulk importer.
import { move, transferableSymbol, valueSymbol } from "piscina";
import type { ReceiptOwner } from "../../gateway/directory/lmdb-directory-store.js";
import { CompiledProgram } from "../../domain/engine/compiled-program.js";
import type { Program } from "../../protocol/program-document.js";
import { writeMutations } from "../../shard/storage/mutations.js";
import type { ShardWrite } from "../../shard/storage/shard-store.js";
import { reminderBackfillWrites } from "../../shard/operations/reminders.js";
import type { DirectoryEntry } from "../../gateway/directory/directory-store.js";
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
      /** The event kinds the data directory's webhook endpoints take: members get the reminder index entries these call for (absent: none). */
      readonly eventKinds?: readonly string[];
    }
  | {
      readonly kind: "migrated";
      readonly members: readonly MigratedMember[];
      readonly program: Program;
      /** The time opening balances accrue and accounts are created at. */
      readonly now: number;
      /** As the synthetic task's. */
      readonly eventKinds?: readonly string[];
    };

/**
 * A built batch: directory entries, receipt owners, and every shard record as
 * its key and its encoded value (shard/storage/mutations.ts: the same bytes a
 * shard logs and checkpoints). Keys and values are each one buffer (key i is
 * keyBytes[keyEnds[i-1], keyEnds[i]), value i likewise) so that the batch
 * moves between threads without a copy. A key's first byte is its logical shard.
 */
export interface ImportBatch {
  readonly entries: DirectoryEntry[];
  readonly receiptOwners: ReceiptOwner[];
  readonly keyBytes: Uint8Array;
  readonly keyEnds: Uint32Array;
  readonly bytes: Uint8Array;
  readonly valueEnds: Uint32Array;
}
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
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  const kinds = new Set(task.eventKinds ?? []);
  const indexedAt = task.kind === "synthetic" ? task.referenceTime : task.now;
  for (const member of built) {
    entries.push({ memberId: member.memberId, card: member.card, phone: member.phone, name: member.name, email: member.email });
    receiptOwners.push(...member.receiptOwners);
    for (const { key, value } of writeMutations(undefined, withReminderIndex(compiled, member.writes, indexedAt, kinds))) {
      if (value === null) continue;
      keys.push(key);
      values.push(value);
    }
  }
  const packedKeys = concatenate(keys);
  const packedValues = concatenate(values);
  return { entries, receiptOwners, keyBytes: packedKeys.bytes, keyEnds: packedKeys.ends, bytes: packedValues.bytes, valueEnds: packedValues.ends };
}

/**
 * A member's writes with the reminder index entries its account calls for at
 * `now` under the kinds taken (docs/notifications.md, "Backfill"): the same
 * entries a running shard's backfill would write. None without such kinds.
 */
function withReminderIndex(compiled: CompiledProgram, writes: readonly ShardWrite[], now: number, kinds: ReadonlySet<string>): readonly ShardWrite[] {
  if (kinds.size === 0) return writes;
  const account = writes.find((write) => write.kind === "account");
  if (account === undefined || account.kind !== "account") return writes;
  return [...writes, ...reminderBackfillWrites(compiled, account.account, now, kinds)];
}

function concatenate(parts: readonly Uint8Array[]): { bytes: Uint8Array; ends: Uint32Array } {
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  const ends = new Uint32Array(parts.length);
  let offset = 0;
  parts.forEach((part, index) => {
    bytes.set(part, offset);
    offset += part.length;
    ends[index] = offset;
  });
  return { bytes, ends };
}

/**
 * The piscina entry: the batch, with its two byte buffers moved to the
 * importing thread rather than copied (piscina moves only what the returned
 * value's transferable list names).
 */
export default function runImportTask(task: ImportTask): ImportBatch {
  const batch = buildImportBatch(task);
  const movable = {
    [transferableSymbol]: [batch.bytes.buffer, batch.valueEnds.buffer, batch.keyBytes.buffer, batch.keyEnds.buffer],
    [valueSymbol]: batch,
  };
  return move(movable as never) as unknown as ImportBatch;
}
