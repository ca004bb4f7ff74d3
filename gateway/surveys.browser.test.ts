import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { LoycoreClient } from "../client/index.js";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";
import { launchHeadlessChromium } from "./test-support/headless-chromium.js";
import { getJson } from "./test-support/http-json.js";
import { inviteToSurvey } from "./test-support/survey-fixture.js";
import { WebhookReceiver } from "./test-support/webhook-receiver.js";

/** A phone's screen (a common Android size): the page must work there. */
const PHONE_VIEWPORT = { width: 393, height: 851 };
/** A step that has not happened by then fails with playwright's own message, inside the test's timeout. */
const STEP_TIMEOUT_MILLISECONDS = 10_000;

describe("a member's survey page in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("surveys-browser");
  const receiver = new WebhookReceiver();
  let server: ServerProcess;
  let browser: Browser | undefined;
  let lane: LoycoreClient;
  let member: string;
  let link: string;

  beforeAll(async () => {
    await receiver.start();
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--checkpoint-interval-milliseconds", "100"]);
    lane = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
    member = (await lane.enroll({ card: "9600000000001" })).member;
    link = (await inviteToSurvey(server.url, server.adminToken ?? "", receiver, "visit", 2)).get(member) ?? "";
    browser = await launchHeadlessChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await lane?.close();
    await server?.stop();
    await receiver.stop();
    directory.remove();
  });

  it("opens the personal link on a phone's screen, answers, sees the reward, and the member's points show a lot of source survey", async () => {
    const page = await browser!.newPage({ viewport: PHONE_VIEWPORT, isMobile: true, hasTouch: true });
    page.setDefaultTimeout(STEP_TIMEOUT_MILLISECONDS);
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe("How was your visit?");
    await page.getByRole("heading", { name: "How was your visit?" }).waitFor();
    // Fits the phone: nothing wider than the screen.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
    // A required question left out: the browser itself asks for it, nothing is sent.
    await page.getByRole("button", { name: "Send my answers" }).click();
    expect(page.url()).toBe(link);
    await page.getByRole("group", { name: "How likely are you to recommend us?" }).getByLabel("9", { exact: true }).check();
    await page.getByLabel("North & South").check();
    await page.getByLabel("Prices").check();
    await page.getByLabel("Choice").check();
    await page.getByRole("textbox").fill("Friendly staff, «спасибо»");
    await page.getByRole("button", { name: "Send my answers" }).click();
    await page.getByRole("heading", { name: "Thank you for your answers" }).waitFor();
    expect(await page.locator("#reward").innerText()).toBe("You have been rewarded 150 points. Your balance: 150 points.");

    // The link again: already answered, with the first answer's reward; no form.
    await page.goto(link);
    await page.getByRole("heading", { name: "You have already answered this survey" }).waitFor();
    expect(await page.getByRole("button", { name: "Send my answers" }).count()).toBe(0);
    await page.close();

    const balance = await lane.balance({ card: "9600000000001", detail: true });
    expect(balance.lots?.filter((lot) => lot.source === "survey")).toEqual([expect.objectContaining({ points: 150, remaining: 150, reference: "survey:visit" })]);
    const activity = (await getJson(`${server.url}/v1/admin/members/${member}/activity`, server.adminToken ?? "")).body["activity"] as { kind: string; survey?: string; points?: number }[];
    expect(activity.find((entry) => entry.kind === "survey")).toMatchObject({ survey: "visit", points: 150 });
    const csv = await (await fetch(`${server.url}/v1/admin/surveys/visit/answers.csv`, { headers: { authorization: `Bearer ${server.adminToken ?? ""}` } })).text();
    expect(csv).toContain(`,150,9,North & South,Prices; Choice,"Friendly staff, «спасибо»"`);
  });

  it("shows a forged link a clear page with its code", async () => {
    const page = await browser!.newPage({ viewport: PHONE_VIEWPORT });
    const response = await page.goto(`${server.url}/s/visit.${member}.AAAAAAAAAAAAAAAAAAAAAA`);
    expect(response?.status()).toBe(403);
    await page.getByRole("heading", { name: "This survey cannot be answered" }).waitFor();
    expect(await page.locator(".code").innerText()).toBe("SURVEY_TOKEN_INVALID");
    await page.close();
  });
});
