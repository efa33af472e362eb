/**
 * Default VPCs (#20): one per account and region (CIDR: the region's defaultVpcCidr, else
 * 172.31.0.0/16), with a /20 default subnet per zone (domain/default-vpcs.ts), made with the
 * account when config.defaultVpcs is on, and by the start pass (provisionPending) for accounts
 * without theirs. They are VPCs and subnets like any other (the same insert code, delete and peer
 * like any), flagged is_default, and not counted in vpcsPerRegion / subnetsPerVpc. The store's
 * unique partial indexes keep one default per (account, region) and per (VPC, zone) whichever
 * server writes; their violations answer as DefaultVpcAlreadyExists / DefaultSubnetAlreadyExists.
 */
import {
  DEFAULT_VPC_CIDR,
  DEFAULT_VPC_DESCRIPTION,
  DEFAULT_VPC_NAME,
  chooseDefaultSubnetCidr,
  defaultSubnetName,
} from "../domain/default-vpcs.ts";
import { DomainError, isDomainError } from "../domain/errors.ts";
import type { Region, Subnet, Vpc } from "../domain/resources.ts";
import type { DefaultGroupPreset } from "../domain/security-groups.ts";
import { isUniqueViolation } from "../store/db-errors.ts";
import type { Repos } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import type { EventService } from "./events.ts";
import type { RegionService } from "./regions.ts";
import { type NewSubnet, insertSubnets } from "./subnets.ts";
import { type InsertedVpc, groupPreset, insertVpcs } from "./vpcs.ts";

export interface CreateDefaultVpcOptions {
  /** Make its default subnets too, one per zone (default true; Alibaba's CreateDefaultVpc makes none). */
  withSubnets?: boolean | undefined;
  /** What its default security group allows (default: the config's defaultSecurityGroup). */
  defaultSecurityGroup?: DefaultGroupPreset | undefined;
}

/** How the start pass runs (DefaultVpcService.provisionPending). */
export interface PendingPassOptions {
  /** Stops the pass between accounts. */
  signal?: AbortSignal | undefined;
  /** An account that failed (its transaction rolled back); absent: the pass stops with the error. */
  onError?: ((accountId: string, error: unknown) => void) | undefined;
}

/** The region's default VPC CIDR. */
export const defaultVpcCidrOf = (region: Region): string => region.defaultVpcCidr ?? DEFAULT_VPC_CIDR;

