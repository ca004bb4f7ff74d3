import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import type uWS from "uWebSockets.js";

/**
 * The operator console (console/, a browser app) served as static files under
 * `/console/`. `npm run build` bundles it into dist/console/; the files are
 * read once at start-up and answered from memory, so serving them costs the
 * gateway thread a lookup and a write, and nothing on the terminal path. The
 * console talks to the admin API only: the gateway keeps no state for it.
 */

/** dist/console/ seen from the sources (vitest runs gateway/transport/*.ts) or from the build (dist/gateway/transport/*.js). */
const CONSOLE_DIRECTORY_CANDIDATES = [new URL("../../dist/console/", import.meta.url), new URL("../../console/", import.meta.url)];
/** The bundle is a few hundred kilobytes; a directory holding more than this is not the console build and is not loaded. */
const CONSOLE_FILES_BYTES_MAX = 16 * 1024 * 1024;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/**
 * Scripts and styles only from this server; fetches only to it (the admin API and /metrics).
 * Inline style attributes are allowed: the chart library positions its parts with them.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const NOT_BUILT_EXPLANATION = "The operator console is not built here: run `npm run build` (it bundles console/ into dist/console/).\n";

interface ConsoleFile {
  readonly contentType: string;
  readonly body: Buffer;
}

export function registerConsole(app: uWS.TemplatedApp): void {
  const files = readConsoleFiles();
  app.get("/console", (response) => {
    response.writeStatus("301 Moved Permanently").writeHeader("location", "/console/").end();
  });
  app.get("/console/*", (response, request) => {
    const name = request.getUrl().slice("/console/".length);
    // The app routes with the URL's hash, so every page is /console/ itself.
    const file = files.get(name.length === 0 ? "index.html" : name);
    if (file === undefined) {
      const status = files.size === 0 ? "503 Service Unavailable" : "404 Not Found";
      response.writeStatus(status).writeHeader("content-type", "text/plain; charset=utf-8").end(files.size === 0 ? NOT_BUILT_EXPLANATION : "no such console file\n");
      return;
    }
    response
      .writeStatus("200 OK")
      .writeHeader("content-type", file.contentType)
      .writeHeader("cache-control", "no-cache")
      .writeHeader("x-content-type-options", "nosniff")
      .writeHeader("referrer-policy", "no-referrer")
      .writeHeader("content-security-policy", CONTENT_SECURITY_POLICY)
      .end(file.body);
  });
}

/** The built console's files by name (top level only), or none when it was not built. */
export function readConsoleFiles(): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  const directory = CONSOLE_DIRECTORY_CANDIDATES.find((candidate) => existsSync(new URL("index.html", candidate)) && existsSync(new URL("app.js", candidate)));
  if (directory === undefined) return files;
  let total = 0;
  for (const name of readdirSync(directory)) {
    const contentType = CONTENT_TYPES[extname(name)];
    const path = fileURLToPath(new URL(name, directory));
    if (contentType === undefined || !statSync(path).isFile()) continue;
    const body = readFileSync(path);
    total += body.length;
    if (total > CONSOLE_FILES_BYTES_MAX) return new Map();
    files.set(name, { contentType, body });
  }
  return files;
}
