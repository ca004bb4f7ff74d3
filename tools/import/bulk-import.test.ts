import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LmdbDirectoryStore } from "../../gateway/directory/lmdb-directory-store.js";
import { CompiledProgram } from "../../domain/engine/compiled-program.js";
import { validateProgramDocument } from "../../domain/program/validate-program-document.js";
import { logicalShardOf } from "../../domain/placement/shard-function.js";
import { LmdbShardStore } from "../../shard/storage/lmdb-shard-store.js";
import { DEMO_PROGRAM, demoCard, demoMemberProfile } from "../../gateway/demo.js";
import { startServerProcess, type ServerProcess } from "../../gateway/server-process.js";
import { postJson } from "../../gateway/test-support/http-json.js";
import { bulkImport } from "./bulk-import.js";
import { buildSyntheticMembers } from "./member-builder.js";
import { readerProcessIds } from "./running-server-check.js";
import { SYNTHETIC_REFERENCE_TIME_DEFAULT } from "./synthetic-history.js";

const IMPORT_MAIN_PATH = fileURLToPath(new URL("../../dist/tools/import/main.js", import.meta.url));
const SYNTHETIC_MEMBERS = 3_000;
/**
 * Members checked against a server that was sent their receipts: second, third, middle, last. Not the
 * first: the reference server's own demo member 1 was welcomed at that server's start, not at the
 * importer's fixed time, so replaying the imported welcome receipt there would be a CONFLICT.
 */
const SAMPLED_INDICES = [2, 3, 1_500, SYNTHETIC_MEMBERS];

async function runImportCli(arguments_: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [IMPORT_MAIN_PATH, ...arguments_], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, stdout, stderr };
}

function standingOf(body: Record<string, unknown>): Record<string, unknown> {
  const { balance, status, importanceClass, categories, discountBasisPoints } = body;
  return { balance, status, importanceClass, categories, discountBasisPoints };
}

