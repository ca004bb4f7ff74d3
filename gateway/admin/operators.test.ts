import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function call(server: ServerProcess, method: string, path: string, token: string | undefined, body?: unknown, operator?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  if (operator !== undefined) headers["x-operator"] = operator;
  const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("named operators of the admin API, over the real server", () => {
  const directory = makeTemporaryDirectory("operators");
  let server: ServerProcess;
  let admin: string;

  const signIn = async (name: string, password: string): Promise<Answer> => call(server, "POST", "/v1/admin/sessions", undefined, { name, password });

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1"]);
    admin = server.adminToken ?? "";
    for (const [name, role] of [["rita", "read-only"], ["mark", "marketer"], ["sue", "support"], ["ada", "admin"]]) {
      const created = await call(server, "POST", "/v1/admin/operators", admin, { name, role, password: `${name}-password-123` }, "first-admin");
      expect(created).toMatchObject({ status: 200, body: { name, role, createdBy: "first-admin" } });
      expect(created.body).not.toHaveProperty("passwordHash");
    }
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("gives an operator a session token for the right password only, and says who it acts as", async () => {
    expect(await signIn("rita", "wrong-password-123")).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    expect(await signIn("nobody", "rita-password-123")).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    const signed = await signIn("rita", "rita-password-123");
    expect(signed).toMatchObject({ status: 200, body: { operator: { name: "rita", role: "read-only" } } });
    const token = String(signed.body["token"]);
    expect(await call(server, "GET", "/v1/admin/me", token)).toMatchObject({ status: 200, body: { name: "rita", role: "read-only", via: "session" } });
    expect(await call(server, "GET", "/v1/admin/me", admin, undefined, "bot")).toMatchObject({ body: { name: "bot", role: "admin", via: "admin-token" } });
  });

  it("refuses a read-only operator's writes with FORBIDDEN and changes nothing, while reads work", async () => {
    const token = String((await signIn("rita", "rita-password-123")).body["token"]);
    expect((await call(server, "GET", "/v1/admin/program", token)).status).toBe(200);
    const refused = await call(server, "POST", "/v1/admin/partners", token, { id: "p-rita", name: "R" });
    expect(refused).toMatchObject({ status: 403, body: { code: "FORBIDDEN" } });
    expect((await call(server, "GET", "/v1/admin/partners/p-rita", admin)).status).toBe(404);
    expect((await call(server, "GET", "/v1/admin/operators", token)).body).toMatchObject({ code: "FORBIDDEN" });
  });

  it("lets each role do its own writes and no other's", async () => {
    const marketer = String((await signIn("mark", "mark-password-123")).body["token"]);
    const support = String((await signIn("sue", "sue-password-123")).body["token"]);
    const adjustment = { id: "adj-sue-1", card: "2000000000001", points: 5, reason: "goodwill", operator: "sue" };
    expect((await call(server, "POST", "/v1/admin/adjustments", marketer, adjustment)).status).toBe(403);
    expect((await call(server, "POST", "/v1/admin/adjustments", support, adjustment)).status).toBe(200);
    const program = (await call(server, "GET", "/v1/admin/program", support)).body;
    const definition = { ...program, version: undefined };
    expect((await call(server, "PUT", "/v1/admin/program", support, definition)).status).toBe(403);
    expect((await call(server, "PUT", "/v1/admin/program", marketer, definition)).status).toBe(200);
  });

  it("names the operator on the audit entries they cause, filterable by operator and action", async () => {
    const support = String((await signIn("sue", "sue-password-123")).body["token"]);
    expect((await call(server, "POST", "/v1/admin/adjustments", support, { id: "adj-sue-2", card: "2000000000001", points: -1, reason: "typo", operator: "someone else" })).status).toBe(200);
    const audit = await call(server, "GET", "/v1/admin/audit?operator=sue&action=adjust", admin);
    const entries = audit.body["audit"] as { operator: string; action: string }[];
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(entries.every((entry) => entry.operator === "sue" && entry.action === "adjust")).toBe(true);
    expect(audit.body["next"]).toBeNull();
    const created = await call(server, "GET", "/v1/admin/audit?action=create-operator&limit=2", admin);
    expect(created.body["audit"]).toHaveLength(2);
    expect(created.body["next"]).toEqual(expect.any(Number));
  });

  it("checks a program without storing it, answering each problem with its path", async () => {
    const versions = (await call(server, "GET", "/v1/admin/program/versions", admin)).body["versions"] as unknown[];
    const refused = await call(server, "POST", "/v1/admin/program/validate", admin, { name: "x", points: { accrualRateBasisPoints: 1.5, maxRedeemShareBasisPoints: 5_000 } });
    expect(refused).toMatchObject({ status: 400, body: { code: "BAD_REQUEST", problems: [{ path: "points.accrualRateBasisPoints" }] } });
    const valid = await call(server, "POST", "/v1/admin/program/validate", admin, { name: "x", points: { accrualRateBasisPoints: 100, maxRedeemShareBasisPoints: 5_000 } });
    expect(valid).toMatchObject({ status: 200, body: { valid: true } });
    expect((await call(server, "GET", "/v1/admin/program/versions", admin)).body["versions"]).toHaveLength(versions.length);
  });

  it("refuses a disabled operator's live session and password at once", async () => {
    const token = String((await signIn("ada", "ada-password-123")).body["token"]);
    expect((await call(server, "GET", "/v1/admin/me", token)).status).toBe(200);
    expect((await call(server, "DELETE", "/v1/admin/operators/ada", admin)).body).toMatchObject({ name: "ada", disabledAt: expect.any(Number) });
    expect(await call(server, "GET", "/v1/admin/me", token)).toMatchObject({ status: 401, body: { code: "UNAUTHORIZED" } });
    expect((await signIn("ada", "ada-password-123")).status).toBe(401);
  });

  it("refuses bad operator details one field at a time, and a repeated name", async () => {
    const create = (body: unknown): Promise<Answer> => call(server, "POST", "/v1/admin/operators", admin, body);
    expect((await create({ name: "x", role: "root", password: "long-enough-password" })).body["message"]).toContain("operator.role");
    expect((await create({ name: "x", role: "support", password: "short" })).body["message"]).toContain("operator.password");
    expect((await create({ name: "bad name", role: "support", password: "long-enough-password" })).body["message"]).toContain("operator.name");
    expect((await create({ name: "rita", role: "support", password: "long-enough-password" })).body).toMatchObject({ code: "CONFLICT" });
    expect((await call(server, "POST", "/v1/admin/sessions", undefined, "not an object")).body).toMatchObject({ code: "BAD_REQUEST" });
  });
});
