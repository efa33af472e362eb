/**
 * Peering connections: the request/accept life cycle (the Tencent flow and the native model),
 * shared by router interfaces (the Alibaba flow). authorize → load → decide → persist → emit.
 */
import { checkBandwidth, checkPeriod, type ChargeType, ROUTER_INTERFACE_SPECS } from "../domain/billing.ts";
import { firstOverlap } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { type PeeringCommand, type Role, decide, effectiveState, isLive, stateReason } from "../domain/peering.ts";
import { type Json, type ListOptions, type Page, type Peering, type Route, type StateReason, type Tags, type Vbr, type Vpc, parseJson, parsePage } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import type { PeeringChanges, PeeringFilters, PeeringKeysetSearch, PeeringSearch, PeeringView, Repos } from "../store/repos/index.ts";
import type { PeeringsTable } from "../store/schema.ts";
import { isUniqueViolation } from "../store/db-errors.ts";
import type { BillingService } from "./billing.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import type { EventService } from "./events.ts";
import { checkQuota } from "./limits.ts";
import type { RegionService } from "./regions.ts";
import { type PlannedRoutes, type RouteSide, PeeringRoutes } from "./peering-routes.ts";
import { RouterInterfaceService } from "./router-interfaces.ts";
import { realization, withDataplane, withTransition } from "./transitions.ts";

export interface CreatePeeringInput {
  vpcId: string;
  peerVpcId: string;
  peerAccountId?: string | undefined;
  peerRegion?: string | undefined;
  bandwidthMbps?: number | undefined;
  name?: string | undefined;
  description?: string | undefined;
  chargeType?: ChargeType | undefined;
  period?: number | undefined;
  autoRenew?: boolean | undefined;
  tags?: Tags | undefined;
  /** A same-account peering waits for its account to accept it, as a cross-account one does (AWS). */
  requireAcceptance?: boolean | undefined;
  /**
   * Overlapping CIDRs: `refuse` (the default) fails the call with CidrOverlap; `fail` (AWS)
   * records the peering as `failed`, with stateReason CidrOverlap, and announces peering.failed.
   */
  onOverlap?: "refuse" | "fail" | undefined;
  /**
   * Route tables of the requester's VPC that get a route to the peer's CIDRs through the peering
   * when it becomes active (and lose it when it stops being live). A same-account peering active
   * at once may also name tables of the peer VPC.
   */
  routeTableIds?: readonly string[] | undefined;
}

/** What an accept may add. */
export interface AcceptPeeringInput {
  /** Route tables of the accepter's VPC that get a route to the requester's CIDRs through the peering. */
  routeTableIds?: readonly string[] | undefined;
}

/** Each side's options; a party changes only its own side (both within one account). */
export interface PeeringOptionsInput {
  requester?: { allowDnsResolutionFromRemoteVpc?: boolean | undefined } | undefined;
  accepter?: { allowDnsResolutionFromRemoteVpc?: boolean | undefined } | undefined;
}

/** What DELETE may leave behind. */
export interface DeletePeeringOptions {
  /** Leave the routes that target the peering in place (they read as blackhole), as AWS does. */
  keepRoutes?: boolean | undefined;
}

export interface UpdatePeeringInput {
  name?: string | undefined;
  description?: string | undefined;
  bandwidthMbps?: number | null | undefined;
  autoRenew?: boolean | undefined;
  tags?: Tags | undefined;
  /** Each side's options, as setOptions sets them (in the same transaction). */
  options?: PeeringOptionsInput | undefined;
}

/** One end of a new peering, resolved from the store. */
export interface Endpoint {
  accountId: string;
  routerType: "vpc" | "vbr";
  router: Vpc | Vbr;
  cidrs: string[];
}

export interface NewPeering {
  origin: Peering["origin"];
  requester: Endpoint;
  accepter: Endpoint;
  bandwidthMbps: number | null;
  chargeType: ChargeType;
  period: number | null;
  autoRenew: boolean;
  name: string;
  description: string;
  tags: Tags;
  /** Consent is already given (same account, or a pre-created acceptor interface): active at once. */
  preAccepted: boolean;
  /** See CreatePeeringInput.onOverlap (default `refuse`). */
  onOverlap?: "refuse" | "fail" | undefined;
  /** Route tables named with the request (checked): routes go in when the peering is active, at once or at acceptance. */
  routes?: readonly PlannedRoutes[] | undefined;
}

