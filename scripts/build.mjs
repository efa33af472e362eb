// Compiles the server (src/, minus tests, plus the benchmark's server child) to dist/ with tsc.
//
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when dist/ is not current (scripts/dist.mjs)
//
// Why: under tsx's loader a Node 20 process carries a second V8 isolate (the module hooks thread)
// and every module passes through it: about 50 MB more RSS than the same code compiled
// (docs/benchmarks.md, memory). tsx still runs the tests, the benchmark drivers and the CLI
// whenever dist/ is stale, so an edit never runs old code.
//
// The build goes to a fresh directory that replaces dist/ only once tsc succeeded; the stamp
// (dist/build.json) is written last. Without TypeScript installed (npm install --omit=dev), or when
// tsc fails, it says so and leaves dist/ absent: vpcpeer then runs from source.
import { spawnSync } from "node:child_process";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DIST, ROOT, STAMP, distIsCurrent, sourceFingerprint } from "./dist.mjs";

const ifStale = process.argv.includes("--if-stale");
if (ifStale && distIsCurrent()) process.exit(0);

let tsc;
try {
  tsc = createRequire(join(ROOT, "package.json")).resolve("typescript/bin/tsc");
} catch {
  process.stderr.write("vpcpeer build: TypeScript is not installed; vpcpeer will run from source (tsx)\n");
  rmSync(DIST, { recursive: true, force: true });
  process.exit(0);
}

const fingerprint = sourceFingerprint();
const started = Date.now();
const out = join(ROOT, `.dist-${process.pid}`);
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], { cwd: ROOT, stdio: "inherit" });
if (r.status !== 0) {
  rmSync(out, { recursive: true, force: true });
  rmSync(DIST, { recursive: true, force: true });
  process.stderr.write(`vpcpeer build: tsc failed (exit ${r.status ?? r.signal}); vpcpeer will run from source (tsx)\n`);
  // A failing build must not fail `npm install`; `npm test` type-checks and reports the errors.
  process.exit(ifStale ? 0 : 1);
}
writeFileSync(join(out, "build.json"), `${JSON.stringify({ fingerprint, builtAt: new Date().toISOString(), ms: Date.now() - started })}\n`);
rmSync(DIST, { recursive: true, force: true });
renameSync(out, DIST);
if (!existsSync(STAMP)) process.exit(1);
