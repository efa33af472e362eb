/** Subnets: inside their VPC's CIDR, never overlapping a sibling, each using exactly one route table. */
import { type Cidr, contains, formatCidr, overlaps, parseCidr, parsePrivateCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { type Json, type ListOptions, type Page, type Subnet, type Tags, parseJson } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import { isForeignKeyViolation, isRetryable, isUniqueViolation } from "../store/db-errors.ts";
import type { BatchQuota, OwnedSearch, Repos, RowSet } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, flagFilter, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota, quotaReached } from "./limits.ts";
import type { RegionService } from "./regions.ts";
import type { UpdateInput } from "./vpcs.ts";
import type { VpcFact, VpcFacts } from "./vpc-facts.ts";

export interface CreateSubnetInput {
  vpcId: string;
  cidr: string;
  zone?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
  /** A recorded setting (default false): vpcpeer assigns no public IPs. */
  mapPublicIpOnLaunch?: boolean | undefined;
}

/** What a subnet's update may change besides the common fields. */
export interface UpdateSubnetInput extends UpdateInput {
  mapPublicIpOnLaunch?: boolean | undefined;
}

export interface SetRouteTableOptions {
  /**
   * Record the association as explicit even with the VPC's default table (AWS's
   * AssociateRouteTable with the main table). An association with a custom table is always explicit.
   */
  explicit?: boolean | undefined;
}

export interface SubnetFilters {
  vpcId?: string | undefined;
  zone?: string | undefined;
  routeTableId?: string | undefined;
  /** Only default subnets (true) or only the others (false). */
  isDefault?: boolean | undefined;
}

/** A subnet to insert, its values checked (inside its VPC, overlapping no sibling): SubnetService.create's, or a default subnet. */
export interface NewSubnet {
  vpc: { id: string; region: string; defaultRouteTableId: string };
  zone: string;
  cidr: string;
  name: string;
  description: string;
  tags: Tags;
  mapPublicIpOnLaunch: boolean;
  isDefault: boolean;
}

/**
 * New subnets (each using its VPC's default route table, implicitly) and their subnet.created
 * events, as the sets a batch inserts (repos/batch.ts): the one insert path of every subnet, a
 * single create's or an account's default subnets'. Answers their ids in order.
 */
export function newSubnetRows(deps: ServiceDeps, events: EventService, r: Repos, accountId: string, subnets: readonly NewSubnet[]): { sets: RowSet[]; ids: string[] } {
  const now = nowIso(deps);
  const made = subnets.map((n) => ({ n, id: deps.ids.next("subnet") }));
  const rows = r.subnets.rowSets(
    made.map(({ n, id }) => ({
      row: {
        id,
        account_id: accountId,
        vpc_id: n.vpc.id,
        route_table_id: n.vpc.defaultRouteTableId,
        region: n.vpc.region,
        zone: n.zone,
        cidr: n.cidr,
        name: n.name,
        description: n.description,
        map_public_ip_on_launch: n.mapPublicIpOnLaunch ? 1 : 0,
        explicit_association: 0,
        is_default: n.isDefault ? 1 : 0,
        created_at: now,
        updated_at: now,
      },
      tags: n.tags,
    })),
  );
  const announced = events.resourceEvents(
    accountId,
    "subnet",
    "created",
    made.map(({ n, id }) => ({
      id,
      message: `${named(n.isDefault ? "default subnet" : "subnet", id, n.name)} was created in ${n.vpc.id} (${n.cidr}, zone ${n.zone})`,
      extra: { vpcId: n.vpc.id, cidr: n.cidr, routeTableId: n.vpc.defaultRouteTableId, ...(n.isDefault ? { isDefault: true } : {}) },
    })),
  );
  return { sets: [...rows, r.events.rowSet(announced)], ids: made.map(({ id }) => id) };
}

