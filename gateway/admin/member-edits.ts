// Thread: the gateway (main) thread; the directory's only writer.
import { searchableEmail, searchableName } from "../../domain/account/member-search-keys.js";
import { CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN, MEMBER_NAME_LENGTH_MAX } from "../../domain/limits.js";
import { badRequest, readObject, readOptionalBoolean, readString, refuseUnknownFields, type InputObject } from "../../domain/validation/fields.js";
import type { MemberConsent } from "../../domain/account/account.js";
import type { EditProfileResult, MemberProfileView, ProfileChanges } from "../../protocol/admin-wire.js";
import { failure, type Failure } from "../../protocol/errors/loycore-error.js";
import type { ProfileEdit } from "../../shard/operations/keyed-operations.js";
import type { ControlStore } from "../control/control-store.js";
import type { DirectoryStore, MemberIndexChange } from "../directory/directory-store.js";
import type { KeyLocks } from "../operations/key-locks.js";
import type { OperationOutcome } from "../operations/operation-outcome.js";
import { phoneHeldByAnother } from "../operations/phone-claims.js";
import { readBirthDate, readEmail, readPhone } from "../protocol/read-operation-request.js";
import type { ShardCluster } from "../shards/shard-cluster.js";

/** Member ids are "m" and 16 hex digits (gateway/operations/enrollment.ts). */
const MEMBER_ID_PATTERN = /^m[0-9a-f]{16}$/;
const EDIT_FIELDS: ReadonlySet<string> = new Set(["id", "name", "phone", "birthDate", "email", "consent"]);
const CONSENT_FIELDS: ReadonlySet<string> = new Set(["sms", "email"]);

/** The edit as read from the request, without its operator. */
type EditRequest = Omit<ProfileEdit, "operator">;

/**
 * Support's edits of a member's profile (issue 12). The profile lives in the
 * member's account (its shard); the phone -> member entries that keep phones
 * unique, and the name and e-mail search keys, live in the directory, which
 * only this thread writes. An edit runs under the locks of its member and of
 * its new phone (shared with enrolment), in this order:
 *
 * 1. Claim: point the new phone at the member (PHONE_TAKEN if another
 *    member holds it) and add the new name and e-mail keys, durably. The old
 *    phone still points at the member too.
 * 2. The shard applies the edit (idempotent by its id) and answers what it
 *    changed, from and to; a retry gets that first answer.
 * 3. Free: delete the old phone's entry (only while it still names this
 *    member) and the old search keys, durably; also anything step 1 claimed
 *    that the profile does not hold after all (a refused edit, a repeat).
 *
 * A crash after 1 leaves the member holding two phones, never two members
 * one phone: the account still says the old phone. A crash after 2 leaves
 * the old phone pointing at the member whose account has the new one. Either
 * claim is stale, and a retry with the same id completes step 3 from the
 * stored answer; without a retry, enrolment and edits treat a claim whose
 * member's account has another phone as free (phone-claims.ts).
 * docs/ARCHITECTURE.md, "Profile edits", has the reasoning.
 */
export class MemberEdits {
  constructor(
    private readonly directory: DirectoryStore,
    private readonly cluster: ShardCluster,
    private readonly control: ControlStore,
    private readonly locks: KeyLocks,
    private readonly clock: () => number,
  ) {}

  async edit(memberId: string, input: unknown, operator: string): Promise<OperationOutcome<EditProfileResult>> {
    const request = readEditRequest(readObject(input, "profile"));
    if (!MEMBER_ID_PATTERN.test(memberId)) return failure("UNKNOWN_MEMBER", `${memberId} is not a member id`);
    const newPhone = typeof request.phone === "string" ? request.phone : null;
    const keys = [`member:${memberId}`, ...(newPhone === null ? [] : [`phone:${newPhone}`])];
    return this.locks.run(keys, async (): Promise<OperationOutcome<EditProfileResult>> => {
      const before = await this.profileOf(memberId);
      if ("ok" in before) return before;
      const claim = await this.claim(memberId, before, request);
      if ("ok" in claim) return claim;
      const reply = await this.cluster.requestForMember({ kind: "editProfile", memberId, edit: { ...request, operator } });
      // A refusal changed nothing on the shard; a repeat's answer may be older than the profile now.
      const after = reply.ok && reply.sequence !== undefined ? reply.value.profile : await this.profileOf(memberId);
      if (!("ok" in after)) await this.free(memberId, after, claim, reply.ok ? reply.value.changed : {});
      if (!reply.ok) return failure(reply.code, reply.message);
      // Every accepted request, a repeat included (as adjustments): a crash between the shard's write and the entry must not lose it.
      await this.control.appendAudit({ at: this.clock(), action: "edit-member-profile", operator, detail: { member: memberId, edit: request.editId, changed: reply.value.changed } });
      return { ok: true, value: reply.value };
    });
  }

