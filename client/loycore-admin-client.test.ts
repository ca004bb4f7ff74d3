import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../gateway/server-process.js";
import type { LoycoreAdminClientOptions } from "./admin-client-options.js";
import type { ProgramDefinition, Terminal } from "../protocol/admin-wire.js";
import { LoycoreAdminClient } from "./loycore-admin-client.js";
import { rejectionOf } from "../gateway/test-support/rejection-of.js";

/** Short enough to keep the suite fast, long enough that a loaded CI machine does not trip it. */
const SHORT_TIMEOUT_MILLISECONDS = 300;


/** Every page of a listing, following `next` until it is null. */
async function everyPage<Page extends { readonly next: string | number | null }>(
  first: () => Promise<Page>,
  after: (cursor: NonNullable<Page["next"]>) => Promise<Page>,
): Promise<Page[]> {
  const pages = [await first()];
  for (let last = pages[0]; last !== undefined && last.next !== null; ) {
    last = await after(last.next as NonNullable<Page["next"]>);
    pages.push(last);
  }
  return pages;
}

/** A plain HTTP server on 127.0.0.1 that answers as the test says (or never). */
async function startHttpServer(handle: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe("LoycoreAdminClient, over the real server", () => {
  const directory = makeTemporaryDirectory("admin-client");
  let server: ServerProcess;
  let admin: LoycoreAdminClient;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--shards", "1", "--demo-members", "2"]);
    admin = new LoycoreAdminClient({ url: server.url, token: server.adminToken ?? "", operator: "ops-anna" });
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("reads the current program, stores new versions, and reads every version by number and newest first, a page at a time", async () => {
    const current = await admin.program();
    const { version: _version, ...definition } = current;
    const second = await admin.putProgram({ ...definition, name: "Second" } satisfies ProgramDefinition);
    const third = await admin.putProgram({ ...definition, name: "Third" });
    expect([second.version, third.version]).toEqual([current.version + 1, current.version + 2]);
    expect((await admin.program()).name).toBe("Third");

    const pages = await everyPage(
      () => admin.programVersions({ limit: 2 }),
      (before) => admin.programVersions({ before, limit: 2 }),
    );
    const versions = pages.flatMap((page) => page.versions);
    expect(versions.slice(0, 3)).toEqual([
      { version: third.version, name: "Third" },
      { version: second.version, name: "Second" },
      { version: current.version, name: current.name },
    ]);
    expect(versions.map((entry) => entry.version)).toEqual([...Array(third.version).keys()].map((index) => third.version - index));

    expect(await admin.programVersion(second.version)).toEqual(second);
    expect(await admin.programVersion(current.version)).toEqual(current);
    const unknown = await rejectionOf(admin.programVersion(third.version + 1));
    expect([unknown.code, unknown.source]).toEqual(["NOT_FOUND", "server"]);
    expect((await rejectionOf(admin.programVersion(0))).code).toBe("BAD_REQUEST");
  });

  it("creates, reads and lists partners and stores in id order a page at a time, each page naming the next", async () => {
    const ids = ["pt-03", "pt-01", "pt-05", "pt-02", "pt-04"];
    for (const id of ids) expect(await admin.createPartner({ id, name: `Partner ${id}` })).toEqual({ id, name: `Partner ${id}` });
    expect(await admin.partner("pt-02")).toEqual({ id: "pt-02", name: "Partner pt-02" });

    const pages = await everyPage(
      () => admin.partners({ limit: 2 }),
      (after) => admin.partners({ after, limit: 2 }),
    );
    const listed = pages.flatMap((page) => page.partners.map((partner) => partner.id));
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining([...ids, "demo-partner"]));
    expect(new Set(listed).size).toBe(listed.length);
    expect(pages.at(-1)?.next).toBeNull();

    await admin.createStore({ id: "st-2", partner: "pt-01", name: "Two" });
    await admin.createStore({ id: "st-1", partner: "pt-01", name: "One" });
    await admin.createStore({ id: "st-3", partner: "pt-02", name: "Three" });
    expect(await admin.store("st-3")).toEqual({ id: "st-3", partner: "pt-02", name: "Three" });
    const firstPage = await admin.stores({ partner: "pt-01", limit: 1 });
    expect(firstPage).toEqual({ stores: [{ id: "st-1", partner: "pt-01", name: "One" }], next: "st-1" });
    expect(await admin.stores({ partner: "pt-01", after: firstPage.next, limit: 1 })).toEqual({
      stores: [{ id: "st-2", partner: "pt-01", name: "Two" }],
      next: null,
    });

    for (const missing of [admin.partner("pt-99"), admin.store("st-99")]) {
      const error = await rejectionOf(missing);
      expect([error.code, error.source]).toEqual(["NOT_FOUND", "server"]);
    }
    expect((await rejectionOf(admin.createStore({ id: "st-1", partner: "pt-01", name: "Renamed" }))).code).toBe("CONFLICT");
  });

  it("lists and reads terminals, revoked ones included, without ever showing a token or its hash", async () => {
    await admin.createPartner({ id: "pt-lanes", name: "Lanes" });
    await admin.createStore({ id: "st-lanes", partner: "pt-lanes", name: "Lanes" });
    const created = [];
    for (const id of ["lane-c", "lane-a", "lane-b"]) created.push(await admin.createTerminal({ id, store: "st-lanes" }));
    const revoked = await admin.revokeTerminal("lane-b");
    const rotated = await admin.rotateTerminalToken("lane-c");
    expect(rotated.token).not.toBe(created[0]?.token);
    const tokens = [...created.map((terminal) => terminal.token), rotated.token];

    const pages = await everyPage(
      () => admin.terminals({ store: "st-lanes", limit: 2 }),
      (after) => admin.terminals({ store: "st-lanes", after, limit: 2 }),
    );
    const listed: Terminal[] = pages.flatMap((page) => [...page.terminals]);
    expect(listed).toEqual([
      { id: "lane-a", store: "st-lanes", partner: "pt-lanes" },
      { id: "lane-b", store: "st-lanes", partner: "pt-lanes", revokedAt: revoked.revokedAt },
      { id: "lane-c", store: "st-lanes", partner: "pt-lanes" },
    ]);
    expect((await admin.terminals({ partner: "pt-lanes" })).terminals).toHaveLength(3);
    expect(await admin.terminal("lane-b")).toEqual(revoked);

    const everything = JSON.stringify([pages, await admin.terminals({ limit: 500 }), await admin.terminal("lane-c")]);
    expect(everything).not.toMatch(/token|hash/i);
    for (const token of tokens) expect(everything).not.toContain(token.slice(3));

    const missing = await rejectionOf(admin.terminal("lane-zz"));
    expect([missing.code, missing.source]).toEqual(["NOT_FOUND", "server"]);
  });

  it("reaches records whose ids hold a slash, a question mark or a percent sign", async () => {
    const id = "north/1?a=%20";
    await admin.createPartner({ id, name: "Awkward" });
    expect(await admin.partner(id)).toEqual({ id, name: "Awkward" });
    await admin.createStore({ id, partner: id, name: "Awkward store" });
    expect((await admin.stores({ partner: id })).stores.map((store) => store.id)).toEqual([id]);
    const terminal = await admin.createTerminal({ id, store: id });
    expect(await admin.terminal(id)).toEqual({ id, store: id, partner: id });
    expect((await admin.rotateTerminalToken(id)).token).not.toBe(terminal.token);
    expect((await admin.revokeTerminal(id)).revokedAt).toEqual(expect.any(Number));
  });

  it("enrolls a member, adjusts the points, and reads the member by id, card and phone with activity and the audit trail", async () => {
    const enrolled = await admin.enrollMember({ card: "7100000000001", phone: "+79005550101", name: "Ada" });
    expect(enrolled).toMatchObject({ card: "7100000000001", phone: "+79005550101", name: "Ada", balance: 0 });
    const adjusted = await admin.adjust({ id: "goodwill-1", card: "7100000000001", points: 250, reason: "apology", operator: "anna" });
    expect(adjusted).toEqual({ member: enrolled.member, adjustment: "goodwill-1", points: 250, balance: 250 });

    const view = await admin.member(enrolled.member);
    expect(view).toMatchObject({ member: enrolled.member, card: "7100000000001", balance: 250 });
    expect(view.lots.map((lot) => lot.source)).toEqual(["adjustment"]);
    expect(view.activity[0]?.kind).toBe("adjustment");
    expect((await admin.memberByCard("7100000000001")).member).toBe(enrolled.member);
    expect((await admin.memberByPhone("+79005550101")).member).toBe(enrolled.member);
    const activity = await admin.memberActivity(enrolled.member, { limit: 1 });
    expect(activity.activity).toHaveLength(1);
    expect(activity.activity[0]).toMatchObject({ kind: "adjustment", adjustment: "goodwill-1", points: 250 });

    const audit = await admin.audit({ limit: 2 });
    expect(audit.audit.map((entry) => [entry.action, entry.operator])).toEqual([
      ["adjust", "ops-anna"],
      ["enroll-member", "ops-anna"],
    ]);
    const older = await admin.audit({ before: audit.audit[1]?.sequence ?? 0, limit: 1 });
    expect(older.audit[0]?.sequence).toBeLessThan(audit.audit[1]?.sequence ?? 0);

    expect((await rejectionOf(admin.memberByCard("7199999999999"))).code).toBe("UNKNOWN_CARD");
    expect((await rejectionOf(admin.member("m0000000000000000"))).code).toBe("UNKNOWN_MEMBER");
    expect((await rejectionOf(admin.adjust({ id: "too-much", member: enrolled.member, points: -1_000, reason: "x", operator: "anna" }))).code).toBe(
      "INSUFFICIENT_POINTS",
    );
  });

  it("edits a member's profile (phone moved in the directory, audited) and searches members by name, e-mail, card and phone over the wire", async () => {
    const enrolled = await admin.enrollMember({ card: "7100000000011", phone: "+79005550111", name: "Юлия Соколова", email: "Julia@Example.com", consent: { sms: true } });
    expect(enrolled).toMatchObject({ email: "Julia@Example.com", consent: { sms: true, email: false } });
    const other = await admin.enrollMember({ card: "7100000000012", phone: "+79005550112", name: "Юлиан" });
    const edit = { id: "edit-1", name: "Юлия Петрова", phone: "+79005550113", email: null, consent: { email: true } };
    const edited = await admin.editMemberProfile(enrolled.member, edit);
    expect(edited).toMatchObject({
      member: enrolled.member,
      edit: "edit-1",
      profile: { card: "7100000000011", phone: "+79005550113", name: "Юлия Петрова", email: null, consent: { sms: true, email: true } },
      changed: { phone: { from: "+79005550111", to: "+79005550113" }, name: { from: "Юлия Соколова", to: "Юлия Петрова" } },
    });
    expect(await admin.editMemberProfile(enrolled.member, edit)).toEqual(edited);
    expect((await rejectionOf(admin.editMemberProfile(enrolled.member, { ...edit, name: "Other" }))).code).toBe("CONFLICT");
    expect((await rejectionOf(admin.editMemberProfile(other.member, { id: "edit-2", phone: "+79005550113" }))).code).toBe("PHONE_TAKEN");
    expect((await admin.memberByPhone("+79005550113")).member).toBe(enrolled.member);
    expect((await rejectionOf(admin.memberByPhone("+79005550111"))).code).toBe("UNKNOWN_PHONE");
    const view = await admin.member(enrolled.member);
    expect(view).toMatchObject({ name: "Юлия Петрова", email: null, consent: { sms: true, email: true } });
    expect(view.activity[0]).toMatchObject({ kind: "profile", edit: "edit-1", operator: "ops-anna" });
    expect((await admin.audit({ limit: 1 })).audit[0]).toMatchObject({ action: "edit-member-profile", operator: "ops-anna" });

    const found = await admin.searchMembers({ q: "ЮЛИ" });
    expect(found.members.map((hit) => hit.member).sort()).toEqual([enrolled.member, other.member].sort());
    const firstPage = await admin.searchMembers({ q: "юли", limit: 1 });
    expect(firstPage.members).toHaveLength(1);
    const secondPage = await admin.searchMembers({ q: "юли", limit: 1, after: firstPage.next });
    expect(secondPage.members.map((hit) => hit.member)).not.toEqual(firstPage.members.map((hit) => hit.member));
    expect((await admin.searchMembers({ q: "юлия с" })).members).toEqual([]);
    expect((await admin.searchMembers({ q: "7100000000011" })).members).toEqual([
      { member: enrolled.member, card: "7100000000011", name: "Юлия Петрова", phone: "+79005550113", email: null },
    ]);
    expect((await admin.searchMembers({ q: "79005550112" })).members.map((hit) => hit.member)).toEqual([other.member]);
    await admin.editMemberProfile(other.member, { id: "edit-3", email: "Julian@Example.com" });
    expect((await admin.searchMembers({ q: "JULIAN@example.com" })).members.map((hit) => hit.member)).toEqual([other.member]);
    expect((await rejectionOf(admin.searchMembers({ q: "юли", limit: 51 }))).code).toBe("BAD_REQUEST");
  });

  it("rejects with the gateway's codes: a page over the maximum size, a bad cursor, a terminal's token", async () => {
    const tooLarge = await rejectionOf(admin.partners({ limit: 501 }));
    expect([tooLarge.code, tooLarge.source]).toEqual(["BAD_REQUEST", "server"]);
    expect(tooLarge.message).toContain("limit");
    expect((await rejectionOf(admin.terminals({ limit: 0 }))).code).toBe("BAD_REQUEST");
    expect((await rejectionOf(admin.programVersions({ before: -1 }))).code).toBe("BAD_REQUEST");
    expect((await rejectionOf(admin.stores({ after: "has space" }))).message).toContain("after");

    const lane = new LoycoreAdminClient({ url: server.url, token: server.terminalToken ?? "" });
    const refused = await rejectionOf(lane.partners());
    expect([refused.code, refused.source]).toEqual(["UNAUTHORIZED", "server"]);
  });

  it("refuses an empty id before sending anything", async () => {
    const error = await rejectionOf(admin.terminal(""));
    expect([error.code, error.source]).toEqual(["BAD_REQUEST", "client"]);
  });
});

