/**
 * Which security groups an instance has, through Tencent's VPC API: its elastic network interface
 * actions. The VPC API shows no CVM instances (those are the CVM service's), but it shows their
 * network interfaces, and a group guards an interface. A vpcpeer instance has one port, shown as
 * its primary ENI `eni-<suffix of its ins-… id>` (shapes.ts networkInterfaceShape):
 * DescribeNetworkInterfaces lists them with GroupSet; AssociateNetworkInterfaceSecurityGroups
 * appends groups, DisassociateNetworkInterfaceSecurityGroups removes them, and
 * ModifyNetworkInterfaceAttribute SecurityGroupIds sets the list in order (the order is the
 * instance's group order). Tencent refuses Associate on a primary ENI (it is the CVM API's
 * AssociateSecurityGroups there); here the primary ENI is the only kind, so Associate takes it.
 * An instance keeps at least one group: taking away the last is refused.
 */
import type { Instance } from "../../../domain/resources.ts";
import { isDomainError } from "../../../domain/errors.ts";
import { TencentError, invalidValue } from "../errors.ts";
import { Params, paging } from "../params.ts";
import { instanceIdOfEni, networkInterfaceShape } from "../shapes.ts";
import { type ActionDef, type Ctx, exclusive, matches, tagSearch } from "./common.ts";

type WithGroups = Instance;

const notFoundEni = (param: string, eniId: string) => new TencentError("ResourceNotFound", `\`${param}\`: network interface ${eniId} does not exist.`);

/** The instance behind an ENI id (another account's or region's answers like a missing one). */
async function instanceOf(ctx: Ctx, eniId: string, param: string): Promise<WithGroups> {
  try {
    return (await ctx.services.instances.get(ctx.actor, instanceIdOfEni(eniId))) as WithGroups;
  } catch (e) {
    if (isDomainError(e) && e.kind === "NotFound") throw notFoundEni(param, eniId);
    throw e;
  }
}

const groupsOf = (i: WithGroups) => i.securityGroupIds ?? [];

/**
 * New group lists for each named ENI, all checked before any is written: the groups exist in the
 * region and are in the interface's VPC, at least one is left, at most the quota.
 */
async function plan(ctx: Ctx, eniIds: string[], groupIds: string[], next: (current: string[]) => string[], eniParam = (i: number) => `NetworkInterfaceIds.${i}`): Promise<{ instance: WithGroups; groups: string[] }[]> {
  const groups = new Map<string, string>();
  for (const [i, id] of groupIds.entries()) {
    try {
      groups.set(id, (await ctx.services.securityGroups.get(ctx.actor, id)).vpcId);
    } catch (e) {
      if (isDomainError(e) && e.kind === "NotFound") throw new TencentError("ResourceNotFound", `\`SecurityGroupIds.${i}\`: security group ${id} does not exist.`);
      throw e;
    }
  }
  const limit = ctx.services.deps.config.limits.securityGroupsPerInstance;
  const out: { instance: WithGroups; groups: string[] }[] = [];
  for (const [i, eniId] of eniIds.entries()) {
    const instance = await instanceOf(ctx, eniId, eniParam(i));
    for (const [id, vpcId] of groups) {
      if (vpcId !== instance.vpcId) throw new TencentError("UnsupportedOperation", `Security group ${id} is in ${vpcId}, and network interface ${eniId} is in ${instance.vpcId}: an interface takes the groups of its own VPC.`);
    }
    const list = next(groupsOf(instance));
    if (list.length === 0) throw new TencentError("UnsupportedOperation", `Network interface ${eniId} would be left without a security group; an interface here keeps at least one (associate another first).`);
    if (list.length > limit) throw new TencentError("LimitExceeded", `Network interface ${eniId} would have ${list.length} security groups; at most ${limit} are allowed.`);
    out.push({ instance, groups: list });
  }
  return out;
}

/**
 * Writes the change to every interface at once, all or none: `next` applied again to each
 * instance's groups as they are under its row lock (one transaction), so a concurrent change of
 * the same interface is never lost. `plan` checked it beforehand for Tencent's wording.
 */
