import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";

/**
 * Mounts a tmpfs of `sizeBytes` at `path`, for tests of a real full disk.
 * Only root (CAP_SYS_ADMIN) may mount one: elsewhere it returns false and the
 * test skips its real-disk part (seams without a disk cover the logic).
 */
export function tryMountTmpfs(path: string, sizeBytes: number): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  try {
    mkdirSync(path, { recursive: true });
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", path], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Unmounts a tmpfs of tryMountTmpfs (lazily: a file a failed test left open does not keep it). */
export function unmountTmpfs(path: string): void {
  execFileSync("umount", ["-l", path], { stdio: "ignore" });
}
