/**
 * The analyzer's index: the model (the desired state the drivers apply, plus the stored route and
 * peering facts) compiled once for lookups — route tables as longest-prefix-match tables resolved
 * as plan.ts resolves them, subnets and instances by address, what each account may know of other
 * networks. An index answers any number of analyses (analyze.ts walks it).
 */
import { last, parseCidr, parseIp } from "../domain/cidr.ts";
import type { ResolvedSgRule } from "../domain/security-groups.ts";
import type { AnalysisModel, PeeringFact, StoredRouteFact } from "./analyze.ts";
import { Lpm } from "./lpm.ts";
import { type DesiredState, nextHops } from "./plan.ts";

/** What a route-table entry leads to. */
export type Entry =
  | { kind: "local"; cidr: string }
  | { kind: "peering"; cidr: string; peeringId: string; route: StoredRouteFact | null }
  | { kind: "instance"; cidr: string; instanceId: string; route: StoredRouteFact | null }
  | { kind: "blackhole"; cidr: string; route: StoredRouteFact | null };

export interface Table {
  id: string;
  vpcId: string;
  entries: Entry[];
  lpm: Lpm;
}

export interface SubnetIx {
  id: string;
  vpcId: string;
  cidr: string;
  base: number;
  end: number;
  routeTableId: string;
}

export interface AnalysisIndex {
  model: AnalysisModel;
  vpcs: Map<string, { id: string; cidr: string; base: number; end: number }>;
  subnets: Map<string, SubnetIx>;
  subnetsOfVpc: Map<string, SubnetIx[]>;
  tables: Map<string, Table>;
  tablesOfVpc: Map<string, Table[]>;
  /** `securityGroupIds` null: the state gives the instance no groups (unfiltered, as the drivers leave it). */
  instances: Map<string, { id: string; subnetId: string; privateIp: string; ip: number; securityGroupIds: string[] | null }>;
  /** Security groups with their rules resolved (resolveGroups: group peers as the members' /32s, stale rules empty). */
  groups: Map<string, { id: string; vpcId: string; rules: ResolvedSgRule[] }>;
  /** Security group rule → its group (whose owner is the rule's). */
  ruleGroup: Map<string, string>;
  instanceAt: Map<string, Map<number, string>>;
  vbrs: Map<string, { id: string; cidrs: string[]; hostIps: number[] }>;
  /** Per VBR: the table its host's packets use (peer CIDRs over its active connections). */
  vbrTables: Map<string, { lpm: Lpm; peerings: string[]; cidrs: string[] }>;
  active: Map<string, DesiredState["peerings"][number]>;
  peeringFacts: Map<string, PeeringFact>;
  peeringsOf: Map<string, PeeringFact[]>;
  ownedNetworks: Map<string, string[]>;
  /** Per viewer, the networks it knows of (built on first use). */
  known: Map<string, Lpm>;
}

/** A CIDR as its first and last address. */
export const range = (cidr: string) => {
  const c = parseCidr(cidr, "cidr");
  return { base: c.base, end: last(c) };
};
export const inRange = (r: { base: number; end: number }, ip: number) => ip >= r.base && ip <= r.end;

