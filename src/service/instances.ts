/** Instances: endpoints with a private IP in a subnet, which the data plane makes real. */
import { checkRequestedIp, firstFreeIp } from "../domain/addressing.ts";
import { parseCidr } from "../domain/cidr.ts";
import { DomainError, notFound } from "../domain/errors.ts";
import { placeInstance } from "../domain/hosts.ts";
import { instanceMac, nbName } from "../dataplane/ovn/nb-names.ts";
import type { Instance, ListOptions, Page, Tags } from "../domain/resources.ts";
import { validateTags } from "../domain/tags.ts";
import { isForeignKeyViolation, isUniqueViolation } from "../store/db-errors.ts";
import type { OwnedSearch } from "../store/repos/index.ts";
import { type Actor, type ServiceDeps, nowIso } from "./context.ts";
import { type EventService, givenFields, named, updatedMessage } from "./events.ts";
import { checkQuota } from "./limits.ts";
import type { UpdateInput } from "./vpcs.ts";
import { withDataplane } from "./transitions.ts";
import { checkInstanceGroups } from "./security-groups.ts";

export interface CreateInstanceInput {
  subnetId: string;
  privateIp?: string | undefined;
  /** A known host; default: the host with the fewest instances and VBRs. */
  host?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
  tags?: Tags | undefined;
  /** Addresses at the start of the subnet neither handed out nor accepted (default 2: network and gateway; the AWS face keeps 4, as AWS does). */
  reserveFirst?: number | undefined;
  /** Its security groups, 1 to the quota, of its VPC, in order (default: the VPC's default group). */
  securityGroupIds?: string[] | undefined;
}

