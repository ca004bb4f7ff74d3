import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { launchHeadlessChromium, signInToConsole } from "../test-support/headless-chromium.js";
import { getJson, postJson } from "../test-support/http-json.js";

/** Set to 1 to write the page's screenshot into docs/console/ (as console.browser.test.ts does for the other pages). */
const WRITE_SCREENSHOTS = process.env["LOYCORE_CONSOLE_SCREENSHOTS"] === "1";
const SCREENSHOT_DIRECTORY = new URL("../../docs/console/", import.meta.url);
const VIEWPORT = { width: 1280, height: 860 };
const MARKETER = { name: "mia-marketer", role: "marketer", password: "marketer-password-1" };
const READER = { name: "rex-reader", role: "read-only", password: "reader-password-01" };
const STEP_TIMEOUT_MILLISECONDS = 10_000;
const MEMBERS = 40;
const SEGMENTS = [{ id: "everyone", name: "Everyone enrolled", when: { fact: "daysSinceRegistration", atLeast: 0 } }];
const SPRING = {
  id: "spring",
  name: "Spring extra points",
  start: "2026-01-01",
  end: "2030-12-31",
  state: "active",
  audience: "everyone",
  mechanics: [{ kind: "points", rateBasisPoints: 500 }, { kind: "discount", basisPoints: 1_000 }],
  budgetPoints: 1_000,
  budgetDiscount: 50_000,
};
const BIRTHDAY = { id: "birthday", name: "Birthday present", start: "2026-01-01", end: "2030-12-31", trigger: { kind: "birthday", points: 100 } };