export class DefaultVpcService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly regions: RegionService,
    private readonly events: EventService,
  ) {}

  /** The account's default VPC of the region, or null. */
  async defaultVpc(actor: Actor, region: string): Promise<Vpc | null> {
    this.regions.require(region);
    return this.deps.store.read.vpcs.defaultOne(actor.accountId, { region });
  }

  /**
   * The default subnet a launch without a subnet goes to (AWS RunInstances without SubnetId): in
   * the account's default VPC of the region, the default subnet of `zone` when given (none for a
   * zone without one, or unknown), else that of the region's first zone (catalogue order) that
   * has one. `vpc` null: the region has no default VPC; `subnet` null: no such default subnet.
   */
  async defaultSubnet(actor: Actor, region: string, zone?: string): Promise<{ vpc: Vpc | null; subnet: Subnet | null }> {
    const r0 = this.regions.require(region);
    const read = this.deps.store.read;
    const vpc = await read.vpcs.defaultOne(actor.accountId, { region: r0.id });
    if (!vpc) return { vpc: null, subnet: null };
    if (zone !== undefined) return { vpc, subnet: await read.subnets.defaultOne(actor.accountId, { vpc_id: vpc.id, zone }) };
    const byZone = new Map((await read.subnets.defaults(actor.accountId, { vpc_id: vpc.id })).map((s) => [s.zone, s]));
    const first = r0.zones.find((z) => byZone.has(z.name));
    return { vpc, subnet: first ? byZone.get(first.name)! : null };
  }

  /** A new default VPC in the region (DefaultVpcAlreadyExists when it has one), with its default subnets unless withSubnets is false. */
  async createDefaultVpc(actor: Actor, region: string, opts: CreateDefaultVpcOptions = {}): Promise<{ vpc: Vpc; subnets: Subnet[] }> {
    const r0 = this.regions.require(region);
    const preset = groupPreset(this.deps, opts.defaultSecurityGroup);
    return retryOnce(() =>
      this.deps.store.transaction(async (r) => {
        // The account's lock: serializes with the start pass and another create of a default.
        await r.accounts.lock(actor.accountId);
        const existing = await r.vpcs.defaultOne(actor.accountId, { region: r0.id });
        if (existing) throw vpcExists(r0.id, existing.id);
        const [made] = await this.insertDefaultVpcs(r, actor.accountId, [r0], preset, opts.withSubnets ?? true);
        const vpc = (await r.vpcs.get(actor.accountId, made!.id))!;
        // In the region's zone order (they share one creation time).
        const order = (s: Subnet) => r0.zones.findIndex((z) => z.name === s.zone);
        const subnets = (await r.subnets.defaults(actor.accountId, { vpc_id: vpc.id })).sort((x, y) => order(x) - order(y));
        return { vpc, subnets };
      }),
      async () => vpcExists(r0.id, (await this.deps.store.repos.vpcs.defaultOne(actor.accountId, { region: r0.id }))?.id ?? null),
    );
  }

  /**
   * A new default subnet of the region's default VPC in `zone` (undefined: the first zone of the
   * region without one): its own /20 when free, else the first free /20 of the VPC.
   */
  async createDefaultSubnet(actor: Actor, region: string, zone: string | undefined): Promise<Subnet> {
    const r0 = this.regions.require(region);
    if (zone !== undefined) this.regions.zone(r0, zone);
    return retryOnce(() =>
      this.deps.store.transaction(async (r) => {
        const vpc = await this.lockDefaultVpc(r, actor, r0);
        if (!vpc) throw vpcMissing(r0.id);
        const siblings = await r.subnets.all(actor.accountId, { vpc_id: vpc.id });
        const taken = new Map(siblings.filter((s) => s.isDefault).map((s) => [s.zone, s]));
        let name = zone;
        if (name === undefined) {
          name = r0.zones.find((z) => !taken.has(z.name))?.name;
          if (name === undefined) {
            throw new DomainError("DefaultSubnetAlreadyExists", `zone: every zone of ${r0.id} has a default subnet in ${vpc.id} already (${[...taken.values()].map((s) => `${s.zone}: ${s.id}`).join(", ")})`, {
              field: "zone",
              zone: null,
              subnetId: null,
              region: r0.id,
            });
          }
        }
        const existing = taken.get(name);
        if (existing) throw subnetExists(name, existing.id);
        const [id] = await this.insertDefaultSubnets(r, actor.accountId, r0, vpc, siblings, [name]);
        return (await r.subnets.get(actor.accountId, id!))!;
      }),
      () => this.subnetConflict(actor, r0, zone),
    );
  }

  /**
   * Tencent's CreateDefaultVpc: the region's default VPC (made without other subnets when
   * missing) and its default subnet in `zone` (default: the region's first zone; made when
   * missing), in one transaction. `created`: something was made.
   */
  async ensureDefault(actor: Actor, region: string, zone: string | undefined, opts: { defaultSecurityGroup?: DefaultGroupPreset | undefined } = {}): Promise<{ vpc: Vpc; subnet: Subnet; created: boolean }> {
    const r0 = this.regions.require(region);
    const zoneName = this.regions.zone(r0, zone);
    const preset = groupPreset(this.deps, opts.defaultSecurityGroup);
    return retryOnce(() =>
      this.deps.store.transaction(async (r) => {
        await r.accounts.lock(actor.accountId);
        let created = false;
        let vpc = await this.lockDefaultVpc(r, actor, r0);
        if (!vpc) {
          const [made] = await this.insertDefaultVpcs(r, actor.accountId, [r0], preset, false);
          vpc = (await r.vpcs.get(actor.accountId, made!.id))!;
          created = true;
        }
        const siblings = await r.subnets.all(actor.accountId, { vpc_id: vpc.id });
        let subnet = siblings.find((s) => s.isDefault && s.zone === zoneName);
        if (!subnet) {
          const [id] = await this.insertDefaultSubnets(r, actor.accountId, r0, vpc, siblings, [zoneName]);
          subnet = (await r.subnets.get(actor.accountId, id!))!;
          created = true;
        }
        return { vpc, subnet, created };
      }),
      () => this.subnetConflict(actor, r0, zoneName),
    );
  }

  /**
   * An account's default VPCs, in every catalogue region that has none yet, with their default
   * subnets, and the account marked as provisioned: in the caller's transaction (the account's
   * create, or the start pass under the account's lock). A few statements for all regions.
   */
  async provision(r: Repos, accountId: string): Promise<void> {
    const have = new Set((await r.vpcs.defaults(accountId, {})).map((v) => v.region));
    const regions = this.regions.list().filter((g) => !have.has(g.id));
    if (regions.length > 0) await this.insertDefaultVpcs(r, accountId, regions, this.deps.config.defaultSecurityGroup, true);
    await r.accounts.setDefaultVpcsAt(accountId, nowIso(this.deps));
  }

  /**
   * The start pass: accounts made before default VPCs existed, or while they were off, get theirs
   * (each in its own transaction, under the account's lock, re-checked there: two servers starting
   * together provision each account once). Nothing when config.defaultVpcs is off. A default VPC
   * deleted later is not made again: the account is marked. An account that fails is reported to
   * `onError` and left unmarked (the next start tries it again); the pass goes on with the others.
   * `signal` stops it between accounts (the server's shutdown). Answers how many accounts it
   * provisioned and how many failed.
   */
  async provisionPending(opts: PendingPassOptions = {}): Promise<{ provisioned: number; failed: number }> {
    const out = { provisioned: 0, failed: 0 };
    if (!this.deps.config.defaultVpcs) return out;
    let after = "";
    for (;;) {
      if (opts.signal?.aborted) return out;
      const ids = await this.deps.store.repos.accounts.withoutDefaultVpcs(after, 100);
      if (ids.length === 0) return out;
      for (const id of ids) {
        if (opts.signal?.aborted) return out;
        try {
          const made = await this.deps.store.transaction(async (r) => {
            if ((await r.accounts.lockDefaultVpcsAt(id)) !== null) return false;
            await this.provision(r, id);
            return true;
          });
          if (made) out.provisioned++;
        } catch (e) {
          out.failed++;
          if (!opts.onError) throw e;
          opts.onError(id, e);
        }
      }
      after = ids[ids.length - 1]!;
    }
  }

  /**
   * The conflict after a default subnet's create met another's twice: the default subnet of the
   * zone that is there now (zone unknown: the region's first), if any.
   */
  private async subnetConflict(actor: Actor, region: Region, zone: string | undefined): Promise<DomainError> {
    const repos = this.deps.store.repos;
    const vpc = await repos.vpcs.defaultOne(actor.accountId, { region: region.id });
    const name = zone ?? region.zones[0]?.name ?? "";
    const subnet = vpc && (await repos.subnets.defaultOne(actor.accountId, { vpc_id: vpc.id, zone: name }));
    return subnetExists(name, subnet?.id ?? null);
  }

  /** The region's default VPC, row-locked (serializes the subnets made in it), or null. */
  private async lockDefaultVpc(r: Repos, actor: Actor, region: Region): Promise<Vpc | null> {
    const found = await r.vpcs.defaultOne(actor.accountId, { region: region.id });
    return found && r.vpcs.lock(actor.accountId, found.id);
  }

  /** Default VPCs in these regions (none there yet), with a default subnet per zone when `withSubnets`. */
  private async insertDefaultVpcs(r: Repos, accountId: string, regions: readonly Region[], preset: DefaultGroupPreset, withSubnets: boolean): Promise<InsertedVpc[]> {
    const made = await insertVpcs(
      this.deps,
      this.events,
      r,
      accountId,
      regions.map((g) => ({
        name: DEFAULT_VPC_NAME,
        description: DEFAULT_VPC_DESCRIPTION,
        region: g.id,
        cidr: defaultVpcCidrOf(g),
        tags: {},
        dnsSupport: true,
        // As AWS's default VPC: DNS hostnames on.
        dnsHostnames: true,
        networkAddressUsageMetrics: false,
        defaultSecurityGroup: preset,
        isDefault: true,
      })),
    );
    if (withSubnets) {
      const subnets = made.flatMap((vpc, i) => this.defaultSubnetsOf(regions[i]!, vpc, [], regions[i]!.zones.map((z) => z.name), true));
      await insertSubnets(this.deps, this.events, r, accountId, subnets);
    }
    return made;
  }

  /** Default subnets in these zones of a VPC whose subnets are `siblings`; answers their ids. */
  private async insertDefaultSubnets(r: Repos, accountId: string, region: Region, vpc: Vpc, siblings: readonly Subnet[], zones: readonly string[]): Promise<string[]> {
    return insertSubnets(this.deps, this.events, r, accountId, this.defaultSubnetsOf(region, vpc, siblings, zones, false));
  }

  /**
   * The default subnets of these zones: each its zone's /20 of the VPC, or the first free one.
   * `lenient` (a new account's): a zone without a free /20 (a catalogue region of more zones
   * than /20s) gets none, instead of failing the account's create.
   */
  private defaultSubnetsOf(region: Region, vpc: { id: string; region: string; cidr: string; defaultRouteTableId: string }, siblings: readonly { id: string; cidr: string }[], zones: readonly string[], lenient: boolean): NewSubnet[] {
    const taken = [...siblings];
    const out: NewSubnet[] = [];
    for (const zone of zones) {
      const index = region.zones.findIndex((z) => z.name === zone);
      let cidr: string;
      try {
        cidr = chooseDefaultSubnetCidr(vpc, zone, index, taken);
      } catch (e) {
        if (lenient && isDomainError(e) && e.code === "DefaultSubnetCidrUnavailable") continue;
        throw e;
      }
      taken.push({ id: `(default subnet of ${zone})`, cidr });
      out.push({ vpc, zone, cidr, name: defaultSubnetName(zone), description: `Default subnet of ${zone}`, tags: {}, mapPublicIpOnLaunch: true, isDefault: true });
    }
    return out;
  }
}

