import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { runServerExpectingFailure } from "../server-process.js";
import {
  DOCKER_IMAGE_NODE_MAJOR,
  inspectWebSocketBinding,
  NODE_MODULE_VERSION_BY_SUPPORTED_MAJOR,
  SUPPORTED_NODE_ENGINES,
  SUPPORTED_NODE_VERSIONS,
  type RuntimeDescription,
} from "./native-binding-check.js";

const packageJson = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  engines: { node: string };
};
const require = createRequire(import.meta.url);
/** The installed uWebSockets.js package (the pinned build, under its alias). */
const webSocketPackageDirectory = dirname(require.resolve("uWebSockets.js/package.json"));
/** The refused start exits as any start that cannot go on does (gateway/main.ts). */
const EXIT_COULD_NOT_START = 2;
/** A Node the pinned build has no binding for: Node 22. */
const NODE_22: RuntimeDescription = { version: "v22.12.0", modules: "127", platform: "linux", arch: "x64", fallbackRequested: false };

describe("the native uWebSockets.js binding check", () => {
  const directories: Array<{ remove: () => void }> = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) directory.remove();
  });

  it("accepts the binding this Node loads, which is native", () => {
    expect(inspectWebSocketBinding()).toEqual({ native: true });
  });

  it("refuses a JavaScript App, as the pinned build's fallback exports, and names the supported Node versions", () => {
    const fallback = { App: function App(): object { return {}; } };
    const binding = inspectWebSocketBinding(() => fallback, NODE_22);
    expect(binding.native).toBe(false);
    if (binding.native) return;
    expect(binding.problem).toContain("JavaScript fallback");
    expect(binding.problem).toContain("Node.js v22.12.0 (NODE_MODULE_VERSION 127) on linux-x64");
    expect(binding.problem).toContain(SUPPORTED_NODE_VERSIONS);
    expect(binding.problem).not.toContain("UWS_USE_FALLBACK");
  });

  it("tells to unset UWS_USE_FALLBACK when that is what chose the fallback", () => {
    const binding = inspectWebSocketBinding(() => ({ App: () => ({}) }), { ...NODE_22, fallbackRequested: true });
    expect(binding.native ? "" : binding.problem).toContain("UWS_USE_FALLBACK is set: unset it");
  });

  it("refuses a build that throws for this Node, quoting its reason on one line", () => {
    const binding = inspectWebSocketBinding(() => {
      throw new Error("This version of uWS.js supports only Node.js versions 20, 22, 24 and 25\n\nError: GLIBC_2.38 not found");
    }, NODE_22);
    expect(binding.native ? "" : binding.problem).toContain(
      "(This version of uWS.js supports only Node.js versions 20, 22, 24 and 25 Error: GLIBC_2.38 not found)",
    );
    expect(binding.native ? "" : binding.problem).toContain(SUPPORTED_NODE_VERSIONS);
  });

  it("matches package.json engines, so npm warns on the Node versions the server refuses", () => {
    expect(packageJson.engines.node).toBe(SUPPORTED_NODE_ENGINES);
  });

  it("names the Node major the Dockerfile's base image has", () => {
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${DOCKER_IMAGE_NODE_MAJOR}-trixie-slim$`, "m"));
  });

  it("covers only Node majors the pinned build ships Linux bindings for (the Docker image's platforms)", () => {
    const files = readdirSync(join(webSocketPackageDirectory, "binaries"));
    for (const modules of Object.values(NODE_MODULE_VERSION_BY_SUPPORTED_MAJOR)) {
      expect(files).toContain(`uws_linux_x64_${modules}.node`);
      expect(files).toContain(`uws_linux_arm64_${modules}.node`);
    }
    expect(NODE_MODULE_VERSION_BY_SUPPORTED_MAJOR[Number(process.versions.node.split(".")[0])]).toBe(process.versions.modules);
  });

  it("makes the server exit with status 2 and the message before it opens its data directory when UWS_USE_FALLBACK=1", async () => {
    const directory = makeTemporaryDirectory("binding-check");
    directories.push(directory);
    const dataDirectory = join(directory.path, "data");
    const refused = await runServerExpectingFailure(["--data-dir", dataDirectory], { UWS_USE_FALLBACK: "1" });
    expect(refused.code).toBe(EXIT_COULD_NOT_START);
    expect(refused.stderr).toContain("loycore could not start: uWebSockets.js loaded its JavaScript fallback (UWS_USE_FALLBACK is set: unset it)");
    expect(refused.stderr).toContain(SUPPORTED_NODE_VERSIONS);
    expect(existsSync(dataDirectory)).toBe(false);
  });
});
