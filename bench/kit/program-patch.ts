import { readFile } from "node:fs/promises";
import { KitUsageError } from "./kit-flags.js";

/** A program patch is a handful of sections (card types, levels, a coalition policy): far below this. */
export const PROGRAM_PATCH_BYTES_MAX = 1024 * 1024;

/**
 * The sections of a program document to set on the started gateway before it is measured
 * (--program-file): a JSON object of top-level program sections (docs/program.md), each replacing
 * the demo program's, so a run can measure a receipt with features on (card types, levels by active
 * points, a coalition policy) against the same run without.
 */
export async function readProgramPatch(path: string): Promise<Readonly<Record<string, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new KitUsageError(`--program-file ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (Buffer.byteLength(text) > PROGRAM_PATCH_BYTES_MAX) throw new KitUsageError(`--program-file ${path} is over ${PROGRAM_PATCH_BYTES_MAX} bytes`);
  let patch: unknown;
  try {
    patch = JSON.parse(text);
  } catch (error) {
    throw new KitUsageError(`--program-file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) throw new KitUsageError(`--program-file ${path} must hold a JSON object of program sections`);
  return patch as Record<string, unknown>;
}

/** The program with the patch's sections set (its version dropped: the control store assigns one). */
export function patchedProgram(program: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { version: _version, ...sections } = program;
  return { ...sections, ...patch };
}

/** Sets the patch's sections on a running gateway's program through its admin API; the new version. */
export async function applyProgramPatch(baseUrl: string, adminToken: string, patch: Readonly<Record<string, unknown>>): Promise<number> {
  const headers = { authorization: `Bearer ${adminToken}` };
  const current = await fetch(`${baseUrl}/v1/admin/program`, { headers });
  if (!current.ok) throw new Error(`GET /v1/admin/program answered ${current.status}`);
  const program = (await current.json()) as Record<string, unknown>;
  const stored = await fetch(`${baseUrl}/v1/admin/program`, {
    method: "PUT",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(patchedProgram(program, patch)),
  });
  const answer = (await stored.json()) as Record<string, unknown>;
  if (!stored.ok) throw new KitUsageError(`the program with --program-file's sections was refused: ${JSON.stringify(answer)}`);
  return Number(answer["version"]);
}

/**
 * A campaigns document (docs/campaigns.md) to store on the started gateway before the run
 * (--campaigns-file): the run then measures receipts priced with those campaigns, against the same run
 * without the flag.
 */
export async function readCampaignsDocument(path: string): Promise<Readonly<Record<string, unknown>>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new KitUsageError(`--campaigns-file ${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (Buffer.byteLength(text) > PROGRAM_PATCH_BYTES_MAX) throw new KitUsageError(`--campaigns-file ${path} is over ${PROGRAM_PATCH_BYTES_MAX} bytes`);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new KitUsageError(`--campaigns-file ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new KitUsageError(`--campaigns-file ${path} must hold a campaigns document (a JSON object)`);
  return document as Record<string, unknown>;
}

/** Stores a campaigns document on a running gateway through its admin API; the new version. */
export async function storeCampaigns(baseUrl: string, adminToken: string, document: Readonly<Record<string, unknown>>): Promise<number> {
  const stored = await fetch(`${baseUrl}/v1/admin/campaigns`, {
    method: "PUT",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(document),
  });
  const answer = (await stored.json()) as Record<string, unknown>;
  if (!stored.ok) throw new KitUsageError(`the campaigns of --campaigns-file were refused: ${JSON.stringify(answer)}`);
  return Number(answer["version"]);
}
