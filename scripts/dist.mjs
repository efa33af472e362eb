// Whether a build (scripts/build.mjs) is current for the sources it was made from.
//
// Two builds: the server (src/ compiled by tsc into dist/) and the web console (web/ bundled by
// Vite into web/dist/). Each records a fingerprint of the files it was built from (path, size and
// mtime of each), in build.json inside its output. A build is current when the files here still
// give that fingerprint: an edit, a new or deleted file, a checkout of another commit all make it
// stale. bin/vpcpeer.js runs the sources through tsx while the server build is stale.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");

/** What each build is made from: .ts/.tsx/.css files (not tests) under dirs, and single files. */
export const TARGETS = {
  server: { out: "dist", dirs: ["src"], files: ["bench/server.ts", "bench/common.ts", "tsconfig.json", "tsconfig.build.json"] },
  console: { out: "web/dist", dirs: ["web/src"], files: ["web/index.html", "web/vite.config.ts", "web/tsconfig.json"] },
};

function sourceFiles(dir, out) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(p, out);
    else if (/\.(ts|tsx|css)$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) out.push(p);
  }
  return out;
}

/** The fingerprint of the sources a build is made from, as they are now. */
export function sourceFingerprint(root = ROOT, target = "server") {
  const t = TARGETS[target];
  const files = t.dirs.flatMap((d) => sourceFiles(join(root, d), [])).concat(t.files.map((f) => join(root, f)).filter((f) => existsSync(f)));
  const h = createHash("sha256");
  for (const f of files.map((f) => relative(root, f)).sort()) {
    const s = statSync(join(root, f));
    h.update(`${f}\0${s.size}\0${Math.trunc(s.mtimeMs)}\n`);
  }
  return h.digest("hex");
}

/** A build's record (build.json in its output), or undefined when there is no complete build. */
export function readStamp(root = ROOT, target = "server") {
  try {
    return JSON.parse(readFileSync(join(root, TARGETS[target].out, "build.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/** True when the target's output holds a complete build of the sources as they are now. */
export function distIsCurrent(root = ROOT, target = "server") {
  const stamp = readStamp(root, target);
  return stamp !== undefined && stamp.fingerprint === sourceFingerprint(root, target);
}

/**
 * The file URL of a compiled server module (path relative to the project root, e.g.
 * "src/cli/main.js") when dist/ is current and VPCPEER_FROM_SOURCE is not set; otherwise undefined.
 */
export function compiledModule(path, root = ROOT) {
  if (process.env.VPCPEER_FROM_SOURCE === "1") return undefined;
  if (!distIsCurrent(root)) return undefined;
  const file = join(root, "dist", path);
  return existsSync(file) ? pathToFileURL(file).href : undefined;
}
