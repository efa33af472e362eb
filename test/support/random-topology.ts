/**
 * The analyzer against real packets on random topologies, shared by the data plane drivers
 * (dataplane-analyses.test.ts on `linux`, dataplane-analyses-ovn.test.ts on `ovn` with a lab):
 * VPCs over the given accounts (one subnet with an instance, half of them a second subnet with an
 * instance and a second route table, most associated with it), random peerings (pending or
 * accepted), routes to the whole peer CIDR or its first /24, in the main table or the second one,
 * some through the second subnet's instance as an appliance, or declared with the peering's
 * request and accept; random security groups on some instances (random rules: ports around the
 * probes', CIDR and group peers, drops before accepts, ICMP), made through /api/v1/security-groups
 * before the churn so that some group peers go stale; then churn the data plane must undo (live peerings deleted, requests
 * rejected, routes deleted, subnets moved between tables); then random source/destination pairs
 * (mostly TCP, some UDP and ICMP) analysed with `verify: true`. Every disagreement between the
 * model and the probe fails with the pair, both verdicts and the analyzer's reasons. Seeded
 * (mulberry32): the same seed and sizes build the same topology and pairs.
 */
import { expect } from "vitest";
import { appliedAt, type callAt } from "./dataplane-server.ts";
import type { Acct } from "./dataplane-scenarios.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyBody = any;

/** mulberry32: a small seeded generator, so a failing topology can be replayed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, chance: (p: number) => next() < p, pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

export const DEFAULT_PROTOCOLS = ["tcp", "tcp", "tcp", "tcp", "udp", "icmp"] as const;

/** Protocols from VPCPEER_ANALYZE_PROTOCOLS (comma-separated, e.g. `tcp,tcp,udp,icmp`), else `fallback`. */
export function protocolsFromEnv(fallback: readonly ("tcp" | "udp" | "icmp")[]): readonly ("tcp" | "udp" | "icmp")[] {
  const raw = process.env.VPCPEER_ANALYZE_PROTOCOLS;
  if (raw === undefined || raw === "") return fallback;
  const out = raw.split(",").map((x) => x.trim());
  for (const x of out) if (x !== "tcp" && x !== "udp" && x !== "icmp") throw new Error(`VPCPEER_ANALYZE_PROTOCOLS: "${x}" is not tcp, udp or icmp`);
  return out as ("tcp" | "udp" | "icmp")[];
}

/** The seed from VPCPEER_TEST_SEED, else a random one. */
export const testSeed = (): number => Number(process.env.VPCPEER_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** A positive integer from the environment variable `name`, else `fallback`. */
export function sizeFromEnv(name: string, fallback: number, max = Infinity): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name}: "${raw}" is not an integer from 1 to ${max}`);
  return n;
}

export interface RandomInstance {
  id: string;
  privateIp: string;
  owner: Acct;
  /** The host the API placed it on (null without hosts: the Linux data plane). */
  host: string | null;
}

export interface RandomVpc {
  owner: Acct;
  id: string;
  cidr: string;
  main: string;
  alt: string | null;
  /** The second subnet (the one that may use `alt`). */
  second: string | null;
  instances: RandomInstance[];
  /** An instance of the second subnet that may serve as an appliance. */
  appliance: string | null;
  /** The VPC's default security group (open: the native API's default). */
  defaultGroup?: string | undefined;
}

export interface PropertyResult {
  i: number;
  src: string;
  dst: string;
  protocol: "tcp" | "udp" | "icmp";
  model: boolean;
  probe: boolean;
  probeError: string | null;
  reasons: { code: string; message: string }[];
}

export interface RunOptions {
  seed: number;
  /** VPCs (10.1.0.0/16 … 10.N.0.0/16, N ≤ 250) and source/destination pairs. */
  vpcCount: number;
  pairCount: number;
  accounts: Acct[];
  call: ReturnType<typeof callAt>;
  url: () => string;
  /** After the data plane's pass over the last change: what else the driver needs before packets flow (OVN: ports bound, forwarding set). */
  settle: (topology: { vpcs: RandomVpc[]; appliances: Set<string> }) => Promise<void>;
  /** Filled with the VPCs made, and the peerings accepted (for later tests of the same file). */
  vpcs: RandomVpc[];
  active: { id: string; x: RandomVpc; y: RandomVpc }[];
  label: string;
  /** Analyses in flight at once (each probe on its own port). Default 4. */
  concurrency?: number;
  /** The protocols pairs are probed with, drawn uniformly (repeat one to weigh it). Default: mostly TCP, some UDP and ICMP. */
  protocols?: readonly ("tcp" | "udp" | "icmp")[];
}

/** One failing pair, readable in the test's failure message. */
export function describeDisagreement(x: PropertyResult): string {
  const verdict = (b: boolean) => (b ? "reachable" : "unreachable");
  return `#${x.i} ${x.src} → ${x.dst} ${x.protocol}: analyzer ${verdict(x.model)}, probe ${verdict(x.probe)}${x.probeError ? ` (${x.probeError})` : ""}; reasons: ${x.reasons.length ? x.reasons.map((r) => `${r.code}: ${r.message}`).join(" | ") : "none"}`;
}