async function apply(ctx: Ctx, changes: { instance: WithGroups; groups: string[] }[], next: (current: string[]) => string[]): Promise<void> {
  if (changes.every(({ instance, groups }) => sameList(groupsOf(instance), groups))) return;
  await ctx.services.securityGroups.changeGroupsOfInstances(
    ctx.actor,
    changes.map((c) => c.instance.id),
    (current) => next(current),
  );
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((g, i) => g === b[i]);

function eniAndGroups(raw: Record<string, unknown>): { eniIds: string[]; groupIds: string[] } {
  const p = Params.of(raw, ["NetworkInterfaceIds", "SecurityGroupIds"]);
  const eniIds = p.ids("NetworkInterfaceIds", "eni", 100) ?? [];
  const groupIds = p.ids("SecurityGroupIds", "sg", 100) ?? [];
  if (eniIds.length === 0) throw new TencentError("MissingParameter", "The request is missing a required parameter `NetworkInterfaceIds`.");
  if (groupIds.length === 0) throw new TencentError("MissingParameter", "The request is missing a required parameter `SecurityGroupIds`.");
  return { eniIds: [...new Set(eniIds)], groupIds: [...new Set(groupIds)] };
}

export const networkInterfaceActions: Record<string, ActionDef> = {
  DescribeNetworkInterfaces: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["NetworkInterfaceIds", "Filters", "Offset", "Limit"]);
      exclusive(p, "NetworkInterfaceIds");
      const ids = p.ids("NetworkInterfaceIds", "eni");
      const f = p.filters([
        "vpc-id",
        "subnet-id",
        "network-interface-id",
        "attachment.instance-id",
        "groups.security-group-id",
        "network-interface-name",
        "network-interface-description",
        "address-ip",
        "is-primary",
        "eni-type",
        "tag-key",
        "tag:",
      ]);
      const { offset, limit } = paging(p);
      if (!matches(f, "is-primary", true) || !matches(f, "eni-type", "1")) return { NetworkInterfaceSet: [], TotalCount: 0 };
      const eniIds = ids ?? f.get("network-interface-id");
      // Both given: the instances named by both.
      const fromEnis = eniIds?.map(instanceIdOfEni);
      const attached = f.get("attachment.instance-id");
      const columns = {
        region: ctx.region ? [ctx.region] : undefined,
        id: fromEnis && attached ? fromEnis.filter((id) => attached.includes(id)) : (fromEnis ?? attached),
        vpc_id: f.get("vpc-id"),
        subnet_id: f.get("subnet-id"),
        private_ip: f.get("address-ip"),
      };
      // Counted and windowed by the store (OwnedRepo.search): every filter is a criterion of its SQL.
      const search = { columns, nameContains: f.get("network-interface-name"), descriptionContains: f.get("network-interface-description"), memberOf: f.get("groups.security-group-id"), tags: tagSearch(f) };
      const found = await ctx.services.instances.search(ctx.actor, search, { offset, limit });
      return { NetworkInterfaceSet: (found.items as WithGroups[]).map(networkInterfaceShape), TotalCount: found.total };
    },
  },
  AssociateNetworkInterfaceSecurityGroups: {
    async handler(ctx, raw) {
      const { eniIds, groupIds } = eniAndGroups(raw);
      const next = (current: string[]) => [...current, ...groupIds.filter((g) => !current.includes(g))];
      await apply(ctx, await plan(ctx, eniIds, groupIds, next), next);
      return {};
    },
  },
  DisassociateNetworkInterfaceSecurityGroups: {
    async handler(ctx, raw) {
      const { eniIds, groupIds } = eniAndGroups(raw);
      const next = (current: string[]) => current.filter((g) => !groupIds.includes(g));
      await apply(ctx, await plan(ctx, eniIds, groupIds, next), next);
      return {};
    },
  },
  ModifyNetworkInterfaceAttribute: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["NetworkInterfaceId", "NetworkInterfaceName", "NetworkInterfaceDescription", "SecurityGroupIds", "TrunkingFlag"]);
      const eniId = p.id("NetworkInterfaceId", "eni", true);
      const name = p.str("NetworkInterfaceName", false, { maxBytes: 60, min: 0 });
      const description = p.str("NetworkInterfaceDescription", false, { max: 60, min: 0 });
      const groupIds = p.ids("SecurityGroupIds", "sg", 100);
      if (p.oneOf("TrunkingFlag", ["Enable", "Disable"]) === "Enable") throw new TencentError("UnsupportedOperation", "Trunking is not supported here.");
      if (groupIds && new Set(groupIds).size !== groupIds.length) throw invalidValue("SecurityGroupIds", "names a group more than once.", "InvalidParameterValue.Duplicate");
      if (groupIds) await apply(ctx, await plan(ctx, [eniId], groupIds, () => groupIds, () => "NetworkInterfaceId"), () => groupIds);
      else await instanceOf(ctx, eniId, "NetworkInterfaceId");
      if (name !== undefined || description !== undefined) await ctx.services.instances.update(ctx.actor, instanceIdOfEni(eniId), { name, description });
      return {};
    },
  },
};