describe("LoycoreAdminClient without a loycore gateway", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("rejects with DISCONNECTED when nothing listens at the URL", async () => {
    const { server, url } = await startHttpServer(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const error = await rejectionOf(new LoycoreAdminClient({ url, token: "t" }).partners());
    expect([error.code, error.source]).toEqual(["DISCONNECTED", "client"]);
  });

  it("rejects with TIMEOUT when no answer comes in time", async () => {
    const { server, url } = await startHttpServer(() => undefined);
    servers.push(server);
    const client = new LoycoreAdminClient({ url, token: "t", requestTimeoutMilliseconds: SHORT_TIMEOUT_MILLISECONDS });
    const error = await rejectionOf(client.program());
    expect([error.code, error.source]).toEqual(["TIMEOUT", "client"]);
  });

  it("rejects with INTERNAL from the client when the answer is not a loycore answer", async () => {
    const { server, url } = await startHttpServer((_request, response) => {
      response.writeHead(502, { "content-type": "text/html" }).end("<html>Bad Gateway</html>");
    });
    servers.push(server);
    const error = await rejectionOf(new LoycoreAdminClient({ url, token: "t" }).program());
    expect([error.code, error.source]).toEqual(["INTERNAL", "client"]);
    expect(error.message).toContain("502");
  });

  it("sends the token, the operator and percent-encoded ids and query values", async () => {
    const seen: { url: string | undefined; authorization: string | undefined; operator: string | string[] | undefined }[] = [];
    const { server, url } = await startHttpServer((request, response) => {
      seen.push({ url: request.url, authorization: request.headers.authorization, operator: request.headers["x-operator"] });
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ terminals: [], next: null }));
    });
    servers.push(server);
    const client = new LoycoreAdminClient({ url: `${url}/`, token: "admin-token", operator: "Anna K" });
    await client.terminals({ store: "a b/c", after: "x?y", limit: 10 });
    expect(seen).toEqual([{ url: "/v1/admin/terminals?after=x%3Fy&limit=10&store=a%20b%2Fc", authorization: "Bearer admin-token", operator: "Anna K" }]);
  });
});

