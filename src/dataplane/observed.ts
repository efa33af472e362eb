/** What the kernel holds, in the plan's terms (parsed from `ip -j`); pure parsing, no I/O. */
import { type ObservedFirewall, observedOf } from "./firewall.ts";
import type { NsKind } from "./naming.ts";
import type { RoutePlan, RulePlan } from "./plan.ts";

export interface ObservedLink {
  name: string;
  kind: string;
  master?: string;
  up: boolean;
  addrs: string[];
  /** Byte and packet counters (for peering links). */
  stats?: { rxBytes: number; txBytes: number; rxPackets: number; txPackets: number };
}

export interface ObservedQdisc {
  dev: string;
  kind: string;
  rateBitsPerS?: number;
  burstBytes?: number;
  delayMs?: number;
}

export interface ObservedNs {
  name: string;
  kind: NsKind;
  links: ObservedLink[];
  routes: RoutePlan[];
  rules: RulePlan[];
  qdiscs: ObservedQdisc[];
  /** The managed sysctls' values (plan.ts MANAGED_SYSCTLS); absent when not read. */
  sysctls?: Record<string, string>;
  /** An instance's security group table (firewall.ts): null when it has none; absent when not read. */
  firewall?: ObservedFirewall | null;
}

export interface HostState {
  namespaces: Map<string, ObservedNs>;
}

interface IpLink {
  ifname: string;
  flags?: string[];
  master?: string;
  linkinfo?: { info_kind?: string };
  stats64?: { rx?: { bytes: number; packets: number }; tx?: { bytes: number; packets: number } };
  addr_info?: { family: string; local: string; prefixlen: number }[];
}

/** Links with their addresses, from `ip -j -d -s addr show` (one call gives both). */
export function parseLinks(json: string): ObservedLink[] {
  const items = JSON.parse(json || "[]") as IpLink[];
  return items
    .filter((l) => l.ifname !== "lo")
    .map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? "unknown",
      ...(l.master ? { master: l.master } : {}),
      up: (l.flags ?? []).includes("UP"),
      addrs: (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`),
      ...(l.stats64?.rx && l.stats64.tx
        ? { stats: { rxBytes: l.stats64.rx.bytes, txBytes: l.stats64.tx.bytes, rxPackets: l.stats64.rx.packets, txPackets: l.stats64.tx.packets } }
        : {}),
    }));
}

const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253 };

interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string | number;
  protocol?: string;
}

/** Routes of the tables we manage: everything but `local`, and in `main` only what is not the kernel's. */
export function parseRoutes(json: string): RoutePlan[] {
  const items = JSON.parse(json || "[]") as IpRoute[];
  const out: RoutePlan[] = [];
  for (const r of items) {
    const table = r.table === undefined ? 254 : typeof r.table === "number" ? r.table : (TABLE_NAMES[r.table] ?? Number(r.table));
    if (table === 255 || r.protocol === "kernel" || r.dst.includes(":")) continue;
    const dst = r.dst === "default" || r.dst.includes("/") ? r.dst : `${r.dst}/32`;
    const type = (r.type ?? "unicast") as RoutePlan["type"];
    out.push({ table, dst, type, ...(r.dev && type === "unicast" ? { dev: r.dev } : {}), ...(r.gateway ? { via: r.gateway } : {}) });
  }
  return out;
}

interface IpRule {
  priority: number;
  iif?: string;
  table?: string | number;
}

/** Rules in the range we own (1000–30000); the kernel's 0, 32766 and 32767 are not ours. */
export function parseRules(json: string): RulePlan[] {
  const items = JSON.parse(json || "[]") as IpRule[];
  return items
    .filter((r) => r.priority >= 1000 && r.priority <= 30000)
    .map((r) => ({
      pref: r.priority,
      ...(r.iif ? { iif: r.iif } : {}),
      table: typeof r.table === "number" ? r.table : (TABLE_NAMES[r.table ?? "main"] ?? Number(r.table)),
    }));
}

interface TcQdisc {
  kind: string;
  dev: string;
  root?: boolean;
  options?: { rate?: number; burst?: number; delay?: { delay: number } };
}

export function parseQdiscs(json: string): ObservedQdisc[] {
  const items = JSON.parse(json || "[]") as TcQdisc[];
  return items
    .filter((q) => q.root && (q.kind === "tbf" || q.kind === "netem"))
    .map((q) => ({
      dev: q.dev,
      kind: q.kind,
      ...(q.options?.rate !== undefined ? { rateBitsPerS: q.options.rate * 8 } : {}),
      ...(q.options?.burst !== undefined ? { burstBytes: q.options.burst } : {}),
      ...(q.options?.delay ? { delayMs: q.options.delay.delay * 1000 } : {}),
    }));
}

/** What the kernel holds once `ns` has been applied exactly (used to diff against the last applied plan). */
export function observedFromPlan(ns: import("./plan.ts").NsPlan): ObservedNs {
  return {
    name: ns.name,
    kind: ns.kind,
    links: ns.links.map((l) => ({ name: l.name, kind: l.kind, ...(l.master ? { master: l.master } : {}), up: true, addrs: [...l.addrs] })),
    routes: ns.routes.map((r) => ({ ...r })),
    rules: ns.rules.map((r) => ({ ...r })),
    qdiscs: ns.qdiscs.map((q) => ({ dev: q.dev, kind: q.delayMs !== null ? "netem" : "tbf", rateBitsPerS: q.rateMbit * 1_000_000, burstBytes: q.burstBytes })),
    sysctls: { ...ns.sysctls },
    ...(ns.kind === "instance" ? { firewall: ns.firewall ? observedOf(ns.firewall) : null } : {}),
  };
}

/** `cat` of the managed sysctls, one value per line, in MANAGED_SYSCTLS order. */
export function parseSysctls(keys: readonly string[], text: string): Record<string, string> {
  const values = text.split("\n").map((l) => l.trim());
  return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? ""]));
}
