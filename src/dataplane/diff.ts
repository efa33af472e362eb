/**
 * diff(plan, observed) → the commands that make the kernel match the plan, and nothing else. Pure.
 *
 * Commands carry phases, the order they run in within a namespace:
 *   0 remove what should not be there   1 create links   2 configure links   3 routes and rules   4 tc
 *   5 an instance's security group table (one `nft -f -` transaction that replaces it whole)
 * kernel.ts runs the removals first, then every command that needs nothing from another namespace,
 * then those on veth ends another namespace creates in the same pass; each round one batch per
 * namespace, in phase order. Namespaces are created first and deleted last.
 */
import { firewallScript, sameFirewall } from "./firewall.ts";
import { parseLinkName } from "./naming.ts";
import type { ObservedNs, HostState } from "./observed.ts";
import type { HostPlan, LinkPlan, NsPlan, RoutePlan, RulePlan } from "./plan.ts";

export interface Batch {
  ns: string;
  phase: number;
  tool: "ip" | "tc" | "nft";
  /** One command line (ip, tc), or a whole nft script. */
  cmd: string;
  /** The link in `ns` the command configures or routes over. */
  dev?: string;
  /** A veth creation: the end it makes in another namespace (whose configuration waits for it). */
  creates?: { ns: string; dev: string };
}

export interface Actions {
  createNs: { name: string; sysctls: Record<string, string> }[];
  /** Sysctls of existing namespaces that differ from the plan. */
  sysctls: { ns: string; values: Record<string, string> }[];
  deleteNs: string[];
  batches: Batch[];
}

export function isEmpty(a: Actions): boolean {
  return a.createNs.length === 0 && a.sysctls.length === 0 && a.deleteNs.length === 0 && a.batches.length === 0;
}

const routeKey = (r: RoutePlan) => `${r.table} ${r.dst}`;
const sameRoute = (a: RoutePlan, b: RoutePlan) => a.type === b.type && (a.dev ?? "") === (b.dev ?? "") && (a.via ?? "") === (b.via ?? "");
const sameRule = (a: RulePlan, b: RulePlan) => (a.iif ?? "") === (b.iif ?? "") && a.table === b.table;

export function routeCommand(verb: "replace" | "del", r: RoutePlan): string {
  const type = r.type === "unicast" ? "" : `${r.type} `;
  if (verb === "del") return `route del ${type}${r.dst} table ${r.table}`;
  return `route replace ${type}${r.dst}${r.via ? ` via ${r.via}` : ""}${r.dev ? ` dev ${r.dev}` : ""} table ${r.table}`;
}

export function qdiscCommand(q: NsPlan["qdiscs"][number]): string {
  if (q.delayMs !== null) {
    return `qdisc replace dev ${q.dev} root netem delay ${q.delayMs}ms${q.rateMbit > 0 ? ` rate ${q.rateMbit}mbit` : ""} limit 10000`;
  }
  return `qdisc replace dev ${q.dev} root tbf rate ${q.rateMbit}mbit burst ${q.burstBytes} latency 50ms`;
}

/** Is this link one that vpcpeer names (so one it may delete)? */
const ours = (name: string) => parseLinkName(name) !== null || name === "eth0";

export function diff(plan: HostPlan, state: HostState): Actions {
  const actions: Actions = { createNs: [], sysctls: [], deleteNs: [], batches: [] };
  const add: Add = (ns, phase, cmd, more = {}) => actions.batches.push({ ns, phase, tool: more.tool ?? "ip", cmd, ...(more.dev ? { dev: more.dev } : {}), ...(more.creates ? { creates: more.creates } : {}) });

  for (const [name, planned] of plan.namespaces) {
    const observed = state.namespaces.get(name);
    if (!observed) {
      actions.createNs.push({ name, sysctls: planned.sysctls });
      add(name, 2, "link set lo up");
    } else if (observed.sysctls) {
      const values = Object.fromEntries(Object.entries(planned.sysctls).filter(([k, v]) => observed.sysctls![k] !== v));
      if (Object.keys(values).length > 0) actions.sysctls.push({ ns: name, values });
    }
    diffLinks(planned, observed, plan, state, add);
    diffRoutes(planned, observed, add);
    diffRules(planned, observed, add);
    diffQdiscs(planned, observed, add);
    diffFirewall(planned, observed, add);
  }
  for (const name of state.namespaces.keys()) if (!plan.namespaces.has(name)) actions.deleteNs.push(name);
  return actions;
}

type Add = (ns: string, phase: number, cmd: string, more?: { tool?: Batch["tool"]; dev?: string; creates?: Batch["creates"] }) => void;

