import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LmdbDirectoryStore } from "./directory/lmdb-directory-store.js";
import { PlacementTable } from "../domain/placement/placement-table.js";
import { SHARD_FUNCTION_VERSION } from "../domain/placement/shard-function.js";
import { defaultShardThreads } from "./config.js";
import { ControlStore } from "./control/control-store.js";

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

/** A data directory's shared parts, opened: what the gateway and the offline importer both start from. */
export interface OpenedDataDirectory {
  readonly control: ControlStore;
  readonly directory: LmdbDirectoryStore;
  readonly placement: PlacementTable;
  /** The LMDB environment of one shard thread. */
  shardStorePath(shardIndex: number): string;
  close(): Promise<void>;
}

/**
 * Opens (creating it if needed) a data directory: the control environment,
 * the member directory, and the placement table of logical shards to shard
 * environments. The gateway and the bulk importer both open it here, so a
 * directory the importer creates is one the gateway would have made.
 */
export async function openDataDirectory(options: {
  readonly dataDirectory: string;
  /** Shard threads asked for; undefined: what the directory was made with, else the default. */
  readonly shardThreads: number | undefined;
}): Promise<OpenedDataDirectory> {
  mkdirSync(join(options.dataDirectory, "shards"), { recursive: true });
  const control = new ControlStore({ path: join(options.dataDirectory, "control") });
  const directory = new LmdbDirectoryStore({ path: join(options.dataDirectory, "directory") });
  let placement: PlacementTable;
  try {
    placement = await loadPlacement(control, options.shardThreads);
  } catch (error) {
    await directory.close();
    await control.close();
    throw error;
  }
  return {
    control,
    directory,
    placement,
    shardStorePath: (shardIndex) => join(options.dataDirectory, "shards", String(shardIndex)),
    close: async () => {
      await directory.close();
      await control.close();
    },
  };
}

/**
 * The placement table is part of the data directory: it says which shard
 * environment holds which logical shards. A directory is reopened with the
 * thread count it was made with; moving logical shards between threads is a
 * later feature, so a different explicit count is refused, not guessed at.
 */
async function loadPlacement(control: ControlStore, shardThreads: number | undefined): Promise<PlacementTable> {
  const stored = control.readPlacement();
  if (stored === undefined) {
    const placement = PlacementTable.roundRobin(shardThreads ?? defaultShardThreads());
    await control.writeSetting("placement", placement.document);
    return placement;
  }
  if (stored.shardFunctionVersion !== SHARD_FUNCTION_VERSION) {
    throw new StartupError(
      `the data directory uses shard function version ${stored.shardFunctionVersion}; this build has version ${SHARD_FUNCTION_VERSION}`,
    );
  }
  if (shardThreads !== undefined && shardThreads !== stored.shardThreadCount) {
    throw new StartupError(
      `the data directory was created with ${stored.shardThreadCount} shard threads; start with --shards ${stored.shardThreadCount} (moving logical shards between threads is not implemented yet)`,
    );
  }
  return PlacementTable.fromDocument(stored);
}
