// Whether dist/ (the compiled server, see scripts/build.mjs) is current for the sources here.
//
// A build records a fingerprint of the files it compiled (path, size, mtime of every non-test .ts
// under src/, the two bench files it includes, the tsconfigs). dist/ is current when the files
// here still give that fingerprint: an edit, a new or deleted file, a checkout of another commit
// all make it stale, and bin/vpcpeer.js then runs the sources through tsx instead.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DIST = join(ROOT, "dist");
export const STAMP = join(DIST, "build.json");
const EXTRA = ["bench/server.ts", "bench/common.ts", "tsconfig.json", "tsconfig.build.json"];

function tsFiles(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

/** The fingerprint of the sources a build compiles, as they are now. */
export function sourceFingerprint(root = ROOT) {
  const files = tsFiles(join(root, "src"), []).concat(EXTRA.map((f) => join(root, f)).filter((f) => existsSync(f)));
  const h = createHash("sha256");
  for (const f of files.map((f) => relative(root, f)).sort()) {
    const s = statSync(join(root, f));
    h.update(`${f}\0${s.size}\0${Math.trunc(s.mtimeMs)}\n`);
  }
  return h.digest("hex");
}

/** The build's record (dist/build.json), or undefined when there is no complete build. */
export function readStamp(root = ROOT) {
  try {
    return JSON.parse(readFileSync(join(root, "dist", "build.json"), "utf8"));
  } catch {
    return undefined;
  }
}

/** True when dist/ holds a complete build of the sources as they are now. */
export function distIsCurrent(root = ROOT) {
  const stamp = readStamp(root);
  return stamp !== undefined && stamp.fingerprint === sourceFingerprint(root);
}

/**
 * The file URL of a compiled module (path relative to the project root, e.g. "src/cli/main.js")
 * when dist/ is current and VPCPEER_FROM_SOURCE is not set; otherwise undefined.
 */
export function compiledModule(path, root = ROOT) {
  if (process.env.VPCPEER_FROM_SOURCE === "1") return undefined;
  if (!distIsCurrent(root)) return undefined;
  const file = join(root, "dist", path);
  return existsSync(file) ? pathToFileURL(file).href : undefined;
}
