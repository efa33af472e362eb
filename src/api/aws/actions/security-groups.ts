/**
 * EC2 security group actions over services.securityGroups (#19): CreateSecurityGroup,
 * DescribeSecurityGroups, DescribeSecurityGroupRules, DeleteSecurityGroup,
 * ModifyInstanceAttribute (an instance's groups), DescribeSecurityGroupReferences and
 * DescribeStaleSecurityGroups, with the shapes and codes the SDKs and Terraform's AWS provider
 * (aws_security_group, aws_security_group_rule, aws_vpc_security_group_ingress_rule/egress_rule)
 * read. The actions that change rules (Authorize*, Revoke*, ModifySecurityGroupRules,
 * UpdateSecurityGroupRuleDescriptions*) are security-group-rules.ts's.
 *
 * AWS's model on vpcpeer's: every rule allows (action accept, priority 1); one IpPermission with
 * several IpRanges/Groups is one rule per peer; `-1` is protocol `all`; tcp/udp ports 0–65535 are
 * vpcpeer's 1–65535 (port 0 carries nothing) and are shown as 0–65535; an ICMP rule's FromPort is
 * its type and ToPort its code (-1: any). Rules made through another face that AWS cannot say
 * (drop, or a priority other than 1) are not shown here. IPv6 ranges and prefix lists do not
 * exist here: refused when authorized, never found when revoked.
 */
import { DomainError } from "../../../domain/errors.ts";
import type { Instance, Tags } from "../../../domain/resources.ts";
import type { SecurityGroup, SecurityGroupRule, SgDirection, SgProtocol } from "../../../domain/security-groups.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, filterNames, keysetPage, listAll, paginate, tagSet } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { awsIdsIn, nativeId } from "../ids.ts";
import { AWS_TEXT, AWS_TEXT_SET, groupId, groupsByNames } from "./ip-permissions.ts";
import type { FilterSpec } from "../query.ts";
import type { XmlValue } from "../xml.ts";

// ---- names, ids, lookups --------------------------------------------------------------------------

const groupArn = (g: SecurityGroup) => `arn:aws:ec2:${g.region}:${g.accountId}:security-group/${g.id}`;
const ruleArn = (g: RuleGroup, ruleId: string) => `arn:aws:ec2:${g.region}:${g.accountId}:security-group-rule/${ruleId}`;

const groupNotFound = (shown: string[]) =>
  new AwsError("InvalidGroup.NotFound", 400, shown.length === 1 ? `The security group ID '${shown[0]!.slice(0, 80)}' does not exist` : `The security group IDs '${shown.join("', '").slice(0, 400)}' do not exist`);

export const ruleNotFound = (shown: string[]) =>
  new AwsError("InvalidSecurityGroupRuleId.NotFound", 400, shown.length === 1 ? `The security group rule ID '${shown[0]!.slice(0, 80)}' does not exist` : `The security group rule IDs '${shown.join("', '").slice(0, 400)}' do not exist`);

export const ruleId = (value: string, param: string) => nativeId("securityGroupRule", value, param);

/** The caller's groups with these ids (all of them, or InvalidGroup.NotFound naming the missing). */
export async function groupsByIds(c: Ctx, ids: readonly string[]): Promise<SecurityGroup[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const found = (await c.services.securityGroups.list(c.actor, { ids: unique }, { limit: unique.length })).items;
  const have = new Map(found.map((g) => [g.id, g]));
  const missingIds = unique.filter((id) => !have.has(id));
  if (missingIds.length > 0) throw groupNotFound(missingIds);
  return ids.map((id) => have.get(id)!);
}

/** The group an action works on: `GroupId`, or (where the action has it) `GroupName`. */
export async function targetGroup(c: Ctx, byName: boolean): Promise<SecurityGroup> {
  const id = c.p.str("GroupId", { max: 64 });
  const name = byName ? c.p.str("GroupName") : undefined;
  if (id !== undefined && id !== "" && name !== undefined && name !== "") throw new AwsError("InvalidParameterCombination", 400, "The parameter GroupId cannot be used with the parameter GroupName");
  if (id !== undefined && id !== "") return c.services.securityGroups.get(c.actor, groupId(id, "GroupId"));
  if (name !== undefined && name !== "") return (await groupsByNames(c, [name], undefined, "GroupName"))[0]!;
  throw missing(byName ? "GroupId or GroupName" : "GroupId");
}