describe("bulk import of synthetic members", () => {
  let dataDirectory: string;
  let referenceDirectory: string;
  let imported: ServerProcess | undefined;
  let reference: ServerProcess | undefined;

  beforeAll(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), "loycore-import-"));
    referenceDirectory = await mkdtemp(join(tmpdir(), "loycore-import-reference-"));
  });

  afterAll(async () => {
    await imported?.stop();
    await reference?.stop();
    await rm(dataDirectory, { recursive: true, force: true });
    await rm(referenceDirectory, { recursive: true, force: true });
  });

  it("imports members that a gateway serves exactly as if it had committed their receipts itself", async () => {
    const summary = await bulkImport({
      dataDirectory,
      source: { kind: "synthetic", count: SYNTHETIC_MEMBERS, startIndex: 1, referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT, stored: "account" },
      importThreads: 1,
      shardThreads: 2,
    });
    expect(summary).toMatchObject({ imported: SYNTHETIC_MEMBERS, existing: 0, rejected: 0, shardThreads: 2, refused: false });

    // The demo's seeding finds its members and their welcome receipts already there.
    imported = await startServerProcess(dataDirectory, ["--demo", "--demo-members", "2"]);
    reference = await startServerProcess(referenceDirectory, ["--demo", "--demo-members", "1"]);
    expect(imported.demoCards).toEqual([demoCard(1), demoCard(2)]);
    const importedToken = imported.terminalToken ?? "";
    const referenceToken = reference.terminalToken ?? "";

    const compiled = new CompiledProgram({ ...validateProgramDocument(DEMO_PROGRAM), version: 1 });
    const histories = buildSyntheticMembers(SAMPLED_INDICES, compiled, SYNTHETIC_REFERENCE_TIME_DEFAULT, "account");
    let receiptsReplayed = 0;
    for (const [position, index] of SAMPLED_INDICES.entries()) {
      const card = demoCard(index);
      const history = histories[position];
      if (history === undefined) throw new Error(`no history for member ${index}`);
      // The reference server is sent the member and every receipt of the history, as lanes would have.
      const enrolled = await postJson(`${reference.url}/v1/enroll`, referenceToken, demoMemberProfile(index));
      expect(enrolled.status).toBe(200);
      for (const { receipt, redeem } of history.committed) {
        const { store: _store, ...receiptFields } = receipt;
        const committed = await postJson(`${reference.url}/v1/commit`, referenceToken, { card, receipt: receiptFields, redeem });
        expect(committed.status, JSON.stringify(committed.body)).toBe(200);
        receiptsReplayed += 1;
      }
      const fromImport = await postJson(`${imported.url}/v1/identify`, importedToken, { card });
      const fromReference = await postJson(`${reference.url}/v1/identify`, referenceToken, { card });
      expect(fromImport.status).toBe(200);
      expect(standingOf(fromImport.body)).toEqual(standingOf(fromReference.body));
      expect(fromImport.body["balance"]).toBeGreaterThan(0);

      // A new receipt is priced and committed alike on both.
      const receipt = { id: `after-import-${index}`, lines: [{ sku: "SKU-7", qty: 2, price: 45_000, amount: 90_000 }] };
      const redeem = 100;
      const calculatedImport = await postJson(`${imported.url}/v1/calculate`, importedToken, { card, receipt, redeem });
      const calculatedReference = await postJson(`${reference.url}/v1/calculate`, referenceToken, { card, receipt, redeem });
      expect(calculatedImport.status).toBe(200);
      expect({ ...calculatedImport.body, member: null }).toEqual({ ...calculatedReference.body, member: null });
      const committedImport = await postJson(`${imported.url}/v1/commit`, importedToken, { card, receipt, redeem });
      const committedReference = await postJson(`${reference.url}/v1/commit`, referenceToken, { card, receipt, redeem });
      expect(committedImport.status).toBe(200);
      const comparable = (body: Record<string, unknown>): Record<string, unknown> => ({ ...body, member: null, transaction: null });
      expect(comparable(committedImport.body)).toEqual(comparable(committedReference.body));
    }
    expect(receiptsReplayed).toBeGreaterThan(SAMPLED_INDICES.length);

    // While the gateway runs, the importer refuses the directory.
    const refused = await runImportCli(["--data-dir", dataDirectory, "--synthetic", "10"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`is open in process ${imported.child.pid}`);
  });

  it("adds nothing when the same members are imported again, and only the new ones of an overlapping range", async () => {
    await imported?.stop();
    imported = undefined;
    const again = await runImportCli(["--data-dir", dataDirectory, "--synthetic", String(SYNTHETIC_MEMBERS), "--import-threads", "0"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ event: "imported", imported: 0, existing: SYNTHETIC_MEMBERS });

    const overlapping = await bulkImport({
      dataDirectory,
      source: { kind: "synthetic", count: 1_000, startIndex: SYNTHETIC_MEMBERS - 499, referenceTime: SYNTHETIC_REFERENCE_TIME_DEFAULT, stored: "full" },
      importThreads: 0,
      shardThreads: undefined,
    });
    expect(overlapping).toMatchObject({ imported: 500, existing: 500, shardThreads: 2 });
    const directory = new LmdbDirectoryStore({ path: join(dataDirectory, "directory") });
    try {
      expect(directory.countCards()).toBe(SYNTHETIC_MEMBERS + 500);
      // The member the gateway committed a receipt for kept it: the re-import did not overwrite the account.
      const memberId = directory.findMemberByCard(demoCard(2));
      expect(memberId).toBeDefined();
      expect(directory.findReceiptOwner("demo-store", "after-import-2")).toBe(memberId);
    } finally {
      await directory.close();
    }
  });
});

