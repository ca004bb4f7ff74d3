// Thread: the gateway (main) thread, in the background after start-up; the directory's only writer.
import { LOGICAL_SHARD_COUNT } from "../../domain/placement/shard-function.js";
import type { ChannelReply } from "../../shard/shard-messages.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import type { DirectoryStore } from "./directory-store.js";

/**
 * Accounts a shard reads for one page of the backfill: about a millisecond
 * of a shard thread's time between two lanes' messages, and one directory
 * transaction of at most 2,000 keys.
 */
export const SEARCH_BACKFILL_PAGE_ACCOUNTS = 1_000;
/** A shard that answered BUSY or UNAVAILABLE is asked again after this pause: the backfill yields to lanes. */
const SEARCH_BACKFILL_RETRY_MILLISECONDS = 200;

/**
 * Fills the directory's name and e-mail indexes for members enrolled before
 * it had them, once: a directory made by a build with the indexes (no card
 * yet when the server starts, or made by the bulk importer) is marked
 * complete at once. Otherwise every logical shard is walked a page at a time,
 * one request in flight, its members' keys written, and the directory marked
 * complete at the end; a restart meanwhile walks again (writing a key twice
 * writes the same key). A member edited while the walk passes may keep a key
 * of its old name: search reads the account and skips it.
 */
export async function backfillSearchIndexes(
  directory: DirectoryStore,
  cluster: ShardCluster,
  /** Checked between pages: a stopping server ends the walk there, unmarked (the next start walks again). */
  stopped: () => boolean = () => false,
  pause = defaultPause,
): Promise<number> {
  if (directory.searchIndexesComplete()) return 0;
  let members = 0;
  if (directory.countCards() > 0) {
    for (let logicalShard = 0; logicalShard < LOGICAL_SHARD_COUNT; logicalShard += 1) {
      for (let after: string | null = null; ; ) {
        if (stopped()) return members;
        const reply: ChannelReply<"memberProfiles"> = await cluster.requestForLogicalShard({ kind: "memberProfiles", logicalShard, afterMemberId: after, limit: SEARCH_BACKFILL_PAGE_ACCOUNTS });
        if (!reply.ok) {
          if (reply.code !== "BUSY" && reply.code !== "UNAVAILABLE") throw new Error(`search index backfill: logical shard ${logicalShard}: ${reply.code} ${reply.message}`);
          await pause(SEARCH_BACKFILL_RETRY_MILLISECONDS);
          continue;
        }
        await directory.addSearchKeys(reply.value.members);
        members += reply.value.members.length;
        if (reply.value.next === null) break;
        after = reply.value.next;
      }
    }
  }
  await directory.markSearchIndexesComplete();
  return members;
}

function defaultPause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