/** Group names by id, for instances' and interfaces' groupSet (their groups are the caller's, in one VPC). */
export async function groupNames(c: Ctx, instances: readonly Instance[]): Promise<Map<string, string>> {
  const ids = [...new Set(instances.flatMap((i) => i.securityGroupIds ?? []))];
  if (ids.length === 0) return new Map();
  const found = await listAll((o) => c.services.securityGroups.list(c.actor, { ids }, o));
  return new Map(found.map((g) => [g.id, g.name]));
}

/** An instance's groups as EC2's GroupIdentifier list. */
export const groupSetOf = (i: Instance, names: ReadonlyMap<string, string>): XmlValue[] => (i.securityGroupIds ?? []).map((id) => ({ groupId: id, groupName: names.get(id) ?? "" }));

/**
 * The groups `SecurityGroupId.N` and `SecurityGroup.N` (names) of RunInstances name, in the
 * subnet's VPC, in order, without repeats; undefined when neither is given (the VPC's default).
 */
export async function launchGroups(c: Ctx, vpcId: string): Promise<string[] | undefined> {
  const ids = c.p.list("SecurityGroupId").map((v, i) => groupId(v, `SecurityGroupId.${i + 1}`));
  const names = c.p.list("SecurityGroup");
  if (ids.length === 0 && names.length === 0) return undefined;
  const byId = await groupsInVpc(c, ids, vpcId);
  const byName = await groupsByNames(c, names, vpcId, "SecurityGroup");
  return [...new Set([...byId.map((g) => g.id), ...byName.map((g) => g.id)])];
}

/** The caller's groups with these ids, each in `vpcId` (AWS's words otherwise). */
async function groupsInVpc(c: Ctx, ids: readonly string[], vpcId: string): Promise<SecurityGroup[]> {
  let groups: SecurityGroup[];
  try {
    groups = await groupsByIds(c, ids);
  } catch (e) {
    if (e instanceof AwsError && e.code === "InvalidGroup.NotFound") throw new AwsError(e.code, 400, `${e.message} in VPC '${vpcId}'`);
    throw e;
  }
  const other = groups.find((g) => g.vpcId !== vpcId);
  if (other) throw new AwsError("InvalidGroup.NotFound", 400, `The security group '${other.id}' does not exist in VPC '${vpcId}' (it is in ${other.vpcId})`);
  return groups;
}

// ---- views ---------------------------------------------------------------------------------------

/** The rules AWS can say: accept rules at priority 1. */
export const awsRules = (g: SecurityGroup) => g.rules.filter((r) => r.action === "accept" && r.priority === 1);

/** FromPort/ToPort as EC2 shows them (undefined for all protocols in an IpPermission). */
function wirePorts(r: SecurityGroupRule): { from: number | undefined; to: number | undefined } {
  if (r.protocol === "tcp" || r.protocol === "udp") return { from: r.fromPort === 1 && r.toPort === 65535 ? 0 : (r.fromPort ?? 0), to: r.toPort ?? 65535 };
  if (r.protocol === "icmp") return { from: r.icmpType ?? -1, to: r.icmpCode ?? -1 };
  return { from: undefined, to: undefined };
}

const wireProtocol = (p: SgProtocol) => (p === "all" ? "-1" : p);

/** A group's rules of one direction as EC2's IpPermission list: one per protocol and ports, its peers grouped. */
export function permissions(g: SecurityGroup, direction: SgDirection, rules: readonly SecurityGroupRule[] = awsRules(g)): XmlValue[] {
  const byKey = new Map<string, { ipProtocol: string; fromPort?: number; toPort?: number; groups: XmlValue[]; ipRanges: XmlValue[]; ipv6Ranges: XmlValue[]; prefixListIds: XmlValue[] }>();
  for (const r of rules) {
    if (r.direction !== direction) continue;
    const { from, to } = wirePorts(r);
    const key = `${r.protocol}|${from ?? ""}|${to ?? ""}`;
    let perm = byKey.get(key);
    if (!perm) byKey.set(key, (perm = { ipProtocol: wireProtocol(r.protocol), fromPort: from, toPort: to, groups: [], ipRanges: [], ipv6Ranges: [], prefixListIds: [] }));
    const description = r.description === "" ? undefined : r.description;
    if ("cidr" in r.peer) perm.ipRanges.push({ cidrIp: r.peer.cidr, description });
    else perm.groups.push({ userId: r.peer.accountId, groupId: r.peer.securityGroupId, description });
  }
  return [...byKey.values()];
}

