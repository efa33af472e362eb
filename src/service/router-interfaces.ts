/**
 * Router interfaces: the Alibaba Express Connect flow. An initiator and an acceptor that name
 * each other are connected from the initiator; the connected pair *is* a peering connection
 * (origin `router-interface`), so overlap, quota, route and billing rules are the peering's.
 */
import { type ChargeType, ROUTER_INTERFACE_SPECS, checkPeriod, specBandwidth } from "../domain/billing.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { isLive } from "../domain/peering.ts";
import { type Json, type ListOptions, type Page, type Peering, type RouterInterface, type RouterInterfaceStatus, type Tags, type Vbr, type Vpc, parseJson, parsePage } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import type { OwnedSearch, Owner, Repos } from "../store/repos/index.ts";
import type { RouterInterfacesTable } from "../store/schema.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota } from "./limits.ts";
import { type Endpoint, type PeeringService, endpointOfVbr, endpointOfVpc } from "./peerings.ts";
import type { RegionService } from "./regions.ts";
import { withConnectionTransitions } from "./transitions.ts";

export interface OppositeInput {
  accountId?: string | undefined;
  region?: string | undefined;
  routerType: "vpc" | "vbr";
  routerId: string;
  interfaceId?: string | undefined;
}

export interface CreateRouterInterfaceInput {
  role: "initiator" | "acceptor";
  routerType: "vpc" | "vbr";
  routerId: string;
  spec?: string | undefined;
  bandwidthMbps?: number | undefined;
  chargeType?: ChargeType | undefined;
  period?: number | undefined;
  autoRenew?: boolean | undefined;
  opposite: OppositeInput;
  /** "Initiator and Acceptor": also create the acceptor on the (own) opposite VPC and connect. */
  withAcceptor?: boolean | undefined;
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
}

export interface UpdateRouterInterfaceInput {
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
  opposite?: Partial<OppositeInput> | undefined;
}

/** Interface status that mirrors its peering's state. */
function statusOf(p: Peering): RouterInterfaceStatus {
  if (p.state === "active") return "Active";
  if (p.state === "inactive" || p.state === "suspended") return "Inactive";
  return "Idle";
}

export interface RouterInterfaceFilters {
  routerId?: string | undefined;
  role?: string | undefined;
  status?: string | undefined;
  region?: string | undefined;
}