/** Builds a random topology through the API, then compares the analysis with the probe on random pairs; returns the results. */
export async function propertyRun(o: RunOptions): Promise<PropertyResult[]> {
  const { seed, accounts, call, vpcs, active, label, vpcCount, pairCount } = o;
  if (vpcCount > 250) throw new Error(`vpcCount ${vpcCount}: at most 250 (10.N.0.0/16)`);
  const ok = async (a: Acct, method: string, path: string, body?: unknown) => {
    const r = await call(a, method, path, body);
    expect(r.status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body as AnyBody;
  };
  console.info(`dataplane-analyses (${label}) seed: ${seed}, ${vpcCount} VPCs, ${pairCount} pairs (replay with VPCPEER_TEST_SEED=${seed})`);
  const r = rng(seed);
  const t0 = Date.now();
  const appliances = new Set<string>();
  const mine = (i: AnyBody, owner: Acct): RandomInstance => ({ id: i.id, privateIp: i.privateIp, owner, host: i.host ?? null });
  for (let k = 1; k <= vpcCount; k++) {
    const owner = r.pick(accounts);
    const v = await ok(owner, "POST", "/api/v1/vpcs", { name: `v${k}`, region: "cn-hangzhou", cidr: `10.${k}.0.0/16` });
    const s1 = await ok(owner, "POST", "/api/v1/subnets", { vpcId: v.id, cidr: `10.${k}.1.0/24` });
    const i1 = await ok(owner, "POST", "/api/v1/instances", { subnetId: s1.id });
    const entry: RandomVpc = { owner, id: v.id, cidr: v.cidr, main: v.defaultRouteTableId, alt: null, instances: [mine(i1, owner)], appliance: null, second: null, defaultGroup: v.defaultSecurityGroupId };
    if (r.chance(0.5)) {
      const alt = await ok(owner, "POST", "/api/v1/route-tables", { vpcId: v.id, name: "alt" });
      const s2 = await ok(owner, "POST", "/api/v1/subnets", { vpcId: v.id, cidr: `10.${k}.2.0/24` });
      if (r.chance(0.7)) await ok(owner, "PUT", `/api/v1/subnets/${s2.id}/route-table`, { routeTableId: alt.id });
      const i2 = await ok(owner, "POST", "/api/v1/instances", { subnetId: s2.id });
      entry.alt = alt.id;
      entry.second = s2.id;
      entry.instances.push(mine(i2, owner));
      entry.appliance = i2.id;
    }
    vpcs.push(entry);
  }
  // Peerings between random pairs (about 1.4 tries per VPC): most accepted, some left pending.
  const pairs = new Set<string>();
  /** Routes made (for the churn below). */
  const routes: { owner: Acct; table: string; id: string }[] = [];
  const route = async (owner: Acct, table: string, body: unknown, must: boolean) => {
    const res = await call(owner, "POST", `/api/v1/route-tables/${table}/routes`, body);
    if (must) expect(res.status, `POST /api/v1/route-tables/${table}/routes ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBeLessThan(300);
    if (res.status < 300) routes.push({ owner, table, id: res.body.id });
  };
  const peerings: { id: string; x: RandomVpc; y: RandomVpc; state: "active" | "pending" | "deleted" | "rejected"; declared: boolean }[] = [];
  for (let n = 0; n < Math.round(vpcCount * 1.4); n++) {
    const x = r.pick(vpcs);
    const y = r.pick(vpcs);
    const key = [x.id, y.id].sort().join();
    if (x === y || pairs.has(key)) continue;
    pairs.add(key);
    // Some peerings declare their routes (routeTableIds on the request and the accept): the peering adds them when live.
    const declared = r.chance(0.25);
    const tableOf = (v: RandomVpc) => r.pick([v.main, v.alt ?? v.main]);
    const p = await ok(x.owner, "POST", "/api/v1/peerings", { vpcId: x.id, peerVpcId: y.id, ...(x.owner !== y.owner ? { peerAccountId: y.owner.accountId } : {}), ...(declared ? { routeTableIds: [tableOf(x)] } : {}) });
    const accept = r.chance(0.8);
    if (p.state === "pending-acceptance" && accept) await ok(y.owner, "POST", `/api/v1/peerings/${p.id}/accept`, declared ? { routeTableIds: [tableOf(y)] } : undefined);
    peerings.push({ id: p.id, x, y, state: p.state === "active" || accept ? "active" : "pending", declared });
    if (declared) continue;
    // Each side routes to the other (or to part of it), in its main table, its second one, or not at all.
    for (const [me, peer] of [[x, y], [y, x]] as const) {
      const dest = r.chance(0.75) ? peer.cidr : peer.cidr.replace(/\.0\.0\/16$/, ".1.0/24");
      if (r.chance(0.85)) {
        // Sometimes through the appliance of the second subnet, whose table then carries it on.
        if (me.appliance && me.alt && r.chance(0.3)) {
          await route(me.owner, me.main, { destinationCidr: dest, target: { type: "instance", id: me.appliance } }, true);
          await route(me.owner, me.alt, { destinationCidr: dest, target: { type: "peering", id: p.id } }, false);
        } else {
          await route(me.owner, me.main, { destinationCidr: dest, target: { type: "peering", id: p.id } }, true);
        }
      }
      if (me.alt && r.chance(0.4)) await route(me.owner, me.alt, { destinationCidr: peer.cidr, target: { type: "peering", id: p.id } }, false);
    }
  }
  const groups = await randomGroups(r, { ok, call, vpcs, pairCount, peered: (x, y) => pairs.has([x.id, y.id].sort().join()) });
  // Churn, so that the data plane must also undo what it applied: some live peerings deleted
  // (their routes go with them), some requests rejected (their routes stay, blackholes), some
  // routes deleted, some second subnets moved to the other table.
  for (const q of peerings) {
    if (q.state === "active" && r.chance(0.12)) {
      await ok(q.x.owner, "DELETE", `/api/v1/peerings/${q.id}`);
      q.state = "deleted";
    } else if (q.state === "pending" && r.chance(0.4)) {
      await ok(q.y.owner, "POST", `/api/v1/peerings/${q.id}/reject`);
      q.state = "rejected";
    }
  }
  for (const q of peerings) if (q.state === "active") active.push({ id: q.id, x: q.x, y: q.y });
  for (const rt of routes) {
    // The deleted peerings' routes are gone already (404): only the answer of the others is checked.
    if (r.chance(0.1)) {
      const res = await call(rt.owner, "DELETE", `/api/v1/route-tables/${rt.table}/routes/${rt.id}`);
      expect([204, 404], `DELETE route ${rt.id} → ${JSON.stringify(res.body)}`).toContain(res.status);
    }
  }
  for (const v of vpcs) {
    if (v.second && v.alt && r.chance(0.2)) {
      const now = (await ok(v.owner, "GET", `/api/v1/subnets/${v.second}`)) as AnyBody;
      if (now.routeTableId === v.alt) await ok(v.owner, "DELETE", `/api/v1/subnets/${v.second}/route-table`);
      else await ok(v.owner, "PUT", `/api/v1/subnets/${v.second}/route-table`, { routeTableId: v.alt });
    }
  }
  // An appliance forwards while some route still goes through it.
  for (const v of vpcs) {
    if (!v.appliance) continue;
    const through = await Promise.all([v.main, v.alt].filter((t): t is string => t !== null).map(async (t) => ((await ok(v.owner, "GET", `/api/v1/route-tables/${t}`)) as AnyBody).routes ?? []));
    if (through.flat().some((x: AnyBody) => x.target?.type === "instance" && x.target.id === v.appliance)) appliances.add(v.appliance);
  }
  // One pass after the last change reads everything: wait for it, then for what the driver needs besides.
  await appliedAt(o.url(), () => ok(accounts[0]!, "GET", "/api/v1/vpcs"));
  await o.settle({ vpcs, appliances });
  const built = Date.now() - t0;

  const all = vpcs.flatMap((v) => v.instances);
  const vpcOf = new Map(vpcs.flatMap((v) => v.instances.map((i) => [i.id, v] as const)));
  const peersOf = (v: RandomVpc) => vpcs.filter((w) => pairs.has([v.id, w.id].sort().join()));
  const cases = Array.from({ length: pairCount }, (_, i) => {
    const src = r.pick(all);
    const peers = peersOf(vpcOf.get(src.id)!);
    // Mostly an instance of a VPC peered with the source's (so that routes decide), else anywhere or nobody's address.
    const dst = peers.length > 0 && r.chance(0.6) ? r.pick(r.pick(peers).instances).privateIp : r.chance(0.7) ? r.pick(all).privateIp : `10.${1 + Math.floor(r.next() * vpcCount)}.1.${200 + Math.floor(r.next() * 50)}`;
    // Mostly TCP; some UDP and ICMP (the verdict does not depend on it, the probe's packets do).
    const protocol = r.pick(o.protocols ?? DEFAULT_PROTOCOLS);
    return { i, src, dst, protocol };
  });
  const results: PropertyResult[] = [];
  // A few at a time, each on its own port (a responder per target and port): `width` workers each
  // take the next pair as soon as theirs is done (not in batches, which would all wait for the
  // slowest of each: an unreachable pair's probe waits out its timeout).
  const width = o.concurrency ?? 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, cases.length) }, async () => {
      while (next < cases.length) {
        const { i, src, dst, protocol } = cases[next++]!;
        const a = await ok(src.owner, "POST", "/api/v1/analyses", { fromInstanceId: src.id, toIp: dst, protocol, ...(protocol !== "icmp" ? { port: 20000 + i } : {}), verify: true });
        results.push({ i, src: src.id, dst, protocol, model: a.reachable, probe: a.probe.reachable, probeError: a.probe.error ?? null, reasons: a.reasons.map((x: AnyBody) => ({ code: x.code, message: x.message })) });
      }
    }),
  );
  results.sort((x, y) => x.i - y.i);
  const reachable = results.filter((x) => x.probe).length;
  const codes = [...new Set(results.flatMap((x) => x.reasons.map((y) => y.code)))].sort();
  const states = ["active", "pending", "deleted", "rejected"].map((st) => `${peerings.filter((q) => q.state === st).length} ${st}`).join(", ");
  console.info(`dataplane-analyses (${label}): ${vpcCount} VPCs, ${all.length} instances, peerings ${states} (${peerings.filter((q) => q.declared).length} declaring their routes), ${routes.length} other routes, ${appliances.size} appliances, ${groups.groups} security groups on ${groups.instances} instances (${groups.rules} rules, ${groups.peerRules} naming groups); built in ${built} ms, ${pairCount} pairs in ${Date.now() - t0 - built} ms; ${reachable} reachable, ${pairCount - reachable} not; reasons seen: ${codes.join(", ")}`);
  const disagreements = results.filter((x) => x.model !== x.probe || x.reasons.some((y) => y.code === "MODEL_DATAPLANE_MISMATCH"));
  expect(disagreements.map(describeDisagreement), `${label}: the analyzer and the probe disagree (seed ${seed}, ${vpcCount} VPCs, ${pairCount} pairs)`).toEqual([]);
  // Not a trivial topology: some pair is reachable.
  expect(reachable, `seed ${seed}: no pair reachable`).toBeGreaterThan(0);
  return results;
}

/**
 * Random security groups: about 40% of the instances get a group of their own (1–3 ingress and
 * 1–2 egress rules: tcp/udp on one probe port, a range of them or every port, all protocols, ICMP
 * any / echo request / echo reply; peers 0.0.0.0/0, 10.0.0.0/8, a VPC, a subnet or an instance;
 * about one in five a drop; priorities 1–5), alone or beside the VPC's open default group (whose
 * accepts at priority 1 then leave only the drops at priority 1 to decide). Then some groups admit
 * another group's members (of the same VPC or a peered one: refused, and skipped, when the peering
 * is not active). Port ranges stay below the ephemeral ports (32768–60999) or cover them all, so a
 * reply judged as a new packet (an appliance only the replies cross) has one verdict for every
 * client port. Everything goes through /api/v1.
 */
async function randomGroups(
  r: ReturnType<typeof rng>,
  o: { ok: (a: Acct, method: string, path: string, body?: unknown) => Promise<AnyBody>; call: ReturnType<typeof callAt>; vpcs: RandomVpc[]; pairCount: number; peered: (x: RandomVpc, y: RandomVpc) => boolean },
): Promise<{ groups: number; instances: number; rules: number; peerRules: number }> {
  const { ok, call, vpcs, pairCount, peered } = o;
  const all = vpcs.flatMap((v) => v.instances);
  const probePort = () => 20000 + Math.floor(r.next() * pairCount);
  const peer = () => {
    const k = r.next();
    if (k < 0.35) return { cidr: "0.0.0.0/0" };
    if (k < 0.5) return { cidr: "10.0.0.0/8" };
    if (k < 0.7) return { cidr: r.pick(vpcs).cidr };
    if (k < 0.8) return { cidr: r.pick(vpcs).cidr.replace(/\.0\.0\/16$/, ".1.0/24") };
    return { cidr: `${r.pick(all).privateIp}/32` };
  };
  const rule = (direction: "ingress" | "egress") => {
    const kind = r.pick(["port", "range", "range", "every", "all", "all", "icmp", "icmp-request", "icmp-reply"] as const);
    const protocol = kind === "all" ? "all" : kind.startsWith("icmp") ? "icmp" : r.chance(0.8) ? "tcp" : "udp";
    const from = probePort();
    const ports = kind === "port" ? { fromPort: from } : kind === "range" ? { fromPort: from, toPort: Math.min(from + Math.floor(r.next() * pairCount), 32767) } : {};
    const icmp = kind === "icmp-request" ? { icmpType: 8 } : kind === "icmp-reply" ? { icmpType: 0, icmpCode: 0 } : {};
    return { direction, protocol, ...ports, ...icmp, peer: peer(), action: r.chance(0.2) ? "drop" : "accept", priority: 1 + Math.floor(r.next() * 5) };
  };
  const made: { id: string; vpc: RandomVpc }[] = [];
  let rules = 0;
  let instances = 0;
  for (const v of vpcs) {
    for (const i of v.instances) {
      if (!r.chance(0.4)) continue;
      const body = [...Array.from({ length: 1 + Math.floor(r.next() * 3) }, () => rule("ingress")), ...Array.from({ length: 1 + Math.floor(r.next() * 2) }, () => rule("egress"))];
      // Many instances still talk to anything out, or to the 10/8 in, below the random rules.
      if (r.chance(0.7)) body.push({ direction: "egress", protocol: "all", peer: { cidr: "0.0.0.0/0" }, action: "accept", priority: 5 });
      if (r.chance(0.4)) body.push({ direction: "ingress", protocol: "all", peer: { cidr: "10.0.0.0/8" }, action: "accept", priority: 5 });
      // The same rule twice is refused (DuplicateSecurityGroupRule): one of each.
      const key = (x: AnyBody) => JSON.stringify([x.direction, x.protocol, x.fromPort ?? null, x.toPort ?? x.fromPort ?? null, x.icmpType ?? null, x.icmpCode ?? null, x.peer, x.action, x.priority]);
      const unique = [...new Map(body.map((x) => [key(x), x])).values()];
      const g = await ok(v.owner, "POST", "/api/v1/security-groups", { vpcId: v.id, name: `r-${i.id}`, rules: unique });
      rules += g.rules.length;
      made.push({ id: g.id, vpc: v });
      const withDefault = v.defaultGroup && r.chance(0.3) ? (r.chance(0.5) ? [v.defaultGroup, g.id] : [g.id, v.defaultGroup]) : [g.id];
      await ok(v.owner, "PATCH", `/api/v1/instances/${i.id}`, { securityGroupIds: withDefault });
      instances++;
    }
  }
  // Group peers: the members of another group (the same VPC's, or a peer VPC's, maybe another account's).
  let peerRules = 0;
  for (const g of made) {
    const near = made.filter((x) => x.vpc === g.vpc || peered(x.vpc, g.vpc));
    if (near.length === 0 || !r.chance(0.6)) continue;
    const other = r.pick(near);
    const body = { rules: [{ ...rule("ingress"), peer: { securityGroupId: other.id, accountId: other.vpc.owner.accountId } }] };
    const res = await call(g.vpc.owner, "POST", `/api/v1/security-groups/${g.id}/rules`, body);
    expect(res.status, `POST /api/v1/security-groups/${g.id}/rules ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBeLessThan(500);
    if (res.status < 300) (peerRules++, rules++);
  }
  return { groups: made.length, instances, rules, peerRules };
}
