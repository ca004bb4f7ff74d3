// Thread: the process's main thread (the gateway); starts the shard worker threads.
import { ConfigError, readServerConfig } from "./config.js";
import { acquireDataDirectoryLock } from "./data-directory-lock.js";
import { StartupError } from "./data-directory.js";
import { inspectWebSocketBinding } from "./transport/native-binding-check.js";

/**
 * `node dist/gateway/main.js [--demo] [--port 8080] [--data-dir ./data] ...`
 *
 * Prints one JSON line `{"event":"listening",...}` on stdout when ready (tools
 * and tests read it), then a human summary. SIGTERM or SIGINT drains the
 * shards (staged commits become durable) and exits 0.
 */
async function main(): Promise<void> {
  // First: on a Node the uWebSockets.js build has no binding for, it falls back to a stub
  // that dies at the first WebSocket upgrade. Refuse to start instead (native-binding-check.ts).
  const binding = inspectWebSocketBinding();
  if (!binding.native) throw new StartupError(binding.problem);
  // The server (and uWebSockets.js with it) is loaded only after that check.
  const { startServer } = await import("./server.js");
  let config;
  try {
    config = readServerConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  // Before anything in the directory is opened: one process at a time (data-directory-lock.ts).
  const lock = await acquireDataDirectoryLock(config.dataDirectory);
  const server = await startServer(config, (shard, reason) => {
    // A shard the supervisor could not keep alive leaves its accounts unserved. Exit
    // and let the process supervisor restart us; everything acknowledged is on disk.
    process.stderr.write(`shard ${shard} could not be kept alive (${reason}); stopping\n`);
    process.exit(70);
  });
  const listening = {
    event: "listening",
    url: server.url,
    webSocketUrl: server.webSocketUrl,
    shardThreads: server.shardThreads,
    dataDirectory: config.dataDirectory,
    adminToken: server.adminToken ?? null,
    terminalToken: server.demo?.terminalToken ?? null,
    demoCards: server.demo?.cards ?? [],
  };
  process.stdout.write(`${JSON.stringify(listening)}\n`);
  const lines = [
    `loycore is listening on ${server.url} with ${server.shardThreads} shard thread(s), data in ${config.dataDirectory}`,
    `  WebSocket: ${server.webSocketUrl}    HTTP: ${server.url}/v1/<op>    health: ${server.url}/health    metrics: ${server.url}/metrics`,
    `  operator console: ${server.url}/console/ (sign in with the admin token, then create named operators)`,
    server.adminToken === undefined
      ? "  admin token: set earlier (start with --admin-token to replace it)"
      : `  admin token: ${server.adminToken}`,
  ];
  if (server.demo !== undefined) {
    lines.push(`  demo terminal token: ${server.demo.terminalToken}`);
    lines.push(`  demo cards: ${server.demo.cards.slice(0, 5).join(", ")}${server.demo.cards.length > 5 ? ", ..." : ""}`);
    lines.push(
      `  try: curl -s -X POST ${server.url}/v1/identify -H 'authorization: Bearer ${server.demo.terminalToken}' -H 'content-type: application/json' -d '{"card":"${server.demo.cards[0] ?? ""}"}'`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping; staged commits are being made durable\n`);
    void server
      .close()
      .then(() => lock.release())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof StartupError || error instanceof ConfigError) {
    process.stderr.write(`loycore could not start: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`loycore failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