function groupView(g: SecurityGroup): XmlValue {
  return {
    ownerId: g.accountId,
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    ipPermissions: permissions(g, "ingress"),
    ipPermissionsEgress: permissions(g, "egress"),
    vpcId: g.vpcId,
    securityGroupArn: groupArn(g),
    tagSet: tagSet(g.tags),
  };
}

/** What EC2's rule shapes (SecurityGroupRule, RevokedSecurityGroupRule) share. */
export function ruleFields(groupId: string, r: SecurityGroupRule) {
  const { from, to } = wirePorts(r);
  return {
    securityGroupRuleId: r.id,
    groupId,
    isEgress: r.direction === "egress",
    ipProtocol: wireProtocol(r.protocol),
    fromPort: from ?? -1,
    toPort: to ?? -1,
    cidrIpv4: "cidr" in r.peer ? r.peer.cidr : undefined,
    description: r.description === "" ? undefined : r.description,
  };
}

/** What a rule's view needs of its group. */
type RuleGroup = Pick<SecurityGroup, "id" | "accountId" | "region">;

/** One rule as EC2's SecurityGroupRule (DescribeSecurityGroupRules, Authorize*'s answer). */
export function ruleView(g: RuleGroup, r: SecurityGroupRule): XmlValue {
  return {
    ...ruleFields(g.id, r),
    groupOwnerId: g.accountId,
    referencedGroupInfo: "securityGroupId" in r.peer ? { groupId: r.peer.securityGroupId, userId: r.peer.accountId } : undefined,
    tagSet: [],
    securityGroupRuleArn: ruleArn(g, r.id),
  };
}

const ruleFilterValues = (g: SecurityGroup, direction: SgDirection, pick: (r: SecurityGroupRule) => string | number | undefined | null): string[] =>
  awsRules(g)
    .filter((r) => r.direction === direction)
    .map(pick)
    .filter((v): v is string | number => v !== undefined && v !== null)
    .map(String);

const permissionFields = (prefix: string, direction: SgDirection): FilterFields<SecurityGroup> => ({
  [`${prefix}cidr`]: (g) => ruleFilterValues(g, direction, (r) => ("cidr" in r.peer ? r.peer.cidr : null)),
  [`${prefix}from-port`]: (g) => ruleFilterValues(g, direction, (r) => wirePorts(r).from ?? -1),
  [`${prefix}to-port`]: (g) => ruleFilterValues(g, direction, (r) => wirePorts(r).to ?? -1),
  [`${prefix}protocol`]: (g) => ruleFilterValues(g, direction, (r) => wireProtocol(r.protocol)),
  [`${prefix}group-id`]: (g) => ruleFilterValues(g, direction, (r) => ("securityGroupId" in r.peer ? r.peer.securityGroupId : null)),
  [`${prefix}user-id`]: (g) => ruleFilterValues(g, direction, (r) => ("securityGroupId" in r.peer ? r.peer.accountId : null)),
  // A referenced group's name is not part of the rule; IPv6 ranges and prefix lists do not exist here.
  [`${prefix}group-name`]: () => null,
  [`${prefix}ipv6-cidr`]: () => null,
  [`${prefix}prefix-list-id`]: () => null,
});

const GROUP_FIELDS: FilterFields<SecurityGroup> = {
  description: (g) => g.description,
  "group-id": (g) => g.id,
  "group-name": (g) => g.name,
  "owner-id": (g) => g.accountId,
  "vpc-id": (g) => g.vpcId,
  ...permissionFields("ip-permission.", "ingress"),
  ...permissionFields("egress.ip-permission.", "egress"),
};

interface RuleRow {
  group: RuleGroup;
  rule: SecurityGroupRule;
}

