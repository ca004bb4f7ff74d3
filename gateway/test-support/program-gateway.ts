import { expect } from "vitest";
import { LoycoreClient } from "../../client/index.js";
import { makeTemporaryDirectory } from "../../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "../server-process.js";
import { postJson } from "./http-json.js";

/** A started demo gateway running `program`, with a terminal client of the demo store and the admin token. */
export interface ProgramGateway {
  readonly server: ServerProcess;
  readonly client: LoycoreClient;
  readonly admin: string;
  stop(): Promise<void>;
}

/**
 * Starts the built gateway with the demo (one demo member, two shard threads) over a temporary data
 * directory, installs `program` through the admin API and connects the demo terminal: the set-up of
 * the over-the-wire tests of one program feature.
 */
export async function startProgramGateway(name: string, program: object): Promise<ProgramGateway> {
  const directory = makeTemporaryDirectory(name);
  const server = await startServerProcess(directory.path, ["--demo", "--demo-members", "1", "--shards", "2"]);
  const admin = server.adminToken ?? "";
  expect((await postJson(`${server.url}/v1/admin/program`, admin, program, "PUT")).status).toBe(200);
  const client = await LoycoreClient.connect({ url: server.webSocketUrl, token: server.terminalToken ?? "" });
  return {
    server,
    client,
    admin,
    async stop() {
      await client.close();
      await server.stop();
      directory.remove();
    },
  };
}