export class RouterInterfaceService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly peerings: PeeringService,
    private readonly events: EventService,
  ) {}

  /** The owner's router; `owner` is the actor (its region, if any, applies) or, for the opposite end, an account. */
  private async router(r: Repos, owner: Owner, type: "vpc" | "vbr", id: string, field: string): Promise<Vpc | Vbr> {
    const found = type === "vpc" ? await r.vpcs.get(owner, id) : await r.vbrs.get(owner, id);
    if (!found) throw notFound(type, id, field);
    return found;
  }

  private bandwidth(input: CreateRouterInterfaceInput): { spec: string | null; bandwidthMbps: number | null } {
    if (input.role === "acceptor") {
      if (input.spec !== undefined && input.spec !== "Negative") {
        throw new DomainError("InvalidRequest", "spec: an acceptor has no specification of its own (Negative); it uses the initiator's bandwidth", { field: "spec" });
      }
      if (input.bandwidthMbps !== undefined) {
        throw new DomainError("InvalidRequest", "bandwidthMbps: an acceptor uses the initiator's bandwidth", { field: "bandwidthMbps" });
      }
      return { spec: "Negative", bandwidthMbps: null };
    }
    if (input.spec !== undefined) {
      const mbps = specBandwidth(input.spec);
      if (input.bandwidthMbps !== undefined && input.bandwidthMbps !== mbps) {
        throw new DomainError("InvalidRequest", `bandwidthMbps: ${input.bandwidthMbps} contradicts spec ${input.spec} (${mbps} Mbit/s)`, { field: "bandwidthMbps" });
      }
      return { spec: input.spec, bandwidthMbps: mbps };
    }
    if (input.bandwidthMbps === undefined) {
      throw new DomainError("BandwidthRequired", "spec: an initiator needs a spec (e.g. Small.1) or bandwidthMbps", { field: "spec" });
    }
    const spec = Object.entries(ROUTER_INTERFACE_SPECS).find(([, m]) => m === input.bandwidthMbps)?.[0] ?? null;
    return { spec, bandwidthMbps: input.bandwidthMbps };
  }

  async create(actor: Actor, input: CreateRouterInterfaceInput): Promise<RouterInterface> {
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    const chargeType = input.chargeType ?? "pay-as-you-go";
    if (input.role === "acceptor" && chargeType !== "pay-as-you-go") {
      throw new DomainError("InvalidChargeType", "chargeType: an acceptor is pay-as-you-go (and free of charge); the initiator pays", { field: "chargeType" });
    }
    const period = checkPeriod(chargeType, input.period);
    const { spec, bandwidthMbps } = this.bandwidth(input);
    if (input.routerType === "vbr" && input.role !== "initiator") {
      throw new DomainError("InvalidRequest", "routerType: a VBR can only be the initiator (VBR-to-VPC)", { field: "routerType" });
    }
    if (input.role === "initiator" && input.opposite.routerType !== "vpc") {
      throw new DomainError("InvalidRequest", "opposite.routerType: an initiator connects to a VPC", { field: "opposite.routerType" });
    }
    const oppositeAccount = input.opposite.accountId ?? actor.accountId;
    if (input.withAcceptor && (oppositeAccount !== actor.accountId || input.role !== "initiator")) {
      throw new DomainError("InvalidRequest", "withAcceptor: creating both ends in one call is for an initiator whose opposite VPC is in the same account", { field: "withAcceptor" });
    }
    return this.deps.store.transaction(async (r) => {
      const router = await this.router(r, actor, input.routerType, input.routerId, "routerId");
      // Lock the router row: concurrent creates count its interfaces one after the other.
      if (input.routerType === "vpc") await r.vpcs.lock(actor, router.id);
      else await r.vbrs.lock(actor, router.id);
      const oppositeRegion = input.opposite.region ?? router.region;
      this.regions.require(oppositeRegion, "opposite.region");
      checkQuota(this.deps.config.limits, "routerInterfacesPerRouter", await r.routerInterfaces.count(actor, { router_id: router.id }), `router interfaces of ${router.id}`);
      const now = nowIso(this.deps);
      const id = this.deps.ids.next("routerInterface");
      const row: Omit<RouterInterfacesTable, "tags"> = {
        id,
        account_id: actor.accountId,
        name: input.name ?? "",
        description: input.description ?? "",
        region: router.region,
        role: input.role,
        router_type: input.routerType,
        router_id: router.id,
        spec,
        bandwidth_mbps: bandwidthMbps,
        charge_type: chargeType,
        period_months: period,
        auto_renew: input.autoRenew ? 1 : 0,
        opposite_account_id: oppositeAccount,
        opposite_region: oppositeRegion,
        opposite_router_type: input.opposite.routerType,
        opposite_router_id: input.opposite.routerId,
        opposite_interface_id: input.opposite.interfaceId ?? null,
        status: "Idle",
        peering_id: null,
        created_at: now,
        updated_at: now,
      };
      await r.routerInterfaces.insert(row, tags);
      const created = [id];
      if (input.withAcceptor) {
        const peer = await this.router(r, actor.accountId, "vpc", input.opposite.routerId, "opposite.routerId");
        if (peer.region !== oppositeRegion) throw notFound("vpc", input.opposite.routerId, "opposite.routerId");
        const accId = this.deps.ids.next("routerInterface");
        await r.routerInterfaces.insert(
          {
            ...row,
            id: accId,
            name: input.name ? `${input.name}-acceptor` : "",
            region: peer.region,
            role: "acceptor",
            router_type: "vpc",
            router_id: peer.id,
            spec: "Negative",
            bandwidth_mbps: null,
            charge_type: "pay-as-you-go",
            period_months: null,
            auto_renew: 0,
            opposite_account_id: actor.accountId,
            opposite_region: router.region,
            opposite_router_type: input.routerType,
            opposite_router_id: router.id,
            opposite_interface_id: id,
          },
          {},
        );
        await r.routerInterfaces.update(actor.accountId, id, { opposite_interface_id: accId }, undefined);
        await this.connectIn(r, actor, id);
        created.push(accId);
      }
      // One event per interface made; with withAcceptor both are already connected (Active).
      for (const x of created) {
        const ri = (await r.routerInterfaces.get(actor, x))!;
        const where = `${ri.role} on ${ri.routerId} (${ri.region})`;
        await this.events.resource(r, actor.accountId, "router-interface", "created", x, `${named("router interface", x, ri.name)} was created: ${where}${ri.status === "Active" ? `, connected by ${ri.peeringId}` : ""}`, {
          role: ri.role,
          routerId: ri.routerId,
          status: ri.status,
          peeringId: ri.peeringId,
        });
      }
      return (await r.routerInterfaces.get(actor, id))!;
    });
  }

  /** An interface as the API shows it after a change: with the transition of its connection. */
  private async shown(ri: RouterInterface): Promise<RouterInterface> {
    return (await withConnectionTransitions(this.deps, [ri]))[0]!;
  }

  /** The interface as JSON text, with the transition of its connection (service/transitions.ts). */
  async getJson(actor: Actor, id: string): Promise<Json<RouterInterface>> {
    const ri = await this.deps.store.read.routerInterfaces.getJson(actor, id);
    if (ri === null) throw notFound("router-interface", id);
    const [shown] = await withConnectionTransitions(this.deps, [parseJson(ri)]);
    return JSON.stringify(shown);
  }

  async get(actor: Actor, id: string): Promise<RouterInterface> {
    return parseJson(await this.getJson(actor, id));
  }

  async listJson(actor: Actor, f: RouterInterfaceFilters, opts: ListOptions): Promise<Page<Json<RouterInterface>>> {
    const page = await this.deps.store.read.routerInterfaces.listJson(actor, { router_id: f.routerId, role: f.role, status: f.status, region: f.region }, opts);
    const shown = await withConnectionTransitions(this.deps, page.items.map(parseJson));
    return { items: shown.map((ri) => JSON.stringify(ri)), nextCursor: page.nextCursor };
  }

  /** The interfaces that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search), with their connections' transitions. */
  async search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: RouterInterface[] }> {
    const found = await this.deps.store.read.routerInterfaces.search(actor, s, window);
    return { total: found.total, items: await withConnectionTransitions(this.deps, found.items) };
  }

  async list(actor: Actor, f: RouterInterfaceFilters, opts: ListOptions): Promise<Page<RouterInterface>> {
    return parsePage(await this.listJson(actor, f, opts));
  }

  /** Names (or renames) the opposite end, which is only possible while the interface is Idle. */
  async update(actor: Actor, id: string, input: UpdateRouterInterfaceInput): Promise<RouterInterface> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const ri = await r.routerInterfaces.lock(actor, id);
      if (!ri) throw notFound("router-interface", id);
      const o = input.opposite;
      if (o && ri.status !== "Idle") {
        throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is ${ri.status}; its opposite end can only change while Idle`, { id, status: ri.status });
      }
      if (o?.region !== undefined) this.regions.require(o.region, "opposite.region");
      await r.routerInterfaces.update(
        actor.accountId,
        id,
        {
          name: input.name ?? ri.name,
          description: input.description ?? ri.description,
          opposite_account_id: o?.accountId ?? ri.opposite.accountId,
          opposite_region: o?.region ?? ri.opposite.region,
          opposite_router_type: o?.routerType ?? ri.opposite.routerType,
          opposite_router_id: o?.routerId ?? ri.opposite.routerId,
          opposite_interface_id: o?.interfaceId !== undefined ? o.interfaceId : ri.opposite.interfaceId,
          updated_at: nowIso(this.deps),
        },
        tags,
      );
      const after = (await r.routerInterfaces.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "router-interface", "updated", id, updatedMessage(named("router interface", id, after.name), fields), { fields, status: after.status });
      return after;
    });
  }

  async connect(actor: Actor, id: string): Promise<RouterInterface> {
    return this.shown(await this.deps.store.transaction(async (r) => {
      const ends = await this.connectIn(r, actor, id);
      for (const x of ends) {
        await this.events.resource(r, x.accountId, "router-interface", "active", x.id, `${named("router interface", x.id, x.name)} is Active: connected by ${x.peeringId}`, {
          previousStatus: "Idle",
          status: "Active",
          peeringId: x.peeringId,
        });
      }
      return (await r.routerInterfaces.get(actor, id))!;
    }));
  }

  /** Connects an Idle initiator to the acceptor it names, which must name it back; returns both ends as they are now. */
  private async connectIn(r: Repos, actor: Actor, id: string): Promise<RouterInterface[]> {
    const ri = await r.routerInterfaces.lock(actor, id);
    if (!ri) throw notFound("router-interface", id);
    if (ri.role !== "initiator") throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is an acceptor; connect from the initiator`, { id, role: ri.role });
    if (ri.status !== "Idle") throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is ${ri.status}; only an Idle initiator can connect`, { id, status: ri.status });
    const mismatch = (why: string) => new DomainError("RouterInterfaceMismatch", `router interface ${id}: ${why}`, { id });
    if (!ri.opposite.interfaceId) throw mismatch("its opposite interface is not set (PATCH opposite.interfaceId)");
    const [acc] = await r.routerInterfaces.whereAny("id", ri.opposite.interfaceId);
    // An acceptor of another account that does not name this initiator looks exactly like a missing one.
    if (!acc || acc.accountId !== ri.opposite.accountId || acc.role !== "acceptor" || acc.opposite.interfaceId !== id) {
      throw mismatch(`no acceptor ${ri.opposite.interfaceId} of account ${ri.opposite.accountId} names this interface as its opposite`);
    }
    if (acc.routerId !== ri.opposite.routerId || acc.region !== ri.opposite.region) {
      throw mismatch(`acceptor ${acc.id} is on ${acc.routerId} in ${acc.region}, not on ${ri.opposite.routerId} in ${ri.opposite.region}`);
    }
    if (acc.opposite.accountId !== ri.accountId || acc.opposite.routerId !== ri.routerId) {
      throw mismatch(`acceptor ${acc.id} expects router ${acc.opposite.routerId} of account ${acc.opposite.accountId}`);
    }
    if (acc.status !== "Idle") throw new DomainError("InvalidRouterInterfaceState", `acceptor ${acc.id} is ${acc.status}; it must be Idle`, { id: acc.id, status: acc.status });
    const requester = await this.endpoint(r, ri.routerType, ri.routerId);
    const accepter = await this.endpoint(r, "vpc", acc.routerId);
    const peering = await this.peerings.insert(r, {
      origin: "router-interface",
      requester,
      accepter,
      bandwidthMbps: ri.bandwidthMbps,
      chargeType: ri.chargeType,
      period: ri.period,
      autoRenew: ri.autoRenew,
      name: ri.name,
      description: `router interfaces ${ri.id} ↔ ${acc.id}`,
      tags: {},
      preAccepted: true,
    });
    const now = nowIso(this.deps);
    for (const x of [ri, acc]) {
      await r.routerInterfaces.update(x.accountId, x.id, { status: "Active", peering_id: peering.id, updated_at: now }, undefined);
    }
    return [
      { ...ri, status: "Active", peeringId: peering.id },
      { ...acc, status: "Active", peeringId: peering.id },
    ];
  }

  private async endpoint(r: Repos, type: "vpc" | "vbr", id: string): Promise<Endpoint> {
    if (type === "vpc") {
      const vpc = await r.vpcs.lockAny(id);
      if (!vpc) throw notFound("vpc", id);
      return endpointOfVpc(vpc);
    }
    const vbr = await r.vbrs.lockAny(id);
    if (!vbr) throw notFound("vbr", id);
    return endpointOfVbr(vbr);
  }

  /** Activate (Inactive → Active) or deactivate (Active → Inactive) the connection, from either end. */
  async setActive(actor: Actor, id: string, active: boolean): Promise<RouterInterface> {
    return this.shown(await this.deps.store.transaction(async (r) => {
      const ri = await r.routerInterfaces.lock(actor, id);
      if (!ri) throw notFound("router-interface", id);
      const from = active ? "Inactive" : "Active";
      if (ri.status !== from || !ri.peeringId) {
        throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is ${ri.status}; it must be ${from} to ${active ? "activate" : "deactivate"}`, { id, status: ri.status });
      }
      await this.peerings.command(r, actor, ri.peeringId, active ? "activate" : "deactivate");
      return (await r.routerInterfaces.get(actor, id))!;
    }));
  }

  /** Changes the initiator's spec (bandwidth) — billed from now, like a peering's bandwidth change. */
  async setSpec(actor: Actor, id: string, spec: string): Promise<RouterInterface> {
    const mbps = specBandwidth(spec);
    return this.shown(await this.deps.store.transaction(async (r) => {
      const ri = await r.routerInterfaces.lock(actor, id);
      if (!ri) throw notFound("router-interface", id);
      if (ri.role !== "initiator") throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is an acceptor; the initiator sets the spec`, { id });
      // The interface first: the peering's update then finds it in step (and announces no second change).
      await r.routerInterfaces.update(actor.accountId, id, { spec, bandwidth_mbps: mbps, updated_at: nowIso(this.deps) }, undefined);
      if (ri.peeringId) await this.peerings.update(actor, ri.peeringId, { bandwidthMbps: mbps });
      await this.events.resource(r, actor.accountId, "router-interface", "updated", id, `${named("router interface", id, ri.name)}: spec ${ri.spec ?? "none"} → ${spec} (${mbps} Mbit/s)`, {
        fields: ["spec"],
        spec,
        bandwidthMbps: mbps,
        status: ri.status,
      });
      return (await r.routerInterfaces.get(actor, id))!;
    }));
  }

  /** Deletes an Idle or Inactive interface with no routes pointing at it; a connection it carried is deleted too. */
  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const ri = await r.routerInterfaces.lock(actor, id);
      if (!ri) throw notFound("router-interface", id);
      if (ri.status !== "Idle" && ri.status !== "Inactive") {
        throw new DomainError("InvalidRouterInterfaceState", `router interface ${id} is ${ri.status}; only Idle or Inactive interfaces can be deleted (deactivate it first)`, { id, status: ri.status });
      }
      const routes = await r.routes.pointingAt({ type: "router-interface", id });
      if (routes.length > 0) {
        throw new DomainError("DependencyViolation", `router interface ${id} is the target of routes; delete them first: ${routes.map((x) => `${x.routeTableId}/${x.id}`).join(", ")}`, {
          id,
          dependents: routes.map((x) => ({ resource: "route", id: x.id, routeTableId: x.routeTableId })),
        });
      }
      if (ri.peeringId) {
        const p = await r.peerings.getAny(ri.peeringId);
        if (p && isLive(p.state)) await this.peerings.deleteIn(r, actor, ri.peeringId);
      }
      await r.routerInterfaces.delete(actor.accountId, id);
      await this.events.resource(r, actor.accountId, "router-interface", "deleted", id, `${named("router interface", id, ri.name)} was deleted`, { previousStatus: ri.status });
    });
  }

  /**
   * Keeps both interfaces of a connection in step with its peering (called after every peering
   * change); each interface whose status changes is announced to its owner as router-interface.<status>.
   */
  static async sync(r: Repos, p: Peering, now: string, events: EventService): Promise<void> {
    if (p.origin !== "router-interface") return;
    const status = statusOf(p);
    for (const ri of await r.routerInterfaces.whereAny("peering_id", p.id)) {
      await r.routerInterfaces.update(ri.accountId, ri.id, { status, peering_id: isLive(p.state) ? p.id : null, updated_at: now }, undefined);
      if (ri.status === status) continue;
      await events.resource(r, ri.accountId, "router-interface", status.toLowerCase(), ri.id, `${named("router interface", ri.id, ri.name)} is ${status}: its connection ${p.id} is ${p.state}`, {
        previousStatus: ri.status,
        status,
        peeringId: p.id,
      });
    }
  }
}
