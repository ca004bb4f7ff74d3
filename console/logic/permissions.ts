import type { OperatorRole } from "../../protocol/admin-wire.js";

/**
 * The roles with the permission `program` (gateway/admin/operator-roles.ts; docs/console.md, "Roles"):
 * they change campaigns' states, revoke coupons, preview segments, and define, invite to and close
 * surveys. The server checks the permission on every route; the console only hides what a role cannot use.
 */
export function hasProgramPermission(role: OperatorRole): boolean {
  return role === "admin" || role === "marketer";
}