export class InstanceService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly events: EventService,
  ) {}

  async create(actor: Actor, input: CreateInstanceInput): Promise<Instance> {
    const tags = validateTags(input.tags ?? {}, this.deps.config.limits.tagsPerResource);
    try {
      const created = await this.deps.store.transaction(async (r) => {
        // The subnet row lock serializes address allocation within the subnet.
        const subnet = await r.subnets.lock(actor, input.subnetId);
        if (!subnet) throw notFound("subnet", input.subnetId, "subnetId");
        const cidr = parseCidr(subnet.cidr, "cidr");
        const siblings = await r.instances.all(actor, { subnet_id: subnet.id });
        checkQuota(this.deps.config.limits, "instancesPerSubnet", siblings.length, `instances in ${subnet.id}`);
        const taken = new Set(siblings.map((i) => i.privateIp));
        const ip =
          input.privateIp !== undefined
            ? checkRequestedIp(cidr, subnet.cidr, input.privateIp, taken, input.reserveFirst)
            : firstFreeIp(cidr, taken, input.reserveFirst);
        if (ip === null) {
          throw new DomainError("SubnetFull", `subnetId: subnet ${subnet.id} (${subnet.cidr}) has no free address left`, { field: "subnetId", cidr: subnet.cidr });
        }
        // Placed in this transaction, under the hosts' lock: concurrent creates count each other.
        // Liveness by the wall clock, as hosts beat by it.
        const host = placeInstance(await r.hosts.loadsForPlacement(new Date().toISOString()), input.host);
        const vpc = await r.vpcs.get(actor.accountId, subnet.vpcId);
        if (!vpc) throw notFound("vpc", subnet.vpcId);
        const groupIds = await checkInstanceGroups(this.deps, r, actor, vpc, input.securityGroupIds);
        const now = nowIso(this.deps);
        const id = this.deps.ids.next("instance");
        await r.instances.insert(
          {
            id,
            account_id: actor.accountId,
            vpc_id: subnet.vpcId,
            subnet_id: subnet.id,
            region: subnet.region,
            zone: subnet.zone,
            private_ip: ip,
            host,
            name: input.name ?? "",
            description: input.description ?? "",
            state: "running",
            security_group_ids: JSON.stringify(groupIds),
            created_at: now,
            updated_at: now,
          },
          tags,
        );
        await r.securityGroupRules.insertMemberships(id, actor.accountId, groupIds);
        const instance = (await r.instances.get(actor, id))!;
        await this.events.resource(r, actor.accountId, "instance", "created", id, `${named("instance", id, instance.name)} was created in ${subnet.id} with ${ip}`, {
          vpcId: instance.vpcId,
          subnetId: subnet.id,
          privateIp: ip,
          securityGroupIds: groupIds,
        });
        return instance;
      });
      return (await this.withPorts([created]))[0]!;
    } catch (e) {
      // A group deleted by another server between the check and the insert.
      if (isForeignKeyViolation(e)) throw new DomainError("ResourceNotFound", "securityGroupIds: one of the security groups no longer exists", { field: "securityGroupIds", resource: "security-group" });
      if (isUniqueViolation(e)) {
        throw new DomainError("IpAddressInUse", `privateIp: ${input.privateIp ?? "the chosen address"} is already used by another instance in this VPC`, { field: "privateIp" });
      }
      throw e;
    }
  }

  async get(actor: Actor, id: string): Promise<Instance> {
    const i = await this.deps.store.read.instances.get(actor, id);
    if (!i) throw notFound("instance", id);
    return (await withDataplane(this.deps, await this.withPorts([i])))[0]!;
  }

  /** How many instances each of these subnets holds (those subnets' index ranges only). */
  async perSubnet(actor: Actor, subnetIds: readonly string[]): Promise<Map<string, number>> {
    const { items } = await this.deps.store.read.instances.search(actor, { columns: { subnet_id: subnetIds } }, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
    const used = new Map<string, number>();
    for (const i of items) used.set(i.subnetId, (used.get(i.subnetId) ?? 0) + 1);
    return used;
  }

  /** The instances that meet a Describe call's criteria, windowed by offset, and their count (SQL; OwnedRepo.search), with their data plane state and ports. */
  async search(actor: Actor, s: OwnedSearch, window: { offset: number; limit: number }): Promise<{ total: number; items: Instance[] }> {
    const found = await this.deps.store.read.instances.search(actor, s, window);
    return { total: found.total, items: await withDataplane(this.deps, await this.withPorts(found.items)) };
  }

  /** A keyset page of the instances that meet a Describe call's criteria (SQL; OwnedRepo.searchList), with their data plane state and ports. */
  async searchList(actor: Actor, s: OwnedSearch, opts: ListOptions): Promise<Page<Instance>> {
    const page = await this.deps.store.read.instances.searchList(actor, s, opts);
    return { items: await withDataplane(this.deps, await this.withPorts(page.items)), nextCursor: page.nextCursor };
  }

  async list(actor: Actor, f: { vpcId?: string | undefined; subnetId?: string | undefined }, opts: ListOptions): Promise<Page<Instance>> {
    const page = await this.deps.store.read.instances.list(actor, { vpc_id: f.vpcId, subnet_id: f.subnetId }, opts);
    return { items: await withDataplane(this.deps, await this.withPorts(page.items)), nextCursor: page.nextCursor };
  }

  async update(actor: Actor, id: string, input: UpdateInput): Promise<Instance> {
    const tags = input.tags && validateTags(input.tags, this.deps.config.limits.tagsPerResource);
    return this.deps.store.transaction(async (r) => {
      const i = await r.instances.lock(actor, id);
      if (!i) throw notFound("instance", id);
      await r.instances.update(actor.accountId, id, { name: input.name ?? i.name, description: input.description ?? i.description, updated_at: nowIso(this.deps) }, tags);
      const after = (await r.instances.get(actor, id))!;
      const fields = givenFields(input);
      await this.events.resource(r, actor.accountId, "instance", "updated", id, updatedMessage(named("instance", id, after.name), fields), { vpcId: after.vpcId, fields });
      return after;
    }).then(async (i) => (await this.withPorts([i]))[0]!);
  }

  /** The hosts instances can be placed on (names only: what runs where is the operator's). */
  async hosts(): Promise<{ name: string; dataplane: "linux" | "ovn"; seenAt: string }[]> {
    return (await this.deps.store.read.hosts.list()).map((h) => ({ name: h.name, dataplane: h.dataplane, seenAt: h.seenAt }));
  }

  /** On an OVN host, an instance shows its logical port (the iface-id a VM binds) and MAC. */
  private async withPorts<T extends Instance>(items: T[]): Promise<T[]> {
    if (!items.some((i) => i.host)) return items;
    const hosts = new Map((await this.deps.store.read.hosts.list()).map((h) => [h.name, h]));
    return items.map((i) => {
      const h = i.host ? hosts.get(i.host) : undefined;
      return h?.dataplane === "ovn" ? { ...i, interfaceId: nbName(h.prefix, "i", i.id), mac: instanceMac(i.privateIp) } : i;
    });
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.store.transaction(async (r) => {
      const i = await r.instances.lock(actor, id);
      if (!i) throw notFound("instance", id);
      await r.securityGroupRules.deleteMemberships(id);
      await r.instances.delete(actor.accountId, id);
      await this.events.resource(r, actor.accountId, "instance", "deleted", id, `${named("instance", id, i.name)} (${i.privateIp}) of ${i.subnetId} was deleted`, { vpcId: i.vpcId, subnetId: i.subnetId });
    });
  }
}
