import { randomBytes } from "node:crypto";
import { profileEmail, type MemberProfile } from "../../domain/account/account.js";
import type { DirectoryStore } from "../directory/directory-store.js";
import { failure } from "../../protocol/errors/loycore-error.js";
import type { MemberLookup } from "../../shard/shard-messages.js";
import type { ShardCluster } from "../shards/shard-cluster.js";
import { KeyLocks } from "./key-locks.js";
import type { OperationOutcome } from "./operation-outcome.js";
import { phoneHeldByAnother } from "./phone-claims.js";

/**
 * Enrolments waiting or running at once. They take two durable writes each
 * (directory, then shard); past this many, a lane is told BUSY rather than
 * queueing without bound. Sign-ups are rare next to receipts.
 */
export const ENROLLMENTS_IN_PROGRESS_MAX = 1_024;

/** 8 random bytes: member ids do not collide in practice and reveal nothing. */
const MEMBER_ID_RANDOM_BYTES = 8;

export function newMemberId(): string {
  return `m${randomBytes(MEMBER_ID_RANDOM_BYTES).toString("hex")}`;
}

/**
 * Enrolment, directory first. The gateway thread is the directory's only
 * writer; a card's enrolments run one at a time (KeyLocks).
 *
 * 1. Card already in the directory: ask its shard to enrol the same member
 *    again. The shard answers the first answer if the details match, CONFLICT
 *    if not, and creates the account if an earlier attempt crashed between
 *    the directory write and the shard write. So a retry always completes.
 * 2. New card: the phone must be free (PHONE_TAKEN otherwise; a stale claim
 *    is free, phone-claims.ts); write card, phone and the name and e-mail
 *    search keys -> new member id durably, then create the account on its shard.
 */
export class Enrollment {
  private inProgress = 0;

  constructor(
    private readonly directory: DirectoryStore,
    private readonly cluster: ShardCluster,
    /** Shared with profile edits: both claim phones under "phone:<phone>". */
    private readonly locks: KeyLocks = new KeyLocks(),
  ) {}

  /** The member as the shard sees it: the caller shapes what its reader may see (a lane, the admin). */
  async enroll(profile: MemberProfile): Promise<OperationOutcome<MemberLookup>> {
    if (this.inProgress >= ENROLLMENTS_IN_PROGRESS_MAX) {
      return failure("BUSY", "too many enrolments in progress; retry later");
    }
    this.inProgress += 1;
    try {
      const keys = profile.phone === null ? [`card:${profile.card}`] : [`card:${profile.card}`, `phone:${profile.phone}`];
      return await this.locks.run(keys, () => this.enrollLocked(profile));
    } finally {
      this.inProgress -= 1;
    }
  }

  private async enrollLocked(profile: MemberProfile): Promise<OperationOutcome<MemberLookup>> {
    const known = this.directory.findMemberByCard(profile.card);
    if (profile.phone !== null && (await phoneHeldByAnother(this.directory, this.cluster, profile.phone, known))) {
      return failure("PHONE_TAKEN", `phone ${profile.phone} belongs to another member`);
    }
    let memberId = known;
    if (memberId === undefined) {
      memberId = newMemberId();
      await this.directory.writeEntry({ memberId, card: profile.card, phone: profile.phone, name: profile.name, email: profileEmail(profile) });
    }
    const reply = await this.cluster.requestForMember({ kind: "enroll", memberId, profile });
    if (!reply.ok) return failure(reply.code, reply.message);
    return { ok: true, value: reply.value };
  }
}
