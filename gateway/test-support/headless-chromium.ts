import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's chromium package; .ci/run installs it (playwright's own browser download cannot run here). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Flags for a headless Chromium on a machine without a network beyond loopback: without the
 * background-networking ones it keeps trying to reach Google's hosts. Playwright gives it an empty
 * profile of its own in a temporary directory.
 */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function launchHeadlessChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
}

/**
 * A new page of `browser` signed in to the console at `url` as `operator`:
 * the sign-in form filled and sent, the navigation shown. Dialogs (a page's
 * confirmations) are accepted; every step waits at most `stepTimeoutMilliseconds`.
 */
export async function signInToConsole(
  browser: Browser,
  url: string,
  operator: { readonly name: string; readonly password: string },
  options: { readonly viewport: { readonly width: number; readonly height: number }; readonly stepTimeoutMilliseconds: number; readonly acceptDownloads?: boolean },
): Promise<Page> {
  const page = await browser.newPage({ viewport: options.viewport, acceptDownloads: options.acceptDownloads ?? false });
  page.setDefaultTimeout(options.stepTimeoutMilliseconds);
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(`${url}/console/`);
  await page.getByLabel("Operator name", { exact: true }).fill(operator.name);
  await page.getByLabel("Password", { exact: true }).fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Pages" }).waitFor();
  return page;
}
