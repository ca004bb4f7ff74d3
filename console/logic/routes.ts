import type { OperatorRole } from "../../protocol/admin-wire.js";

/**
 * The console's pages, routed by the URL's hash (`#/members/m0123...`), so the
 * gateway serves one file for every page. A later screen (cards and families,
 * notifications) joins by adding a row to NAVIGATION and a case to the page
 * switch in app.tsx.
 */
export type Route =
  | { readonly page: "program" }
  | { readonly page: "campaigns" }
  | { readonly page: "members"; readonly member?: string }
  | { readonly page: "setup" }
  | { readonly page: "audit" }
  | { readonly page: "settlement" }
  | { readonly page: "webhooks" }
  | { readonly page: "surveys" }
  | { readonly page: "live" }
  | { readonly page: "operators" };

export type PageName = Route["page"];

export interface NavigationItem {
  readonly page: PageName;
  readonly label: string;
  /** The roles that see the item; every role when absent. */
  readonly roles?: readonly OperatorRole[];
}

export const NAVIGATION: readonly NavigationItem[] = [
  { page: "program", label: "Program" },
  // Every role reads campaigns; the page shows its actions only to roles with the "program" permission.
  { page: "campaigns", label: "Campaigns" },
  { page: "members", label: "Members" },
  { page: "setup", label: "Partners, stores, terminals" },
  { page: "settlement", label: "Settlement" },
  // Every role reads surveys and their results; the page shows its actions only to the roles with the "program" permission.
  { page: "surveys", label: "Surveys" },
  // Setting endpoints up needs the "setup" permission (the admin role); their URLs are configuration only admins see.
  { page: "webhooks", label: "Webhooks", roles: ["admin"] },
  { page: "audit", label: "Audit" },
  { page: "live", label: "Live" },
  { page: "operators", label: "Operators", roles: ["admin"] },
];

export const DEFAULT_ROUTE: Route = { page: "members" };

export function navigationFor(role: OperatorRole): NavigationItem[] {
  return NAVIGATION.filter((item) => item.roles === undefined || item.roles.includes(role));
}

/** `#/members/m1` -> the member page; anything unknown -> the default page. */
export function parseRoute(hash: string): Route {
  const [page, argument] = hash.replace(/^#\/?/, "").split("/").map((part) => decodeURIComponent(part));
  switch (page) {
    case "program":
    case "campaigns":
    case "setup":
    case "audit":
    case "settlement":
    case "webhooks":
    case "surveys":
    case "live":
    case "operators":
      return { page };
    case "members":
      return argument === undefined || argument.length === 0 ? { page } : { page, member: argument };
    default:
      return DEFAULT_ROUTE;
  }
}

export function formatRoute(route: Route): string {
  if (route.page === "members" && route.member !== undefined) return `#/members/${encodeURIComponent(route.member)}`;
  return `#/${route.page}`;
}

/** The document title of a page: every page has its own. */
export function titleOf(route: Route): string {
  const label = NAVIGATION.find((item) => item.page === route.page)?.label ?? "Console";
  const detail = route.page === "members" && route.member !== undefined ? `Member ${route.member}` : label;
  return `${detail} · loycore console`;
}
