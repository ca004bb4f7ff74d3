#!/usr/bin/env node
// Removes, from package-lock.json, optional dependencies that the lock file
// names but holds no entry for.
//
// Why: the package registry these machines reach does not serve every
// platform build of native packages (darwin, win32, musl, ... builds of
// rollup and msgpackr-extract answer 404). `npm install` then skips them and
// writes a lock file whose packages still list them as optional
// dependencies, and `npm ci` refuses that lock file as "not in sync". The
// builds for this platform are in the lock file and install normally.
//
// Run `npm run lockfile:prune` after every `npm install` that changes the lock file.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages ?? {};
const removed = [];
for (const [key, entry] of Object.entries(packages)) {
  const optional = entry.optionalDependencies;
  if (optional === undefined) continue;
  for (const name of Object.keys(optional)) {
    const nested = key === "" ? `node_modules/${name}` : `${key}/node_modules/${name}`;
    if (!(nested in packages) && !(`node_modules/${name}` in packages)) {
      delete optional[name];
      removed.push(`${key || "(root)"} -> ${name}`);
    }
  }
  if (Object.keys(optional).length === 0) delete entry.optionalDependencies;
}
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`pruned ${removed.length} optional dependencies the registry does not serve\n`);
for (const line of removed) process.stdout.write(`  ${line}\n`);
