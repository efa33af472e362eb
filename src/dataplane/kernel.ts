/**
 * The only module that runs processes: reads the kernel with `ip -j`/`tc -j` (observe) and changes
 * it with batched `ip`/`tc` runs, one per namespace and phase (apply). "Already exists" and
 * "already gone" count as success, so every action is idempotent.
 */
import { spawn } from "node:child_process";
import { parseNsName } from "./naming.ts";
import { type Actions, PHASES } from "./diff.ts";
import { type HostState, type ObservedNs, parseLinks, parseQdiscs, parseRoutes, parseRules } from "./observed.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    p.on("error", reject);
    // A command that exits without reading its input must not fail the caller with EPIPE.
    p.stdin.on("error", () => {});
    p.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.end(input ?? "");
  });
}

/** Runs `fn` over items with at most `limit` at a time. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Errors that mean the kernel already is as asked. */
const BENIGN = [/File exists/, /No such process/, /Cannot find device/, /No such device/, /Cannot find specified qdisc/, /No such file or directory/, /does not exist/, /Object "netns" .*exists/, /Invalid handle/, /Cannot delete qdisc with handle of zero/];

function realErrors(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !/^Command failed/.test(l) && !BENIGN.some((re) => re.test(l)));
}

/** Our namespaces (by name), read with one `ip netns list`. */
export async function listNamespaces(prefix: string): Promise<string[]> {
  const r = await run("ip", ["-j", "netns", "list"]);
  const items = r.stdout.trim() ? (JSON.parse(r.stdout) as { name: string }[]) : [];
  return items.map((i) => i.name).filter((n) => parseNsName(prefix, n) !== null);
}

const SEP = "@@vpcpeer@@";

/** Reads one namespace: links with addresses and counters, routes, rules and qdiscs, in one process tree. */
export async function observeNs(name: string, prefix: string): Promise<ObservedNs | null> {
  const parsed = parseNsName(prefix, name);
  if (!parsed) return null;
  const script = [`ip -j -d -s addr show`, `ip -j route show table all`, `ip -j rule show`, `tc -j qdisc show`].join(` ; echo ${SEP} ; `);
  const r = await run("ip", ["netns", "exec", name, "sh", "-c", script]);
  if (r.code !== 0 && !r.stdout.includes(SEP)) return null; // the namespace went away meanwhile
  const [links, routes, rules, qdiscs] = r.stdout.split(SEP).map((s) => s.trim());
  return { name, kind: parsed.kind, links: parseLinks(links!), routes: parseRoutes(routes!), rules: parseRules(rules!), qdiscs: parseQdiscs(qdiscs!) };
}

/** Reads every namespace of ours (or only `only`). */
export async function observe(prefix: string, only?: ReadonlySet<string>): Promise<HostState> {
  const names = (await listNamespaces(prefix)).filter((n) => !only || only.has(n));
  const observed = await pool(names, 8, (n) => observeNs(n, prefix));
  return { namespaces: new Map(observed.filter((o): o is ObservedNs => o !== null).map((o) => [o.name, o])) };
}

export interface ApplyReport {
  commands: number;
  errors: string[];
}

/** Applies actions: namespaces first, then the phases batched per namespace (three rounds), then deletions. */
export async function apply(actions: Actions): Promise<ApplyReport> {
  const errors: string[] = [];
  let commands = 0;
  if (actions.createNs.length > 0) {
    const r = await run("ip", ["-force", "-batch", "-"], actions.createNs.map((n) => `netns add ${n.name}\n`).join(""));
    errors.push(...realErrors(r.stderr));
    commands += actions.createNs.length;
    await pool(actions.createNs, 8, async (n) => {
      const writes = Object.entries(n.sysctls).map(([k, v]) => `echo ${v} > /proc/sys/${k.replace(/\./g, "/")}`);
      if (writes.length === 0) return;
      const s = await run("ip", ["netns", "exec", n.name, "sh", "-c", writes.join(" && ")]);
      if (s.code !== 0) errors.push(`${n.name}: sysctl: ${s.stderr.trim()}`);
    });
  }
  // Rounds of processes: removals; link creations (a veth's far end must exist before it is
  // configured); link configuration (both ends of a peering answer ARP at once before any route
  // sends traffic over it); then routes, rules and qdiscs together.
  const rounds = [[0], [1], [2], Array.from({ length: PHASES - 3 }, (_, i) => i + 3)];
  for (const phases of rounds) {
    const groups = new Map<string, { ns: string; tool: "ip" | "tc"; lines: string[] }>();
    for (const b of [...actions.batches].sort((x, y) => x.phase - y.phase)) {
      if (!phases.includes(b.phase)) continue;
      const key = `${b.tool} ${b.ns}`;
      const g = groups.get(key) ?? { ns: b.ns, tool: b.tool, lines: [] };
      g.lines.push(b.cmd);
      groups.set(key, g);
    }
    await pool([...groups.values()], 8, async (g) => {
      commands += g.lines.length;
      const r = await run(g.tool, ["-n", g.ns, "-force", "-batch", "-"], g.lines.join("\n") + "\n");
      for (const e of realErrors(r.stderr)) errors.push(`${g.ns}: ${g.tool}: ${e}`);
    });
  }
  if (actions.deleteNs.length > 0) {
    const r = await run("ip", ["-force", "-batch", "-"], actions.deleteNs.map((n) => `netns del ${n}\n`).join(""));
    errors.push(...realErrors(r.stderr));
    commands += actions.deleteNs.length;
  }
  return { commands, errors };
}
