import { mkdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium, signInToConsole } from "../test-support/headless-chromium.js";
import { getJson, postJson } from "../test-support/http-json.js";
import { SURVEY_WEBHOOK_SECRET, surveyDefinition } from "../test-support/survey-fixture.js";
import { WebhookReceiver, waitUntil } from "../test-support/webhook-receiver.js";

/** Set to 1 to write the page's screenshot into docs/console/ (as console.browser.test.ts does for the other pages). */
const WRITE_SCREENSHOTS = process.env["LOYCORE_CONSOLE_SCREENSHOTS"] === "1";
const SCREENSHOT_DIRECTORY = new URL("../../docs/console/", import.meta.url);
const VIEWPORT = { width: 1280, height: 860 };
const MARKETER = { name: "mia-marketer", role: "marketer", password: "marketer-password-1" };
const READER = { name: "rob-reader", role: "read-only", password: "reader-password-1" };
const STEP_TIMEOUT_MILLISECONDS = 10_000;

describe("the console's surveys page in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("surveys-console");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--checkpoint-interval-milliseconds", "100"]);
    for (const operator of [MARKETER, READER]) expect((await postJson(`${server.url}/v1/admin/operators`, server.adminToken ?? "", operator)).status).toBe(200);
    browser = await launchHeadlessChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  async function signedIn(operator: { name: string; password: string }): Promise<Page> {
    const page = await signInToConsole(browser!, server.url, operator, { viewport: VIEWPORT, stepTimeoutMilliseconds: STEP_TIMEOUT_MILLISECONDS, acceptDownloads: true });
    await page.getByRole("link", { name: "Surveys" }).click();
    await expect.poll(() => page.title()).toBe("Surveys · loycore console");
    return page;
  }

  it("creates a survey in the editor (a refusal shown at its field), invites, shows a member's answer in the results, downloads the answers, edits it (the reward frozen after invitations) and closes it", async () => {
    const page = await signedIn(MARKETER);
    await expect.poll(() => page.locator(".empty").first().textContent()).toContain("No surveys yet");
    await page.getByRole("button", { name: "New survey" }).click();
    const editor = page.getByRole("form", { name: "New survey" });
    await editor.getByLabel("Survey id").fill("visit");
    const definition = surveyDefinition(Date.now());
    const questions = definition["questions"] as Record<string, unknown>[];
    const bad = { ...definition, questions: [questions[0], { ...questions[1], options: ["only"] }] };
    await editor.getByLabel("Definition").fill(JSON.stringify(bad, null, 2));
    await editor.getByRole("button", { name: "Save survey" }).click();
    await expect.poll(() => page.locator("#survey-definition-problems").textContent()).toBe("questions[1].options must have at least 2 items");
    expect(await page.locator("#survey-definition-problems code").textContent()).toBe("questions[1].options");
    await editor.getByLabel("Definition").fill(JSON.stringify(definition, null, 2));
    await editor.getByRole("button", { name: "Save survey" }).click();
    const row = page.locator('tr[data-survey="visit"]');
    await expect.poll(() => row.textContent()).toContain("How was your visit?");
    expect(await row.getByTestId("survey-state").textContent()).toBe("open");
    expect(await row.textContent()).toContain("150 points, 90 days");
    expect(await row.textContent()).toContain("not yet");
    await page.getByRole("heading", { name: "Survey visit: How was your visit?" }).waitFor();
    expect(await page.getByRole("table", { name: "Questions" }).textContent()).toContain("one of: Centre | North & South");

    // No endpoint takes survey.invitation yet: the coded refusal, with its message.
    await page.getByRole("button", { name: "Invite" }).click();
    await expect.poll(() => page.locator(".survey-actions [role=alert]").textContent()).toContain("SURVEY_NO_ENDPOINT");
    const endpoint = await postJson(`${server.url}/v1/admin/webhooks`, server.adminToken ?? "", { id: "surveys", url: receiver.url("/surveys"), kinds: ["survey.invitation", "survey.reward"], secret: SURVEY_WEBHOOK_SECRET });
    expect(endpoint.status).toBe(200);
    // The endpoint's kinds reach the shards shortly after its creation (as survey-fixture.ts waits).
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.getByRole("button", { name: "Invite" }).click();
    await expect.poll(() => page.getByTestId("survey-invited").textContent()).toContain("Invited 1 member(s) now; 0 were invited before");
    await expect.poll(() => row.textContent()).not.toContain("not yet");
    await waitUntil("the invitation", () => receiver.at("/surveys").some((delivery) => delivery.body.kind === "survey.invitation"));
    const link = String(receiver.at("/surveys").find((delivery) => delivery.body.kind === "survey.invitation")?.body.data["link"]);

    // The member answers on their page (the form's POST, as a browser sends it).
    const answered = await fetch(link, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "recommend=9&store=1&likes=0&likes=2&comment=Great%2C+thanks" });
    expect(answered.status).toBe(200);
    await page.getByRole("button", { name: "Refresh results" }).click();
    const results = page.getByTestId("survey-results");
    await expect.poll(() => results.textContent()).toContain("1 answer(s); 150 points rewarded");
    expect(await page.getByTestId("survey-average").textContent()).toBe("9.00");
    const store = page.getByRole("table", { name: "Results of store" });
    expect(await store.locator("tr", { hasText: "North & South" }).locator("td").nth(1).textContent()).toBe("1");
    expect(await store.locator("tr", { hasText: "Centre" }).locator("td").nth(1).textContent()).toBe("0");
    expect(await page.getByRole("table", { name: "Results of likes" }).locator("tr", { hasText: "Choice" }).textContent()).toBe("Choice1 100 %");
    await screenshot(page, "surveys");

    // The answers' CSV, fetched with the session's token and saved from a Blob URL.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download answers (CSV)" }).click()]);
    expect(download.suggestedFilename()).toBe("survey-visit-answers.csv");
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv.split("\r\n")[0]).toBe("member,answeredAt,points,recommend,store,likes,comment");
    expect(csv).toContain(`,150,9,North & South,Prices; Choice,"Great, thanks"`);

    // Edited from its stored definition: after the invitations the reward stays (CONFLICT); the title may change.
    await page.getByRole("button", { name: "Edit" }).click();
    const edit = page.getByRole("form", { name: "Edit survey visit" });
    const stored = JSON.parse(await edit.getByLabel("Definition").inputValue()) as Record<string, unknown>;
    expect(stored).toMatchObject({ title: "How was your visit?", reward: { points: 150, lifetimeDays: 90 } });
    await edit.getByLabel("Definition").fill(JSON.stringify({ ...stored, reward: { points: 1_000 } }));
    await edit.getByRole("button", { name: "Save survey" }).click();
    await expect.poll(() => edit.getByRole("alert").textContent()).toContain("CONFLICT");
    await edit.getByLabel("Definition").fill(JSON.stringify({ ...stored, title: "Your visit" }));
    await edit.getByRole("button", { name: "Save survey" }).click();
    await expect.poll(() => row.textContent()).toContain("Your visit");
    expect(await edit.count()).toBe(0);

    await page.getByRole("button", { name: "Close" }).click();
    await expect.poll(() => row.getByTestId("survey-state").textContent()).toBe("closed");
    expect(await page.getByRole("button", { name: "Invite" }).isDisabled()).toBe(true);
    expect((await getJson(`${server.url}/v1/admin/surveys/visit`, server.adminToken ?? "")).body).toMatchObject({ id: "visit", state: "closed" });
    const audit = (await getJson(`${server.url}/v1/admin/audit?operator=${MARKETER.name}`, server.adminToken ?? "")).body["audit"] as { action: string }[];
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(["survey.put", "survey.invite", "survey.close"]));
    await page.close();
  });

  it("shows a read-only operator the surveys and their results, and no action", async () => {
    const page = await signedIn(READER);
    await page.locator('tr[data-survey="visit"]').getByRole("button", { name: "Show" }).click();
    await expect.poll(() => page.getByTestId("survey-results").textContent()).toContain("1 answer(s)");
    expect(await page.getByRole("button", { name: "New survey" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Invite" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Download answers (CSV)" }).count()).toBe(0);
    await page.close();
  });

  async function screenshot(page: Page, name: string): Promise<void> {
    if (!WRITE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIRECTORY).pathname, fullPage: true });
  }
});
