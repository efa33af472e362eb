/** VBRs: border routers standing for on-premises networks (the far end of VBR-to-VPC peering). */
import { contains, formatCidr, overlaps, parseCidr, parsePrivateCidr } from "../domain/cidr.ts";
import type { OwnedSearch, Repos } from "../store/repos/index.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { placeInstance } from "../domain/hosts.ts";
import { type Json, type ListOptions, type Page, type Tags, type Vbr, parseJson, parsePage } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota } from "./limits.ts";
import type { RegionService } from "./regions.ts";
import type { UpdateInput } from "./vpcs.ts";
import { routerDependents } from "./peering-targets.ts";

export interface CreateVbrInput {
  region: string;
  name: string;
  description?: string | undefined;
  onPremisesCidrs: string[];
  tags?: Tags | undefined;
  /** A known host for its on-premises host; default: the host with the fewest instances and VBRs. */
  host?: string | undefined;
}

export class VbrService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly events: EventService,
  ) {}

  /** Parses on-premises CIDRs: private, /8–/32, none overlapping another. */
  private cidrs(list: string[]): string[] {
    const limit = this.deps.config.limits.onPremisesCidrsPerVbr;
    if (list.length === 0 || list.length > limit) {
      throw new DomainError("InvalidRequest", `onPremisesCidrs: give between 1 and ${limit} CIDR blocks (got ${list.length})`, { field: "onPremisesCidrs", limit });
    }
    const parsed = list.map((c, i) => parsePrivateCidr(c, `onPremisesCidrs[${i}]`, 8, 32));
    for (let i = 0; i < parsed.length; i++) {
      for (let j = i + 1; j < parsed.length; j++) {
        if (overlaps(parsed[i]!, parsed[j]!)) {
          throw new DomainError("CidrOverlap", `onPremisesCidrs: ${list[i]} overlaps ${list[j]}`, {
            field: "onPremisesCidrs",
            cidr: list[i],
            conflictingCidr: list[j],
          });
        }
      }
    }
    return parsed.map(formatCidr);
  }

  async create(actor: Actor, input: CreateVbrInput): Promise<Vbr> {
    const region = this.regions.require(input.region);
    const cidrs = this.cidrs(input.onPremisesCidrs);
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      await r.accounts.lock(actor.accountId);
      checkQuota(this.deps.config.limits, "vbrsPerRegion", await r.vbrs.count(actor, { region: region.id }), `VBRs in ${region.id}`);
      // Placed like an instance, in this transaction under the hosts' lock (service/instances.ts).
      const host = placeInstance(await r.hosts.loadsForPlacement(new Date().toISOString()), input.host);
      const now = nowIso(this.deps);
      const id = this.deps.ids.next("vbr");
      await r.vbrs.insert(
        { id, account_id: actor.accountId, region: region.id, name: input.name, description: input.description ?? "", on_premises_cidrs: JSON.stringify(cidrs), state: "active", host, created_at: now, updated_at: now },
        tags,
      );
      const vbr = (await r.vbrs.get(actor, id))!;
      await this.events.resource(r, actor.accountId, "vbr", "created", id, `${named("VBR", id, vbr.name)} was created in ${region.id} for ${cidrs.join(", ")}`, {
        region: region.id,
        onPremisesCidrs: cidrs,
      });
      return vbr;
    });
  }

  async getJson(actor: Actor, id: string): Promise<Json<Vbr>> {
    const v = await this.deps.store.read.vbrs.getJson(actor, id);
    if (v === null) throw notFound("vbr", id);
    return v;
  }

  async get(actor: Actor, id: string): Promise<Vbr> {
    return parseJson(await this.getJson(actor, id));
  }

  listJson(actor: Actor, f: { region?: string | undefined }, opts: ListOptions): Promise<Page<Json<Vbr>>> {
    return this.deps.store.read.vbrs.listJson(actor, { region: f.region }, opts);
  }

  /** The VBRs that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search). */
  search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: Vbr[] }> {
    return this.deps.store.read.vbrs.search(actor, s, window);
  }

  async list(actor: Actor, f: { region?: string | undefined }, opts: ListOptions): Promise<Page<Vbr>> {
    return parsePage(await this.listJson(actor, f, opts));
  }

  async update(actor: Actor, id: string, input: UpdateInput & { onPremisesCidrs?: string[] | undefined }): Promise<Vbr> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    const cidrs = input.onPremisesCidrs && this.cidrs(input.onPremisesCidrs);
    return this.deps.store.transaction(async (r) => {
      const v = await r.vbrs.lock(actor, id);
      if (!v) throw notFound("vbr", id);
      if (cidrs) await this.checkCidrChange(r, actor.accountId, id, cidrs);
      await r.vbrs.update(
        actor.accountId,
        id,
        {
          name: input.name ?? v.name,
          description: input.description ?? v.description,
          on_premises_cidrs: JSON.stringify(cidrs ?? v.onPremisesCidrs),
          updated_at: nowIso(this.deps),
        },
        tags,
      );
      const after = (await r.vbrs.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "vbr", "updated", id, updatedMessage(named("VBR", id, after.name), fields), { fields });
      return after;
    });
  }

  /** New on-premises CIDRs must keep every route to the VBR valid, and cannot change under a live connection. */
  private async checkCidrChange(r: Repos, accountId: string, id: string, cidrs: string[]): Promise<void> {
    const connections = await routerDependents(r, accountId, id);
    if (connections.length > 0) {
      throw new DomainError("DependencyViolation", `onPremisesCidrs: vbr ${id} has live connections (${connections.map((d) => d.id).join(", ")}); delete them before changing its networks`, {
        field: "onPremisesCidrs",
        dependents: connections,
      });
    }
    const parsed = cidrs.map((c) => parseCidr(c, "onPremisesCidrs"));
    for (const route of await r.routes.pointingAt({ type: "vbr", id })) {
      if (!parsed.some((c) => contains(c, parseCidr(route.destinationCidr, "destinationCidr")))) {
        throw new DomainError("DependencyViolation", `onPremisesCidrs: route ${route.id} in ${route.routeTableId} sends ${route.destinationCidr} to ${id}, which the new CIDRs no longer cover`, {
          field: "onPremisesCidrs",
          dependents: [{ resource: "route", id: route.id, routeTableId: route.routeTableId }],
        });
      }
    }
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const v = await r.vbrs.lock(actor, id);
      if (!v) throw notFound("vbr", id);
      const connections = await routerDependents(r, actor.accountId, id);
      if (connections.length > 0) {
        throw new DomainError("DependencyViolation", `vbr ${id} still has connections; delete them first: ${connections.map((d) => `${d.resource} ${d.id}`).join(", ")}`, {
          id,
          dependents: connections,
        });
      }
      const routes = await r.routes.pointingAt({ type: "vbr", id });
      if (routes.length > 0) {
        throw new DomainError("DependencyViolation", `vbr ${id} is the target of routes; delete them first: ${routes.slice(0, 20).map((x) => `${x.routeTableId}/${x.id}`).join(", ")}`, {
          id,
          dependents: routes.slice(0, 20).map((x) => ({ resource: "route", id: x.id, routeTableId: x.routeTableId })),
        });
      }
      await r.vbrs.delete(actor.accountId, id);
      await this.events.resource(r, actor.accountId, "vbr", "deleted", id, `${named("VBR", id, v.name)} was deleted`);
    });
  }
}
