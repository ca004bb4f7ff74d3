import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { readServerConfig } from "./config.js";

/**
 * `node dist/gateway/healthcheck.js`: the Docker HEALTHCHECK. Exits 0 when the
 * server's /health answers 200, else 1 (Docker's "unhealthy").
 *
 * It finds the server where the server itself looks: readServerConfig over the
 * same environment (the container's: LOYCORE_PORT, LOYCORE_HOST) and the flags
 * the server was started with, read from the command line of the container's
 * first process when that is the gateway (`docker run IMAGE node dist/gateway/main.js --port 9000`).
 */

/** Docker's --timeout (3 s) stops the check; answering a little earlier prints why. */
const HEALTH_REQUEST_TIMEOUT_MILLISECONDS = 2_500;
/** The container's first process: the server, or an init (`docker run --init`) that started it. */
const FIRST_PROCESS_COMMAND_LINE = "/proc/1/cmdline";
/** The server's entry point in a command line; the flags after it are the server's. */
const GATEWAY_MAIN_SUFFIX = "gateway/main.js";

/** The flags after `.../gateway/main.js` in a NUL-separated /proc command line, or none if the gateway is not in it. */
export function serverArgumentsFromCommandLine(commandLine: string): string[] {
  const words = commandLine.split("\0").filter((word) => word !== "");
  const main = words.findIndex((word) => word.endsWith(GATEWAY_MAIN_SUFFIX));
  return main === -1 ? [] : words.slice(main + 1);
}

/** Where the server with these flags and this environment answers /health, seen from inside its container. */
export function healthUrl(serverArguments: readonly string[], environment: NodeJS.ProcessEnv): string {
  const { host, port } = readServerConfig(serverArguments, environment);
  // A server listening on every address is reached on loopback; one bound to an address, there.
  const target = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${target.includes(":") ? `[${target}]` : target}:${port}/health`;
}

function readFirstProcessArguments(): string[] {
  try {
    return serverArgumentsFromCommandLine(readFileSync(FIRST_PROCESS_COMMAND_LINE, "latin1"));
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  let url;
  try {
    url = healthUrl(readFirstProcessArguments(), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MILLISECONDS) });
    if (response.ok) return 0;
    process.stderr.write(`${url} answered ${response.status}\n`);
  } catch (error) {
    process.stderr.write(`${url} did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return 1;
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  process.exitCode = await main();
}
