#!/usr/bin/env node
// Bundles the operator console (console/, a browser app) into dist/console/:
// app.js and app.css from console/main.tsx, and index.html copied beside them.
// Run by `npm run build`, so a clean clone's `npm test` (and CI) builds it.
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

const source = new URL("../console/", import.meta.url);
const output = new URL("../dist/console/", import.meta.url);

rmSync(output, { recursive: true, force: true });
mkdirSync(output, { recursive: true });
await build({
  entryPoints: { app: new URL("main.tsx", source).pathname },
  outdir: output.pathname,
  bundle: true,
  format: "esm",
  // Evergreen browsers of the last few years: laptops and tablets in a store's back office.
  target: ["chrome100", "firefox100", "safari15"],
  minify: true,
  sourcemap: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  tsconfig: new URL("tsconfig.json", source).pathname,
  logLevel: "warning",
});
copyFileSync(new URL("index.html", source), new URL("index.html", output));
console.log(`console built into ${output.pathname}`);
