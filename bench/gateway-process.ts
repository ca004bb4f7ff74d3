import { startServerProcess, type ServerProcess } from "../gateway/server-process.js";

/** The gateway the kit loads: a demo terminal is required (its token drives every lane). */
export interface StartedGatewayOnDataDirectory extends ServerProcess {
  readonly terminalToken: string;
}

/** A graceful shutdown drains the shards and syncs their logs; five seconds is plenty, after that it is stuck. */
const GATEWAY_STOP_GRACE_MILLISECONDS = 5_000;

/**
 * Starts the gateway with --demo over an existing data directory (an imported dataset, see
 * tools/import), and leaves the directory in place when stopped. The demo seeding enrols
 * `demoMembers` demo members: over an imported dataset they already exist (same cards, same welcome
 * receipt), so it only reads them; keep it small and use the imported card numbering (demoCard(i))
 * for load. Its own process group: Ctrl-C stops the kit's lanes first; the kit then reads /metrics and
 * stops the gateway itself, instead of the terminal killing both at once.
 */
export async function startGatewayOnDataDirectory(options: {
  readonly dataDirectory: string;
  readonly demoMembers: number;
}): Promise<StartedGatewayOnDataDirectory> {
  const gateway = await startServerProcess(
    options.dataDirectory,
    // All simulated lanes share the demo terminal: its rate limit must not be what the kit measures.
    ["--demo", "--demo-members", String(options.demoMembers), "--terminal-requests-per-second", "1000000"],
    {},
    { detached: true },
  );
  const { terminalToken } = gateway;
  if (terminalToken === null) {
    await gateway.kill();
    throw new Error("the gateway announced no terminal token: is --demo on?");
  }
  return { ...gateway, terminalToken, stop: (grace = GATEWAY_STOP_GRACE_MILLISECONDS) => gateway.stop(grace) };
}