/** Inserts new subnets (newSubnetRows) in the caller's transaction; answers their ids in order. */
export async function insertSubnets(deps: ServiceDeps, events: EventService, r: Repos, accountId: string, subnets: readonly NewSubnet[]): Promise<string[]> {
  const { sets, ids } = newSubnetRows(deps, events, r, accountId, subnets);
  await r.batch.insert(sets);
  return ids;
}

/** Smallest subnet: a /29 leaves five instance addresses after the three reserved ones. */
export const SUBNET_MAX_PREFIX = 29;

export class SubnetService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly events: EventService,
    private readonly facts: VpcFacts,
  ) {}

  async create(actor: Actor, input: CreateSubnetInput): Promise<Subnet> {
    const requested = parsePrivateCidr(input.cidr, "cidr", 8, SUBNET_MAX_PREFIX);
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    // Where the database refuses overlaps itself, the one-statement write first; whatever it
    // refuses goes the locked way, which finds out why (or succeeds, the obstacle gone). Not in
    // an enclosing transaction: a refused statement would leave it aborted.
    if (this.deps.store.caps.overlapConstraint && !this.deps.store.inTransaction) {
      const made = await this.createUnlocked(actor, input, requested, tags);
      if (made) return made;
    }
    return this.createLocked(actor, input, requested, tags);
  }

  /**
   * The VPC as last committed or remembered (its region, CIDR and route table never change:
   * vpc-facts.ts), then the subnet in one statement, committed by itself: the database refuses an
   * overlapping sibling (the exclusion constraint of migration 0026), a reached quota (the VPC's
   * quota counter) and a VPC deleted meanwhile (the foreign keys). Null when it refused, or when
   * there is no such VPC.
   */
  private async createUnlocked(actor: Actor, input: CreateSubnetInput, requested: Cidr, tags: Tags): Promise<Subnet | null> {
    let vpc = this.facts.of(actor, input.vpcId);
    if (vpc === undefined) {
      // Not through the read cache: a VPC just made is not in it, and its check is a round trip of its own.
      const read = await this.deps.store.repos.vpcs.get(actor, input.vpcId);
      if (!read) return null;
      this.facts.remember((vpc = read));
    }
    const r = this.deps.store.repos;
    const { sets, ids } = newSubnetRows(this.deps, this.events, r, actor.accountId, [this.newSubnet(vpc, input, requested, tags)]);
    try {
      const { written, json } = await this.deps.store.batch(sets, { json: r.subnets.jsonOf(ids[0]!), quota: this.quotaOf(vpc) });
      return written ? parseJson(json as Json<Subnet>) : null;
    } catch (e) {
      // A deadlock that outlived the store's retries too: the locked way serializes.
      if (isUniqueViolation(e) || isForeignKeyViolation(e) || isRetryable(e)) return null;
      throw e;
    }
  }

  /** Under the VPC's row lock (which serializes its subnet creates), the checks against its subnets, then the write. */
  private async createLocked(actor: Actor, input: CreateSubnetInput, requested: Cidr, tags: Tags): Promise<Subnet> {
    try {
      return await this.deps.store.transaction(async (r) => {
        // NO KEY UPDATE: the locked creates wait for each other, while an unlocked create's insert
        // (its foreign key's KEY SHARE lock on the VPC) goes through: FOR UPDATE here deadlocked
        // with one that had inserted and waited for it, while this one waited for that insert.
        const vpc = await r.vpcs.lock(actor, input.vpcId, "noKeyUpdate");
        if (!vpc) throw notFound("vpc", input.vpcId, "vpcId");
        const subnet = this.newSubnet(vpc, input, requested, tags);
        const siblings = await r.subnets.all(actor, { vpc_id: vpc.id });
        const clash = siblings.find((s) => overlaps(parseCidr(s.cidr, "cidr"), requested));
        if (clash) throw overlapError(formatCidr(requested), clash);
        // Default subnets are not counted (#20).
        checkQuota(this.deps.config.limits, "subnetsPerVpc", siblings.filter((s) => !s.isDefault).length, `subnets in ${vpc.id}`);
        const { sets, ids } = newSubnetRows(this.deps, this.events, r, actor.accountId, [subnet]);
        // The quota once more through its counter, which creates without this lock also take.
        const { written, json, counted } = await r.batch.insert(sets, { json: r.subnets.jsonOf(ids[0]!), quota: this.quotaOf(vpc) });
        if (!written) throw quotaReached(this.deps.config.limits, "subnetsPerVpc", counted!, `subnets in ${vpc.id}`);
        return parseJson(json as Json<Subnet>);
      });
    } catch (e) {
      // Backstop for the (vpc_id, cidr) unique constraint (and PostgreSQL's overlap exclusion).
      if (isUniqueViolation(e)) {
        throw new DomainError("CidrOverlap", `cidr: ${formatCidr(requested)} is already used by another subnet of ${input.vpcId}`, {
          field: "cidr",
          cidr: formatCidr(requested),
        });
      }
      throw e;
    }
  }

  private quotaOf(vpc: VpcFact): BatchQuota {
    return { name: "subnetsPerVpc", vpcId: vpc.id, limit: this.deps.config.limits.subnetsPerVpc };
  }

  /** The subnet to insert in `vpc`, checked: its zone one of the VPC's region, its CIDR inside the VPC's. */
  private newSubnet(vpc: VpcFact, input: CreateSubnetInput, requested: Cidr, tags: Tags): NewSubnet {
    const zone = this.regions.zone(this.regions.require(vpc.region), input.zone);
    const vpcCidr = parseCidr(vpc.cidr, "vpc.cidr");
    if (!contains(vpcCidr, requested)) {
      throw new DomainError("CidrNotWithinVpc", `cidr: ${formatCidr(requested)} is not inside the CIDR ${vpc.cidr} of ${vpc.id}`, {
        field: "cidr",
        cidr: formatCidr(requested),
        vpcCidr: vpc.cidr,
      });
    }
    return { vpc, zone, cidr: formatCidr(requested), name: input.name ?? "", description: input.description ?? "", tags, mapPublicIpOnLaunch: input.mapPublicIpOnLaunch ?? false, isDefault: false };
  }

  async get(actor: Actor, id: string): Promise<Subnet> {
    const subnet = await this.deps.store.read.subnets.get(actor, id);
    if (!subnet) throw notFound("subnet", id);
    return subnet;
  }

  /** The subnets that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search). */
  search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: Subnet[] }> {
    return this.deps.store.read.subnets.search(actor, s, window);
  }

  /** A keyset page of the subnets that meet a Describe call's criteria (SQL; OwnedRepo.searchList). */
  searchList(actor: Actor, s: OwnedSearch, opts: ListOptions): Promise<Page<Subnet>> {
    return this.deps.store.read.subnets.searchList(actor, s, opts);
  }

  list(actor: Actor, f: SubnetFilters, opts: ListOptions): Promise<Page<Subnet>> {
    return this.deps.store.read.subnets.list(actor, { vpc_id: f.vpcId, zone: f.zone, route_table_id: f.routeTableId, is_default: flagFilter(f.isDefault) }, opts);
  }

  async update(actor: Actor, id: string, input: UpdateSubnetInput): Promise<Subnet> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const s = await r.subnets.lock(actor, id);
      if (!s) throw notFound("subnet", id);
      const mapPublicIp = input.mapPublicIpOnLaunch ?? s.mapPublicIpOnLaunch;
      await r.subnets.update(
        actor.accountId,
        id,
        { name: input.name ?? s.name, description: input.description ?? s.description, map_public_ip_on_launch: mapPublicIp ? 1 : 0, updated_at: nowIso(this.deps) },
        tags,
      );
      const after = (await r.subnets.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "subnet", "updated", id, updatedMessage(named("subnet", id, after.name), fields), { vpcId: after.vpcId, fields });
      return after;
    });
  }

  /**
   * Associates the subnet with a route table of the same VPC (replacing its current association).
   * The association is explicit with a custom table, or with the default one when `opts.explicit`.
   */
  async setRouteTable(actor: Actor, id: string, routeTableId: string, opts: SetRouteTableOptions = {}): Promise<Subnet> {
    return this.deps.store.transaction(async (r) => {
      const subnet = await r.subnets.lock(actor, id);
      if (!subnet) throw notFound("subnet", id);
      const table = await r.routeTables.lock(actor, routeTableId);
      if (!table) throw notFound("route-table", routeTableId, "routeTableId");
      if (table.vpcId !== subnet.vpcId) {
        throw new DomainError("RouteTableMismatch", `routeTableId: ${routeTableId} belongs to ${table.vpcId}, but subnet ${id} is in ${subnet.vpcId}`, {
          field: "routeTableId",
          routeTableVpcId: table.vpcId,
          subnetVpcId: subnet.vpcId,
        });
      }
      const explicit = opts.explicit === true || !table.isDefault;
      await r.subnets.update(actor.accountId, id, { route_table_id: routeTableId, explicit_association: explicit ? 1 : 0, updated_at: nowIso(this.deps) }, undefined);
      return this.associated(r, actor, subnet);
    });
  }

  /** Returns the subnet to its VPC's default route table, implicitly associated ("disassociate"). */
  async resetRouteTable(actor: Actor, id: string): Promise<Subnet> {
    return this.deps.store.transaction(async (r) => {
      const subnet = await r.subnets.lock(actor, id);
      if (!subnet) throw notFound("subnet", id);
      const vpc = await r.vpcs.get(actor, subnet.vpcId);
      if (!vpc) throw notFound("vpc", subnet.vpcId);
      await r.subnets.update(actor.accountId, id, { route_table_id: vpc.defaultRouteTableId, explicit_association: 0, updated_at: nowIso(this.deps) }, undefined);
      return this.associated(r, actor, subnet);
    });
  }

  /** The subnet after an association change, announced as subnet.updated. */
  private async associated(r: Repos, actor: Actor, before: Subnet): Promise<Subnet> {
    const after = (await r.subnets.get(actor, before.id))!;
    await this.events.resource(
      r,
      actor.accountId,
      "subnet",
      "updated",
      after.id,
      `${named("subnet", after.id, after.name)} now uses route table ${after.routeTableId}${after.routeTableId === before.routeTableId ? "" : ` (was ${before.routeTableId})`}`,
      { vpcId: after.vpcId, fields: ["routeTableId"], routeTableId: after.routeTableId, previousRouteTableId: before.routeTableId },
    );
    return after;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const subnet = await r.subnets.lock(actor, id);
      if (!subnet) throw notFound("subnet", id);
      const instances = await r.instances.all(actor, { subnet_id: id });
      if (instances.length > 0) {
        throw new DomainError("DependencyViolation", `subnet ${id} still has instances; delete them first: ${instances.slice(0, 20).map((i) => i.id).join(", ")}`, {
          id,
          dependents: instances.slice(0, 20).map((i) => ({ resource: "instance", id: i.id })),
        });
      }
      await r.subnets.delete(actor.accountId, id);
      await this.events.resource(r, actor.accountId, "subnet", "deleted", id, `${named("subnet", id, subnet.name)} of ${subnet.vpcId} was deleted`, { vpcId: subnet.vpcId });
    });
  }
}

function overlapError(requested: string, clash: Subnet): DomainError {
  return new DomainError("CidrOverlap", `cidr: ${requested} overlaps ${clash.cidr} of subnet ${clash.id}`, {
    field: "cidr",
    cidr: requested,
    conflictingCidr: clash.cidr,
    conflictingSubnetId: clash.id,
  });
}