/** The result of a deletion: the peering and the routes that were removed with it. */
export interface DeletedPeering {
  peering: Peering;
  /** The caller's routes that pointed at the peering and were removed with it. */
  removedRoutes: RemovedRoute[];
}

export type RemovedRoute = Pick<Route, "id" | "routeTableId" | "destinationCidr"> & { accountId: string };

export const endpointOfVpc = (vpc: Vpc): Endpoint => ({ accountId: vpc.accountId, routerType: "vpc", router: vpc, cidrs: [vpc.cidr] });
export const endpointOfVbr = (vbr: Vbr): Endpoint => ({ accountId: vbr.accountId, routerType: "vbr", router: vbr, cidrs: vbr.onPremisesCidrs });

const pairKey = (a: string, b: string) => [a, b].sort().join("|");

/**
 * The peerings a VPC (or VBR) holds against its peeringsPerVpc quota: every live one except the
 * requests it has received and not yet accepted (AWS counts active peerings per VPC and
 * outstanding requests per requester). `except`: a peering left out of the count.
 */
export async function peeringsHeldBy(r: Repos, routerId: string, except?: string): Promise<number> {
  const live = await r.peerings.liveOfRouter(routerId);
  return live.filter((p) => p.id !== except && (p.state !== "pending-acceptance" || (p.requester.vpcId ?? p.requester.vbrId) === routerId)).length;
}

