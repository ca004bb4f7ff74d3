import { describe, expect, it } from "vitest";
import { draftOf, editOf, problemFieldOf } from "./profile-form.js";

const VIEW = { name: "Анна", phone: "+79000000001", birthDate: null, email: null, consent: { sms: false, email: true } };

describe("the profile form", () => {
  it("sends only the fields that changed, an emptied field as null, and nothing when nothing changed", () => {
    const before = draftOf(VIEW);
    expect(editOf("e1", before, before)).toBeNull();
    expect(editOf("e1", before, { ...before, name: " Анна Петрова ", phone: "", smsConsent: true })).toEqual({ id: "e1", name: "Анна Петрова", phone: null, consent: { sms: true } });
    expect(editOf("e1", before, { ...before, email: "a@example.com" })).toEqual({ id: "e1", email: "a@example.com" });
  });

  it("puts a coded refusal at the field it names", () => {
    expect(problemFieldOf("PHONE_TAKEN", "phone +7 belongs to another member")).toBe("phone");
    expect(problemFieldOf("BAD_REQUEST", "email must be an e-mail address like name@example.com")).toBe("email");
    expect(problemFieldOf("BAD_REQUEST", "consent.sms must be true or false")).toBe("consent");
    expect(problemFieldOf("BAD_REQUEST", "id must match /x/")).toBeNull();
    expect(problemFieldOf("CONFLICT", "name was already made")).toBeNull();
  });
});