  private async profileOf(memberId: string): Promise<MemberProfileView | Failure> {
    const reply = await this.cluster.requestForMember({ kind: "lookup", memberId });
    if (!reply.ok) return failure(reply.code, reply.message);
    const { card, phone, name, birthDate, email, consent } = reply.value;
    return { card, phone, name, birthDate, email, consent };
  }

  /** Step 1: the new phone and the new search keys point at the member, durably; what was added. */
  private async claim(memberId: string, before: MemberProfileView, request: EditRequest): Promise<MemberIndexChange | Failure> {
    const phone = typeof request.phone === "string" && request.phone !== before.phone && this.directory.findMemberByPhone(request.phone) !== memberId ? request.phone : null;
    if (phone !== null && (await phoneHeldByAnother(this.directory, this.cluster, phone, memberId))) {
      return failure("PHONE_TAKEN", `phone ${phone} belongs to another member`);
    }
    const name = typeof request.name === "string" && !sameName(request.name, before.name) ? request.name : null;
    const email = typeof request.email === "string" && !sameEmail(request.email, before.email) ? request.email : null;
    const claim: MemberIndexChange = {
      memberId,
      claimPhones: phone === null ? [] : [phone],
      addNames: name === null ? [] : [name],
      addEmails: email === null ? [] : [email],
    };
    if (phone !== null || name !== null || email !== null) await this.directory.updateMemberIndexes(claim);
    return claim;
  }

  /**
   * Step 3: frees every phone and search key this edit touched (claimed now,
   * or changed from or to by the first attempt) that the profile `after` does
   * not hold, and keeps the keys it does.
   */
  private async free(memberId: string, after: MemberProfileView, claim: MemberIndexChange, changed: ProfileChanges): Promise<void> {
    const phones = [...(claim.claimPhones ?? []), changed.phone?.from, changed.phone?.to].filter((phone): phone is string => typeof phone === "string");
    const names = [...(claim.addNames ?? []), changed.name?.from, changed.name?.to].filter((name): name is string => typeof name === "string");
    const emails = [...(claim.addEmails ?? []), changed.email?.from, changed.email?.to].filter((email): email is string => typeof email === "string");
    const change: MemberIndexChange = {
      memberId,
      releasePhones: phones.filter((phone) => phone !== after.phone),
      removeNames: names.filter((name) => !sameName(name, after.name)),
      removeEmails: emails.filter((email) => !sameEmail(email, after.email)),
      addNames: after.name === null ? [] : [after.name],
      addEmails: after.email === null ? [] : [after.email],
    };
    const removes = (change.releasePhones?.length ?? 0) + (change.removeNames?.length ?? 0) + (change.removeEmails?.length ?? 0);
    if (removes > 0 || names.length > 0 || emails.length > 0) await this.directory.updateMemberIndexes(change);
  }
}

function sameName(left: string, right: string | null): boolean {
  return right !== null && searchableName(left) === searchableName(right);
}

function sameEmail(left: string, right: string | null): boolean {
  return right !== null && searchableEmail(left) === searchableEmail(right);
}

/** The edit's fields: each absent (unchanged), null (cleared) or a valid value; at least one. A bad one throws BAD_REQUEST naming it. */
function readEditRequest(document: InputObject): EditRequest {
  refuseUnknownFields(document, "", EDIT_FIELDS);
  const editId = readString(document["id"], "id", CLIENT_IDENTIFIER_LENGTH_MAX, CLIENT_IDENTIFIER_PATTERN);
  const given = (name: string): boolean => document[name] !== undefined;
  const cleared = (name: string): boolean => document[name] === null;
  const edit: EditRequest = {
    editId,
    ...(given("name") ? { name: cleared("name") ? null : readString(document["name"], "name", MEMBER_NAME_LENGTH_MAX) } : {}),
    ...(given("phone") ? { phone: cleared("phone") ? null : readPhone(document["phone"], "phone") } : {}),
    ...(given("birthDate") ? { birthDate: readBirthDate(document["birthDate"], "birthDate") } : {}),
    ...(given("email") ? { email: readEmail(document["email"], "email") } : {}),
    ...(given("consent") ? { consent: readPartialConsent(document["consent"]) } : {}),
  };
  if (Object.keys(edit).length === 1) throw badRequest("name, phone, birthDate, email or consent", "must be given: an edit changes at least one field");
  return edit;
}

/** `{ sms?, email? }`, at least one; the channels not given stay as they are. */
function readPartialConsent(value: unknown): Partial<MemberConsent> {
  const consent = readObject(value, "consent");
  refuseUnknownFields(consent, "consent", CONSENT_FIELDS);
  const sms = readOptionalBoolean(consent["sms"], "consent.sms");
  const email = readOptionalBoolean(consent["email"], "consent.email");
  if (sms === undefined && email === undefined) throw badRequest("consent", "must give sms or email (true or false)");
  return { ...(sms === undefined ? {} : { sms }), ...(email === undefined ? {} : { email }) };
}
