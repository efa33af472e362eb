/**
 * Dry runs: a call is made for real inside a store transaction that is then rolled back, so it
 * meets every check the real call meets (and fails with the same error) and writes nothing: no
 * rows, events (so no webhooks), ledger entries, idempotency records, and no commit for the data
 * plane to apply. The cloud faces use `rolledBack` for their DryRun flags; the native API uses
 * `PreviewService.run`, which also tells what the call would change for the caller: the routes of
 * its tables whose state would change, the quotas it touches, and the analyses between its own
 * instances whose verdict would change (the analyzer's walk over the model before and after).
 */
import { type AnalysisIndex, type AnalysisModel, analyze, indexModel } from "../dataplane/analyze.ts";
import type { Limits } from "../config.ts";
import type { Repos } from "../store/repos/index.ts";
import type { Store } from "../store/store.ts";
import { readModel } from "./analyses.ts";
import { peeringsHeldBy } from "./peerings.ts";
import type { Actor, ServiceDeps } from "./context.ts";
import type { RouteTableService } from "./route-tables.ts";

class Rollback extends Error {
  constructor() {
    super("dry run: rolled back");
  }
}

/**
 * Runs `fn` in a top-level transaction that is always rolled back: its result, or its error.
 * Must not be called inside a transaction (joining it, the rollback would undo the caller's work
 * too, or the caller's commit would keep this one's).
 */
