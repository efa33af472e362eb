// `npm install` in a checkout links the package's own `vpcpeer` command into node_modules/.bin,
// so `npx vpcpeer` and `node_modules/.bin/vpcpeer` work without a global install.
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const binDir = join(root, "node_modules", ".bin");
const link = join(binDir, "vpcpeer");
if (existsSync(join(root, "node_modules"))) {
  mkdirSync(binDir, { recursive: true });
  try {
    if (lstatSync(link)) unlinkSync(link);
  } catch {
    /* no old link */
  }
  symlinkSync(relative(binDir, join(root, "bin", "vpcpeer.js")), link);
}
