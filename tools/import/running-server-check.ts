import { existsSync } from "node:fs";
import { join } from "node:path";
import { open } from "lmdb";

/**
 * Process ids, other than this one, that have the data directory's control
 * environment open. A running gateway always has: it reads its settings at
 * start-up, and LMDB keeps the reader slot, with the process id, for as long
 * as the environment is open. Slots of processes that died are cleared first
 * (LMDB's reader check), so a crashed gateway does not block an import.
 *
 * This cannot see a gateway that starts after the check; the importer's help
 * says not to start one during an import.
 */
export async function otherProcessesUsing(dataDirectory: string): Promise<number[]> {
  const controlPath = join(dataDirectory, "control");
  if (!existsSync(join(controlPath, "data.mdb"))) return [];
  const environment = open({ path: controlPath, readOnly: true });
  try {
    environment.readerCheck();
    return readerProcessIds(environment.readerList()).filter((pid) => pid !== process.pid);
  } finally {
    await environment.close();
  }
}

/** The pids in LMDB's reader table text: a header line, then "<pid> <thread> <txnid>" per slot. */
export function readerProcessIds(readerList: string): number[] {
  const pids = new Set<number>();
  for (const line of readerList.split("\n")) {
    const match = /^\s*(\d+)\s+[0-9a-f]+\s/.exec(line);
    if (match?.[1] !== undefined) pids.add(Number(match[1]));
  }
  return [...pids];
}
