import type { EditProfileRequest, MemberView } from "../../protocol/admin-wire.js";

/** The profile form's fields, as the server names them in its refusals. */
export type ProfileField = "name" | "phone" | "birthDate" | "email" | "consent";

/** What the form holds: text fields as typed ("" for none), consent as two boxes. */
export interface ProfileDraft {
  readonly name: string;
  readonly phone: string;
  readonly birthDate: string;
  readonly email: string;
  readonly smsConsent: boolean;
  readonly emailConsent: boolean;
}

export function draftOf(view: Pick<MemberView, "name" | "phone" | "birthDate" | "email" | "consent">): ProfileDraft {
  return {
    name: view.name ?? "",
    phone: view.phone ?? "",
    birthDate: view.birthDate ?? "",
    email: view.email ?? "",
    smsConsent: view.consent.sms,
    emailConsent: view.consent.email,
  };
}

/**
 * The edit request of the fields that differ from `before` (an emptied field
 * clears it: null), or null when nothing changed. The server checks every
 * value; the console checks none itself.
 */
export function editOf(id: string, before: ProfileDraft, after: ProfileDraft): EditProfileRequest | null {
  const text = (field: "name" | "phone" | "birthDate" | "email") => {
    const value = after[field].trim();
    return value === before[field].trim() ? {} : { [field]: value === "" ? null : value };
  };
  const consent = {
    ...(after.smsConsent === before.smsConsent ? {} : { sms: after.smsConsent }),
    ...(after.emailConsent === before.emailConsent ? {} : { email: after.emailConsent }),
  };
  const edit: EditProfileRequest = {
    id,
    ...text("name"),
    ...text("phone"),
    ...text("birthDate"),
    ...text("email"),
    ...(Object.keys(consent).length === 0 ? {} : { consent }),
  };
  return Object.keys(edit).length === 1 ? null : edit;
}

const FIELDS: readonly ProfileField[] = ["name", "phone", "birthDate", "email", "consent"];

/**
 * The form field a coded refusal is about, or null for one about no field:
 * PHONE_TAKEN is the phone's; a BAD_REQUEST's message starts with the field
 * it names ("email must be an e-mail address ...", "consent.sms must be ...").
 */
export function problemFieldOf(code: string, message: string): ProfileField | null {
  if (code === "PHONE_TAKEN") return "phone";
  if (code !== "BAD_REQUEST") return null;
  const named = message.split(" ", 1)[0]?.split(".", 1)[0] ?? "";
  return (FIELDS as readonly string[]).includes(named) ? (named as ProfileField) : null;
}