export async function rolledBack<T>(store: Store, fn: (r: Repos) => Promise<T>): Promise<T> {
  if (store.inTransaction) throw new Error("rolledBack: called inside a transaction; a dry run needs its own");
  let out: { value: T } | null = null;
  try {
    await store.transaction(
      async (r) => {
        out = { value: await fn(r) };
        throw new Rollback();
      },
      { notify: false },
    );
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return out!.value;
}

export type RouteStateText = "active" | "blackhole" | "absent";

export interface RouteEffect {
  routeTableId: string;
  /** The route as it is now; null for a route the call would add (its id is given when it is made). */
  routeId: string | null;
  destinationCidr: string;
  before: RouteStateText;
  after: RouteStateText;
  /** Where the route leads after the call (before it, for a route that would go). */
  target: { type: string; id: string };
}

export interface QuotaEffect {
  name: keyof Limits;
  /** What the quota counts against: a VPC, a route table or the account. */
  resourceId: string;
  used: number;
  limit: number;
}

export interface AnalysisEffect {
  fromInstanceId: string;
  toInstanceId: string;
  toIp: string;
  /** null: one of the two instances does not exist on that side of the call. */
  before: boolean | null;
  after: boolean | null;
  /** Why it would be unreachable after the call (the analyzer's reason codes); empty when reachable. */
  reasons: string[];
}

export interface Effects {
  routes: RouteEffect[];
  quota: QuotaEffect[];
  analyses: AnalysisEffect[];
  /** How many ordered pairs of the caller's instances were analysed before and after. */
  analysesChecked: number;
  /** More pairs were candidates than the bound (MAX_ANALYSIS_PAIRS): the rest were not analysed. */
  analysesTruncated: boolean;
}

export interface Preview<T> {
  dryRun: true;
  result: T;
  effects: Effects;
}

/** What a call touches: the caller's VPCs (their tables and instances are compared) and the quotas it checks. */
export interface PreviewScope {
  vpcIds: string[];
  /** Quotas the call checks or changes; `routesPerTable` also covers any table whose route count changes. */
  quotas: (keyof Limits)[];
  /** Tables named by the call (their routesPerTable use is shown even when unchanged). */
  tableIds?: string[];
}

/** At most this many ordered instance pairs are analysed on each side of a dry run. */
export const MAX_ANALYSIS_PAIRS = 200;

interface RouteSnap {
  id: string;
  state: "active" | "blackhole";
  target: { type: string; id: string };
}

export class PreviewService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly routeTables: RouteTableService,
  ) {}

  /**
   * The dry run of `call` for `actor`: made in a rolled-back transaction, with its effects.
   * `scope` is read first, in that transaction (a missing resource gives an empty scope; the
   * call then fails as it would).
   */
  run<T>(actor: Actor, scope: (r: Repos) => Promise<PreviewScope>, call: () => Promise<T>): Promise<Preview<T>> {
    return rolledBack(this.deps.store, async (r) => {
      const s = await scope(r);
      const vpcIds = await this.ownVpcs(r, actor, s.vpcIds);
      const routesBefore = await this.routeSnapshot(r, actor, vpcIds);
      const modelBefore = await this.model(r);
      const countsBefore = await this.routeCounts(r, actor, vpcIds);
      const result = await call();
      const routesAfter = await this.routeSnapshot(r, actor, vpcIds);
      const modelAfter = await this.model(r);
      const countsAfter = await this.routeCounts(r, actor, vpcIds);
      const quota = await this.quotas(r, actor, vpcIds, s, countsBefore, countsAfter);
      const analyses = this.analyses(actor, vpcIds, modelBefore, modelAfter);
      return { dryRun: true as const, result, effects: { routes: diffRoutes(routesBefore, routesAfter), quota, ...analyses } };
    });
  }

  // ---- scopes of the native calls --------------------------------------------------------------

  /** A peering's ends that are VPCs of the caller (none if it is not the caller's). */
  peeringScope(actor: Actor, id: string, quotas: (keyof Limits)[], tableIds: readonly string[] = []): (r: Repos) => Promise<PreviewScope> {
    return async (r) => {
      const p = await r.peerings.get(actor.accountId, id);
      const vpcIds = p ? [p.requester.vpcId, p.accepter.vpcId].filter((v): v is string => typeof v === "string") : [];
      return { vpcIds, quotas, tableIds: [...tableIds] };
    };
  }

  /** A router interface's VPC and (same account) its opposite's; connecting or (de)activating touches the peering's quota and routes. */
  routerInterfaceScope(actor: Actor, id: string, quotas: (keyof Limits)[]): (r: Repos) => Promise<PreviewScope> {
    return async (r) => {
      const ri = await r.routerInterfaces.get(actor, id);
      const vpcIds = ri ? [ri, ri.opposite].filter((x) => x.routerType === "vpc").map((x) => x.routerId) : [];
      return { vpcIds, quotas };
    };
  }

  vpcScope(vpcIds: readonly string[], quotas: (keyof Limits)[], tableIds: readonly string[] = []): (r: Repos) => Promise<PreviewScope> {
    return async () => ({ vpcIds: [...vpcIds], quotas, tableIds: [...tableIds] });
  }

  /** The VPC of a route table of the caller. */
  tableScope(actor: Actor, id: string, quotas: (keyof Limits)[]): (r: Repos) => Promise<PreviewScope> {
    return async (r) => {
      const t = await r.routeTables.get(actor, id);
      return { vpcIds: t ? [t.vpcId] : [], quotas, tableIds: t ? [t.id] : [] };
    };
  }

  /** The VPC of a subnet of the caller. */
  subnetScope(actor: Actor, id: string): (r: Repos) => Promise<PreviewScope> {
    return async (r) => {
      const s = await r.subnets.get(actor, id);
      return { vpcIds: s ? [s.vpcId] : [], quotas: [] };
    };
  }

  // ---- effects -------------------------------------------------------------------------------

  private async ownVpcs(r: Repos, actor: Actor, ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of new Set(ids)) if (await r.vpcs.get({ accountId: actor.accountId }, id)) out.push(id);
    return out;
  }

  /** The user routes of the caller's tables in `vpcIds`, by table and destination. */
  private async routeSnapshot(r: Repos, actor: Actor, vpcIds: readonly string[]): Promise<Map<string, Map<string, RouteSnap>>> {
    const out = new Map<string, Map<string, RouteSnap>>();
    for (const vpcId of vpcIds) {
      for (const t of await r.routeTables.all({ accountId: actor.accountId }, { vpc_id: vpcId })) {
        const routes = new Map<string, RouteSnap>();
        for (const x of await this.routeTables.routes({ accountId: actor.accountId }, t.id)) {
          if (x.origin === "system") continue;
          routes.set(x.destinationCidr, { id: x.id, state: x.state, target: { type: x.target.type, id: x.target.id } });
        }
        out.set(t.id, routes);
      }
    }
    return out;
  }

  private async routeCounts(r: Repos, actor: Actor, vpcIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const vpcId of vpcIds) {
      for (const t of await r.routeTables.all({ accountId: actor.accountId }, { vpc_id: vpcId })) out.set(t.id, await r.routes.countInTable(t.id));
    }
    return out;
  }

  private async quotas(r: Repos, actor: Actor, vpcIds: readonly string[], s: PreviewScope, before: Map<string, number>, after: Map<string, number>): Promise<QuotaEffect[]> {
    const limits = this.deps.config.limits;
    const out: QuotaEffect[] = [];
    const owner = { accountId: actor.accountId };
    const wanted = new Set(s.quotas);
    for (const vpcId of vpcIds) {
      if (wanted.has("peeringsPerVpc")) out.push({ name: "peeringsPerVpc", resourceId: vpcId, used: await peeringsHeldBy(r, vpcId), limit: limits.peeringsPerVpc });
      if (wanted.has("routeTablesPerVpc")) {
        const custom = (await r.routeTables.count(owner, { vpc_id: vpcId })) - 1;
        out.push({ name: "routeTablesPerVpc", resourceId: vpcId, used: Math.max(0, custom), limit: limits.routeTablesPerVpc });
      }
    }
    if (wanted.has("pendingPeeringsPerAccount")) {
      out.push({ name: "pendingPeeringsPerAccount", resourceId: actor.accountId, used: await r.peerings.countPendingRequestedBy(actor.accountId), limit: limits.pendingPeeringsPerAccount });
    }
    const named = new Set(s.tableIds ?? []);
    for (const id of new Set([...before.keys(), ...after.keys()])) {
      const changed = (before.get(id) ?? 0) !== (after.get(id) ?? 0);
      if (!(changed || (wanted.has("routesPerTable") && named.has(id)))) continue;
      if (!after.has(id)) continue; // a table that would be deleted holds no quota
      out.push({ name: "routesPerTable", resourceId: id, used: after.get(id)!, limit: limits.routesPerTable });
    }
    return out;
  }

  /** The whole network as the analyzer sees it, without the data plane's progress (the verdict is the desired state's). */
  private async model(r: Repos): Promise<AnalysisModel> {
    const m = await readModel(r);
    return { ...m, dataplane: { running: false, status: new Map() } };
  }

  /**
   * The ordered pairs of the caller's instances with at least one end in the scope's VPCs (the
   * other in them or in a VPC of the caller peered with one of them), pairs across VPCs first,
   * at most MAX_ANALYSIS_PAIRS; those whose verdict differs before and after.
   */
  private analyses(actor: Actor, vpcIds: readonly string[], before: AnalysisModel, after: AnalysisModel): Pick<Effects, "analyses" | "analysesChecked" | "analysesTruncated"> {
    const scope = new Set(vpcIds);
    const own = (m: AnalysisModel, id: string) => m.owners.get(id) === actor.accountId;
    const neighbours = new Set(scope);
    for (const m of [before, after]) {
      for (const p of m.peerings) {
        for (const [x, y] of [[p.a, p.b], [p.b, p.a]] as const) {
          if (scope.has(x.routerId) && y.routerType === "vpc" && own(m, y.routerId)) neighbours.add(y.routerId);
        }
      }
    }
    // The caller's instances in those VPCs, on either side of the call.
    const instances = new Map<string, { vpcId: string; ip: string }>();
    for (const m of [before, after]) {
      const vpcOf = new Map(m.desired.subnets.map((s) => [s.id, s.vpcId]));
      for (const i of m.desired.instances) {
        const vpcId = vpcOf.get(i.subnetId);
        if (vpcId && neighbours.has(vpcId) && own(m, i.id) && !instances.has(i.id)) instances.set(i.id, { vpcId, ip: i.privateIp });
      }
    }
    const ids = [...instances.keys()].sort();
    const cross: [string, string][] = [];
    const same: [string, string][] = [];
    for (const a of ids) {
      for (const b of ids) {
        if (a === b) continue;
        const ia = instances.get(a)!;
        const ib = instances.get(b)!;
        if (!scope.has(ia.vpcId) && !scope.has(ib.vpcId)) continue;
        (ia.vpcId === ib.vpcId ? same : cross).push([a, b]);
      }
    }
    const all = [...cross, ...same];
    const pairs = all.slice(0, MAX_ANALYSIS_PAIRS);
    if (pairs.length === 0) return { analyses: [], analysesChecked: 0, analysesTruncated: false };
    const ixBefore = indexModel(before);
    const ixAfter = indexModel(after);
    const out: AnalysisEffect[] = [];
    for (const [a, b] of pairs) {
      const toIp = instances.get(b)!.ip;
      const was = verdict(ixBefore, actor, a, b, toIp);
      const will = verdict(ixAfter, actor, a, b, toIp);
      if ((was?.reachable ?? null) === (will?.reachable ?? null)) continue;
      out.push({ fromInstanceId: a, toInstanceId: b, toIp, before: was?.reachable ?? null, after: will?.reachable ?? null, reasons: will?.reasons ?? [] });
    }
    return { analyses: out, analysesChecked: pairs.length, analysesTruncated: all.length > pairs.length };
  }
}

