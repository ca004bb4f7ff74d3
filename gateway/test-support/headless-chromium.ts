import { chromium, type Browser } from "playwright-core";

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
