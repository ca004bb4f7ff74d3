import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTemporaryDirectory } from "../domain/test-support/temporary-directory.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

const REPOSITORY_ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = readFileSync(join(REPOSITORY_ROOT, "README.md"), "utf8");
/** Where the README's examples say the server is (`npm start`'s default); the test's server is elsewhere. */
const README_SERVER_ADDRESS = "127.0.0.1:8080";
/** A README example is a shell session step or a script: none takes this long against a local server. */
const EXAMPLE_TIMEOUT_MILLISECONDS = 20_000;
/** The README has at least these runnable blocks; fewer means a marker was lost and examples skipped. */
const SHELL_EXAMPLES_MIN = 3;
const NODE_EXAMPLES_MIN = 1;
/** Member ids are random at enrolment ("m" and 16 hex digits): an answer's id is compared by its shape. */
const MEMBER_ID_PATTERN = /m[0-9a-f]{16}/g;

/**
 * A fenced block of the README and the `<!-- readme-example: ... -->` marker
 * on the line before it: `shell` (run in one bash session, in order), `node
 * <file>` (saved as <file> in the repository root and run with node),
 * `answer` (what the block before it prints), or `not run (<why>)`.
 */
interface ReadmeBlock {
  readonly marker: string;
  readonly language: string;
  readonly code: string;
  readonly line: number;
}

function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split("\n");
  const blocks: ReadmeBlock[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const opening = /^```(\S*)\s*$/.exec(lines[index] ?? "");
    if (opening === null) continue;
    const closing = lines.findIndex((line, position) => position > index && line.startsWith("```"));
    if (closing < 0) throw new Error(`README.md line ${index + 1}: the block is not closed`);
    const marker = /^<!-- readme-example: (.+) -->$/.exec(lines[index - 1] ?? "")?.[1] ?? "";
    blocks.push({ marker, language: opening[1] ?? "", code: lines.slice(index + 1, closing).join("\n"), line: index + 1 });
    index = closing;
  }
  return blocks;
}

/** An answer with its random member ids replaced, so that the README's example ids compare equal. */
function comparable(json: string): unknown {
  return JSON.parse(json.replace(MEMBER_ID_PATTERN, "m<member id>")) as unknown;
}

/** One bash process for all shell examples, so that a variable one example sets is there for the next. */
class ShellSession {
  private readonly shell: ChildProcessWithoutNullStreams;
  private output = "";
  private errors = "";

  constructor(environment: Readonly<Record<string, string>>) {
    this.shell = spawn("bash", ["--noprofile", "--norc"], { cwd: REPOSITORY_ROOT, env: { ...process.env, ...environment } });
    this.shell.stdout.on("data", (chunk: Buffer) => {
      this.output += chunk.toString();
    });
    this.shell.stderr.on("data", (chunk: Buffer) => {
      this.errors += chunk.toString();
    });
  }

  /** Runs `code` and resolves with what it printed and the exit status of its last command. */
  async run(code: string, label: string): Promise<{ stdout: string; status: number }> {
    this.output = "";
    this.errors = "";
    const end = `__readme_example_end_${label}__`;
    this.shell.stdin.write(`${code}\nprintf '\\n${end} %s\\n' "$?"\n`);
    const started = Date.now();
    const pattern = new RegExp(`\\n${end} (\\d+)\\n`);
    for (;;) {
      const found = pattern.exec(this.output);
      if (found !== null) return { stdout: this.output.slice(0, found.index), status: Number(found[1]) };
      if (Date.now() - started > EXAMPLE_TIMEOUT_MILLISECONDS) throw new Error(`${label} did not finish: ${this.output}${this.errors}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  get stderr(): string {
    return this.errors;
  }

  close(): void {
    this.shell.stdin.end();
  }
}

async function runNode(path: string, environment: Readonly<Record<string, string>>): Promise<{ stdout: string; stderr: string; status: number | null }> {
  const child = spawn(process.execPath, [path], { cwd: REPOSITORY_ROOT, env: { ...process.env, ...environment } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), EXAMPLE_TIMEOUT_MILLISECONDS);
  const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  clearTimeout(timer);
  return { stdout, stderr, status };
}

describe("the README's examples", () => {
  const blocks = readmeBlocks(README);
  const directory = makeTemporaryDirectory("readme");
  let server: ServerProcess;

  beforeAll(async () => {
    server = await startServerProcess(directory.path, ["--demo"]);
  });

  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it("are each marked as run by this test, as the answer of the one before, or as not run with a reason", () => {
    for (const block of blocks) {
      expect(block.marker, `README.md line ${block.line}`).toMatch(/^(shell|answer|node \S+\.mjs|not run \(.+\))$/);
      if (block.marker === "answer") expect(block.language, `README.md line ${block.line}`).toBe("json");
    }
    expect(blocks.filter((block) => block.marker === "shell").length).toBeGreaterThanOrEqual(SHELL_EXAMPLES_MIN);
    expect(blocks.filter((block) => block.marker.startsWith("node ")).length).toBeGreaterThanOrEqual(NODE_EXAMPLES_MIN);
  });

  it("run in order against a fresh demo server and answer what the README shows", async () => {
    const address = new URL(server.url).host;
    const environment = { TOKEN: server.terminalToken ?? "" };
    const shell = new ShellSession(environment);
    const scripts = makeTemporaryDirectory("readme-scripts");
    try {
      let lastOutput: { stdout: string; line: number } | undefined;
      for (const block of blocks) {
        const code = block.code.replaceAll(README_SERVER_ADDRESS, address);
        const label = `line-${block.line}`;
        if (block.marker === "shell") {
          const { stdout, status } = await shell.run(code, label);
          expect(status, `README.md line ${block.line} exited with ${status}: ${shell.stderr}`).toBe(0);
          lastOutput = { stdout, line: block.line };
        } else if (block.marker.startsWith("node ")) {
          // The example imports the build relative to the repository root, where the README says to save it.
          const imports = [...code.matchAll(/from "(\.\/[^"]+)"/g)].map((match) => match[1] ?? "");
          expect(imports.length).toBeGreaterThan(0);
          let runnable = code;
          for (const path of imports) {
            expect(existsSync(join(REPOSITORY_ROOT, path)), `${path} (run npm run build first)`).toBe(true);
            runnable = runnable.replaceAll(`"${path}"`, `"${pathToFileURL(join(REPOSITORY_ROOT, path)).href}"`);
          }
          const scriptPath = join(scripts.path, block.marker.slice("node ".length));
          writeFileSync(scriptPath, runnable);
          const { stdout, stderr, status } = await runNode(scriptPath, environment);
          expect(status, `README.md line ${block.line} exited with ${String(status)}: ${stderr}`).toBe(0);
          lastOutput = { stdout, line: block.line };
        } else if (block.marker === "answer") {
          expect(lastOutput, `README.md line ${block.line}: an answer follows a run example`).toBeDefined();
          expect(comparable(lastOutput?.stdout ?? ""), `the answer of README.md line ${lastOutput?.line}`).toEqual(comparable(block.code));
          lastOutput = undefined;
        }
      }
    } finally {
      shell.close();
      scripts.remove();
    }
  });
});
