import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioResult } from "../scenario-result.js";

export interface WrittenReports {
  readonly jsonPath: string;
  /** Null until the HTML report exists. */
  readonly htmlPath: string | null;
}

/** Writes `result.json` (the whole ScenarioResult) into `directory`, creating it if needed. */
export async function writeReports(result: ScenarioResult, directory: string): Promise<WrittenReports> {
  await mkdir(directory, { recursive: true });
  const jsonPath = join(directory, "result.json");
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  return { jsonPath, htmlPath: null };
}
