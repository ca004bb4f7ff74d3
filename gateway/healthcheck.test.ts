import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { readServerConfig } from "./config.js";
import { healthUrl, serverArgumentsFromCommandLine } from "./healthcheck.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
/** The compiled check, as the image runs it (`npm run build` first). */
const HEALTHCHECK_PATH = fileURLToPath(new URL("../dist/gateway/healthcheck.js", import.meta.url));
/** Docker runs the check with a 3 s timeout; a test allows more on a loaded machine. */
const CHECK_TIMEOUT_MILLISECONDS = 20_000;

/** The image's `ENV` settings, joined over continuation lines. */
function dockerfileEnvironment(): Record<string, string> {
  const joined = dockerfile.replace(/\\\n\s*/g, " ");
  const runtimeStage = joined.slice(joined.lastIndexOf("\nFROM "));
  const environment: Record<string, string> = {};
  for (const line of runtimeStage.split("\n").filter((candidate) => candidate.startsWith("ENV "))) {
    for (const match of line.slice("ENV ".length).matchAll(/([A-Z_]+)=(\S+)/g)) environment[match[1]!] = match[2]!;
  }
  return environment;
}

function runHealthcheck(environment: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [HEALTHCHECK_PATH], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...environment } });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), CHECK_TIMEOUT_MILLISECONDS);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe("the Docker health check", () => {
  let server: ServerProcess | undefined;
  const directories: Array<{ remove: () => void }> = [];
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    for (const directory of directories.splice(0)) directory.remove();
  });

  it("is the Dockerfile HEALTHCHECK, and the image's port is the one it exposes", () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\\\n\s+CMD \["node", "dist\/gateway\/healthcheck\.js"\]$/m);
    const environment = dockerfileEnvironment();
    expect(environment["LOYCORE_PORT"]).toBeDefined();
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${environment["LOYCORE_PORT"]}$`, "m"));
  });

  it("asks the port and host the server reads from the image's environment", () => {
    const environment = dockerfileEnvironment();
    const config = readServerConfig([], environment);
    expect(healthUrl([], environment)).toBe(`http://127.0.0.1:${config.port}/health`);
    expect(healthUrl([], { ...environment, LOYCORE_PORT: "9123" })).toBe("http://127.0.0.1:9123/health");
  });

  it("follows --port and --host on the server's command line over the environment, as the server does", () => {
    expect(healthUrl(["--port", "9200"], { LOYCORE_PORT: "9123", LOYCORE_HOST: "0.0.0.0" })).toBe("http://127.0.0.1:9200/health");
    expect(healthUrl(["--host", "::", "--port", "9200"], {})).toBe("http://[::1]:9200/health");
    expect(healthUrl(["--host", "10.0.0.7"], { LOYCORE_PORT: "9123" })).toBe("http://10.0.0.7:9123/health");
  });

  it("reads the server's flags from the first process's command line, through an init too", () => {
    const commandLine = (...words: string[]): string => `${words.join("\u0000")}\u0000`;
    expect(serverArgumentsFromCommandLine(commandLine("node", "dist/gateway/main.js", "--port", "9000"))).toEqual(["--port", "9000"]);
    expect(serverArgumentsFromCommandLine(commandLine("/sbin/docker-init", "--", "node", "/app/dist/gateway/main.js", "--port", "9001"))).toEqual([
      "--port",
      "9001",
    ]);
    expect(serverArgumentsFromCommandLine(commandLine("node", "dist/gateway/main.js"))).toEqual([]);
    expect(serverArgumentsFromCommandLine(commandLine("/bin/sh", "-c", "sleep 1"))).toEqual([]);
  });

  it("passes against a running server on the port in LOYCORE_PORT and fails on another", async () => {
    const directory = makeTemporaryDirectory("healthcheck");
    directories.push(directory);
    server = await startServerProcess(directory.path);
    const port = new URL(server.url).port;
    expect(await runHealthcheck({ LOYCORE_HOST: "0.0.0.0", LOYCORE_PORT: port })).toEqual({ code: 0, stderr: "" });
    await server.stop();
    server = undefined;
    const refused = await runHealthcheck({ LOYCORE_HOST: "0.0.0.0", LOYCORE_PORT: port });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`http://127.0.0.1:${port}/health did not answer`);
  });
});

describe("the Docker image", () => {
  it("declares as engines the Node major of its base image", () => {
    const nodeMajor = /^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1];
    expect(nodeMajor).toBeDefined();
    const declared = [...dockerfile.matchAll(/npm pkg set "engines\.node=([^"]+)"/g)].map((match) => match[1]);
    expect(declared).toEqual([`>=${nodeMajor} <${Number(nodeMajor) + 1}`, `>=${nodeMajor} <${Number(nodeMajor) + 1}`]);
  });

  it("checks the uWebSockets.js build it installs by its SHA-512", () => {
    expect(dockerfile).toMatch(/^ARG UWS_SHA512=[0-9a-f]{128}$/m);
    expect(dockerfile).toContain('echo "$UWS_SHA512  $tarball" | sha512sum -c -');
  });

  it("leaves local dependencies, builds, data and test output out of the build context", () => {
    const ignored = readFileSync(new URL("../.dockerignore", import.meta.url), "utf8")
      .split("\n")
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist", "data", "*.log", ".vitest-temp", "bench-results"]));
  });
});