const RULE_FIELDS: FilterFields<RuleRow> = {
  "group-id": (r) => r.group.id,
  "security-group-rule-id": (r) => r.rule.id,
};

/** The caller's groups for a filter list, split into what the service's list can select and what stays in memory. */
function listCriteria(filters: readonly FilterSpec[], ids: string[]): { f: { ids?: string[]; names?: string[]; vpcId?: string }; tags: { key: string; value?: string }[]; rest: FilterSpec[] } {
  const f: { ids?: string[]; names?: string[]; vpcId?: string } = ids.length > 0 ? { ids } : {};
  const tags: { key: string; value?: string }[] = [];
  const rest: FilterSpec[] = [];
  for (const x of filters) {
    const exact = !x.values.some((v) => /[*?]/.test(v));
    if (exact && x.name === "group-id" && f.ids === undefined) f.ids = x.values;
    else if (exact && x.name === "group-name" && f.names === undefined) f.names = x.values;
    else if (exact && x.name === "vpc-id" && f.vpcId === undefined && x.values.length === 1) f.vpcId = x.values[0]!;
    else if (exact && x.name.startsWith("tag:") && x.values.length === 1) tags.push({ key: x.name.slice(4), value: x.values[0]! });
    else if (exact && x.name === "tag-key" && x.values.length === 1) tags.push({ key: x.values[0]! });
    else rest.push(x);
  }
  return { f, tags, rest };
}

// ---- the actions -----------------------------------------------------------------------------------

