import { resolve } from "node:path";
import { defaultImportThreads } from "../../tools/import/bulk-import.js";
import type { FlagSpec, FlagValues } from "./kit-flags.js";
import { numberFlag, stringFlag } from "./kit-flags.js";
import { DATASET_MEMBERS_DEFAULT, DATASET_MEMBERS_MAX } from "./prepare-dataset.js";

/** Flags of the members every scenario loads (imported into the started gateway's data directory). */

/** More import threads than a big load machine has cores only makes them contend. */
export const IMPORT_THREADS_MAX = 64;

export const MEMBERS_FLAG: FlagSpec = {
  name: "members",
  kind: "integer",
  minimum: 1,
  maximum: DATASET_MEMBERS_MAX,
  default: DATASET_MEMBERS_DEFAULT,
  help: "members numbered like the demo (cards demoCard(1..N)): imported with the bulk importer for the started gateway, or those a remote loycore (--url) holds",
};

export const DATA_DIR_FLAG: FlagSpec = {
  name: "data-dir",
  kind: "string",
  default: null,
  help: "reuse (and keep) this imported data directory: only members it lacks are imported; default a temporary directory removed at the end",
};

export const IMPORT_THREADS_FLAG: FlagSpec = {
  name: "import-threads",
  kind: "integer",
  minimum: 0,
  maximum: IMPORT_THREADS_MAX,
  default: defaultImportThreads(),
  help: "worker threads of the bulk importer (0: the kit's own thread)",
};

export const PROGRAM_FILE_FLAG: FlagSpec = {
  name: "program-file",
  kind: "string",
  default: null,
  help: "a JSON object of program sections (docs/program.md) set on the started gateway's demo program before the run: measure a receipt with card types, levels or a coalition policy on",
};

export const CAMPAIGNS_FILE_FLAG: FlagSpec = {
  name: "campaigns-file",
  kind: "string",
  default: null,
  help: "a campaigns document (docs/campaigns.md) stored on the started gateway before the run: measure receipts priced with those campaigns",
};

export const FAMILY_SHARE_FLAG: FlagSpec = {
  name: "family-share",
  kind: "number",
  minimum: 0,
  maximum: 1,
  default: 0,
  help: "the share of the started gateway's members joined into families of two before the run (members 1, 2, ... up to the share): their receipts take the family path (docs/ARCHITECTURE.md, \"Family accounts\")",
};

export const DATASET_FLAGS: readonly FlagSpec[] = [MEMBERS_FLAG, DATA_DIR_FLAG, IMPORT_THREADS_FLAG, PROGRAM_FILE_FLAG, CAMPAIGNS_FILE_FLAG, FAMILY_SHARE_FLAG];

export interface DatasetOptions {
  readonly members: number;
  /** Absolute; null for a temporary directory. */
  readonly dataDirectory: string | null;
  readonly importThreads: number;
  /** --program-file: sections to set on the demo program before the run; null: none. */
  readonly programFile: string | null;
  /** --campaigns-file: a campaigns document to store before the run; null: none. */
  readonly campaignsFile: string | null;
  /** --family-share: the share of members joined into families of two before the run (0: none). */
  readonly familyShare: number;
}

export function datasetOptionsFrom(values: FlagValues): DatasetOptions {
  const dataDirectory = stringFlag(values, "data-dir");
  return {
    members: numberFlag(values, "members"),
    dataDirectory: dataDirectory === null ? null : resolve(dataDirectory),
    importThreads: numberFlag(values, "import-threads"),
    programFile: stringFlag(values, "program-file"),
    campaignsFile: stringFlag(values, "campaigns-file"),
    familyShare: numberFlag(values, "family-share"),
  };
}