describe("the console's campaigns page in a browser (headless Chromium)", () => {
  const directory = makeTemporaryDirectory("campaigns-console");
  let server: ServerProcess;
  let browser: Browser | undefined;
  let coupons: string[] = [];
  const admin = (): string => server.adminToken ?? "";

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo", "--demo-members", String(MEMBERS), "--checkpoint-interval-milliseconds", "100"]);
    browser = await launchHeadlessChromium();
    for (const operator of [MARKETER, READER]) expect((await postJson(`${server.url}/v1/admin/operators`, admin(), operator)).status).toBe(200);
    expect((await postJson(`${server.url}/v1/admin/campaigns`, admin(), { segments: SEGMENTS, campaigns: [SPRING, BIRTHDAY] }, "PUT")).status).toBe(200);
    const issued = await postJson(`${server.url}/v1/admin/campaigns/spring/coupons`, admin(), { count: 2, uses: 3 });
    expect(issued.status).toBe(200);
    coupons = (issued.body["coupons"] as { code: string }[]).map((coupon) => coupon.code);
    // A preview reads the accounts the last checkpoint wrote.
    for (let waited = 0; waited < 10_000; waited += 100) {
      const preview = await postJson(`${server.url}/v1/admin/segments/preview`, admin(), { segment: "everyone" });
      if (preview.body["members"] === MEMBERS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    directory.remove();
  });

  async function signedIn(operator: { name: string; password: string }): Promise<Page> {
    const page = await signInToConsole(browser!, server.url, operator, { viewport: VIEWPORT, stepTimeoutMilliseconds: STEP_TIMEOUT_MILLISECONDS });
    await page.getByRole("link", { name: "Campaigns" }).click();
    await expect.poll(() => page.title()).toBe("Campaigns · loycore console");
    return page;
  }

  it("lists the campaigns, pauses one, shows its budget, revokes a coupon and counts a segment's members with progress", async () => {
    const page = await signedIn(MARKETER);
    const spring = page.locator('tr[data-campaign="spring"]');
    await expect.poll(() => spring.textContent()).toContain("Spring extra points");
    expect(await spring.textContent()).toContain("Everyone enrolled (everyone)");
    expect(await spring.textContent()).toContain("+5 % points; 10 % off");
    expect(await page.locator('tr[data-campaign="birthday"]').textContent()).toContain("birthday: 100 points");
    expect(await page.locator('tr[data-campaign="birthday"]').getByTestId("campaign-state").textContent()).toBe("draft");

    await spring.getByRole("button", { name: "Pause" }).click();
    await expect.poll(() => spring.getByTestId("campaign-state").textContent()).toBe("paused");
    expect((await getJson(`${server.url}/v1/admin/campaigns/spring`, admin())).body).toMatchObject({ state: "paused" });

    await spring.getByRole("button", { name: "Budget and coupons" }).click();
    const budget = page.getByRole("table", { name: "Budget" });
    await expect.poll(() => budget.locator('tr[data-budget="points"]').textContent()).toBe("Points1\u202f00001\u202f000 (1 thread)");
    expect(await budget.locator('tr[data-budget="discount"]').textContent()).toBe("Discount (minor units)50\u202f000050\u202f000 (1 thread)");
    const coupon = page.locator(`tr[data-coupon="${coupons[0]}"]`);
    await expect.poll(() => coupon.getByTestId("coupon-state").textContent()).toBe("active");
    expect(await page.getByRole("table", { name: "Coupons" }).locator("tbody tr").count()).toBe(2);
    expect(await coupon.textContent()).toContain("3 of 3");
    await coupon.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => coupon.getByTestId("coupon-state").textContent()).toBe("revoked");
    expect((await getJson(`${server.url}/v1/admin/coupons/${coupons[0]}`, admin())).body).toMatchObject({ state: "revoked", usesLeft: 0 });
    expect(await page.locator(`tr[data-coupon="${coupons[1]}"]`).getByTestId("coupon-state").textContent()).toBe("active");

    const preview = page.getByRole("form", { name: "Preview a segment" });
    await preview.getByLabel("Segment").selectOption("everyone");
    await preview.getByRole("button", { name: "Count its members" }).click();
    await expect.poll(() => page.getByTestId("preview-state").textContent()).toBe("done");
    expect(await page.getByTestId("preview-shards").textContent()).toBe("256 of 256 logical shards");
    expect(await page.getByTestId("preview-count").textContent()).toBe(`${MEMBERS} in the segment`);
    expect(await page.locator(".preview-sample a").count()).toBe(20);
    await page.evaluate("scrollTo(0, 0)");
    await screenshot(page, "campaigns");

    // A state change reloads the document; the campaign shown and the finished preview stay on the page.
    const birthday = page.locator('tr[data-campaign="birthday"]');
    await birthday.getByRole("button", { name: "End" }).click();
    await expect.poll(() => birthday.getByTestId("campaign-state").textContent()).toBe("ended");
    expect(await coupon.getByTestId("coupon-state").textContent()).toBe("revoked");
    expect(await page.getByTestId("preview-count").textContent()).toBe(`${MEMBERS} in the segment`);

    // A refusal shows its code: the campaign is gone from the document since the page was loaded.
    expect((await postJson(`${server.url}/v1/admin/campaigns`, admin(), { segments: SEGMENTS, campaigns: [BIRTHDAY] }, "PUT")).status).toBe(200);
    await spring.getByRole("button", { name: "Activate" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("NOT_FOUND");
  });

  it("shows a read-only operator the campaigns without their actions", async () => {
    const page = await signedIn(READER);
    const birthday = page.locator('tr[data-campaign="birthday"]');
    await expect.poll(() => birthday.textContent()).toContain("Birthday present");
    expect(await birthday.getByRole("button", { name: "Activate" }).count()).toBe(0);
    expect(await page.locator(".segment-preview").textContent()).toContain("needs the permission to change campaigns");
    expect(await page.getByRole("form", { name: "Preview a segment" }).count()).toBe(0);
  });

  /** The whole page: the campaigns, one campaign's budget and coupons, a finished preview. */
  async function screenshot(page: Page, name: string): Promise<void> {
    if (!WRITE_SCREENSHOTS) return;
    mkdirSync(SCREENSHOT_DIRECTORY, { recursive: true });
    await page.screenshot({ path: new URL(`${name}.png`, SCREENSHOT_DIRECTORY).pathname, fullPage: true });
  }
});
