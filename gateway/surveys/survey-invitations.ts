// Thread: the gateway (main) thread.
import { failure } from "../../protocol/errors/loycore-error.js";
import type { SegmentCondition } from "../../protocol/campaign-document.js";
import type { Survey, SurveyInviteResult } from "../../protocol/survey-document.js";
import type { AdminOutcome } from "../admin/admin-service.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { sweepLogicalShards } from "./logical-shard-sweep.js";

/**
 * Accounts a shard reads for one page of an invitation sweep: each invited
 * member is one log record of a few hundred bytes, so a page is at most a
 * few milliseconds of a shard thread and about 150 KB of log between two
 * lanes' messages.
 */
export const SURVEY_INVITE_PAGE_ACCOUNTS = 500;

/**
 * Invites the audience of `survey` (`when`: null for everyone) over every
 * logical shard: each shard thread writes, per member of the audience not
 * yet invited, the invitation's record and its `survey.invitation` event in
 * one log record (shard/operations/survey-operations.ts). Once per member:
 * a second call, or a call again after a crash part-way, invites only those
 * not invited yet. The memory used is a page's counts, whatever the members.
 */
export async function inviteAudience(
  cluster: ShardCluster,
  sweep: { readonly survey: Survey; readonly when: SegmentCondition | null; readonly linkKey: string; readonly linkBase: string },
): Promise<AdminOutcome<SurveyInviteResult>> {
  const { survey, when, linkKey, linkBase } = sweep;
  const invitation = { survey: survey.id, title: survey.title, endsAt: survey.end, when, linkKey, linkBase };
  let invited = 0;
  let alreadyInvited = 0;
  let scanned = 0;
  const swept = await sweepLogicalShards(
    cluster.shardCount,
    async (logicalShard, after) => {
      const reply = await cluster.requestForLogicalShard({ kind: "surveyInvite", logicalShard, afterMemberId: after, limit: SURVEY_INVITE_PAGE_ACCOUNTS, invitation });
      return reply.ok ? { ok: true, value: reply.value } : failure(reply.code, reply.message);
    },
    (page) => {
      invited += page.invited;
      alreadyInvited += page.alreadyInvited;
      scanned += page.scanned;
    },
  );
  if (!swept.ok) return swept;
  return { ok: true, value: { survey: survey.id, invited, alreadyInvited, scanned } };
}
