// Builds what the server runs: the server itself (src/ minus tests, plus the benchmark's server
// child) compiled by tsc to dist/, and the web console (web/) bundled by Vite to web/dist/.
//
//   node scripts/build.mjs             build both
//   node scripts/build.mjs --if-stale  build only those that are not current (scripts/dist.mjs)
//
// Why compile the server: under tsx's loader a Node 20 process carries a second V8 isolate (the
// module hooks thread) and every module passes through it, about 50 MB more RSS than the same
// code compiled (docs/benchmarks.md, memory). tsx still runs the tests, the benchmark drivers and
// the CLI whenever dist/ is stale, so an edit never runs old code.
//
// Each build goes to a fresh directory that replaces the old output only once it succeeded; its
// stamp (build.json) is written last. Without the build tools installed (npm install
// --omit=dev), or when a build fails, it says so and leaves that output absent: vpcpeer then runs
// from source, and /console says that the console is not built.
import { spawnSync } from "node:child_process";
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT, TARGETS, distIsCurrent, sourceFingerprint } from "./dist.mjs";

const ifStale = process.argv.includes("--if-stale");
const require = createRequire(join(ROOT, "package.json"));

/** The command of each build, given its temporary output dir; undefined when its tool is missing. */
const COMMANDS = {
  server: (out) => [require.resolve("typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out],
  console: (out) => [join(require.resolve("vite/package.json"), "..", "bin", "vite.js"), "build", "--config", join(ROOT, "web", "vite.config.ts"), "--outDir", out, "--emptyOutDir"],
};
const FALLBACK = { server: "vpcpeer will run from source (tsx)", console: "/console will say that the console is not built" };

let failed = false;
for (const target of Object.keys(TARGETS)) {
  if (ifStale && distIsCurrent(ROOT, target)) continue;
  const final = join(ROOT, TARGETS[target].out);
  const out = `${final}.tmp-${process.pid}`;
  let command;
  try {
    command = COMMANDS[target](out);
  } catch {
    process.stderr.write(`vpcpeer build (${target}): its build tool is not installed; ${FALLBACK[target]}\n`);
    rmSync(final, { recursive: true, force: true });
    continue;
  }
  const fingerprint = sourceFingerprint(ROOT, target);
  const started = Date.now();
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, command, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    rmSync(final, { recursive: true, force: true });
    process.stderr.write(`vpcpeer build (${target}): failed (exit ${r.status ?? r.signal}); ${FALLBACK[target]}\n`);
    failed = true;
    continue;
  }
  writeFileSync(join(out, "build.json"), `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString(), ms: Date.now() - started })}\n`);
  rmSync(final, { recursive: true, force: true });
  renameSync(out, final);
}
// A failing build must not fail `npm install` (--if-stale); `npm test` type-checks and reports.
process.exit(failed && !ifStale ? 1 : 0);
