import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium } from "../test-support/headless-chromium.js";
import { postJson } from "../test-support/http-json.js";

/** Set to 1 to write each main page's screenshot into docs/console/ (the README links them). */
const WRITE_SCREENSHOTS = process.env["LOYCORE_CONSOLE_SCREENSHOTS"] === "1";
const SCREENSHOT_DIRECTORY = new URL("../../docs/console/", import.meta.url);
/** A laptop's window; the pages also reflow for a tablet's. */
const VIEWPORT = { width: 1280, height: 860 };
const SUPPORT = { name: "sam-support", role: "support", password: "support-password-1" };
const MARKETER = { name: "mia-marketer", role: "marketer", password: "marketer-password-1" };
/** A step that has not happened by then fails with playwright's own message, inside the test's timeout. */
const STEP_TIMEOUT_MILLISECONDS = 10_000;
/** Receipts sent while the live dashboard watches: enough for a few intervals of a non-zero rate. */
const LIVE_RECEIPTS = 60;

describe("the operator console in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("console-browser");
  let server: ServerProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "2"]);
    browser = await launchHeadlessChromium();
    for (const operator of [SUPPORT, MARKETER]) {
      expect((await postJson(`${server.url}/v1/admin/operators`, server.adminToken ?? "", operator)).status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    directory.remove();
  });

  async function signedIn(operator: { name: string; password: string }): Promise<Page> {
    const page = await browser!.newPage({ viewport: VIEWPORT });
    page.setDefaultTimeout(STEP_TIMEOUT_MILLISECONDS);
    page.on("dialog", (dialog) => void dialog.accept());
    await page.goto(`${server.url}/console/`);
    expect(await page.title()).toBe("Sign in · loycore console");
    await screenshot(page, "sign-in");
    await page.getByLabel("Operator name", { exact: true }).fill(operator.name);
    await page.getByLabel("Password", { exact: true }).fill(operator.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Pages" }).waitFor();
    return page;
  }

  it("is served under /console/ with a strict content security policy, and /console leads there", async () => {
    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    expect((await fetch(`${server.url}/console/app.js`)).headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${server.url}/console/nothing.js`)).status).toBe(404);
    const redirect = await fetch(`${server.url}/console`, { redirect: "manual" });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe("/console/");
  });

  it("refuses a wrong password with its code and message, then signs an operator in", async () => {
    const page = await browser!.newPage({ viewport: VIEWPORT });
    await page.goto(`${server.url}/console/`);
    await page.getByLabel("Operator name", { exact: true }).fill(SUPPORT.name);
    await page.getByLabel("Password", { exact: true }).fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("UNAUTHORIZED");
    const signed = await signedIn(SUPPORT);
    expect(await signed.locator(".who").textContent()).toContain("sam-support");
    expect(await signed.getByRole("link", { name: "Operators" }).count()).toBe(0);
  });

  it("shows a bad program field's problem at its field, then saves a new live version", async () => {
    const page = await signedIn(MARKETER);
    await page.goto(`${server.url}/console/#/program`);
    await expect.poll(() => page.title()).toBe("Program · loycore console");
    await expect.poll(() => page.locator(".live-version").textContent()).toContain("version 1");
    const points = page.locator("#section-points");
    const original = await points.inputValue();
    await points.fill(original.replace('"accrualRateBasisPoints": 500', '"accrualRateBasisPoints": 1.5'));
    const problems = page.locator("#section-points-problems");
    await expect.poll(() => problems.textContent(), { timeout: 10_000 }).toContain("points.accrualRateBasisPoints");
    expect(await points.getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByRole("button", { name: "Save as a new version" }).isDisabled()).toBe(true);
    await points.evaluate((element) => element.parentElement?.scrollIntoView({ block: "start" }));
    await screenshot(page, "program");
    await points.fill(original.replace('"accrualRateBasisPoints": 500', '"accrualRateBasisPoints": 700'));
    await expect.poll(() => page.locator(".check").textContent(), { timeout: 10_000 }).toBe("valid");
    await page.getByRole("button", { name: "Save as a new version" }).click();
    await expect.poll(() => page.locator(".live-version").textContent(), { timeout: 10_000 }).toContain("version 2");
    await expect.poll(() => page.locator(".versions").textContent()).toContain("Changed sections: points");
  });

  it("finds a demo member by card and credits points with a reason", async () => {
    const page = await signedIn(SUPPORT);
    await page.getByLabel(/Card, phone, e-mail or name/).fill("2000000000001");
    await page.getByRole("button", { name: "Find" }).click();
    await expect.poll(() => page.getByTestId("balance").textContent(), { timeout: 10_000 }).toBe("980");
    expect(await page.title()).toMatch(/^Member m[0-9a-f]{16} · loycore console$/);
    await page.getByLabel("Points (negative to debit)").fill("20");
    await page.getByLabel("Reason", { exact: true }).fill("goodwill: late delivery");
    await page.getByRole("button", { name: "Adjust" }).click();
    await expect.poll(() => page.getByTestId("balance").textContent(), { timeout: 10_000 }).toBe("1\u202f000");
    await expect.poll(() => page.locator("table").last().textContent()).toContain("adjustment");
    await screenshot(page, "member");
    await page.goto(`${server.url}/console/#/members`);
    await page.getByLabel(/Card, phone, e-mail or name/).fill("2999999999999");
    await page.getByRole("button", { name: "Find" }).click();
    await expect.poll(() => page.locator(".empty").textContent()).toContain("No member matches");
  });

  it("finds a member by name, edits the name (a bad e-mail shown at its field first), and blocks and unblocks a card", async () => {
    const page = await signedIn(SUPPORT);
    await page.getByLabel(/Card, phone, e-mail or name/).fill("DEMO mem");
    await page.getByRole("button", { name: "Find" }).click();
    const results = page.getByRole("region", { name: "Search results" });
    await expect.poll(() => results.locator("tbody tr").count(), { timeout: 10_000 }).toBe(2);
    await results.getByRole("link", { name: "Demo Member 1" }).click();
    await expect.poll(() => page.locator("#member-heading").textContent(), { timeout: 10_000 }).toContain("Demo Member 1");

    const form = page.getByRole("form", { name: "Edit profile" });
    await form.getByLabel("Name", { exact: true }).fill("Демо Участница");
    await form.getByLabel("E-mail", { exact: true }).fill("not an address");
    await form.getByRole("button", { name: "Save profile" }).click();
    await expect.poll(() => page.locator("#profile-email-problem").textContent(), { timeout: 10_000 }).toContain("BAD_REQUEST");
    expect(await form.getByLabel("E-mail", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    await form.getByLabel("E-mail", { exact: true }).fill("demo1@example.com");
    await form.getByRole("button", { name: "Save profile" }).click();
    await expect.poll(() => page.locator("#member-heading").textContent(), { timeout: 10_000 }).toContain("Демо Участница");
    await expect.poll(() => page.locator("table").last().textContent()).toContain("profile");

    const row = page.locator('tr[data-card="2000000000001"]');
    expect(await row.locator(".card-state").textContent()).toBe("active");
    await row.getByRole("button", { name: "Block" }).click();
    await page.getByLabel("Block reason", { exact: true }).fill("lost");
    await page.getByRole("button", { name: "Block card" }).click();
    await expect.poll(() => row.locator(".card-state").textContent(), { timeout: 10_000 }).toBe("blocked (lost)");
    await screenshot(page, "member-edit");
    await row.getByRole("button", { name: "Unblock" }).click();
    await expect.poll(() => row.locator(".card-state").textContent(), { timeout: 10_000 }).toBe("active");

    await page.goto(`${server.url}/console/#/members`);
    await page.getByLabel(/Card, phone, e-mail or name/).fill("демо уч");
    await page.getByRole("button", { name: "Find" }).click();
    await expect.poll(() => page.locator("#member-heading").textContent(), { timeout: 10_000 }).toContain("Демо Участница");
  });

  it("revokes a terminal, and the audit trail names the operator who did", async () => {
    expect((await postJson(`${server.url}/v1/admin/terminals`, server.adminToken ?? "", { id: "lane-to-revoke", store: "demo-store" })).status).toBe(200);
    const page = await signedIn(SUPPORT);
    await page.goto(`${server.url}/console/#/setup`);
    const row = page.locator('tr[data-terminal="lane-to-revoke"]');
    await row.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toContain("revoked");
    await screenshot(page, "setup");
    await page.goto(`${server.url}/console/#/audit`);
    await page.getByLabel("Operator", { exact: true }).fill(SUPPORT.name);
    await page.getByRole("combobox", { name: /^Action/ }).selectOption("revoke-terminal");
    await page.getByRole("button", { name: "Filter" }).click();
    // The unfiltered trail is on the page first; the filtered one has this single entry.
    await expect.poll(() => page.locator("tbody tr").allTextContents(), { timeout: 10_000 }).toEqual([
      expect.stringMatching(/sam-support.*revoke-terminal.*lane-to-revoke/),
    ]);
    await screenshot(page, "audit");
  });

  it("shows the settlement between partners for chosen days, and says so when none is owed", async () => {
    const page = await signedIn(MARKETER);
    await page.goto(`${server.url}/console/#/settlement`);
    // A hash change within the signed-in page: the title follows once the app has handled it.
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe("Settlement · loycore console");
    await page.getByLabel("From", { exact: true }).fill("2025-01-01");
    await page.getByLabel("To", { exact: true }).fill("2025-01-31");
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByText("No points changed hands between partners on these days.").waitFor({ timeout: 10_000 });
    // A coded refusal is shown with its code: more than a year of days.
    await page.getByLabel("From", { exact: true }).fill("2023-01-01");
    await page.getByRole("button", { name: "Show" }).click();
    await page.getByText("BAD_REQUEST").waitFor({ timeout: 10_000 });
    await screenshot(page, "settlement");
  });

  it("shows the live dashboard move while receipts are sent", async () => {
    const page = await signedIn(MARKETER);
    await page.goto(`${server.url}/console/#/live`);
    await page.getByTestId("receipts-per-second").waitFor({ timeout: 10_000 });
    const sending = sendReceipts(server, LIVE_RECEIPTS);
    await expect.poll(async () => Number(await page.getByTestId("receipts-per-second").textContent()), { timeout: 15_000 }).toBeGreaterThan(0);
    await sending;
    expect(await page.locator(".chart canvas").count()).toBeGreaterThanOrEqual(5);
    await screenshot(page, "live");
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    if (!WRITE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIRECTORY).pathname, fullPage: false });
  }
});

/** Commits `count` small receipts over the HTTP API from the demo terminal, spread over a few seconds. */
async function sendReceipts(server: ServerProcess, count: number): Promise<void> {
  for (let index = 0; index < count; index += 1) {
    const receipt = { id: `live-${index}`, lines: [{ sku: "tea", qty: 1, price: 1_000, amount: 1_000 }] };
    const answer = await postJson(`${server.url}/v1/commit`, server.terminalToken ?? "", { card: "2000000000002", redeem: 0, receipt });
    expect(answer.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
