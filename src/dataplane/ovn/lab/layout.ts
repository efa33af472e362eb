/**
 * Where a lab keeps its things and what it calls them. The directory D determines everything:
 * the name prefix is a hash of its real path (two labs in two directories never share a name),
 * files live in D/central and D/hosts/<host>, and D/lab.json records what `up` made.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { join } from "node:path";

/** Unix socket paths are limited to 108 bytes; the longest the lab makes is DIR/hosts/hNN/ovn-controller.PID.ctl. */
const SOCKET_SLACK = "/hosts/h64/ovn-controller.4194304.ctl".length;
const MAX_SOCKET_PATH = 107;

export interface Layout {
  dir: string;
  prefix: string;
  state: string;
  central: string;
  underlayNs: string;
  host(i: number): { name: string; dir: string; namespace: string; encapIp: string };
}

/** The underlay: one /24, host i (1-based) at .i, on a Linux bridge in the underlay namespace. */
export const UNDERLAY_NET = "192.168.250";
export const MAX_HOSTS = 64;

export function layout(dirArg: string): Layout {
  const dir = realpathSync(dirArg);
  if (dir.length + SOCKET_SLACK > MAX_SOCKET_PATH) {
    throw new Error(`--dir: "${dir}" is too long for the unix sockets the lab makes in it (at most ${MAX_SOCKET_PATH - SOCKET_SLACK} characters)`);
  }
  const prefix = `vl${createHash("sha256").update(dir).digest("hex").slice(0, 8)}`;
  return {
    dir,
    prefix,
    state: join(dir, "lab.json"),
    central: join(dir, "central"),
    underlayNs: `${prefix}-ul`,
    host: (i) => ({ name: `h${i}`, dir: join(dir, "hosts", `h${i}`), namespace: `${prefix}-h${i}`, encapIp: `${UNDERLAY_NET}.${i}` }),
  };
}
