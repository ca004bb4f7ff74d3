import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { LoycoreClient } from "../../client/index.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium, signInToConsole } from "../test-support/headless-chromium.js";
import { postJson } from "../test-support/http-json.js";
import { WebhookReceiver, waitUntil } from "../test-support/webhook-receiver.js";

/** Set to 1 to write the page's screenshot into docs/console/ (as console.browser.test.ts does for the other pages). */
const WRITE_SCREENSHOTS = process.env["LOYCORE_CONSOLE_SCREENSHOTS"] === "1";
const SCREENSHOT_DIRECTORY = new URL("../../docs/console/", import.meta.url);
const VIEWPORT = { width: 1280, height: 860 };
const ADMIN = { name: "ada-admin", role: "admin", password: "admin-password-1" };
const STEP_TIMEOUT_MILLISECONDS = 10_000;
/** Two quick attempts before a dead letter: the refusing endpoint's event is dead within a second. */
const ENVIRONMENT = { LOYCORE_WEBHOOK_ATTEMPTS_MAX: "2", LOYCORE_WEBHOOK_BACKOFF_BASE_MILLISECONDS: "100", LOYCORE_WEBHOOK_BACKOFF_MAX_MILLISECONDS: "100" };

describe("the console's webhooks page in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("webhooks-console");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let browser: Browser | undefined;
  let lane: LoycoreClient;

  beforeAll(async () => {
    await receiver.start();
    receiver.refusing.add("/down");
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1"], ENVIRONMENT);
    expect((await postJson(`${server.url}/v1/admin/operators`, server.adminToken ?? "", ADMIN)).status).toBe(200);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    browser = await launchHeadlessChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  async function signedIn(): Promise<Page> {
    const page = await signInToConsole(browser!, server.url, ADMIN, { viewport: VIEWPORT, stepTimeoutMilliseconds: STEP_TIMEOUT_MILLISECONDS });
    return page;
  }

  async function addEndpoint(page: Page, id: string, path: string): Promise<void> {
    const form = page.getByRole("form", { name: "Add a webhook endpoint" });
    await form.getByLabel("Endpoint id").fill(id);
    await form.getByLabel("URL").fill(receiver.url(path));
    await form.getByLabel(/Secret/).fill(`${id}-secret-0123456789`);
    await form.getByRole("button", { name: "Add endpoint" }).click();
    await page.locator(`tr[data-webhook="${id}"]`).waitFor();
  }

  it("adds endpoints, shows a failing one's dead letter and replays it, rotates a secret, changes the URL, pauses, disables, and sets a message template", async () => {
    const page = await signedIn();
    await page.getByRole("link", { name: "Webhooks" }).click();
    await expect.poll(() => page.title()).toBe("Webhooks · loycore console");
    await expect.poll(() => page.locator(".empty").first().textContent()).toContain("No webhook endpoints yet");
    await addEndpoint(page, "crm", "/crm");
    await addEndpoint(page, "down", "/down");

    const card = "2000000000001";
    await lane.commit({ card, receipt: { id: "console-1", at: Date.now(), lines: [{ sku: "tea", qty: 1, price: 10_000, amount: 10_000 }] } });
    await waitUntil("the event at crm", () => receiver.at("/crm").length === 1);
    await waitUntil("the event dead at down", () => receiver.at("/down").length === 2);

    await page.locator('tr[data-webhook="down"]').getByRole("button", { name: "Details" }).click();
    await expect.poll(async () => {
      await page.getByRole("button", { name: "Refresh" }).click();
      return page.getByRole("table", { name: "Dead letters" }).textContent();
    }).toContain("HTTP 500");
    await expect.poll(() => page.getByRole("table", { name: "Deliveries" }).textContent()).toContain("dead");
    await page.evaluate("scrollTo(0, 0)");
    await screenshot(page, "webhooks");
    // A refused create shows its code.
    await addEndpoint(page, "crm", "/crm");
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("CONFLICT");
    receiver.refusing.delete("/down");
    await page.getByRole("table", { name: "Dead letters" }).getByRole("button", { name: "Replay" }).click();
    await waitUntil("the replayed event at down", () => receiver.at("/down").length === 3);
    await expect.poll(() => page.locator(".webhook-detail .empty").last().textContent()).toContain("No dead letters");

    await page.locator('tr[data-webhook="crm"]').getByRole("button", { name: "Details" }).click();
    const rotate = page.getByRole("form", { name: "Rotate the secret" });
    await rotate.getByLabel(/New secret/).fill("crm-new-secret-0123456789");
    await rotate.getByLabel(/hours/).fill("1");
    await rotate.getByRole("button", { name: "Rotate secret" }).click();
    await expect.poll(() => page.locator('tr[data-webhook="crm"]').textContent()).toContain("old secret signs until");
    const update = page.getByRole("form", { name: "Change the endpoint" });
    await update.getByLabel("URL").fill(receiver.url("/crm-v2"));
    await update.getByRole("button", { name: "Save changes" }).click();
    await expect.poll(() => page.locator('tr[data-webhook="crm"]').textContent()).toContain("/crm-v2");

    const crm = page.locator('tr[data-webhook="crm"]');
    await crm.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => crm.getByTestId("webhook-state").textContent()).toContain("paused");
    await crm.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => crm.getByTestId("webhook-state").textContent()).toContain("disabled");
    const templates = page.getByRole("form", { name: "Set a message template" });
    await templates.getByLabel("Kind").selectOption("points.accrued");
    await templates.getByLabel("Text").fill("Hi {{name}}, {{lapsesAt}}");
    await templates.getByRole("button", { name: "Save template" }).click();
    await expect.poll(() => templates.getByRole("alert").textContent()).toContain("{{lapsesAt}}");
    await templates.getByLabel("Text").fill("Hi {{name}}, +{{points}} points");
    await templates.getByRole("button", { name: "Save template" }).click();
    await expect.poll(() => page.getByRole("table", { name: "Message templates" }).textContent()).toContain("+{{points}} points");
    const audit = await (await fetch(`${server.url}/v1/admin/audit?operator=${ADMIN.name}`, { headers: { authorization: `Bearer ${server.adminToken ?? ""}` } })).json() as { audit: { action: string }[] };
    expect(audit.audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(["webhook.create", "webhook.rotate-secret", "webhook.update", "webhook.pause", "webhook.disable", "template.set"]));
  });

  /** The whole page: the endpoints, the one shown and its deliveries and dead letters. */
  async function screenshot(page: Page, name: string): Promise<void> {
    if (!WRITE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIRECTORY).pathname, fullPage: true });
  }
});