function diffLinks(planned: NsPlan, observed: ObservedNs | undefined, plan: HostPlan, state: HostState, add: Add): void {
  const have = new Map((observed?.links ?? []).map((l) => [l.name, l]));
  const want = new Map(planned.links.map((l) => [l.name, l]));
  for (const l of observed?.links ?? []) if (!want.has(l.name) && ours(l.name)) add(planned.name, 0, `link del ${l.name}`);

  for (const link of planned.links) {
    const cur = have.get(link.name);
    let fresh = !cur;
    if (link.kind === "veth" && link.peer) {
      // A veth is created as a pair from the planning side; if either end is gone, both are redone.
      // The far end is judged only where it is known: its namespace was observed, or is planned in
      // this diff (so, unobserved, it does not exist yet). A pass scoped to some namespaces may
      // include a router without the instances behind it; their ends are not missing for that.
      const peerNs = state.namespaces.get(link.peer.ns);
      const peerKnown = peerNs !== undefined || plan.namespaces.has(link.peer.ns);
      const peerEnd = peerNs?.links.find((l) => l.name === link.peer!.name);
      if (!cur || (peerKnown && !peerEnd) || cur.kind !== "veth") {
        if (cur) add(planned.name, 0, `link del ${link.name}`);
        else if (peerEnd) add(link.peer.ns, 0, `link del ${link.peer.name}`);
        add(planned.name, 1, `link add ${link.name} type veth peer name ${link.peer.name} netns ${link.peer.ns}`, { dev: link.name, creates: { ns: link.peer.ns, dev: link.peer.name } });
        fresh = true;
        const peerPlan = plan.namespaces.get(link.peer.ns)?.links.find((l) => l.name === link.peer!.name);
        if (peerPlan && peerEnd) configure(link.peer.ns, peerPlan, undefined, add);
      }
    } else if (link.kind === "bridge" && (!cur || cur.kind !== "bridge")) {
      if (cur) add(planned.name, 0, `link del ${link.name}`);
      add(planned.name, 1, `link add ${link.name} type bridge`, { dev: link.name });
      fresh = true;
    } else if (link.kind === "veth" && !link.peer && !cur) {
      // The other side creates this end; it is configured here once it exists.
      fresh = true;
    }
    configure(planned.name, link, fresh ? undefined : cur, add);
  }
}

/** Master, addresses and the up flag of one link (`cur` undefined: configure from scratch). */
function configure(ns: string, link: LinkPlan, cur: { master?: string; up: boolean; addrs: string[] } | undefined, add: Add): void {
  const dev = { dev: link.name };
  if (link.master && cur?.master !== link.master) add(ns, 2, `link set ${link.name} master ${link.master}`, dev);
  for (const a of link.addrs) if (!cur?.addrs.includes(a)) add(ns, 2, `addr add ${a} dev ${link.name}`, dev);
  for (const a of cur?.addrs ?? []) if (!link.addrs.includes(a)) add(ns, 2, `addr del ${a} dev ${link.name}`, dev);
  // Peering links answer ARP by proxy; the kernel otherwise delays every proxied reply by up to
  // 0.8 s (proxy_delay), which a new connection pays twice. Set before the link comes up, so that
  // no request arrives in between.
  if (!cur && parseLinkName(link.name)?.kind === "peering") add(ns, 2, `ntable change name arp_cache dev ${link.name} proxy_delay 0`, dev);
  if (!cur?.up) add(ns, 2, `link set ${link.name} up`, dev);
}

function diffRoutes(planned: NsPlan, observed: ObservedNs | undefined, add: Add): void {
  const have = new Map((observed?.routes ?? []).map((r) => [routeKey(r), r]));
  const want = new Map(planned.routes.map((r) => [routeKey(r), r]));
  for (const [key, r] of have) if (!want.has(key)) add(planned.name, 0, routeCommand("del", r));
  for (const [key, r] of want) {
    const cur = have.get(key);
    if (!cur || !sameRoute(cur, r)) add(planned.name, 3, routeCommand("replace", r), r.dev ? { dev: r.dev } : {});
  }
}

function diffRules(planned: NsPlan, observed: ObservedNs | undefined, add: Add): void {
  const have = new Map((observed?.rules ?? []).map((r) => [r.pref, r]));
  const want = new Map(planned.rules.map((r) => [r.pref, r]));
  for (const [pref, r] of have) if (!want.has(pref) || !sameRule(r, want.get(pref)!)) add(planned.name, 0, `rule del pref ${pref}`);
  for (const [pref, r] of want) {
    const cur = have.get(pref);
    if (!cur || !sameRule(cur, r)) add(planned.name, 3, `rule add pref ${pref}${r.iif ? ` iif ${r.iif}` : ""} lookup ${r.table}`);
  }
}

function diffQdiscs(planned: NsPlan, observed: ObservedNs | undefined, add: Add): void {
  const have = new Map((observed?.qdiscs ?? []).map((q) => [q.dev, q]));
  const want = new Map(planned.qdiscs.map((q) => [q.dev, q]));
  for (const [dev] of have) if (!want.has(dev)) add(planned.name, 0, `qdisc del dev ${dev} root`, { tool: "tc", dev });
  for (const [dev, q] of want) {
    const cur = have.get(dev);
    const rateOk = cur?.rateBitsPerS !== undefined && Math.abs(cur.rateBitsPerS - q.rateMbit * 1_000_000) <= q.rateMbit * 10_000;
    const kindOk = cur?.kind === (q.delayMs !== null ? "netem" : "tbf");
    // The kernel keeps the burst as time at the rate, so it reads back a little off.
    const burstOk = q.delayMs !== null || (cur?.burstBytes !== undefined && Math.abs(cur.burstBytes - q.burstBytes) <= Math.max(16, q.burstBytes * 0.002));
    if (!cur || !kindOk || (q.rateMbit > 0 && !rateOk) || !burstOk) add(planned.name, 4, qdiscCommand(q), { tool: "tc", dev });
  }
}

/**
 * An instance's security group table: replaced whole when it differs from the plan in any way
 * (firewall.ts compares chains and rule tags), removed when the instance is no longer filtered.
 * A namespace that does not exist yet holds no table; one observed without reading it is left alone.
 */
function diffFirewall(planned: NsPlan, observed: ObservedNs | undefined, add: Add): void {
  if (planned.kind !== "instance") return;
  const have = observed ? observed.firewall : null;
  if (have === undefined) return;
  if (planned.firewall) {
    if (!have || !sameFirewall(planned.firewall, have)) add(planned.name, 5, firewallScript(planned.firewall), { tool: "nft" });
  } else if (have) {
    add(planned.name, 5, firewallScript(null), { tool: "nft" });
  }
}
