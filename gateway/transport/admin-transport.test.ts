import { readFileSync } from "node:fs";
import type uWS from "uWebSockets.js";
import { describe, expect, it } from "vitest";
import { AdminTransport } from "./admin-transport.js";

const protocolPage = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");

/** Every (method, path) the admin transport registers, read off a recording stand-in for the uWS app. */
function registeredRoutes(): string[] {
  const routes: string[] = [];
  const record = (method: string) => (path: string) => {
    routes.push(`${method} ${path}`);
    return app;
  };
  const app = { get: record("GET"), post: record("POST"), put: record("PUT"), del: record("DELETE") } as unknown as uWS.TemplatedApp;
  new AdminTransport({} as never, {} as never, {} as never, {} as never, {} as never, {} as never, { endpoints: {} as never, admin: {} as never, templates: {} as never }, {} as never, {} as never, {} as never, {} as never).register(app);
  return routes;
}

/** `GET /v1/admin/stores/:store` and `GET /v1/admin/stores/<id>?x=1` both become `GET /v1/admin/stores/<>`. */
function normalised(route: string): string {
  return route.replace(/\?.*$/, "").replace(/:[a-z]+/g, "<>").replace(/<[^>]*>/g, "<>");
}

describe("the admin API documentation", () => {
  it("lists every admin endpoint the gateway serves in docs/protocol.md", () => {
    const documented = new Set([...protocolPage.matchAll(/^\| `((?:GET|POST|PUT|DELETE) \/v1\/admin\/[^`]*)`/gm)].map((match) => normalised(match[1] ?? "")));
    const served = registeredRoutes().map(normalised);
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.includes(route))).toEqual([]);
  });
});
