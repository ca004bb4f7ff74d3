import { describe, expect, it } from "vitest";
import { simpleProgram } from "../../domain/test-support/simple-program.js";
import type { AuditEntry } from "../../protocol/admin-wire.js";
import type { ControlStore } from "../control/control-store.js";
import { MemoryDirectoryData, MemoryDirectoryStore } from "../directory/memory-directory-store.js";
import { Enrollment } from "../operations/enrollment.js";
import { KeyLocks } from "../operations/key-locks.js";
import { createInMemoryCluster } from "../shards/in-memory-cluster.js";
import { outcomeOfError } from "../transport/request-handler.js";
import { MemberEdits } from "./member-edits.js";
import { MemberSearch } from "./member-search.js";

function setUp() {
  const data = new MemoryDirectoryData();
  const directory = new MemoryDirectoryStore(data);
  const { cluster } = createInMemoryCluster({ shardThreads: 2, program: simpleProgram(), clock: () => 1 });
  const audit: Omit<AuditEntry, "sequence">[] = [];
  const control = { appendAudit: async (entry: Omit<AuditEntry, "sequence">) => void audit.push(entry) } as unknown as ControlStore;
  const locks = new KeyLocks();
  const enrollment = new Enrollment(directory, cluster, locks);
  const edits = new MemberEdits(directory, cluster, control, locks, () => 5);
  const search = new MemberSearch(directory, cluster);
  const enrol = async (card: string, phone: string | null, name: string | null): Promise<string> => {
    const outcome = await enrollment.enroll({ card, phone, name, birthDate: null });
    if (!outcome.ok) throw new Error(outcome.message);
    return outcome.value.member;
  };
  const names = async (q: string) => {
    const page = await search.search(q, undefined, undefined);
    return page.ok ? page.value.members.map((hit) => hit.member) : page.code;
  };
  return { data, directory, cluster, audit, edits, search, enrol, names };
}

