import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ScenarioResult } from "../scenario-result.js";
import { renderHtmlReport } from "./html-report.js";

export interface WrittenReports {
  readonly jsonPath: string;
  readonly htmlPath: string;
}

/** Writes `result.json` (the whole ScenarioResult) and `report.html` into `directory`, creating it if needed. */
export async function writeReports(result: ScenarioResult, directory: string): Promise<WrittenReports> {
  await mkdir(directory, { recursive: true });
  const jsonPath = join(directory, "result.json");
  const htmlPath = join(directory, "report.html");
  await writeFile(jsonPath, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(htmlPath, renderHtmlReport(result));
  return { jsonPath, htmlPath };
}
