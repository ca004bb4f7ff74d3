import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { open } from "lmdb";
import { isNativeAccelerationEnabled, pack, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";

interface LockedPackage {
  readonly version?: string;
  readonly hasInstallScript?: boolean;
}

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  allowScripts?: Record<string, boolean>;
};
const lockfile = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8")) as {
  packages: Record<string, LockedPackage>;
};
const require = createRequire(import.meta.url);

/** A string long enough that msgpackr hands it to msgpackr-extract when the native reader is there. */
const LONG_STRING_CHARACTERS = 1_000;

/** The package name of a lockfile key such as `node_modules/a/node_modules/@b/c`. */
function packageName(lockfileKey: string): string {
  return lockfileKey.slice(lockfileKey.lastIndexOf("node_modules/") + "node_modules/".length);
}

describe("dependency install scripts", () => {
  it("are each decided in package.json allowScripts, so a clean npm ci is quiet and a new one is a decision", () => {
    const withScripts = Object.entries(lockfile.packages)
      .filter(([key, locked]) => key !== "" && locked.hasInstallScript === true)
      .map(([key]) => packageName(key));
    expect(Object.keys(packageJson.allowScripts ?? {}).sort()).toEqual([...new Set(withScripts)].sort());
  });

  it("are all denied: each package loads a prebuilt binary (or, for esbuild, its platform package) without one", () => {
    expect(Object.values(packageJson.allowScripts ?? {}).every((allowed) => !allowed)).toBe(true);
  });

  it("are not needed by lmdb, which opens an environment with its prebuilt binding", async () => {
    const directory = mkdtempSync(join(tmpdir(), "loycore-install-scripts-"));
    try {
      const database = open({ path: directory });
      await database.put("key", { points: 1 });
      expect(database.get("key")).toEqual({ points: 1 });
      await database.close();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("are not needed by msgpackr, which reads with its native extension msgpackr-extract", () => {
    const text = "x".repeat(LONG_STRING_CHARACTERS);
    expect(unpack(pack({ text }))).toEqual({ text });
    expect(isNativeAccelerationEnabled).toBe(true);
  });

  it("are not needed by bufferutil and utf-8-validate, which find their prebuilt binaries", () => {
    const nodeGypBuild = require("node-gyp-build") as { path(directory: string): string };
    for (const name of ["bufferutil", "utf-8-validate"]) {
      const directory = join(require.resolve(`${name}/package.json`), "..");
      expect(nodeGypBuild.path(directory)).toMatch(/prebuilds/);
    }
  });
});
