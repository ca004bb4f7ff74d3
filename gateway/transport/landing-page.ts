import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type uWS from "uWebSockets.js";

/**
 * What a person who opens the server in a browser sees: `GET /` says what
 * this server is and links the service endpoints and the documentation,
 * `GET /v1/ws` without a WebSocket upgrade says that it is one (426), and
 * `GET /docs/<page>.md` serves the repository's docs/ pages when the server
 * runs from a checkout (`npm start`). Register after the WebSocket route: uWS
 * hands this GET handler only the requests that are not upgrades.
 */

/**
 * Where docs/ is: beside the sources (vitest runs gateway/transport/*.ts) or
 * one level further up from the build (dist/gateway/transport/*.js). The
 * Docker image ships no docs/; the landing page then names the pages only.
 */
const DOCS_DIRECTORY_CANDIDATES = [new URL("../../docs/", import.meta.url), new URL("../../../docs/", import.meta.url)];

/** Documentation pages in the order the landing page lists them, with what each is for. */
const DOCS_PAGES: readonly { readonly name: string; readonly about: string }[] = [
  { name: "protocol.md", about: "the wire protocol: operations, idempotency, limits, admin API" },
  { name: "program.md", about: "the loyalty program document" },
  { name: "errors.md", about: "every error code" },
  { name: "console.md", about: "the operator console: pages, operators, roles" },
  { name: "ARCHITECTURE.md", about: "threads, message flow, durability" },
  { name: "security.md", about: "the threat model" },
  { name: "benchmarks.md", about: "the benchmark kit" },
];

const WEBSOCKET_ONLY_EXPLANATION =
  "426 Upgrade Required: /v1/ws is loycore's WebSocket endpoint. Connect with a WebSocket client " +
  "(Authorization: Bearer <terminal token>, or ?token=<terminal token>) and send binary frames, one " +
  "MessagePack map each; see docs/protocol.md. The same operations are served over HTTP as POST /v1/<op>.\n";

export function registerLandingPage(app: uWS.TemplatedApp): void {
  const docs = readDocs();
  const summary = landingSummary(docs.size > 0);
  const html = landingHtml(summary, docs.size > 0);
  const json = JSON.stringify(summary);

  app.get("/", (response, request) => {
    const wantsHtml = request.getHeader("accept").includes("text/html");
    response
      .writeStatus("200 OK")
      .writeHeader("content-type", wantsHtml ? "text/html; charset=utf-8" : "application/json")
      .end(wantsHtml ? html : json);
  });

  app.get("/v1/ws", (response) => {
    response
      .writeStatus("426 Upgrade Required")
      .writeHeader("upgrade", "websocket")
      .writeHeader("connection", "Upgrade")
      .writeHeader("content-type", "text/plain; charset=utf-8")
      .end(WEBSOCKET_ONLY_EXPLANATION);
  });

  for (const [name, text] of docs) {
    app.get(`/docs/${name}`, (response) => {
      response.writeStatus("200 OK").writeHeader("content-type", "text/markdown; charset=utf-8").end(text);
    });
  }
}

export interface LandingSummary {
  readonly name: "loycore";
  readonly about: string;
  readonly endpoints: Readonly<Record<string, string>>;
  /** Page name to its URL on this server, or to its path in the loycore source when docs/ is not here. */
  readonly docs: Readonly<Record<string, string>>;
}

function landingSummary(docsServed: boolean): LandingSummary {
  return {
    name: "loycore",
    about: "loyalty-program transaction core: point-of-sale lanes send receipts; loycore identifies the member, " +
      "computes discounts and points, and accrues and redeems points durably and idempotently",
    endpoints: {
      "/health": "GET: 200 when every shard thread answers, 503 otherwise",
      "/metrics": "GET: Prometheus metrics",
      "/v1/ws": "WebSocket: the terminal protocol, binary MessagePack frames",
      "/v1/<op>": "POST: the same operations over HTTP, JSON or MessagePack",
      "/v1/admin/": "the admin API (admin token or an operator's session)",
      "/console/": "GET: the operator console, a web application for marketers and support staff",
    },
    docs: Object.fromEntries(DOCS_PAGES.map(({ name }) => [name, docsServed ? `/docs/${name}` : `docs/${name} in the loycore source`])),
  };
}

function landingHtml(summary: LandingSummary, docsServed: boolean): string {
  const docItems = DOCS_PAGES.map(({ name, about }) =>
    docsServed ? `<li><a href="/docs/${name}">${name}</a>: ${about}</li>` : `<li>docs/${name}: ${about}</li>`,
  ).join("\n");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>loycore</title></head>
<body>
<h1>loycore</h1>
<p>This is a loycore server: a ${summary.about}.</p>
<ul>
<li><a href="/health">/health</a>: health of the shard threads</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><code>ws://&lt;this host&gt;/v1/ws</code>: the terminal protocol over WebSocket; <code>POST /v1/&lt;op&gt;</code>: the same over HTTP</li>
<li><code>/v1/admin/</code>: the admin API</li>
<li><a href="/console/">/console/</a>: the operator console (program, members, terminals, audit, live figures)</li>
</ul>
<h2>Documentation</h2>
${docsServed ? "" : "<p>The pages are in the docs/ directory of the loycore source; this build does not include them.</p>\n"}<ul>
${docItems}
</ul>
</body>
</html>
`;
}

/** The docs/ pages by name, read once at start; empty when docs/ is not beside this build. */
function readDocs(): Map<string, string> {
  const pages = new Map<string, string>();
  const directory = DOCS_DIRECTORY_CANDIDATES.map((url) => fileURLToPath(url)).find((path) => existsSync(`${path}protocol.md`));
  if (directory === undefined) return pages;
  const present = new Set(readdirSync(directory));
  for (const { name } of DOCS_PAGES) {
    if (present.has(name)) pages.set(name, readFileSync(`${directory}${name}`, "utf8"));
  }
  return pages;
}
