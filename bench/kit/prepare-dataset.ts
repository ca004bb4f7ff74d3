import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bulkImport, defaultImportThreads, type ImportProgress } from "../../tools/import/bulk-import.js";
import type { SyntheticHistoryStored } from "../../tools/import/member-builder.js";
import { SYNTHETIC_REFERENCE_TIME_DEFAULT } from "../../tools/import/synthetic-history.js";

/** The default dataset; 1M and 10M are the options it names. */
export const DATASET_MEMBERS_DEFAULT = 100_000;
export const DATASET_MEMBERS_MAX = 10_000_000;

export interface PreparedDataset {
  readonly dataDirectory: string;
  /** True when the directory was made here (a temporary one the caller removes). */
  readonly temporary: boolean;
  readonly importSeconds: number;
  /** New members written per second of the import (0 when every member was there already). */
  readonly membersPerSecond: number;
  readonly imported: number;
  readonly existing: number;
}

/**
 * Makes sure `dataDirectory` (a new temporary directory when null) holds synthetic members 1..members,
 * numbered like the demo (card demoCard(i), phone demoPhone(i)), importing those that are missing with
 * the offline bulk importer (tools/import): far faster than enrolling them through a server, and a
 * second run over the same directory imports nothing. Nothing may have the directory open meanwhile.
 */
export async function prepareDataset(options: {
  readonly members: number;
  readonly dataDirectory: string | null;
  readonly importThreads?: number;
  readonly history?: SyntheticHistoryStored;
  readonly onProgress?: (progress: ImportProgress) => void;
}): Promise<PreparedDataset> {
  if (!Number.isInteger(options.members) || options.members < 1 || options.members > DATASET_MEMBERS_MAX) {
    throw new Error(`members must be a whole number from 1 to ${DATASET_MEMBERS_MAX}, got ${options.members}`);
  }
  const temporary = options.dataDirectory === null;
  const dataDirectory = options.dataDirectory ?? (await mkdtemp(join(tmpdir(), "loycore-dataset-")));
  const summary = await bulkImport({
    dataDirectory,
    source: {
      kind: "synthetic",
      count: options.members,
      startIndex: 1,
      referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT,
      stored: options.history ?? "account",
    },
    importThreads: options.importThreads ?? defaultImportThreads(),
    shardThreads: undefined,
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
  return {
    dataDirectory,
    temporary,
    importSeconds: summary.seconds,
    membersPerSecond: summary.membersPerSecond,
    imported: summary.imported,
    existing: summary.existing,
  };
}