describe("bulk import of a members file", () => {
  let dataDirectory: string;
  let membersFile: string;

  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), "loycore-import-file-"));
    dataDirectory = join(base, "data");
    membersFile = join(base, "members.ndjson");
    const lines = [
      JSON.stringify({ card: "7700000000001", phone: "+79161234567", name: "Anna", birthDate: "1990-05-01", email: "Anna@Example.com", consent: { sms: true }, points: 1500, lifetime: { sold: 1_250_000, paid: 1_190_000, visits: 14 }, firstVisitAt: 1_700_000_000_000, lastVisitAt: 1_760_000_000_000 }),
      "{not json",
      JSON.stringify({ card: "7700000000002", phone: "79161234568" }),
      "",
      JSON.stringify({ card: "bad card!" }),
      JSON.stringify({ card: "7700000000003", colour: "blue" }),
      JSON.stringify({ card: "7700000000004", lifetime: { sold: 100, paid: 200 } }),
      JSON.stringify({ card: "7700000000005", phone: "+79161234567" }),
      JSON.stringify({ card: "7700000000001", points: 99 }),
    ];
    await writeFile(membersFile, `${lines.join("\n")}\n`);
  });

  afterAll(async () => {
    await rm(join(dataDirectory, ".."), { recursive: true, force: true });
  });

  it("refuses a file with bad lines as a whole, naming each line and its code, and writes nothing", async () => {
    const outcome = await runImportCli(["--data-dir", dataDirectory, "--members-file", membersFile, "--import-threads", "0"]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("line 2: BAD_REQUEST: the line is not JSON");
    expect(outcome.stderr).toContain("line 5: BAD_REQUEST: card must match");
    expect(outcome.stderr).toContain("line 6: BAD_REQUEST: colour is not a known field");
    expect(outcome.stderr).toContain("line 7: BAD_REQUEST: lifetime.paid must not exceed lifetime.sold");
    expect(outcome.stderr).toContain("nothing was written");
    expect(JSON.parse(outcome.stdout)).toMatchObject({ imported: 0, rejected: 4, refused: true });
    expect(existsSync(dataDirectory)).toBe(false);
  });

  it("imports the good lines with --skip-bad-lines: profile, opening lot and lifetime counters; a taken phone is refused whole", async () => {
    const outcome = await runImportCli(["--data-dir", dataDirectory, "--members-file", membersFile, "--skip-bad-lines", "--import-threads", "0", "--shards", "2"]);
    expect(outcome.code).toBe(1);
    const summary = JSON.parse(outcome.stdout) as { imported: number; existing: number; rejected: number; problems: { line: number; code: string }[] };
    expect(summary).toMatchObject({ imported: 2, existing: 1, rejected: 5 });
    expect(summary.problems.map(({ line, code }) => `${line} ${code}`)).toEqual(["2 BAD_REQUEST", "5 BAD_REQUEST", "6 BAD_REQUEST", "7 BAD_REQUEST", "8 PHONE_TAKEN"]);

    const directory = new LmdbDirectoryStore({ path: join(dataDirectory, "directory") });
    const shards = [0, 1].map((shard) => new LmdbShardStore({ path: join(dataDirectory, "shards", String(shard)) }));
    try {
      expect(directory.countCards()).toBe(2);
      expect(directory.findMemberByCard("7700000000005")).toBeUndefined();
      const memberId = directory.findMemberByCard("7700000000001");
      expect(memberId).toBeDefined();
      expect(directory.findMemberByPhone("+79161234567")).toBe(memberId);
      const logicalShard = logicalShardOf(memberId ?? "");
      const account = shards.map((store) => store.readAccount(logicalShard, memberId ?? "")).find((found) => found !== undefined);
      expect(account?.profile).toEqual({ card: "7700000000001", phone: "+79161234567", name: "Anna", birthDate: "1990-05-01", email: "Anna@Example.com", consent: { sms: true, email: false } });
      expect(directory.findMembersByNamePrefix("ANN", null, 10).map((hit) => hit.memberId)).toEqual([memberId]);
      expect(directory.findMembersByEmail("anna@example.com", null, 10).map((hit) => hit.memberId)).toEqual([memberId]);
      expect(directory.searchIndexesComplete()).toBe(true);
      expect(account?.balance).toBe(1500);
      expect(account?.ledger.lots.map((lot) => [lot.source, lot.reference, lot.remaining])).toEqual([["adjustment", "opening-balance", 1500]]);
      expect(account?.counters).toEqual({
        lifetime: { sold: 1_250_000, paid: 1_190_000, visits: 14 },
        recentPeriods: [],
        firstVisitAt: 1_700_000_000_000,
        lastVisitAt: 1_760_000_000_000,
      });
      expect(directory.findMemberByPhone("+79161234568")).toBe(directory.findMemberByCard("7700000000002"));
    } finally {
      await directory.close();
      for (const store of shards) await store.close();
    }
  });
});

describe("the running-server check", () => {
  it("reads every process id of LMDB's reader table and nothing from its header", () => {
    const table = "\t\tpid\t\t thread\t\t txnid\n     20631 7f248181cc80 -\n     20631 7f2481000000 1234\n       512 7f0000000001 -\n";
    expect(readerProcessIds(table)).toEqual([20631, 512]);
    expect(readerProcessIds("(no active readers)\n")).toEqual([]);
  });

  it("explains in --help that the server must not run during an import", async () => {
    const help = await runImportCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("must NOT be running");
  });
});
