/** VPCs: each comes with its default route table; deletion is refused while anything depends on it. */
import { formatCidr, parsePrivateCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { type Json, type ListOptions, type Page, type Tags, type Vpc, parseJson, parsePage } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import type { OwnedSearch, Repos, RowSet } from "../store/repos/index.ts";
import type { Actor, ServiceDeps } from "./context.ts";
import { flagFilter, nowIso } from "./context.ts";
import { quotaReached } from "./limits.ts";
import type { RegionService } from "./regions.ts";
import type { DependentsProbe } from "./dependents.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { pendingVpcs } from "./transitions.ts";
import { DEFAULT_GROUP_PRESETS, type DefaultGroupPreset } from "../domain/security-groups.ts";
import { defaultGroupRows, ownReferences } from "./security-groups.ts";
import { isForeignKeyViolation } from "../store/db-errors.ts";
import type { VpcFacts } from "./vpc-facts.ts";

export interface CreateVpcInput {
  name: string;
  description?: string | undefined;
  region: string;
  cidr: string;
  tags?: Tags | undefined;
  /** Recorded attributes (vpcpeer runs no resolver); defaults true, false, false. */
  dnsSupport?: boolean | undefined;
  dnsHostnames?: boolean | undefined;
  networkAddressUsageMetrics?: boolean | undefined;
  /** What its default security group allows (default: the config's defaultSecurityGroup). */
  defaultSecurityGroup?: DefaultGroupPreset | undefined;
}

export interface UpdateInput {
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
}

/** What a VPC's update may change besides the common fields. */
export interface UpdateVpcInput extends UpdateInput {
  dnsSupport?: boolean | undefined;
  dnsHostnames?: boolean | undefined;
  networkAddressUsageMetrics?: boolean | undefined;
}

/** AWS's rule: DNS hostnames need DNS support. `field` is the one the caller set. */
function checkDns(dnsSupport: boolean, dnsHostnames: boolean, field: "dnsSupport" | "dnsHostnames"): void {
  if (dnsHostnames && !dnsSupport) {
    const message =
      field === "dnsHostnames"
        ? "dnsHostnames: can be true only while dnsSupport is true"
        : "dnsSupport: cannot be false while dnsHostnames is true; set dnsHostnames to false first (or in the same request)";
    throw new DomainError("InvalidRequest", message, { field, dnsSupport, dnsHostnames });
  }
}

const flag = (b: boolean) => (b ? 1 : 0);

/** A VPC to insert, its values checked: VpcService.create's, or a default VPC (service/default-vpcs.ts). */
export interface NewVpc {
  name: string;
  description: string;
  region: string;
  cidr: string;
  tags: Tags;
  dnsSupport: boolean;
  dnsHostnames: boolean;
  networkAddressUsageMetrics: boolean;
  defaultSecurityGroup: DefaultGroupPreset;
  isDefault: boolean;
}

/** What insertVpcs made of one VPC. */
export interface InsertedVpc {
  id: string;
  region: string;
  cidr: string;
  defaultRouteTableId: string;
  defaultSecurityGroupId: string;
}

/**
 * New VPCs, each with its default route table and default security group, and their vpc.created
 * events, as the sets a batch inserts (repos/batch.ts): the one insert path of every VPC, a
 * single create's or an account's default VPCs'. No quota here: the caller has the batch enforce it.
 */
export function newVpcRows(deps: ServiceDeps, events: EventService, r: Repos, accountId: string, vpcs: readonly NewVpc[]): { sets: RowSet[]; made: InsertedVpc[] } {
  const { ids } = deps;
  const now = nowIso(deps);
  const owned = { account_id: accountId, created_at: now, updated_at: now };
  const made = vpcs.map((v) => ({ v, id: ids.next("vpc"), rtbId: ids.next("routeTable"), sgId: ids.next("securityGroup") }));
  const vpcRows = r.vpcs.rowSets(
    made.map(({ v, id, rtbId, sgId }) => ({
      row: {
        ...owned,
        id,
        name: v.name,
        description: v.description,
        region: v.region,
        cidr: v.cidr,
        state: "available",
        default_route_table_id: rtbId,
        dns_support: flag(v.dnsSupport),
        dns_hostnames: flag(v.dnsHostnames),
        network_address_usage_metrics: flag(v.networkAddressUsageMetrics),
        default_security_group_id: sgId,
        is_default: flag(v.isDefault),
      },
      tags: v.tags,
    })),
  );
  const routeTableRows = r.routeTables.rowSets(
    made.map(({ v, id, rtbId }) => ({
      row: { ...owned, id: rtbId, vpc_id: id, region: v.region, name: `${v.name}-default`, description: `Default route table of ${id}`, is_default: 1 },
      tags: {},
    })),
  );
  const groupRows = defaultGroupRows(
    deps,
    r,
    accountId,
    made.map(({ v, id, sgId }) => ({ id: sgId, vpc: { id, region: v.region }, preset: v.defaultSecurityGroup })),
    now,
  );
  const announced = events.resourceEvents(
    accountId,
    "vpc",
    "created",
    made.map(({ v, id, rtbId, sgId }) => ({
      id,
      message: `${named(v.isDefault ? "default VPC" : "VPC", id, v.name)} was created in ${v.region} with ${v.cidr}`,
      extra: {
        region: v.region,
        cidr: v.cidr,
        defaultRouteTableId: rtbId,
        defaultSecurityGroupId: sgId,
        defaultSecurityGroup: v.defaultSecurityGroup,
        ...(v.isDefault ? { isDefault: true } : {}),
      },
    })),
  );
  return {
    sets: [...vpcRows, ...routeTableRows, ...groupRows, r.events.rowSet(announced)],
    made: made.map(({ v, id, rtbId, sgId }) => ({ id, region: v.region, cidr: v.cidr, defaultRouteTableId: rtbId, defaultSecurityGroupId: sgId })),
  };
}

/** Inserts new VPCs (newVpcRows) in the caller's transaction. */
export async function insertVpcs(deps: ServiceDeps, events: EventService, r: Repos, accountId: string, vpcs: readonly NewVpc[]): Promise<InsertedVpc[]> {
  const { sets, made } = newVpcRows(deps, events, r, accountId, vpcs);
  await r.batch.insert(sets);
  return made;
}

/** A default security group preset, checked (absent: the config's). */
export function groupPreset(deps: ServiceDeps, given: DefaultGroupPreset | undefined): DefaultGroupPreset {
  const preset = given ?? deps.config.defaultSecurityGroup;
  if (!DEFAULT_GROUP_PRESETS.includes(preset)) {
    throw new DomainError("InvalidRequest", `defaultSecurityGroup: must be one of ${DEFAULT_GROUP_PRESETS.join(", ")} (got ${JSON.stringify(preset)})`, { field: "defaultSecurityGroup" });
  }
  return preset;
}

export interface VpcFilters {
  region?: string | undefined;
  name?: string | undefined;
  cidr?: string | undefined;
  /** Only the default VPCs (true) or only the others (false). */
  isDefault?: boolean | undefined;
}

export class VpcService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly dependents: DependentsProbe,
    private readonly events: EventService,
    private readonly facts: VpcFacts,
  ) {}

  async create(actor: Actor, input: CreateVpcInput): Promise<Vpc> {
    const region = this.regions.require(input.region);
    const cidr = parsePrivateCidr(input.cidr, "cidr", 8, 28);
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    const dnsSupport = input.dnsSupport ?? true;
    const dnsHostnames = input.dnsHostnames ?? false;
    checkDns(dnsSupport, dnsHostnames, input.dnsHostnames ? "dnsHostnames" : "dnsSupport");
    const preset = groupPreset(this.deps, input.defaultSecurityGroup);
    const r = this.deps.store.repos;
    const { sets, made } = newVpcRows(this.deps, this.events, r, actor.accountId, [
      {
        name: input.name,
        description: input.description ?? "",
        region: region.id,
        cidr: formatCidr(cidr),
        tags,
        dnsSupport,
        dnsHostnames,
        networkAddressUsageMetrics: input.networkAddressUsageMetrics ?? false,
        defaultSecurityGroup: preset,
        isDefault: false,
      },
    ]);
    // One atomic write (on PostgreSQL one statement), which counts the account's VPCs in the
    // region (its default VPC left out, #20) under the quota counter's lock and writes nothing
    // when the quota is reached.
    const limit = this.deps.config.limits.vpcsPerRegion;
    const { written, json, counted } = await this.deps.store.batch(sets, { json: r.vpcs.jsonOf(made[0]!.id), quota: { name: "vpcsPerRegion", accountId: actor.accountId, region: region.id, limit } });
    if (!written) throw quotaReached(this.deps.config.limits, "vpcsPerRegion", counted!, `VPCs in ${region.id}`);
    const vpc = parseJson(json as Json<Vpc>);
    // Its subnets are likely next (SubnetService).
    this.facts.remember(vpc);
    return vpc;
  }

  /** The VPC as the JSON text the store built (the native API sends it as it is). */
  async getJson(actor: Actor, id: string): Promise<Json<Vpc>> {
    const vpc = await this.deps.store.read.vpcs.getJson(actor, id);
    if (vpc === null) throw notFound("vpc", id);
    return vpc;
  }

  async get(actor: Actor, id: string): Promise<Vpc> {
    return parseJson(await this.getJson(actor, id));
  }

  listJson(actor: Actor, filters: VpcFilters, opts: ListOptions): Promise<Page<Json<Vpc>>> {
    return this.deps.store.read.vpcs.listJson(actor, { region: filters.region, name: filters.name, cidr: filters.cidr, is_default: flagFilter(filters.isDefault) }, opts);
  }

  /** Which of these VPCs are still pending: their router not built yet (service/transitions.ts). */
  pending(vpcs: readonly Vpc[]): Promise<Set<string>> {
    return pendingVpcs(this.deps, vpcs);
  }

  /** The VPCs that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search). */
  search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: Vpc[] }> {
    return this.deps.store.read.vpcs.search(actor, s, window);
  }

  /** A keyset page of the VPCs that meet a Describe call's criteria (SQL; OwnedRepo.searchList). */
  searchList(actor: Actor, s: OwnedSearch, opts: ListOptions): Promise<Page<Vpc>> {
    return this.deps.store.read.vpcs.searchList(actor, s, opts);
  }

  async list(actor: Actor, filters: VpcFilters, opts: ListOptions): Promise<Page<Vpc>> {
    return parsePage(await this.listJson(actor, filters, opts));
  }

  async update(actor: Actor, id: string, input: UpdateVpcInput): Promise<Vpc> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const vpc = await r.vpcs.lock(actor, id);
      if (!vpc) throw notFound("vpc", id);
      const dnsSupport = input.dnsSupport ?? vpc.dnsSupport;
      const dnsHostnames = input.dnsHostnames ?? vpc.dnsHostnames;
      checkDns(dnsSupport, dnsHostnames, input.dnsHostnames ? "dnsHostnames" : "dnsSupport");
      await r.vpcs.update(
        actor.accountId,
        id,
        {
          name: input.name ?? vpc.name,
          description: input.description ?? vpc.description,
          dns_support: flag(dnsSupport),
          dns_hostnames: flag(dnsHostnames),
          network_address_usage_metrics: flag(input.networkAddressUsageMetrics ?? vpc.networkAddressUsageMetrics),
          updated_at: nowIso(this.deps),
        },
        tags,
      );
      const after = (await r.vpcs.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "vpc", "updated", id, updatedMessage(named("VPC", id, after.name), fields), { fields });
      return after;
    });
  }

  /** Deletes a VPC with its default route table and that table's routes; refused while anything else depends on it. */
  async delete(actor: Actor, id: string): Promise<void> {
    this.facts.forget(id);
    try {
      await this.deleteLocked(actor, id);
    } catch (e) {
      // Something naming the VPC or its default group committed by another server after the checks: the constraints' backstop.
      if (isForeignKeyViolation(e)) throw new DomainError("DependencyViolation", `vpc ${id} is still in use; delete what depends on it first`, { id, dependents: [] });
      throw e;
    }
  }

  private async deleteLocked(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const vpc = await r.vpcs.lock(actor, id);
      if (!vpc) throw notFound("vpc", id);
      const blockers = await this.dependents.ofVpc(r, actor.accountId, vpc);
      if (blockers.length > 0) {
        const list = blockers.map((b) => `${b.resource} ${b.id}`).join(", ");
        throw new DomainError("DependencyViolation", `vpc ${id} still has dependents; delete them first: ${list}`, {
          id,
          dependents: blockers,
        });
      }
      await this.deleteSecurityGroups(r, actor, vpc);
      await r.routes.deleteOfTable(vpc.defaultRouteTableId);
      await r.routeTables.delete(actor.accountId, vpc.defaultRouteTableId);
      await r.vpcs.delete(actor.accountId, id);
      await this.events.resource(
        r,
        actor.accountId,
        "vpc",
        "deleted",
        id,
        `${named("VPC", id, vpc.name)} was deleted with its default route table ${vpc.defaultRouteTableId} and default security group ${vpc.defaultSecurityGroupId}`,
      );
    });
  }

  /**
   * Before a VPC's delete: refused while it has groups besides its default one, or while rules of
   * other VPCs' groups name its default group (another account's counted, not named); then the
   * default group goes, with its rules (announced by vpc.deleted, which names it).
   */
  private async deleteSecurityGroups(r: Repos, actor: Actor, vpc: Vpc): Promise<void> {
    const groups = await r.securityGroups.all(actor, { vpc_id: vpc.id });
    const others = groups.filter((g) => !g.isDefault);
    if (others.length > 0) {
      const dependents = others.slice(0, 20).map((g) => ({ resource: "security-group", id: g.id }));
      throw new DomainError("DependencyViolation", `vpc ${vpc.id} still has security groups; delete them first: ${dependents.map((d) => `security-group ${d.id}`).join(", ")}`, {
        id: vpc.id,
        dependents,
      });
    }
    // Row-locked first, so that a rule naming it added meanwhile (its add share-locks the group)
    // is either seen here or finds the group gone.
    for (const g of groups) await r.securityGroups.lock(actor, g.id);
    const ids = groups.map((g) => g.id);
    // Other accounts' rules naming it do not hold it: they go stale.
    const own = (await ownReferences(r, actor, ids)).slice(0, 20);
    if (own.length > 0) {
      throw new DomainError("DependencyViolation", `vpc ${vpc.id}: rules of other security groups name its default security group; remove them first: ${own.map((g) => `security-group ${g}`).join(", ")}`, {
        id: vpc.id,
        dependents: own.map((g) => ({ resource: "security-group", id: g })),
      });
    }
    for (const g of groups) {
      await r.securityGroupRules.deleteOfGroup(g.id);
      await r.securityGroups.delete(actor.accountId, g.id);
    }
  }
}
