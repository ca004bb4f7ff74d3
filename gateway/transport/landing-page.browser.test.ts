import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium } from "../test-support/headless-chromium.js";

describe("the landing page in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("landing-page-browser");
  let server: ServerProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1"]);
    browser = await launchHeadlessChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    directory.remove();
  });

  it("shows what the server is, and its /health link leads to the shards' health", async () => {
    const page = await browser!.newPage();
    const response = await page.goto(`${server.url}/`);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe("loycore");
    expect(await page.locator("h1").textContent()).toBe("loycore");
    expect(await page.locator("a").evaluateAll((links) => links.map((link) => link.getAttribute("href")))).toEqual(
      expect.arrayContaining(["/health", "/metrics"]),
    );
    await page.click('a[href="/health"]');
    await page.waitForURL(`${server.url}/health`);
    expect(JSON.parse((await page.locator("body").textContent()) ?? "")).toMatchObject({ status: "ok" });
  });

  it("opens a linked docs page served from the checkout", async () => {
    const page = await browser!.newPage();
    await page.goto(`${server.url}/`);
    const docsLink = page.locator('a[href^="/docs/"]').first();
    const href = await docsLink.getAttribute("href");
    expect(href).toMatch(/^\/docs\/[a-z-]+\.md$/);
    const response = await page.goto(`${server.url}${href ?? ""}`);
    expect(response?.status()).toBe(200);
    expect((await page.locator("body").textContent())?.length ?? 0).toBeGreaterThan(100);
  });
});
