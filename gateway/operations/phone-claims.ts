// Thread: the gateway (main) thread; the directory's only writer.
import type { DirectoryStore } from "../directory/directory-store.js";
import type { ShardCluster } from "../shards/shard-cluster.js";

/**
 * Whether `phone` belongs to a member other than `memberId`. The directory's
 * phone -> member entry is the claim; it is stale, and the phone free, when
 * the member it names has an account whose phone is another: a profile edit
 * that claimed the phone and crashed before its shard write, or one whose
 * freeing of the old phone a crash cut off (gateway/admin/member-edits.ts).
 * Every claim in progress holds the phone's lock ("phone:<phone>",
 * KeyLocks shared by enrolment and edits), and the caller holds it too, so
 * no claim it sees is in progress. A named member without an account is an
 * enrolment cut off before its shard write, which its retry completes with
 * this phone: the phone stays theirs. So is one whose shard cannot answer
 * now: refusing is the safe side.
 */
export async function phoneHeldByAnother(directory: DirectoryStore, cluster: ShardCluster, phone: string, memberId: string | undefined): Promise<boolean> {
  const owner = directory.findMemberByPhone(phone);
  if (owner === undefined || owner === memberId) return false;
  const reply = await cluster.requestForMember({ kind: "lookup", memberId: owner });
  return !reply.ok || reply.value.phone === phone;
}