describe("LoycoreAdminClient options", () => {
  const valid: LoycoreAdminClientOptions = { url: "http://127.0.0.1:8080", token: "la_token" };
  const cases: [string, Record<string, unknown>, string][] = [
    ["a URL that is not http or https", { url: "ws://127.0.0.1:8080" }, '"url"'],
    ["a URL that does not parse", { url: "not a url" }, '"url"'],
    ["a URL with a query", { url: "http://127.0.0.1:8080/?x=1" }, '"url"'],
    ["an empty token", { token: "" }, '"token"'],
    ["a token with a line break", { token: "a\nb" }, '"token"'],
    ["an operator over 100 characters", { operator: "o".repeat(101) }, '"operator"'],
    ["an operator with a line break", { operator: "a\r\nb" }, '"operator"'],
    ["a timeout of 0", { requestTimeoutMilliseconds: 0 }, '"requestTimeoutMilliseconds"'],
    ["a fractional timeout", { requestTimeoutMilliseconds: 1.5 }, '"requestTimeoutMilliseconds"'],
    ["an unknown option", { timeout: 5 }, '"timeout"'],
  ];
  for (const [what, change, field] of cases) {
    it(`refuses ${what} with a TypeError naming the field`, () => {
      expect(() => new LoycoreAdminClient({ ...valid, ...change } as LoycoreAdminClientOptions)).toThrow(TypeError);
      expect(() => new LoycoreAdminClient({ ...valid, ...change } as LoycoreAdminClientOptions)).toThrow(field);
    });
  }

  it("accepts the smallest valid options", () => {
    expect(() => new LoycoreAdminClient(valid)).not.toThrow();
  });
});
