/**
 * The only module that runs processes: reads the kernel with `ip -j`/`tc -j`/`nft -j` (observe) and
 * changes it with batched `ip`/`tc` runs (apply): removals first, then one `ip -batch` (and one
 * `tc -batch`) per namespace, each namespace after those that create the veth ends it configures,
 * and an instance's security group table as one `nft -f -` transaction. "Already exists" and
 * "already gone" count as success, so every action is idempotent.
 */
import { spawn } from "node:child_process";
import { parseNsName } from "./naming.ts";
import type { Actions, Batch } from "./diff.ts";
import { FW_FAMILY, FW_TABLE, parseFirewall } from "./firewall.ts";
import { type Run, rounds, runsOf } from "./schedule.ts";
import { type HostState, type ObservedNs, parseLinks, parseQdiscs, parseRoutes, parseRules, parseSysctls } from "./observed.ts";
import { MANAGED_SYSCTLS } from "./plan.ts";

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

/** Where `ip netns` keeps its namespaces' handles. */
export const NETNS_DIR = "/run/netns";

/** The file of a sysctl (`net.ipv4.ip_forward` → /proc/sys/net/ipv4/ip_forward). */
const procPath = (key: string) => `/proc/sys/${key.replace(/\./g, "/")}`;

/**
 * Reads one namespace: links with addresses and counters, routes, rules, qdiscs and sysctls (and an
 * instance's security group table), in one process tree.
 */
export async function observeNs(name: string, prefix: string): Promise<ObservedNs | null> {
  const parsed = parseNsName(prefix, name);
  if (!parsed) return null;
  const sysctlFiles = MANAGED_SYSCTLS.map(procPath).join(" ");
  const reads = [`ip -j -d -s addr show`, `ip -j route show table all`, `ip -j rule show`, `tc -j qdisc show`, `cat ${sysctlFiles}`];
  // No table (or no nft at all): empty output, read as no table.
  if (parsed.kind === "instance") reads.push(`nft -j list table ${FW_FAMILY} ${FW_TABLE} 2>/dev/null`);
  const script = reads.join(` ; echo ${SEP} ; `);
  const r = await run("ip", ["netns", "exec", name, "sh", "-c", script]);
  if (r.code !== 0 && !r.stdout.includes(SEP)) return null; // the namespace went away meanwhile
  const [links, routes, rules, qdiscs, sysctls, firewall] = r.stdout.split(SEP).map((s) => s.trim());
  return {
    name,
    kind: parsed.kind,
    links: parseLinks(links!),
    routes: parseRoutes(routes!),
    rules: parseRules(rules!),
    qdiscs: parseQdiscs(qdiscs!),
    sysctls: parseSysctls(MANAGED_SYSCTLS, sysctls ?? ""),
    ...(parsed.kind === "instance" ? { firewall: parseFirewall(firewall ?? "") } : {}),
  };
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

/** Writes sysctls inside a namespace (one process); the error, if any. */
export async function writeSysctls(ns: string, values: Record<string, string>): Promise<string | null> {
  const writes = Object.entries(values).map(([k, v]) => `echo ${v} > ${procPath(k)}`);
  if (writes.length === 0) return null;
  const s = await run("ip", ["netns", "exec", ns, "sh", "-c", writes.join(" && ")]);
  return s.code === 0 ? null : `${ns}: sysctl: ${s.stderr.trim()}`;
}

/**
 * Applies actions: namespaces (with their sysctls) first, then removals (phase 0) everywhere, then
 * the two rounds of rounds(), each one `ip -batch` run (and a `tc -batch` run after it) per
 * namespace: an accepted peering takes one run per router, the second starting once the first has
 * made the veth (its routes wait, skipped, until the far end is up). Namespaces are deleted last.
 */
export async function apply(actions: Actions): Promise<ApplyReport> {
  const errors: string[] = [];
  let commands = 0;
  if (actions.createNs.length > 0) {
    const r = await run("ip", ["-force", "-batch", "-"], actions.createNs.map((n) => `netns add ${n.name}\n`).join(""));
    errors.push(...realErrors(r.stderr));
    commands += actions.createNs.length;
  }
  const sysctls = [...actions.createNs.map((n) => ({ ns: n.name, values: n.sysctls })), ...actions.sysctls];
  for (const e of await pool(sysctls, 8, (s) => writeSysctls(s.ns, s.values))) if (e) errors.push(e);

  const runBatches = (round: readonly Batch[]) =>
    pool(runsOf(round), 8, async (runs) => {
      for (const g of runs) {
        commands += g.lines.length;
        if (g.tool === "nft") {
          const e = await runNft(g);
          if (e) errors.push(e);
          continue;
        }
        const r = await run(g.tool, ["-n", g.ns, "-force", "-batch", "-"], g.lines.join("\n") + "\n");
        for (const e of realErrors(r.stderr)) errors.push(`${g.ns}: ${g.tool}: ${e}`);
      }
    });
  await runBatches(actions.batches.filter((b) => b.phase === 0));
  const { first, then } = rounds(actions.batches.filter((b) => b.phase > 0));
  await runBatches(first);
  await runBatches(then);
  if (actions.deleteNs.length > 0) {
    const r = await run("ip", ["-force", "-batch", "-"], actions.deleteNs.map((n) => `netns del ${n}\n`).join(""));
    errors.push(...realErrors(r.stderr));
    commands += actions.deleteNs.length;
  }
  return { commands, errors };
}

/**
 * One `nft -f -` inside the namespace: a single transaction, all or nothing, so its exit status
 * says exactly whether the namespace now holds the script's ruleset. The error, if any. Entered
 * with `nsenter --net` rather than `ip netns exec`, which also makes a mount namespace and
 * remounts /sys for the command (nft needs neither): with hundreds of namespaces that copy costs
 * more than nft itself.
 */
async function runNft(g: Run): Promise<string | null> {
  const r = await run("nsenter", [`--net=${NETNS_DIR}/${g.ns}`, "nft", "-f", "-"], g.lines.join("\n"));
  if (r.code === 0) return null;
  const why = r.stderr.split("\n").map((l) => l.trim()).filter((l) => /Error|not found|No such/i.test(l));
  return `${g.ns}: nft: ${why[0] ?? r.stderr.trim().split("\n")[0] ?? `exit ${r.code}`}`;
}
