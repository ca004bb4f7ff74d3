/**
 * The kit's command-line flags: each scenario declares the flags it takes (FlagSpec), and they are
 * validated one by one with messages naming the flag. `--help` is printed from the same specs.
 */

/** A bad flag: the CLI prints the message and exits with status 2. */
export class KitUsageError extends Error {
  override readonly name = "KitUsageError";
}

export type FlagValue = string | number | boolean | null;

export interface FlagSpec {
  /** Without the leading dashes: "lanes", "duration-seconds". */
  readonly name: string;
  readonly kind: "integer" | "number" | "string" | "boolean" | "choice";
  readonly minimum?: number;
  readonly maximum?: number;
  readonly choices?: readonly string[];
  /** The value when the flag is absent; null for "none". */
  readonly default: FlagValue;
  readonly help: string;
}

export type FlagValues = Readonly<Record<string, FlagValue>>;

export function parseFlags(argumentsAfterScenario: readonly string[], specs: readonly FlagSpec[]): FlagValues {
  const values: Record<string, FlagValue> = {};
  for (const spec of specs) values[spec.name] = spec.default;
  const seen = new Set<string>();
  for (let index = 0; index < argumentsAfterScenario.length; index += 1) {
    const argument = argumentsAfterScenario[index]!;
    if (!argument.startsWith("--")) throw new KitUsageError(`unexpected argument "${argument}": flags start with --`);
    const [name = "", inlineValue] = argument.slice(2).split(/=(.*)/s, 2);
    const spec = specs.find((candidate) => candidate.name === name);
    if (spec === undefined) throw new KitUsageError(`unknown flag --${name} (see --help)`);
    if (seen.has(name)) throw new KitUsageError(`--${name} is given twice`);
    seen.add(name);
    if (spec.kind === "boolean") {
      if (inlineValue !== undefined && inlineValue !== "true" && inlineValue !== "false") throw new KitUsageError(`--${name} takes no value (or =true, =false)`);
      values[name] = inlineValue !== "false";
      continue;
    }
    const text = inlineValue ?? argumentsAfterScenario[index + 1];
    if (inlineValue === undefined) index += 1;
    if (text === undefined || (inlineValue === undefined && text.startsWith("--"))) throw new KitUsageError(`--${name} needs a value`);
    values[name] = parseValue(spec, text);
  }
  return values;
}

function parseValue(spec: FlagSpec, text: string): FlagValue {
  const flag = `--${spec.name}`;
  switch (spec.kind) {
    case "string":
      if (text === "") throw new KitUsageError(`${flag} must not be empty`);
      return text;
    case "choice":
      if (!(spec.choices ?? []).includes(text)) throw new KitUsageError(`${flag} must be one of ${(spec.choices ?? []).join(", ")}; got "${text}"`);
      return text;
    case "integer":
    case "number": {
      const value = Number(text);
      if (text.trim() === "" || !Number.isFinite(value) || (spec.kind === "integer" && !Number.isInteger(value))) {
        throw new KitUsageError(`${flag} must be ${spec.kind === "integer" ? "an integer" : "a number"}; got "${text}"`);
      }
      if (spec.minimum !== undefined && value < spec.minimum) throw new KitUsageError(`${flag} must be at least ${spec.minimum}; got ${value}`);
      if (spec.maximum !== undefined && value > spec.maximum) throw new KitUsageError(`${flag} must be at most ${spec.maximum}; got ${value}`);
      return value;
    }
    default:
      return text;
  }
}

export function numberFlag(values: FlagValues, name: string): number {
  const value = values[name];
  if (typeof value !== "number") throw new Error(`flag --${name} is not a number (kit bug)`);
  return value;
}

export function optionalNumberFlag(values: FlagValues, name: string): number | null {
  const value = values[name];
  return typeof value === "number" ? value : null;
}

export function stringFlag(values: FlagValues, name: string): string | null {
  const value = values[name];
  return typeof value === "string" ? value : null;
}

export function booleanFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** One help line per flag: name, value kind, bounds, default, meaning. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((spec) => {
      const value =
        spec.kind === "boolean" ? "" : spec.kind === "choice" ? ` <${(spec.choices ?? []).join("|")}>` : ` <${spec.kind === "string" ? "text" : spec.kind}>`;
      const bounds = spec.minimum !== undefined || spec.maximum !== undefined ? ` [${spec.minimum ?? ""}..${spec.maximum ?? ""}]` : "";
      const fallback = spec.default === null ? "" : ` (default ${String(spec.default)})`;
      return `  --${spec.name}${value}${bounds}${fallback}\n      ${spec.help}`;
    })
    .join("\n");
}

/** Where every scenario's results go; the same specs in every scenario, so --help lists them once. */
export const OUTPUT_FLAGS: readonly FlagSpec[] = [
  { name: "out-dir", kind: "string", default: null, help: "where result.json and report.html go (default bench-results/<scenario>-<timestamp>)" },
  { name: "json", kind: "boolean", default: false, help: "print the result JSON on stdout (the table then goes to stderr)" },
];