export const securityGroupsActions: ActionTable = {
  CreateSecurityGroup: {
    params: ["GroupDescription", "GroupName", "VpcId", "TagSpecification"],
    dryRun: true,
    async run(c) {
      const name = c.p.str("GroupName", { max: 1024 });
      if (name === undefined || name === "") throw missing("GroupName");
      const description = c.p.str("GroupDescription", { max: 1024 });
      if (description === undefined) throw missing("GroupDescription");
      if (name.length > 255 || !AWS_TEXT.test(name)) throw new AwsError("InvalidParameterValue", 400, `Invalid security group name (parameter GroupName: '${name.slice(0, 80)}'). Valid security group names are strings less than 256 characters from the following set: ${AWS_TEXT_SET}`);
      if (name.toLowerCase().startsWith("sg-")) throw badValue("GroupName", name, "group names may not be in the format sg-*");
      if (name === "default") throw new AwsError("InvalidParameterValue", 400, "Cannot use reserved security group name: default (parameter GroupName)");
      if (description.length > 255 || !AWS_TEXT.test(description)) throw new AwsError("InvalidParameterValue", 400, `Invalid security group description (parameter GroupDescription). Valid descriptions are strings less than 256 characters from the following set: ${AWS_TEXT_SET}`);
      const vpcValue = c.p.str("VpcId", { max: 64 });
      // No VpcId: the account's default VPC of the region, as in AWS.
      const vpcId = vpcValue === undefined || vpcValue === "" ? (await c.services.defaultVpcs.defaultVpc(c.actor, c.region.id))?.id : nativeId("vpc", vpcValue, "VpcId");
      if (vpcId === undefined) throw new AwsError("VPCIdNotSpecified", 400, `No default VPC for this user in ${c.region.id}: name the VPC (parameter VpcId), or create the default VPC (CreateDefaultVpc).`);
      const tags: Tags = c.p.tagSpecs("security-group");
      let g: SecurityGroup;
      try {
        g = await c.services.securityGroups.create(c.actor, { vpcId, name, description, tags, uniqueName: true });
      } catch (e) {
        if (e instanceof DomainError && e.code === "NameTaken") throw new AwsError("InvalidGroup.Duplicate", 400, `The security group '${name.slice(0, 80)}' already exists for VPC '${vpcId}'`);
        throw e;
      }
      return { groupId: g.id, tagSet: tagSet(g.tags), securityGroupArn: groupArn(g) };
    },
  },

  DescribeSecurityGroups: {
    params: ["GroupId", "GroupName", "NextToken", "MaxResults", "Filter"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("GroupId").map((v, i) => groupId(v, `GroupId.${i + 1}`));
      const names = c.p.list("GroupName");
      const filters = c.p.filters(filterNames(GROUP_FIELDS));
      // Every group asked for by id or name must be the caller's, whatever the filters.
      if (ids.length > 0) await groupsByIds(c, ids);
      if (names.length > 0) await groupsByNames(c, names, undefined, "GroupName");
      const { f, tags, rest } = listCriteria(names.length > 0 ? [{ name: "group-name", values: names }, ...filters] : filters, [...new Set(ids)]);
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.securityGroups.list(c.actor, f, { ...o, tags: tags.length > 0 ? tags : undefined }),
        (items) => applyFilters(items, rest, GROUP_FIELDS),
        { min: 5, max: 1000 },
      );
      return { securityGroupInfo: page.map(groupView), nextToken };
    },
  },

  DescribeSecurityGroupRules: {
    params: ["Filter", "SecurityGroupRuleId", "NextToken", "MaxResults"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("SecurityGroupRuleId").map((v, i) => ruleId(v, `SecurityGroupRuleId.${i + 1}`));
      const filters = c.p.filters(filterNames(RULE_FIELDS));
      const exact = (name: string) => filters.find((x) => x.name === name && !x.values.some((v) => /[*?]/.test(v)));
      const byGroup = exact("group-id");
      const byRule = exact("security-group-rule-id");
      if (ids.length === 0 && !byGroup && !byRule) {
        // Every rule of the caller's groups in the region: pages of them in SQL (by the groups'
        // creation, each group's rules as DescribeSecurityGroups shows them), only the rules AWS
        // can say (awsRules); the filters left are applied to each batch.
        const { page, nextToken } = await keysetPage(
          c,
          (o) => c.services.securityGroups.rulePage(c.actor, o, { action: "accept", priority: 1 }),
          (items) => applyFilters(items, filters, RULE_FIELDS, () => ({})),
          { min: 5, max: 1000 },
        );
        return { securityGroupRuleSet: page.map((r) => ruleView(r.group, r.rule)), nextToken };
      }
      // Only the groups that hold the rules asked for (or filtered on), or the groups filtered on, are read.
      const ruleIds = [...new Set([...ids, ...(ids.length === 0 && byRule ? byRule.values : [])])];
      const groups = await listAll((o) => c.services.securityGroups.list(c.actor, { ...(byGroup ? { ids: byGroup.values } : {}), ...(ruleIds.length > 0 ? { ruleIds } : {}) }, o));
      const rows: RuleRow[] = groups.flatMap((group) => awsRules(group).map((rule) => ({ group, rule })));
      if (ids.length > 0) {
        const have = new Set(rows.map((r) => r.rule.id));
        const missingIds = [...new Set(ids)].filter((id) => !have.has(id));
        if (missingIds.length > 0) throw ruleNotFound(missingIds);
      }
      const wanted = new Set(ids);
      const kept = applyFilters(ids.length > 0 ? rows.filter((r) => wanted.has(r.rule.id)) : rows, filters, RULE_FIELDS, () => ({}));
      const { page, nextToken } = paginate(c, kept, { min: 5, max: 1000 });
      return { securityGroupRuleSet: page.map((r) => ruleView(r.group, r.rule)), nextToken };
    },
  },

  DeleteSecurityGroup: {
    params: ["GroupId", "GroupName"],
    dryRun: true,
    async run(c) {
      const group = await targetGroup(c, true);
      if (group.isDefault) throw new AwsError("CannotDelete", 400, `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
      try {
        await c.services.securityGroups.delete(c.actor, group.id);
      } catch (e) {
        if (e instanceof DomainError && e.code === "DefaultSecurityGroupImmutable") throw new AwsError("CannotDelete", 400, `the specified group: "${group.id}" name: "default" cannot be deleted by a user`);
        if (e instanceof DomainError && e.code === "DependencyViolation") {
          const members = Array.isArray(e.details.members) ? e.details.members : [];
          const groups = Array.isArray(e.details.referencedBy) ? (e.details.referencedBy as string[]) : [];
          // Only the account's own rules block a delete (another account's go stale).
          if (members.length === 0 && groups.length > 0) {
            throw new AwsError("InvalidGroup.InUse", 400, `Group ${group.id} is used by groups: ${groups.join(" ")}`);
          }
          throw new AwsError("DependencyViolation", 400, `resource ${group.id} has a dependent object: ${awsIdsIn(e.message)}`);
        }
        throw e;
      }
      return { return: true, groupId: group.id };
    },
  },

  ModifyInstanceAttribute: {
    params: [
      "InstanceId",
      "Attribute",
      "Value",
      "GroupId",
      "BlockDeviceMapping",
      "DisableApiTermination",
      "DisableApiStop",
      "InstanceType",
      "Kernel",
      "Ramdisk",
      "UserData",
      "InstanceInitiatedShutdownBehavior",
      "EbsOptimized",
      "SriovNetSupport",
      "EnaSupport",
      "SourceDestCheck",
    ],
    dryRun: true,
    async run(c) {
      const other = c.p.keys().find((k) => !/^(Action|Version|DryRun|InstanceId|GroupId\.\d+|Attribute)$/.test(k));
      if (other !== undefined) {
        throw new AwsError("UnsupportedOperation", 400, `The parameter ${other.slice(0, 100)} is not supported by this server: ModifyInstanceAttribute changes an instance's security groups (GroupId.N) only.`);
      }
      const attribute = c.p.str("Attribute", { max: 64 });
      if (attribute !== undefined && attribute !== "groupSet") throw new AwsError("UnsupportedOperation", 400, `The attribute ${attribute.slice(0, 64)} is not supported by this server: ModifyInstanceAttribute changes an instance's security groups (GroupId.N) only.`);
      const instanceId = nativeId("instance", c.p.req("InstanceId", { max: 64 }), "InstanceId");
      const ids = c.p.list("GroupId").map((v, i) => groupId(v, `GroupId.${i + 1}`));
      if (ids.length === 0) throw missing("GroupId.1");
      const instance = await c.services.instances.get(c.actor, instanceId);
      await groupsInVpc(c, ids, instance.vpcId);
      await c.services.securityGroups.setInstanceGroups(c.actor, instance.id, [...new Set(ids)]);
      return { return: true };
    },
  },

  DescribeSecurityGroupReferences: {
    params: ["GroupId"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("GroupId").map((v, i) => groupId(v, `GroupId.${i + 1}`));
      if (ids.length === 0) throw missing("GroupId.1");
      await groupsByIds(c, ids);
      // AWS lists the VPCs on the other side of a peering connection only: not the group's own,
      // nor one whose peering is gone (its rule is stale; that VPC, maybe another account's, is
      // not the caller's to see any more).
      const refs = (await c.services.securityGroups.references(c.actor, [...new Set(ids)])).filter((r) => r.peeringId !== null);
      return { securityGroupReferenceSet: refs.map((r) => ({ groupId: r.securityGroupId, referencingVpcId: r.referencingVpcId, vpcPeeringConnectionId: r.peeringId ?? undefined })) };
    },
  },

  DescribeStaleSecurityGroups: {
    params: ["VpcId", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const vpc = await c.services.vpcs.get(c.actor, nativeId("vpc", c.p.req("VpcId", { max: 64 }), "VpcId"));
      const stale = await c.services.securityGroups.stale(c.actor, vpc.id);
      const { page, nextToken } = paginate(c, stale, { min: 5, max: 255 });
      const staleView = (g: SecurityGroup, direction: SgDirection) =>
        permissions(g, direction, g.rules.filter((r) => r.stale)).map((p) => {
          const perm = p as { ipProtocol: string; fromPort?: number; toPort?: number; groups: XmlValue[] };
          return { fromPort: perm.fromPort, ipProtocol: perm.ipProtocol, ipRanges: [], prefixListIds: [], groups: perm.groups.map((x) => ({ ...(x as object), peeringStatus: "deleted" })), toPort: perm.toPort };
        });
      return {
        staleSecurityGroupSet: page.map((g) => ({
          description: g.description,
          groupId: g.id,
          groupName: g.name,
          staleIpPermissions: staleView(g, "ingress"),
          staleIpPermissionsEgress: staleView(g, "egress"),
          vpcId: g.vpcId,
        })),
        nextToken,
      };
    },
  },
};
