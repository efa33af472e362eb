/**
 * What the services add from the data plane: its last report per resource (withDataplane), and the
 * transition it implies (domain/transition.ts): whether a data plane
 * runs (its heartbeat in the store, read at most once a second per store), the settle time, now.
 */
import type { DataplaneView, Peering, RouterInterface, Vpc } from "../domain/resources.ts";
import { type PeeringTransition, type Realization, peeringTransition, vpcPending } from "../domain/transition.ts";
import { HEARTBEAT_FRESH_MS } from "../store/repos/dataplane.ts";
import type { Store } from "../store/store.ts";
import type { ServiceDeps } from "./context.ts";

const CACHE_MS = 1000;
const seen = new WeakMap<Store, { at: number; running: boolean }>();

/** Whether a data plane runs against this store (in this process or another: `vpcpeer agent`). */
async function dataplaneRuns(store: Store): Promise<boolean> {
  const now = Date.now();
  const cached = seen.get(store);
  if (cached && now - cached.at < CACHE_MS) return cached.running;
  const beat = await store.read.dataplane.lastBeat();
  const running = beat !== null && now - Date.parse(beat) < HEARTBEAT_FRESH_MS;
  seen.set(store, { at: now, running });
  return running;
}

/** What the transitions are derived from, as of the clock's now. */
export async function realization(deps: ServiceDeps): Promise<Realization> {
  return { dataplane: await dataplaneRuns(deps.store), settleMs: deps.config.settleMs, now: deps.clock.now() };
}

/** The data plane's report as the domain reads it (DataplaneView's `programmed` already counts the generation). */
const reportOf = (d: DataplaneView | null | undefined) => (d ? { programmed: d.programmed, generation: d.appliedGeneration } : null);

/** A peering with its transition, from the report it carries (`dataplane`; absent or null: none). */
export function withTransition<T extends Peering>(p: T, r: Realization): T & { transition: PeeringTransition | null } {
  return { ...p, transition: peeringTransition(p, reportOf(p.dataplane), r) };
}

/**
 * Router interfaces with the transition of the connection they carry (none when unconnected). The
 * stored `status` stays; each face words it (Alibaba: domain routerInterfaceStatus).
 */
export async function withConnectionTransitions<T extends RouterInterface>(deps: ServiceDeps, items: T[]): Promise<(T & { transition: PeeringTransition | null })[]> {
  const ids = [...new Set(items.flatMap((i) => (i.peeringId ? [i.peeringId] : [])))];
  const transitions = new Map<string, PeeringTransition | null>();
  if (ids.length > 0) {
    const peerings = (await Promise.all(ids.map((id) => deps.store.read.peerings.getAny(id)))).filter((p) => p !== null);
    const [r, reported] = await Promise.all([realization(deps), withDataplane(deps, peerings)]);
    for (const p of reported) transitions.set(p.id, withTransition(p, r).transition);
  }
  return items.map((i) => ({ ...i, transition: (i.peeringId && transitions.get(i.peeringId)) || null }));
}

/**
 * The VPCs among `vpcs` whose router is not built yet (domain vpcPending): Alibaba shows them
 * Pending. A default VPC nothing uses has none to build (one query asks which, only when a default
 * VPC is among them).
 */
export async function pendingVpcs(deps: ServiceDeps, vpcs: readonly Pick<Vpc, "id" | "createdAt" | "isDefault">[]): Promise<Set<string>> {
  if (vpcs.length === 0) return new Set();
  const defaults = vpcs.filter((v) => v.isDefault).map((v) => v.id);
  const [r, reports, unused] = await Promise.all([
    realization(deps),
    deps.store.read.dataplane.status(vpcs.map((v) => v.id)),
    defaults.length > 0 ? deps.store.read.dataplane.unusedDefaultVpcs(defaults) : new Set<string>(),
  ]);
  return new Set(vpcs.filter((v) => vpcPending(v.createdAt, reports.get(v.id) ?? null, r, unused.has(v.id))).map((v) => v.id));
}

/** Attaches what the data plane last reported about each resource. */
export async function withDataplane<T extends { id: string; generation?: number }>(deps: ServiceDeps, items: T[]): Promise<(T & { dataplane: DataplaneView | null })[]> {
  const status = await deps.store.read.dataplane.status(items.map((i) => i.id));
  return items.map((i) => {
    const s = status.get(i.id);
    return {
      ...i,
      dataplane: s
        ? { programmed: s.programmed && (i.generation === undefined || s.generation >= i.generation), appliedGeneration: s.generation, lastError: s.error, note: s.note, counters: s.counters, updatedAt: s.updatedAt }
        : null,
    };
  });
}
