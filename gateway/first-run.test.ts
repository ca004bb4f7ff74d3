import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { postJson } from "./test-support/http-json.js";

/** The seed program's category for members without a visit for 90 days (domain/program/seed-programs.ts). */
const LOST_CATEGORY_ID = "lost";
/** Every demo member's welcome receipt leaves it this many points (gateway/demo.ts). */
const DEMO_WELCOME_BALANCE = 980;

describe("a first run of the demo server", () => {
  const directory = makeTemporaryDirectory("first-run");
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "2"]);
    token = server.terminalToken ?? "";
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("answers GET / from a browser with a page that says what the server is and links health, metrics and the docs", async () => {
    const response = await fetch(`${server.url}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const page = await response.text();
    expect(page).toContain("loycore server");
    for (const link of ["/health", "/metrics", "/docs/protocol.md", "/docs/program.md", "/docs/errors.md"]) {
      expect(page).toContain(`href="${link}"`);
    }
  });

  it("answers GET / from a program with the same as JSON", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { name: string; endpoints: Record<string, string>; docs: Record<string, string> };
    expect(summary.name).toBe("loycore");
    expect(Object.keys(summary.endpoints)).toEqual(expect.arrayContaining(["/health", "/metrics", "/v1/ws"]));
    expect(summary.docs["protocol.md"]).toBe("/docs/protocol.md");
  });

  it("serves the linked docs pages from the checkout as they are in docs/", async () => {
    const response = await fetch(`${server.url}/docs/protocol.md`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/markdown");
    expect(await response.text()).toBe(readFileSync(new URL("../docs/protocol.md", import.meta.url), "utf8"));
    expect((await fetch(`${server.url}/docs/../package.json`)).status).toBe(404);
  });

  it("answers GET /v1/ws without an upgrade with 426 and says it is a WebSocket endpoint", async () => {
    const response = await fetch(`${server.url}/v1/ws`);
    expect(response.status).toBe(426);
    expect(response.headers.get("upgrade")).toBe("websocket");
    const text = await response.text();
    expect(text).toContain("WebSocket endpoint");
    expect(text).toContain("docs/protocol.md");
  });

  it("still upgrades WebSocket requests on /v1/ws", async () => {
    const client = await LoycoreClient.connect({ url: server.webSocketUrl, token });
    try {
      expect(typeof (await client.ping()).at).toBe("number");
    } finally {
      await client.close();
    }
  });

  it("makes demo members who are recent customers, not Lost, and keeps them so across a restart", async () => {
    const before = await postJson(`${server.url}/v1/identify`, token, { card: server.demoCards[0] });
    expect(before.status).toBe(200);
    expect(before.body["balance"]).toBe(DEMO_WELCOME_BALANCE);
    expect((before.body["categories"] as { id: string }[]).map((category) => category.id)).not.toContain(LOST_CATEGORY_ID);

    // Seeding again at a later start repeats the welcome receipts at their first time: no CONFLICT, no second welcome.
    await server.stop();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "3"]);
    for (const card of server.demoCards) {
      const identified = await postJson(`${server.url}/v1/identify`, token, { card });
      expect(identified.status).toBe(200);
      expect(identified.body["balance"]).toBe(DEMO_WELCOME_BALANCE);
      expect((identified.body["categories"] as { id: string }[]).map((category) => category.id)).not.toContain(LOST_CATEGORY_ID);
    }
  });
});
