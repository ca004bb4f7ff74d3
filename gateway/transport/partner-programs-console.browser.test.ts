import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium, signInToConsole } from "../test-support/headless-chromium.js";
import { getJson, postJson } from "../test-support/http-json.js";

const MARKETER = { name: "mia-marketer", role: "marketer", password: "marketer-password-1" };
const VIEWPORT = { width: 1280, height: 860 };
/** A step that has not happened by then fails with playwright's own message, inside the test's timeout. */
const STEP_TIMEOUT_MILLISECONDS = 10_000;

describe("partners' own programs in the operator console (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("partner-programs-console");
  let server: ServerProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1"]);
    browser = await launchHeadlessChromium();
    const admin = server.adminToken ?? "";
    expect((await postJson(`${server.url}/v1/admin/operators`, admin, MARKETER)).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/partners`, admin, { id: "cafe", name: "Cafe" })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    directory.remove();
  });

  it("gives a partner a program of its own from a copy of the coalition's, showing a shared section's problem at it, then returns it to the coalition program", async () => {
    const page = await signInToConsole(browser!, server.url, MARKETER, { viewport: VIEWPORT, stepTimeoutMilliseconds: STEP_TIMEOUT_MILLISECONDS });
    await page.goto(`${server.url}/console/#/program`);
    await expect.poll(() => page.locator(".live-version").textContent()).toContain("version 1");

    const partners = page.locator(".partner-programs select");
    await expect.poll(() => partners.textContent()).toContain("Cafe (cafe) — coalition program");
    await partners.selectOption("cafe");
    const state = page.locator(".partner-program-state");
    await expect.poll(() => state.textContent()).toContain("cafe takes part in the coalition program");
    await page.getByRole("button", { name: "Give it a program of its own" }).click();

    const form = page.getByRole("form", { name: "Edit the partner's program" });
    const timeZone = page.locator("#partner-section-timeZone");
    const zone = await timeZone.inputValue();
    await timeZone.fill('"Asia/Tokyo"');
    await expect.poll(() => page.locator("#partner-section-timeZone-problems").textContent()).toContain("must be absent or the coalition program's");
    expect(await form.getByRole("button", { name: "Save as a new version" }).isDisabled()).toBe(true);
    await timeZone.fill(zone);
    const points = page.locator("#partner-section-points");
    await points.fill((await points.inputValue()).replace('"accrualRateBasisPoints": 500', '"accrualRateBasisPoints": 3000'));
    await page.locator("#partner-section-name").fill('"Cafe club"');
    await expect.poll(() => form.locator(".check").textContent()).toBe("valid");
    await form.getByRole("button", { name: "Save as a new version" }).click();
    await expect.poll(() => state.textContent()).toContain("cafe runs its own program: version 1 — Cafe club");
    await expect.poll(() => partners.textContent()).toContain("Cafe (cafe) — own program, version 1");
    const stored = await getJson(`${server.url}/v1/admin/partners/cafe/program`, server.adminToken ?? "");
    expect(stored.body).toMatchObject({ version: 1, program: { name: "Cafe club", points: { accrualRateBasisPoints: 3_000 } } });

    await page.getByRole("button", { name: "Return to the coalition program" }).click();
    await expect.poll(() => state.textContent()).toContain("cafe takes part in the coalition program");
    expect((await getJson(`${server.url}/v1/admin/partners/cafe/program`, server.adminToken ?? "")).body).toMatchObject({ version: 2, program: null });
  });
});