/** The analyzer's verdict from `from` to `to`'s address, or null when either is not in the model. */
function verdict(ix: AnalysisIndex, actor: Actor, from: string, to: string, toIp: string): { reachable: boolean; reasons: string[] } | null {
  const src = ix.instances.get(from);
  const dst = ix.instances.get(to);
  if (!src || !dst || dst.privateIp !== toIp) return null;
  const a = analyze(ix, { viewer: actor.accountId, from: { instanceId: from }, toIp });
  return { reachable: a.reachable, reasons: a.reasons.filter((x) => x.severity === "error").map((x) => x.code) };
}

function diffRoutes(before: Map<string, Map<string, RouteSnap>>, after: Map<string, Map<string, RouteSnap>>): RouteEffect[] {
  const out: RouteEffect[] = [];
  for (const tableId of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(tableId) ?? new Map<string, RouteSnap>();
    const a = after.get(tableId) ?? new Map<string, RouteSnap>();
    for (const dest of [...new Set([...b.keys(), ...a.keys()])].sort()) {
      const x = b.get(dest);
      const y = a.get(dest);
      const was: RouteStateText = x?.state ?? "absent";
      const will: RouteStateText = y?.state ?? "absent";
      const retargeted = x && y && (x.target.type !== y.target.type || x.target.id !== y.target.id);
      if (was === will && !retargeted) continue;
      out.push({ routeTableId: tableId, routeId: x?.id ?? null, destinationCidr: dest, before: was, after: will, target: (y ?? x)!.target });
    }
  }
  return out;
}
