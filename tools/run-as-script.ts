import { pathToFileURL } from "node:url";

/**
 * Runs a tool's `main` when its file is the script node was started with (not when a test imports it),
 * setting the exit status from what `main` resolves and printing a failure's stack under the tool's name.
 */
export function runAsScript(moduleUrl: string, name: string, main: (arguments_: readonly string[]) => Promise<number>): void {
  const script = process.argv[1];
  if (script === undefined || moduleUrl !== pathToFileURL(script).href) return;
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