/**
 * Runs a create again after a unique violation: another server made the same default meanwhile
 * (the unique indexes vpcs_default, subnets_default), and the second run finds it and answers as
 * its checks say. A second violation in a row (it was deleted and made again meanwhile) answers
 * `conflict()`: the default there now, re-read, named in the stable error.
 */
async function retryOnce<T>(work: () => Promise<T>, conflict: () => Promise<DomainError>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      if (attempt > 0) throw await conflict();
    }
  }
}

/** The region has a default VPC (`vpcId` null: another request made and removed one meanwhile). */
function vpcExists(region: string, vpcId: string | null): DomainError {
  if (vpcId === null) {
    return new DomainError("DefaultVpcAlreadyExists", `region: another request was making the default VPC of ${region} at the same time; try again`, { field: "region", region, vpcId });
  }
  return new DomainError("DefaultVpcAlreadyExists", `region: the account has a default VPC in ${region} already: ${vpcId}`, { field: "region", region, vpcId });
}

function vpcMissing(region: string): DomainError {
  return new DomainError("DefaultVpcNotFound", `region: the account has no default VPC in ${region}; create it first`, { field: "region", region });
}

/** The zone has a default subnet (`subnetId` null: another request made and removed one meanwhile). */
function subnetExists(zone: string, subnetId: string | null): DomainError {
  if (subnetId === null) {
    return new DomainError("DefaultSubnetAlreadyExists", `zone: another request was making the default subnet of ${zone} at the same time; try again`, { field: "zone", zone, subnetId });
  }
  return new DomainError("DefaultSubnetAlreadyExists", `zone: the default VPC has a default subnet in ${zone} already: ${subnetId}`, { field: "zone", zone, subnetId });
}