describe("MemberEdits", () => {
  it("moves the phone and the search keys with the profile, audited with its operator, and a repeat answers the same", async () => {
    const { data, edits, enrol, names, audit } = setUp();
    const anna = await enrol("101", "+79000000101", "Анна Иванова");
    const edited = await edits.edit(anna, { id: "e-1", name: "Анна Петрова", phone: "79000000102", email: "Anna@Example.com", consent: { sms: true } }, "olga");
    expect(edited).toMatchObject({
      ok: true,
      value: { member: anna, edit: "e-1", profile: { phone: "+79000000102", name: "Анна Петрова", email: "Anna@Example.com", consent: { sms: true, email: false } } },
    });
    expect(data.phones.get("+79000000102")).toBe(anna);
    expect(data.phones.has("+79000000101")).toBe(false);
    expect(await names("анна п")).toEqual([anna]);
    expect(await names("Анна И")).toEqual([]);
    expect(await names("ANNA@example.com")).toEqual([anna]);
    expect(audit).toEqual([{ at: 5, action: "edit-member-profile", operator: "olga", detail: { member: anna, edit: "e-1", changed: expect.any(Object) } }]);
    expect(await edits.edit(anna, { id: "e-1", name: "Анна Петрова", phone: "79000000102", email: "Anna@Example.com", consent: { sms: true } }, "olga")).toEqual(edited);
    expect(audit).toHaveLength(2);
    expect(await edits.edit(anna, { id: "e-1", name: "Анна" }, "olga")).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(audit).toHaveLength(2);
    expect(await names("анна п")).toEqual([anna]);
  });

  it("refuses another member's phone with PHONE_TAKEN and changes nothing; a phone given back is free again", async () => {
    const { data, edits, enrol } = setUp();
    const first = await enrol("201", "+79000000201", null);
    const second = await enrol("202", "+79000000202", null);
    expect(await edits.edit(second, { id: "e-2", phone: "+79000000201", name: "B" }, "olga")).toMatchObject({ ok: false, code: "PHONE_TAKEN" });
    expect(data.phones.get("+79000000201")).toBe(first);
    expect(data.names.size).toBe(0);
    expect(await edits.edit(first, { id: "e-3", phone: null }, "olga")).toMatchObject({ ok: true, value: { profile: { phone: null } } });
    expect(await edits.edit(second, { id: "e-2", phone: "+79000000201", name: "B" }, "olga")).toMatchObject({ ok: true, value: { profile: { phone: "+79000000201" } } });
    expect(data.phones.get("+79000000201")).toBe(second);
    expect(data.phones.has("+79000000202")).toBe(false);
  });

  it("frees a phone a crash left claimed before the shard write: the account still has another, so enrolment may take it", async () => {
    const { data, directory, enrol, edits } = setUp();
    const first = await enrol("301", "+79000000301", null);
    // Step 1 of an edit, then a crash: the member holds both phones in the directory, its account only the first.
    await directory.updateMemberIndexes({ memberId: first, claimPhones: ["+79000000302"] });
    const second = await enrol("302", "+79000000302", null);
    expect(data.phones.get("+79000000302")).toBe(second);
    // The first member's retry of that edit finds the phone another's: refused, nothing changed.
    expect(await edits.edit(first, { id: "e-4", phone: "+79000000302" }, "olga")).toMatchObject({ ok: false, code: "PHONE_TAKEN" });
    expect(data.phones.get("+79000000301")).toBe(first);
  });

  it("completes an edit a crash cut off after the shard write when it is retried with the same id: the old phone and name are freed", async () => {
    const { data, cluster, edits, enrol, names } = setUp();
    const member = await enrol("401", "+79000000401", "Old Name");
    // Steps 1 and 2 done, the crash before step 3.
    await edits["directory"].updateMemberIndexes({ memberId: member, claimPhones: ["+79000000402"], addNames: ["New Name"] });
    const applied = await cluster.requestForMember({ kind: "editProfile", memberId: member, edit: { editId: "e-5", phone: "+79000000402", name: "New Name", operator: "olga" } });
    expect(applied.ok).toBe(true);
    expect(data.phones.get("+79000000401")).toBe(member);
    const retried = await edits.edit(member, { id: "e-5", phone: "+79000000402", name: "New Name" }, "olga");
    expect(retried).toMatchObject({ ok: true, value: applied.ok ? applied.value : {} });
    expect(data.phones.has("+79000000401")).toBe(false);
    expect(data.phones.get("+79000000402")).toBe(member);
    expect(await names("old")).toEqual([]);
    expect(await names("new")).toEqual([member]);
  });

  it("refuses a bad field with BAD_REQUEST naming it, an edit of nothing, and an unknown member", async () => {
    const { edits, enrol } = setUp();
    const member = await enrol("501", null, null);
    const refusal = async (body: unknown) => edits.edit(member, body, "olga").then((outcome) => outcome, (error: unknown) => outcomeOfError(error));
    expect(await refusal({ id: "e-6", email: "not an e-mail" })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^email /) });
    expect(await refusal({ id: "e-6", phone: "12" })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^phone /) });
    expect(await refusal({ id: "e-6", birthDate: "1990-02-30" })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^birthDate /) });
    expect(await refusal({ id: "e-6", consent: { sms: "yes" } })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^consent.sms /) });
    expect(await refusal({ id: "e-6", card: "9" })).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^card /) });
    expect(await refusal({ id: "e-6" })).toMatchObject({ code: "BAD_REQUEST" });
    expect(await edits.edit("m0000000000000000", { id: "e-6", name: "X" }, "olga")).toMatchObject({ code: "UNKNOWN_MEMBER" });
  });
});

describe("MemberSearch", () => {
  it("finds by card, phone, e-mail and name prefix, pages names with next, and refuses bad input naming the parameter", async () => {
    const { search, enrol, names } = setUp();
    const members: string[] = [];
    for (let index = 0; index < 5; index += 1) members.push(await enrol(`60${index}`, `+7900000060${index}`, `Семён ${index}`));
    expect(await names("600")).toEqual([members[0]]);
    expect(await names("7900000060" + "3")).toEqual([members[3]]);
    expect(await names("семен")).toEqual(members);
    const first = await search.search("СЕМЁН", undefined, "2");
    expect(first).toMatchObject({ ok: true, value: { members: [{ member: members[0], name: "Семён 0", phone: "+79000000600", card: "600", email: null }, { member: members[1] }] } });
    const next = first.ok ? first.value.next : null;
    expect(next).toEqual(expect.any(String));
    const second = await search.search("семён", next ?? undefined, "2");
    expect(second.ok && second.value.members.map((hit) => hit.member)).toEqual([members[2], members[3]]);
    const refusal = async (q: string | undefined, after?: string, limit?: string) =>
      search.search(q, after, limit).then((outcome) => outcome, (error: unknown) => outcomeOfError(error));
    expect(await refusal("семён", undefined, "51")).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^limit /) });
    expect(await refusal(undefined)).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^q /) });
    expect(await refusal("x".repeat(255))).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^q /) });
    expect(await refusal("анна", next ?? undefined)).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^after /) });
    expect(await refusal("семён", "%%%")).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^after /) });
  });
});
