import type { OperatorRole } from "../../protocol/admin-wire.js";

/** What an admin route needs of its caller's role. */
export type AdminPermission =
  /** Any GET except the operator list. */
  | "read"
  /** Store a new program version. */
  | "program"
  /** Enrol members, credit or debit points. */
  | "members"
  /** Revoke a terminal, issue it a new token. */
  | "terminals"
  /** Create partners, stores, terminals. */
  | "setup"
  /** List, create and disable operators. */
  | "operators";

export const OPERATOR_ROLES: readonly OperatorRole[] = ["admin", "marketer", "support", "read-only"];

/** The one table of who may do what; docs/console.md ("Roles") shows it to people. */
const ROLE_PERMISSIONS: Readonly<Record<OperatorRole, ReadonlySet<AdminPermission>>> = {
  admin: new Set<AdminPermission>(["read", "program", "members", "terminals", "setup", "operators"]),
  marketer: new Set<AdminPermission>(["read", "program"]),
  support: new Set<AdminPermission>(["read", "members", "terminals"]),
  "read-only": new Set<AdminPermission>(["read"]),
};

export function mayAct(role: OperatorRole, permission: AdminPermission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function isOperatorRole(value: unknown): value is OperatorRole {
  return typeof value === "string" && (OPERATOR_ROLES as readonly string[]).includes(value);
}
