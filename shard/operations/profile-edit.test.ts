import { describe, expect, it } from "vitest";
import { openAccount, withContact } from "../../domain/account/account.js";
import type { ReceiptRecord } from "../storage/shard-store.js";
import { editProfile, profileEditAddress } from "./keyed-operations.js";

const PROFILE = { card: "2000000000001", phone: "+79000000001", name: "Анна", birthDate: null };
const ACCOUNT = openAccount("m00000000000000a1", 7, PROFILE, 1_000);

describe("a profile edit", () => {
  it("changes only the fields given, keeps the card, and names each change from and to, with a profile history entry", () => {
    const result = editProfile({ account: ACCOUNT, existing: undefined, now: 5_000 }, { editId: "e1", name: "Анна Петрова", email: "Anna@Example.com", consent: { sms: true }, operator: "olga" });
    expect(result.kind).toBe("applied");
    if (result.kind !== "applied") return;
    expect(result.account.profile).toEqual(withContact({ ...PROFILE, name: "Анна Петрова" }, "Anna@Example.com", { sms: true, email: false }));
    expect(result.account.sequence).toBe(ACCOUNT.sequence + 1);
    expect(result.answer).toEqual({
      member: ACCOUNT.memberId,
      edit: "e1",
      profile: { card: PROFILE.card, phone: PROFILE.phone, name: "Анна Петрова", birthDate: null, email: "Anna@Example.com", consent: { sms: true, email: false } },
      changed: {
        name: { from: "Анна", to: "Анна Петрова" },
        email: { from: null, to: "Anna@Example.com" },
        consent: { from: { sms: false, email: false }, to: { sms: true, email: false } },
      },
    });
    const history = result.writes.find((write) => write.kind === "activity");
    expect(history).toMatchObject({ activity: { kind: "profile", at: 5_000, detail: { edit: "e1", operator: "olga", changed: result.answer.changed } } });
    const record = result.writes.find((write) => write.kind === "receipt");
    expect(record).toMatchObject({ receipt: { store: profileEditAddress("e1").store, receiptId: profileEditAddress("e1").recordId, memberId: ACCOUNT.memberId } });
  });

  it("clears a field given as null, and answers a repeat with its first answer and other content with CONFLICT", () => {
    const first = editProfile({ account: ACCOUNT, existing: undefined, now: 5_000 }, { editId: "e2", phone: null, operator: "olga" });
    if (first.kind !== "applied") throw new Error("applied");
    expect(first.account.profile.phone).toBeNull();
    expect(first.answer.changed).toEqual({ phone: { from: "+79000000001", to: null } });
    const record = first.writes.find((write) => write.kind === "receipt");
    if (record?.kind !== "receipt") throw new Error("a record");
    const existing: ReceiptRecord = record.receipt;
    const repeat = editProfile({ account: first.account, existing, now: 6_000 }, { editId: "e2", phone: null, operator: "someone else" });
    expect(repeat).toEqual({ kind: "answered", answer: first.answer });
    const other = editProfile({ account: first.account, existing, now: 6_000 }, { editId: "e2", operator: "olga" });
    expect(other).toMatchObject({ kind: "refused", code: "CONFLICT" });
  });
});