export class PeeringService {
  private readonly routes: PeeringRoutes;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly events: EventService,
    private readonly billing: BillingService,
  ) {
    this.routes = new PeeringRoutes(deps, events);
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** The caller's view: an unanswered request past its deadline already shows as expired. */
  private view(p: Peering): Peering {
    const state = effectiveState(p.state, p.expiresAt, this.deps.clock.now());
    if (state === p.state) return p;
    return { ...p, state, stateReason: { code: "RequestExpired", message: `the request was not accepted before ${p.expiresAt}` } };
  }

  async get(actor: Actor, id: string): Promise<Peering> {
    const p = await this.deps.store.read.peerings.get(actor.accountId, id);
    if (!p) throw notFound("peering", id);
    return this.present(this.view(p));
  }

  /** A peering as the API shows it: with the data plane's report and the transition it implies. */
  private async present(p: Peering): Promise<Peering> {
    const [withReport] = await withDataplane(this.deps, [p]);
    return withTransition(withReport!, await realization(this.deps));
  }

  /** A page of the peerings the caller is party to, as JSON texts built by the store (what get() shows of each), with their transitions. */
  async listJson(actor: Actor, f: PeeringFilters, opts: ListOptions): Promise<Page<Json<PeeringView>>> {
    const page = await this.deps.store.read.peerings.listJson(actor.accountId, f, opts, nowIso(this.deps));
    const r = await realization(this.deps);
    return { items: page.items.map((j) => JSON.stringify(withTransition(parseJson(j), r))), nextCursor: page.nextCursor };
  }

  async list(actor: Actor, f: PeeringFilters, opts: ListOptions): Promise<Page<PeeringView>> {
    return parsePage(await this.listJson(actor, f, opts));
  }

  /** The caller's peerings meeting `q`, counted and windowed by offset (for the dialects' Describe calls). */
  async search(actor: Actor, q: PeeringSearch): Promise<{ total: number; items: PeeringView[] }> {
    const { total, items } = await this.deps.store.read.peerings.search(actor.accountId, q, nowIso(this.deps));
    const r = await realization(this.deps);
    return { total, items: items.map((j) => withTransition(parseJson(j), r)) };
  }

  /** A keyset page of the caller's peerings meeting `q` (SQL; PeeringsRepo.searchPage), with their transitions: the dialects' token-paged Describe calls. */
  async searchPage(actor: Actor, q: PeeringKeysetSearch, opts: ListOptions): Promise<Page<PeeringView>> {
    const page = await this.deps.store.read.peerings.searchPage(actor.accountId, q, opts, nowIso(this.deps));
    const r = await realization(this.deps);
    return { items: page.items.map((j) => withTransition(parseJson(j), r)), nextCursor: page.nextCursor };
  }

  /** How many peerings searchPage lists with these criteria and tag filters. */
  searchCount(actor: Actor, q: PeeringKeysetSearch, tags: ListOptions["tags"]): Promise<number> {
    return this.deps.store.read.peerings.searchCount(actor.accountId, q, tags);
  }

  // ---- create ---------------------------------------------------------------------------------

  /** POST /peerings: VPC to VPC, same or cross account, intra- or cross-region. */
  async create(actor: Actor, input: CreatePeeringInput): Promise<Peering> {
    const chargeType = input.chargeType ?? "pay-as-you-go";
    const period = checkPeriod(chargeType, input.period);
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    const peerAccountId = input.peerAccountId ?? actor.accountId;
    if (input.peerRegion !== undefined) this.regions.require(input.peerRegion, "peerRegion");
    return this.present(await this.deps.store.transaction(async (r) => {
      // Lock both VPCs in id order: quota and overlap checks hold until commit, without deadlocks.
      const [first, second] = [input.vpcId, input.peerVpcId].sort();
      const locked = new Map<string, Vpc | null>();
      locked.set(first!, await r.vpcs.lockAny(first!));
      if (second !== first) locked.set(second!, await r.vpcs.lockAny(second!));
      const vpc = locked.get(input.vpcId);
      // A request made in a region (a cloud dialect's) names a VPC of that region; the peer's region is explicit.
      if (!vpc || vpc.accountId !== actor.accountId || (actor.region !== undefined && vpc.region !== actor.region)) throw notFound("vpc", input.vpcId, "vpcId");
      const peer = locked.get(input.peerVpcId);
      const peerRegion = input.peerRegion ?? vpc.region;
      if (!peer || peer.accountId !== peerAccountId || peer.region !== peerRegion) {
        throw new DomainError("ResourceNotFound", `peerVpcId: vpc ${input.peerVpcId} does not exist in region ${peerRegion} of account ${peerAccountId}`, {
          resource: "vpc",
          id: input.peerVpcId,
          field: "peerVpcId",
        });
      }
      const preAccepted = peer.accountId === actor.accountId && input.requireAcceptance !== true;
      // The requester names tables of its VPC; within one account, a peering active at once may name the peer VPC's too.
      const sides: RouteSide[] = [{ vpcId: vpc.id, destinations: [peer.cidr], label: "your VPC in this peering" }];
      if (preAccepted) sides.push({ vpcId: peer.id, destinations: [vpc.cidr], label: "the peer VPC, yours too" });
      // Overlapping or identical VPCs are refused (or recorded failed) by insert, which then adds no routes.
      const doomed = vpc.id === peer.id || firstOverlap([vpc.cidr], [peer.cidr]) !== null;
      const routes = doomed ? [] : await this.routes.plan(r, actor, input.routeTableIds, sides, (other) =>
        other === peer.id ? `name ${peer.id}'s tables when you accept the peering (routeTableIds on accept)` : undefined,
      );
      return this.insert(r, {
        origin: "peering",
        requester: endpointOfVpc(vpc),
        accepter: endpointOfVpc(peer),
        bandwidthMbps: input.bandwidthMbps ?? null,
        chargeType,
        period,
        autoRenew: input.autoRenew ?? false,
        name: input.name ?? "",
        description: input.description ?? "",
        tags,
        preAccepted,
        onOverlap: input.onOverlap,
        routes,
      });
    }));
  }

  /** Validates and inserts a peering between two resolved endpoints (shared with router interfaces). */
  async insert(r: Repos, n: NewPeering): Promise<Peering> {
    const { requester: req, accepter: acc } = n;
    const reqId = req.router.id;
    const accId = acc.router.id;
    if (reqId === accId) throw new DomainError("PeeringSelf", `peerVpcId: a VPC cannot peer with itself (${reqId})`, { field: "peerVpcId" });
    const clash = firstOverlap(req.cidrs, acc.cidrs);
    const failOnOverlap = clash !== null && n.onOverlap === "fail";
    if (clash && !failOnOverlap) {
      throw new DomainError("CidrOverlap", `peerVpcId: the CIDR ${clash[0]} of ${reqId} overlaps the CIDR ${clash[1]} of ${accId}`, {
        field: "peerVpcId",
        cidr: clash[0],
        conflictingCidr: clash[1],
        routerId: reqId,
        peerRouterId: accId,
      });
    }
    const crossRegion = req.router.region !== acc.router.region;
    checkBandwidth(n.bandwidthMbps, crossRegion);
    // Requests past their deadline are expired now (the timer may not have run yet): they no longer hold the pair or a quota slot.
    await this.expireLapsed(r, [reqId, accId]);
    const existing = (await r.peerings.liveOfRouter(reqId)).find((p) => p.requester.vpcId === accId || p.accepter.vpcId === accId || p.requester.vbrId === accId);
    if (existing) {
      throw new DomainError("PeeringExists", `peerVpcId: ${reqId} and ${accId} already have a live peering ${existing.id} (${existing.state})`, {
        field: "peerVpcId",
        existingPeeringId: existing.id,
      });
    }
    const limits = this.deps.config.limits;
    // The requester's VPC holds the new request at once; the accepter's only once it accepts (or at
    // once when the peering is active on creation), so nobody can fill another's VPC with requests.
    checkQuota(limits, "peeringsPerVpc", await peeringsHeldBy(r, reqId), `peerings of ${reqId}`);
    if (n.preAccepted) checkQuota(limits, "peeringsPerVpc", await peeringsHeldBy(r, accId), `peerings of ${accId}`);
    if (!n.preAccepted) checkQuota(limits, "pendingPeeringsPerAccount", await r.peerings.countPendingRequestedBy(req.accountId), `pending peering requests of account ${req.accountId}`);

    const now = nowIso(this.deps);
    // Recorded as failed (onOverlap "fail"): not live, so it holds no pair, quota, expiry or bill.
    const failure: StateReason | null = failOnOverlap ? { code: "CidrOverlap", message: `overlapping CIDR range: ${clash![0]} of ${reqId} overlaps ${clash![1]} of ${accId}` } : null;
    const id = this.deps.ids.next("peering");
    const row: PeeringsTable = {
      id,
      origin: n.origin,
      name: n.name,
      description: n.description,
      requester_account_id: req.accountId,
      requester_router_type: req.routerType,
      requester_router_id: reqId,
      requester_region: req.router.region,
      requester_cidrs: JSON.stringify(req.cidrs),
      accepter_account_id: acc.accountId,
      accepter_router_type: acc.routerType,
      accepter_router_id: accId,
      accepter_region: acc.router.region,
      accepter_cidrs: JSON.stringify(acc.cidrs),
      state: failure ? "failed" : n.preAccepted ? "active" : "pending-acceptance",
      state_reason: failure ? JSON.stringify(failure) : null,
      live_pair: failure ? null : pairKey(reqId, accId),
      bandwidth_mbps: n.bandwidthMbps,
      charge_type: n.chargeType,
      period_months: n.period,
      auto_renew: n.autoRenew ? 1 : 0,
      expires_at: n.preAccepted || failure ? null : new Date(Date.parse(now) + limits.peeringRequestTtlHours * 3_600_000).toISOString(),
      term_ends_at: null,
      billed_until: null,
      generation: 1,
      requester_allow_remote_dns: 0,
      accepter_allow_remote_dns: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      await r.peerings.insert(row, { accountId: req.accountId, tags: n.tags });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError("PeeringExists", `peerVpcId: ${reqId} and ${accId} already have a live peering`, { field: "peerVpcId" });
      throw e;
    }
    let p = (await r.peerings.getAny(id))!;
    if (n.preAccepted && !failure) {
      await r.peerings.update(id, await this.billing.activate(r, p, now));
      p = (await r.peerings.getAny(id))!;
    }
    await this.announceCreated(r, p);
    if (n.routes?.length && !failure) {
      // Active at once: the routes go in now. Pending: the tables wait for the acceptance.
      if (p.state === "active") await this.routes.announce(r, p, await this.routes.add(r, p, n.routes, now));
      else await this.routes.declare(r, p, n.routes);
    }
    return (await r.peerings.get(req.accountId, id))!;
  }

  /** Records the expiry of the routers' unanswered requests whose deadline has passed (what the timer would do). */
  private async expireLapsed(r: Repos, routerIds: readonly string[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const routerId of routerIds) {
      for (const p of await r.peerings.liveOfRouter(routerId)) {
        if (p.state === "pending-acceptance" && effectiveState(p.state, p.expiresAt, now) === "expired") await this.command(r, "system", p.id, "expire");
      }
    }
  }

  private async announceCreated(r: Repos, p: Peering): Promise<void> {
    const a = p.requester;
    const b = p.accepter;
    const ref = (s: typeof a) => s.vpcId ?? s.vbrId;
    if (p.state === "failed") {
      const data = { peeringId: p.id, state: p.state, stateReason: p.stateReason, message: `peering ${p.id} between ${ref(a)} and ${ref(b)} failed (${p.stateReason?.message ?? ""})` };
      await this.events.emit(r, a.accountId, "peering.failed", p.id, data);
      if (b.accountId !== a.accountId) await this.events.emit(r, b.accountId, "peering.failed", p.id, data);
      return;
    }
    if (p.state === "active") {
      const data = { peeringId: p.id, state: p.state, message: `peering ${p.id} between ${ref(a)} and ${ref(b)} is active` };
      await this.events.emit(r, a.accountId, "peering.active", p.id, data);
      if (b.accountId !== a.accountId) await this.events.emit(r, b.accountId, "peering.active", p.id, data);
      return;
    }
    await this.events.emit(r, a.accountId, "peering.requested", p.id, {
      peeringId: p.id,
      state: p.state,
      expiresAt: p.expiresAt,
      message: `you asked account ${b.accountId} to peer your ${ref(a)} with its ${ref(b)}`,
    });
    await this.events.emit(r, b.accountId, "peering.request-received", p.id, {
      peeringId: p.id,
      state: p.state,
      requesterAccountId: a.accountId,
      requesterVpcId: ref(a),
      requesterCidr: a.cidr,
      accepterVpcId: ref(b),
      expiresAt: p.expiresAt,
      message: `account ${a.accountId} asks to peer ${a.routerType.toUpperCase()} ${ref(a)} (${a.cidrs.join(", ")}) with your VPC ${ref(b)}; accept or reject before ${p.expiresAt}`,
    });
  }

  // ---- life cycle -----------------------------------------------------------------------------

  private rolesOf(p: Peering, actor: Actor): Role[] {
    const roles: Role[] = [];
    if (p.requester.accountId === actor.accountId) roles.push("requester");
    if (p.accepter.accountId === actor.accountId) roles.push("accepter");
    return roles;
  }

  /**
   * Applies one command under a row lock: decide → persist → emit. `extra` adds command-specific
   * changes (billing); the events go to both parties.
   */
  async command(
    r: Repos,
    actor: Actor | "system",
    id: string,
    command: PeeringCommand,
    extra: (p: Peering, now: string) => Promise<PeeringChanges> = async () => ({}),
    opts: DeletePeeringOptions = {},
  ): Promise<{ before: Peering; after: Peering | null; removedRoutes: RemovedRoute[] }> {
    const loaded = actor === "system" ? await r.peerings.getAny(id, true) : await r.peerings.get(actor.accountId, id, true);
    if (!loaded) throw notFound("peering", id);
    const now = nowIso(this.deps);
    // The timer's own command sees the stored state; everyone else sees a lapsed request as expired.
    const state = command === "expire" ? loaded.state : effectiveState(loaded.state, loaded.expiresAt, this.deps.clock.now());
    const p = { ...loaded, state };
    const roles: Role[] = actor === "system" ? ["system"] : this.rolesOf(p, actor);
    const next = decide(state, command, roles, id);
    if (next === "purged") {
      await r.peerings.purge(id);
      return { before: p, after: null, removedRoutes: [] };
    }
    const changes: PeeringChanges = { ...(await extra(p, now)), state: next, updated_at: now };
    if (!isLive(next)) changes.live_pair = null;
    if (next !== "pending-acceptance") changes.expires_at = null;
    if (next !== state || command === "expire") changes.state_reason = JSON.stringify({ ...stateReason(command, next, actor === "system" ? "system" : actor.accountId, p), command, at: now });
    let removedRoutes: RemovedRoute[] = [];
    if (!isLive(next)) removedRoutes = await this.removeRoutes(r, p, opts.keepRoutes === true);
    await r.peerings.update(id, changes);
    const after = (await r.peerings.getAny(id))!;
    await RouterInterfaceService.sync(r, after, now, this.events);
    await this.announce(r, p, after, command, actor, removedRoutes);
    return { before: p, after, removedRoutes };
  }

  /** The routes through `p` when it stops being live: all of them, or (keepRoutes, AWS) only those it manages. */
  private async removeRoutes(r: Repos, p: Peering, keepUserRoutes: boolean): Promise<RemovedRoute[]> {
    const routes = await this.routes.remove(r, p, keepUserRoutes);
    return routes.map((x) => ({ id: x.id, routeTableId: x.routeTableId, destinationCidr: x.destinationCidr, accountId: x.accountId }));
  }

  private async announce(r: Repos, before: Peering, after: Peering, command: PeeringCommand, actor: Actor | "system", removedRoutes: RemovedRoute[]) {
    if (before.state === after.state && command !== "renew") return;
    const by = actor === "system" ? "system" : actor.accountId;
    for (const accountId of new Set([after.requester.accountId, after.accepter.accountId])) {
      const mine = removedRoutes.filter((x) => x.accountId === accountId).map(({ accountId: _a, ...x }) => x);
      await this.events.emit(r, accountId, `peering.${after.state}`, after.id, {
        peeringId: after.id,
        previousState: before.state,
        state: after.state,
        command,
        by,
        stateReason: after.stateReason,
        ...(mine.length ? { removedRoutes: mine } : {}),
        message: `peering ${after.id} is ${after.state}${after.stateReason ? ` (${after.stateReason.message})` : ""}`,
      });
    }
  }

  /**
   * Accepts a pending request (the accepter). `routeTableIds` names tables of the accepter's VPC;
   * they and the tables the requester named get their routes now, in the same transaction.
   */
  async accept(actor: Actor, id: string, input: AcceptPeeringInput = {}): Promise<Peering> {
    return this.present(await this.deps.store.transaction(async (r) => {
      const p = await r.peerings.get(actor.accountId, id, true);
      if (!p) throw notFound("peering", id);
      // An incoming request takes a slot of the accepter's VPC only now: with the VPC full, it
      // stays pending until a slot frees up (or it expires).
      const state = effectiveState(p.state, p.expiresAt, this.deps.clock.now());
      if (state === "pending-acceptance" && this.rolesOf(p, actor).includes("accepter")) {
        const accId = p.accepter.vpcId ?? p.accepter.vbrId!;
        await r.vpcs.lockAny(accId);
        checkQuota(this.deps.config.limits, "peeringsPerVpc", await peeringsHeldBy(r, accId, id), `peerings of ${accId}`);
      }
      const res = await this.command(r, actor, id, "accept", (q, now) => this.billing.activate(r, q, now));
      const after = res.after!;
      const accVpc = after.accepter.vpcId;
      const plans = await this.routes.plan(r, actor, input.routeTableIds, [{ vpcId: accVpc, destinations: after.requester.cidrs, label: "your VPC in this peering" }], (other) =>
        other === after.requester.vpcId ? `the requester names its own tables; name tables of ${accVpc}` : undefined,
      );
      await this.routes.activate(r, after, plans, nowIso(this.deps));
      return (await r.peerings.get(actor.accountId, after.id))!;
    }));
  }

  async reject(actor: Actor, id: string): Promise<Peering> {
    return this.present(await this.deps.store.transaction(async (r) => {
      await this.command(r, actor, id, "reject");
      return (await r.peerings.get(actor.accountId, id))!;
    }));
  }

  /**
   * DELETE: cancels a pending request (requester) or deletes a live peering (either party), removing
   * the routes that point at it. With `purge`, cleans up a finished (terminal) record instead.
   */
  async delete(actor: Actor, id: string, purge = false, opts: DeletePeeringOptions = {}): Promise<DeletedPeering | { purged: string }> {
    const out = await this.deps.store.transaction(async (r): Promise<DeletedPeering | { purged: string }> => {
      const p = await r.peerings.get(actor.accountId, id);
      if (!p) throw notFound("peering", id);
      const state = effectiveState(p.state, p.expiresAt, this.deps.clock.now());
      if (purge) {
        // A lapsed request is expired first (the timers may not have run yet), then cleaned up.
        if (state === "expired" && p.state === "pending-acceptance") await this.command(r, "system", id, "expire");
        await this.command(r, actor, id, "purge");
        return { purged: id };
      }
      if (!isLive(state)) {
        throw new DomainError("InvalidPeeringState", `peering ${id} is already ${state}; to remove the record, DELETE with ?purge=true`, { id, state });
      }
      const res = await this.deleteIn(r, actor, id, opts);
      return { peering: (await r.peerings.get(actor.accountId, id))!, removedRoutes: res.removedRoutes.filter((x) => x.accountId === actor.accountId) };
    });
    return "peering" in out ? { ...out, peering: await this.present(out.peering) } : out;
  }

  /** Deletes a live peering inside the caller's transaction, billing usage up to now. */
  deleteIn(r: Repos, actor: Actor, id: string, opts: DeletePeeringOptions = {}) {
    return this.command(r, actor, id, "delete", (q, now) => this.billing.accrue(r, q, now, true), opts);
  }

  /** Renews a subscription: extends the term, or restores a suspended peering from now. */
  async renew(actor: Actor, id: string, months?: number): Promise<Peering> {
    return this.present(await this.deps.store.transaction(async (r) => {
      await this.command(r, actor, id, "renew", async (p, now) => {
        if (p.chargeType !== "subscription") {
          throw new DomainError("InvalidChargeType", `peering ${id} is pay-as-you-go; only subscriptions are renewed`, { id, chargeType: p.chargeType });
        }
        const period = months === undefined ? p.period! : checkPeriod("subscription", months)!;
        const from = p.state === "suspended" || !p.termEndsAt ? now : p.termEndsAt;
        return { ...(await this.billing.renew(r, p, from, period)), period_months: period };
      });
      return (await r.peerings.get(actor.accountId, id))!;
    }));
  }

  async setActive(actor: Actor, id: string, active: boolean): Promise<Peering> {
    return this.present(await this.deps.store.transaction(async (r) => {
      await this.command(r, actor, id, active ? "activate" : "deactivate");
      return (await r.peerings.get(actor.accountId, id))!;
    }));
  }

  /** PATCH: the requester changes name, bandwidth and auto renew; each party sets its own tags. */
  async update(actor: Actor, id: string, input: UpdatePeeringInput): Promise<Peering> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.present(await this.deps.store.transaction(async (r) => {
      const p = await r.peerings.get(actor.accountId, id, true);
      if (!p) throw notFound("peering", id);
      const roles = this.rolesOf(p, actor);
      const changesSettings = input.name !== undefined || input.description !== undefined || input.bandwidthMbps !== undefined || input.autoRenew !== undefined;
      if (changesSettings && !roles.includes("requester")) {
        throw new DomainError("PeeringActionForbidden", `only the requester of peering ${id} can change its name, bandwidth or renewal; the accepter can set its own tags`, { id });
      }
      if (changesSettings && !isLive(effectiveState(p.state, p.expiresAt, this.deps.clock.now()))) {
        throw new DomainError("InvalidPeeringState", `peering ${id} is ${p.state}; it cannot be modified`, { id, state: p.state });
      }
      const now = nowIso(this.deps);
      let changes: PeeringChanges = { ...(input.options ? this.optionChanges(actor, p, input.options) : {}), updated_at: now };
      if (input.name !== undefined) changes.name = input.name;
      if (input.description !== undefined) changes.description = input.description;
      if (input.autoRenew !== undefined) changes.auto_renew = input.autoRenew ? 1 : 0;
      if (input.bandwidthMbps !== undefined && input.bandwidthMbps !== p.bandwidthMbps) {
        checkBandwidth(input.bandwidthMbps, p.crossRegion);
        const after = { ...p, bandwidthMbps: input.bandwidthMbps };
        changes = { ...changes, bandwidth_mbps: input.bandwidthMbps, ...(p.state === "active" || p.state === "inactive" ? await this.billing.changeBandwidth(r, p, after, now) : {}) };
        await this.events.emit(r, p.requester.accountId, "peering.bandwidth-changed", id, { peeringId: id, from: p.bandwidthMbps, to: input.bandwidthMbps, message: `bandwidth of ${id} changed to ${input.bandwidthMbps ?? "unlimited"}` });
        if (p.accepter.accountId !== p.requester.accountId) {
          await this.events.emit(r, p.accepter.accountId, "peering.bandwidth-changed", id, { peeringId: id, from: p.bandwidthMbps, to: input.bandwidthMbps, message: `bandwidth of ${id} changed to ${input.bandwidthMbps ?? "unlimited"}` });
        }
      }
      await r.peerings.update(id, changes);
      if (changes.bandwidth_mbps !== undefined && p.origin === "router-interface") {
        for (const ri of await r.routerInterfaces.whereAny("peering_id", id)) {
          if (ri.role !== "initiator" || ri.bandwidthMbps === changes.bandwidth_mbps) continue;
          const spec = Object.entries(ROUTER_INTERFACE_SPECS).find(([, m]) => m === changes.bandwidth_mbps)?.[0] ?? null;
          await r.routerInterfaces.update(ri.accountId, ri.id, { bandwidth_mbps: changes.bandwidth_mbps, spec, updated_at: now }, undefined);
          await this.events.resource(r, ri.accountId, "router-interface", "updated", ri.id, `router interface ${ri.id}: bandwidth of its connection ${id} changed to ${changes.bandwidth_mbps ?? "unlimited"}`, {
            fields: ["spec"],
            spec,
            bandwidthMbps: changes.bandwidth_mbps,
            status: ri.status,
          });
        }
      }
      if (tags) await r.peerings.setTags(actor.accountId, id, tags);
      return (await r.peerings.get(actor.accountId, id))!;
    }));
  }

  /**
   * Sets each side's options of an active peering. A party changes only its own side (the
   * requester's account the requester side, the accepter's the accepter side; one account both).
   */
  async setOptions(actor: Actor, id: string, input: PeeringOptionsInput): Promise<Peering> {
    return this.present(await this.deps.store.transaction(async (r) => {
      const p = await r.peerings.get(actor.accountId, id, true);
      if (!p) throw notFound("peering", id);
      await r.peerings.update(id, { ...this.optionChanges(actor, p, input), updated_at: nowIso(this.deps) });
      return (await r.peerings.get(actor.accountId, id))!;
    }));
  }

  /** The changes `input` makes to `p`'s options, checked: active only, each party its own side. */
  private optionChanges(actor: Actor, p: Peering, input: PeeringOptionsInput): PeeringChanges {
    const roles = this.rolesOf(p, actor);
    for (const side of ["requester", "accepter"] as const) {
      if (input[side] !== undefined && !roles.includes(side)) {
        throw new DomainError("PeeringActionForbidden", `options.${side}: only the ${side} account of peering ${p.id} can change the ${side} side's options`, {
          id: p.id,
          field: `options.${side}`,
        });
      }
    }
    const state = effectiveState(p.state, p.expiresAt, this.deps.clock.now());
    if (state !== "active") {
      throw new DomainError("InvalidPeeringState", `peering ${p.id} is ${state}; its options can be changed only while it is active`, { id: p.id, state });
    }
    const changes: PeeringChanges = {};
    const req = input.requester?.allowDnsResolutionFromRemoteVpc;
    const acc = input.accepter?.allowDnsResolutionFromRemoteVpc;
    if (req !== undefined) changes.requester_allow_remote_dns = req ? 1 : 0;
    if (acc !== undefined) changes.accepter_allow_remote_dns = acc ? 1 : 0;
    return changes;
  }

  // ---- timers ---------------------------------------------------------------------------------

  /**
   * Runs due timers at the clock's now: expires unanswered requests, renews or suspends ended
   * subscriptions, bills whole hours of usage. Idempotent and safe on several servers at once
   * (row locks, and ledger periods that can be charged only once). Returns how many it touched.
   */
  async sweep(batch = 200): Promise<number> {
    const now = nowIso(this.deps);
    const ids = await this.deps.store.read.peerings.due(now, batch);
    for (const id of ids) {
      await this.deps.store.transaction(async (r) => {
        const p = await r.peerings.getAny(id, true);
        if (!p) return;
        if (p.state === "pending-acceptance" && p.expiresAt && p.expiresAt <= now) {
          await this.command(r, "system", id, "expire");
          return;
        }
        if (!(p.state === "active" || p.state === "inactive")) return;
        let changes = await this.billing.accrue(r, p, now, false);
        let term = p.termEndsAt;
        while (p.chargeType === "subscription" && term && term <= now) {
          if (!p.autoRenew) {
            if (Object.keys(changes).length) await r.peerings.update(id, changes);
            await this.command(r, "system", id, "suspend");
            return;
          }
          changes = { ...changes, ...(await this.billing.renew(r, p, term, p.period!)) };
          term = changes.term_ends_at!;
          await this.events.emit(r, p.requester.accountId, "peering.renewed", id, { peeringId: id, termEndsAt: term, message: `subscription of ${id} renewed automatically until ${term}` });
        }
        if (Object.keys(changes).length) await r.peerings.update(id, { ...changes, updated_at: now });
      });
    }
    return ids.length;
  }
}
