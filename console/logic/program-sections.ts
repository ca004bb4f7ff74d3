import type { ProgramProblem } from "../../protocol/admin-wire.js";
import { PROGRAM_SECTIONS as PROGRAM_DOCUMENT_SECTIONS } from "../../protocol/program-document.js";

/**
 * The program editor edits the document one top-level section at a time (each
 * its own JSON field), and shows each of the server validator's problems at
 * the section its path starts with. No rule is checked here: the server's
 * validator (POST /v1/admin/program/validate) is the only judge.
 */

/** The sections in the order docs/program.md describes them (protocol/program-document.ts); a section not listed there is shown after them. */
export const PROGRAM_SECTIONS: readonly string[] = PROGRAM_DOCUMENT_SECTIONS;

/** Where a problem that names no section (the document itself, `$`) is shown. */
export const WHOLE_DOCUMENT = "$";

/** The section texts of a program (without its `version`): pretty JSON, one per present section. */
export function sectionTexts(document: object): Map<string, string> {
  const program = document as Readonly<Record<string, unknown>>;
  const texts = new Map<string, string>();
  const names = [...PROGRAM_SECTIONS, ...Object.keys(program).filter((key) => !PROGRAM_SECTIONS.includes(key) && key !== "version")];
  for (const name of names) {
    if (program[name] !== undefined) texts.set(name, JSON.stringify(program[name], null, 2));
  }
  return texts;
}

export type Assembled =
  | { readonly ok: true; readonly document: Record<string, unknown> }
  | { readonly ok: false; readonly problems: readonly ProgramProblem[] };

/** The document from its sections' texts; an empty text leaves the section out. Unparsable JSON is a problem at its section. */
export function assembleDocument(texts: ReadonlyMap<string, string>): Assembled {
  const document: Record<string, unknown> = {};
  const problems: ProgramProblem[] = [];
  for (const [name, text] of texts) {
    if (text.trim().length === 0) continue;
    try {
      document[name] = JSON.parse(text) as unknown;
    } catch (error) {
      problems.push({ path: name, message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
  return problems.length === 0 ? { ok: true, document } : { ok: false, problems };
}

/** The section a problem's path belongs to: `statuses.levels[1].threshold` -> `statuses`; `$` and unknown -> the whole document. */
export function sectionOf(path: string, sections: Iterable<string>): string {
  const head = /^[A-Za-z0-9_]+/.exec(path)?.[0];
  if (head === undefined) return WHOLE_DOCUMENT;
  for (const section of sections) if (section === head) return section;
  return WHOLE_DOCUMENT;
}

/** Problems grouped by the section each is shown at. */
export function problemsBySection(problems: readonly ProgramProblem[], sections: Iterable<string>): Map<string, ProgramProblem[]> {
  const known = [...sections];
  const grouped = new Map<string, ProgramProblem[]>();
  for (const problem of problems) {
    const section = sectionOf(problem.path, known);
    grouped.set(section, [...(grouped.get(section) ?? []), problem]);
  }
  return grouped;
}

/** Top-level sections whose values differ between two program versions (the `version` itself aside). */
export function changedSections(leftDocument: object, rightDocument: object): Set<string> {
  const left = leftDocument as Readonly<Record<string, unknown>>;
  const right = rightDocument as Readonly<Record<string, unknown>>;
  const changed = new Set<string>();
  for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
    if (key !== "version" && JSON.stringify(left[key]) !== JSON.stringify(right[key])) changed.add(key);
  }
  return changed;
}
