import type { ChildProcess } from "node:child_process";

/**
 * Stops a server the bench started: SIGTERM, then SIGKILL if it has not
 * exited within `graceMilliseconds`; resolves once it has exited.
 */
export async function stopChildProcess(child: ChildProcess, graceMilliseconds: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  let graceTimer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<"grace over">((resolve) => {
    graceTimer = setTimeout(() => resolve("grace over"), graceMilliseconds);
  });
  const outcome = await Promise.race([exited, graceOver]);
  clearTimeout(graceTimer);
  if (outcome === "grace over") {
    child.kill("SIGKILL");
    await exited;
  }
}
