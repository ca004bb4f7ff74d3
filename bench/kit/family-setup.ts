// Thread: the kit's main process (before a run).
import { demoCard } from "../../gateway/demo.js";
import { KitUsageError } from "./kit-flags.js";

/**
 * --family-share: the share of the started gateway's members that belong to a family (two members a
 * family: members 1 and 2, 3 and 4, ... up to the share), joined through the admin API before the
 * run, so the run's receipts of those members take the family path (a hold and an apply on the
 * pool's shard besides the member's: docs/ARCHITECTURE.md, "Family accounts") and the report shows
 * what that costs next to the same run without.
 */

/** Joins in flight at once: the admin API's requests are a few shard requests each; more only queue. */
const FAMILY_JOINS_IN_FLIGHT_MAX = 32;
/** Members in one family (the kit's synthetic households). */
const FAMILY_MEMBERS = 2;

/** Joins members 1..share x members, two a family ("bench-<n>"); how many joined. */
export async function joinFamilies(baseUrl: string, adminToken: string, members: number, share: number, progress: (line: string) => void): Promise<number> {
  const joining = Math.floor((members * share) / FAMILY_MEMBERS) * FAMILY_MEMBERS;
  if (joining === 0) return 0;
  progress(`families: joining members 1..${joining} into ${joining / FAMILY_MEMBERS} families of ${FAMILY_MEMBERS}...`);
  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= joining) {
      const index = next;
      next += 1;
      await joinOne(baseUrl, adminToken, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(FAMILY_JOINS_IN_FLIGHT_MAX, joining) }, () => worker()));
  return joining;
}

async function joinOne(baseUrl: string, adminToken: string, index: number): Promise<void> {
  const headers = { authorization: `Bearer ${adminToken}`, "content-type": "application/json" };
  const view = await fetch(`${baseUrl}/v1/admin/members?card=${demoCard(index)}`, { headers });
  const member = ((await view.json()) as Record<string, unknown>)["member"];
  if (!view.ok || typeof member !== "string") throw new KitUsageError(`--family-share: member ${index} (card ${demoCard(index)}) is not there`);
  const family = `bench-${Math.ceil(index / FAMILY_MEMBERS)}`;
  const joined = await fetch(`${baseUrl}/v1/admin/families/${family}/join`, { method: "POST", headers, body: JSON.stringify({ id: `bench-join-${index}`, member }) });
  if (!joined.ok) throw new KitUsageError(`--family-share: the join of member ${index} was refused: ${await joined.text()}`);
}