/** Compiles the model for lookups (O(size of the model)); an index answers any number of analyses. */
export function indexModel(model: AnalysisModel): AnalysisIndex {
  const d = model.desired;
  const vpcs = new Map(d.vpcs.map((v) => [v.id, { id: v.id, cidr: v.cidr, ...range(v.cidr) }]));
  const subnets = new Map<string, SubnetIx>();
  const subnetsOfVpc = new Map<string, SubnetIx[]>();
  for (const s of d.subnets) {
    const ix = { ...s, ...range(s.cidr) };
    subnets.set(s.id, ix);
    const list = subnetsOfVpc.get(s.vpcId);
    if (list) list.push(ix);
    else subnetsOfVpc.set(s.vpcId, [ix]);
  }
  const instances: AnalysisIndex["instances"] = new Map();
  const instanceAt = new Map<string, Map<number, string>>();
  for (const i of d.instances) {
    const ip = ipOf(i.privateIp);
    instances.set(i.id, { id: i.id, subnetId: i.subnetId, privateIp: i.privateIp, ip, securityGroupIds: i.securityGroupIds ?? null });
    const at = instanceAt.get(i.subnetId) ?? new Map<number, string>();
    at.set(ip, i.id);
    instanceAt.set(i.subnetId, at);
  }
  const { hopOf } = nextHops(d);
  const activeIds = new Set(d.peerings.map((p) => p.id));
  const tables = new Map<string, Table>();
  const tablesOfVpc = new Map<string, Table[]>();
  for (const t of d.routeTables) {
    const vpc = vpcs.get(t.vpcId);
    if (!vpc) continue;
    const stored = model.routes.get(t.id) ?? [];
    const entries: Entry[] = [{ kind: "local", cidr: vpc.cidr }];
    t.routes.forEach((r, i) => {
      const route = stored[i] ?? null;
      const hop = hopOf(r.instanceId, t.vpcId);
      // As plan.ts compiles it: the peering's link, else the appliance, else a blackhole.
      if (r.peeringId && activeIds.has(r.peeringId)) entries.push({ kind: "peering", cidr: r.destinationCidr, peeringId: r.peeringId, route });
      else if (hop) entries.push({ kind: "instance", cidr: r.destinationCidr, instanceId: hop.id, route });
      else entries.push({ kind: "blackhole", cidr: r.destinationCidr, route });
    });
    const table = { id: t.id, vpcId: t.vpcId, entries, lpm: new Lpm(entries.map((e) => e.cidr)) };
    tables.set(t.id, table);
    const list = tablesOfVpc.get(t.vpcId);
    if (list) list.push(table);
    else tablesOfVpc.set(t.vpcId, [table]);
  }
  const vbrs = new Map(d.vbrs.map((v) => [v.id, { id: v.id, cidrs: v.onPremisesCidrs, hostIps: v.onPremisesCidrs.map((c) => range(c).base + 2) }]));
  const active = new Map(d.peerings.map((p) => [p.id, p]));
  const vbrTables = new Map<string, { lpm: Lpm; peerings: string[]; cidrs: string[] }>();
  const vbrEnds = new Map<string, { peering: string; cidrs: string[] }[]>();
  for (const p of d.peerings) {
    for (const [end, other] of [[p.a, p.b], [p.b, p.a]] as const) {
      if (end.routerType === "vbr" && vpcs.has(other.routerId)) vbrEnds.set(end.routerId, [...(vbrEnds.get(end.routerId) ?? []), { peering: p.id, cidrs: other.cidrs }]);
    }
  }
  for (const v of d.vbrs) {
    const peerings: string[] = [];
    const cidrs: string[] = [];
    for (const e of vbrEnds.get(v.id) ?? []) for (const c of e.cidrs) (peerings.push(e.peering), cidrs.push(c));
    vbrTables.set(v.id, { lpm: new Lpm(cidrs), peerings, cidrs });
  }
  // Per account, the peerings it is a party to (what it may know of other networks).
  const peeringsOf = new Map<string, PeeringFact[]>();
  for (const p of model.peerings) {
    for (const acct of new Set([p.a.accountId, p.b.accountId])) {
      const list = peeringsOf.get(acct);
      if (list) list.push(p);
      else peeringsOf.set(acct, [p]);
    }
  }
  const ownedNetworks = new Map<string, string[]>();
  const addOwned = (id: string, cidrs: readonly string[]) => {
    const owner = model.owners.get(id);
    if (owner === undefined) return;
    const list = ownedNetworks.get(owner);
    if (list) list.push(...cidrs);
    else ownedNetworks.set(owner, [...cidrs]);
  };
  for (const v of d.vpcs) addOwned(v.id, [v.cidr]);
  for (const v of d.vbrs) addOwned(v.id, v.onPremisesCidrs);
  const groups = new Map((d.securityGroups ?? []).map((g) => [g.id, g]));
  const ruleGroup = new Map((d.securityGroups ?? []).flatMap((g) => g.rules.map((r) => [r.id, g.id] as const)));
  return { model, vpcs, subnets, subnetsOfVpc, tables, tablesOfVpc, instances, groups, ruleGroup, instanceAt, vbrs, vbrTables, active, peeringFacts: new Map(model.peerings.map((p) => [p.id, p])), peeringsOf, ownedNetworks, known: new Map() };
}

/** An address the store or the service has already checked (instances' IPs, a validated toIp). */
export function ipOf(text: string): number {
  const ip = parseIp(text);
  if (ip === null) throw new Error(`not an IPv4 address: ${text}`);
  return ip;
}
