/**
 * ECS 2014-05-26: security groups (basic groups of a VPC) and the few instance actions that
 * groups need (RunInstances, DescribeInstances, DeleteInstance), on vpcpeer's security groups and
 * instances. An ECS instance is a vpcpeer instance (`i-…`), a vSwitch a subnet (`vsw-…`).
 */
import { DomainError } from "../../../domain/errors.ts";
import type { Instance, Tags } from "../../../domain/resources.ts";
import { type SecurityGroup, type SgDirection, type SgRuleInput, ruleKey, validateRule } from "../../../domain/security-groups.ts";
import { type ActionTable, type Ctx, region, tagSearch, windowOf } from "../context.ts";
import { AliyunError, badParam, missing, sgRuleError } from "../errors.ts";
import { fromAli, toAli } from "../ids.ts";
import { aliTime } from "../params.ts";
import { type ParsedPermission, implicitRules, innerAccessRule, isImplicit, parsePermission, parsePermissions, permissionView } from "../permissions.ts";
import { RESOURCE_GROUP } from "./vpc.ts";

const groupIdParam = (c: Ctx) => c.p.id("SecurityGroupId", true);
const instanceIdParam = (c: Ctx) => fromAli("instance", c.p.id("InstanceId", true));

/** A JSON array of ids, as DescribeSecurityGroups' SecurityGroupIds and DescribeInstances' InstanceIds take them. */
function jsonIds(c: Ctx, name: string, max = 100): string[] | undefined {
  const v = c.p.str(name);
  if (v === undefined || v === "") return undefined;
  let ids: unknown;
  try {
    ids = JSON.parse(v);
  } catch {
    throw badParam(name, `must be a JSON array of ids such as ["sg-1","sg-2"]`);
  }
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string" || !/^[A-Za-z0-9._-]{1,64}$/.test(id))) throw badParam(name, `must be a JSON array of ids such as ["sg-1","sg-2"]`);
  if (ids.length > max) throw badParam(name, `at most ${max} ids`);
  return ids as string[];
}

/** Tags in ECS's DescribeSecurityGroups / DescribeInstances shape: {TagKey, TagValue}[]. */
const ecsTags = (tags: Tags) => Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));

function groupView(g: SecurityGroup, ecsCount: number | undefined) {
  const visible = g.rules.filter((r) => !isImplicit(r));
  return {
    SecurityGroupId: g.id,
    SecurityGroupName: g.name,
    Description: g.description,
    VpcId: g.vpcId,
    CreationTime: aliTime(g.createdAt),
    SecurityGroupType: "normal",
    ResourceGroupId: RESOURCE_GROUP,
    ServiceManaged: false,
    RuleCount: visible.length,
    GroupToGroupRuleCount: visible.filter((r) => "securityGroupId" in r.peer).length,
    ...(ecsCount === undefined ? {} : { EcsCount: ecsCount, AvailableInstanceAmount: Math.max(0, 2000 - ecsCount) }),
    Tags: { Tag: ecsTags(g.tags) },
  };
}

function instanceView(i: Instance) {
  return {
    InstanceId: toAli("instance", i.id),
    InstanceName: i.name,
    Description: i.description,
    RegionId: i.region,
    ZoneId: i.zone,
    Status: "Running",
    InstanceNetworkType: "vpc",
    InstanceType: "ecs.vpcpeer",
    InstanceChargeType: "PostPaid",
    CreationTime: aliTime(i.createdAt),
    ResourceGroupId: RESOURCE_GROUP,
    VpcAttributes: { VpcId: i.vpcId, VSwitchId: toAli("vSwitch", i.subnetId), PrivateIpAddress: { IpAddress: [i.privateIp] }, NatIpAddress: "" },
    SecurityGroupIds: { SecurityGroupId: [...i.securityGroupIds] },
    Tags: { Tag: ecsTags(i.tags) },
  };
}

/**
 * An account id no account can have (account ids are below 2^53, domain/ids.ts), though it has an
 * account id's form: what an account name that names no account stands for.
 */
const NO_ACCOUNT = "9999999999999999";

/**
 * The account a SourceGroupOwnerAccount / …OwnerId names: an account id, or an account's name. A
 * name of no account stands for an account that has no groups (NO_ACCOUNT), so that the request
 * then fails exactly as it does for an existing account whose group the caller cannot reach: the
 * answers must not tell which account names exist.
 */
async function ownerOf(c: Ctx, p: ParsedPermission): Promise<string | undefined> {
  if (!p.owner) return undefined;
  if (p.owner.id !== undefined) return p.owner.id;
  const account = p.owner.account!;
  if (/^[1-9]\d{11,15}$/.test(account)) return account;
  return (await c.services.accounts.idByName(account)) ?? NO_ACCOUNT;
}

/** The request's permissions as rules, group owners resolved. */
async function rulesOf(c: Ctx, groupId: string, direction: SgDirection): Promise<{ at: string; rule: SgRuleInput }[]> {
  const parsed = parsePermissions(c.p, direction, groupId);
  const out: { at: string; rule: SgRuleInput }[] = [];
  for (const p of parsed) {
    const owner = await ownerOf(c, p);
    const rule = owner !== undefined && "securityGroupId" in p.rule.peer ? { ...p.rule, peer: { ...p.rule.peer, accountId: owner } } : p.rule;
    out.push({ at: p.at, rule });
  }
  return out;
}

/** The rule key of a parsed rule (validated as the service will), its field named as the caller sent it. */
function keyOf(c: Ctx, at: string, rule: SgRuleInput): string {
  try {
    return ruleKey(validateRule(rule, at ? at.slice(0, -1) : "Permission", c.actor.accountId));
  } catch (e) {
    if (e instanceof DomainError) throw badParam(at ? at.slice(0, -1) : "IpProtocol", e.message.replace(/^[^:]*: /, ""));
    throw e;
  }
}

/**
 * Authorize: a rule the group already holds is a success that adds nothing (as the cloud
 * documents); the same rule twice in one request is InvalidParam.DuplicatePermissions. All or
 * nothing otherwise (one call to the service).
 */
async function authorize(c: Ctx, direction: SgDirection): Promise<Record<string, never>> {
  region(c);
  const groupId = groupIdParam(c);
  const rules = await rulesOf(c, groupId, direction);
  const seen = new Set<string>();
  const keyed = rules.map(({ at, rule }) => {
    const key = keyOf(c, at, rule);
    if (seen.has(key)) throw new AliyunError("InvalidParam.DuplicatePermissions", 400, `There are duplicate permissions in the specified parameter Permissions (${at.slice(0, -1) || "the permission"}).`);
    seen.add(key);
    return { key, at, rule };
  });
  for (let attempt = 0; ; attempt++) {
    const g = await c.services.securityGroups.get(c.actor, groupId);
    const held = new Set(g.rules.map((r) => ruleKey(r)));
    const fresh = keyed.filter((k) => !held.has(k.key));
    if (fresh.length === 0) return {};
    try {
      await c.services.securityGroups.addRules(c.actor, groupId, fresh.map((k) => k.rule));
      return {};
    } catch (e) {
      // Another call added one of them meanwhile: read the group again (the cloud answers success).
      if (attempt < 2 && e instanceof DomainError && e.code === "DuplicateSecurityGroupRule") continue;
      throw sgRuleError(e, direction, fresh.map((k) => k.at));
    }
  }
}

/**
 * Revoke: by SecurityGroupRuleId.N, or by the rule's content (Priority and Policy default 1 and
 * accept, as in Authorize). A CIDR rule the group does not hold is a success; a group rule it does
 * not hold is InvalidGroupAuthItem.NotFound (RevokeSecurityGroup's error table).
 */
async function revoke(c: Ctx, direction: SgDirection): Promise<Record<string, never>> {
  region(c);
  const groupId = groupIdParam(c);
  const ruleIds = c.p.list("SecurityGroupRuleId");
  if (ruleIds.length > 0) {
    for (const [i, id] of ruleIds.entries()) if (!/^sgr-[A-Za-z0-9]{1,60}$/.test(id)) throw new AliyunError("SecurityGroupRule.NotFound", 404, `The target security group rule SecurityGroupRuleId.${i + 1} (${id.slice(0, 40)}) does not exist.`);
    const g = await c.services.securityGroups.get(c.actor, groupId);
    for (const [i, id] of ruleIds.entries()) {
      const r = g.rules.find((x) => x.id === id);
      if (!r || r.direction !== direction || isImplicit(r)) throw new AliyunError("SecurityGroupRule.NotFound", 404, `The target security group rule SecurityGroupRuleId.${i + 1} (${id}) does not exist${r && r.direction !== direction ? ` among the ${direction} rules` : ""}.`);
    }
    try {
      await c.services.securityGroups.removeRules(c.actor, groupId, { ruleIds });
    } catch (e) {
      throw sgRuleError(e, direction);
    }
    return {};
  }
  const rules = await rulesOf(c, groupId, direction);
  const wanted = rules.map(({ at, rule }) => ({ at, rule, key: keyOf(c, at, rule) }));
  for (let attempt = 0; ; attempt++) {
    const g = await c.services.securityGroups.get(c.actor, groupId);
    const ids = new Set<string>();
    for (const w of wanted) {
      const hit = g.rules.find((r) => !isImplicit(r) && ruleKey(r) === w.key);
      if (hit) ids.add(hit.id);
      else if ("securityGroupId" in w.rule.peer) throw new AliyunError("InvalidGroupAuthItem.NotFound", 403, `Specified group authorized item does not exist in our records (${w.at.slice(0, -1) || "the permission"}).`);
    }
    if (ids.size === 0) return {};
    try {
      await c.services.securityGroups.removeRules(c.actor, groupId, { ruleIds: [...ids] });
      return {};
    } catch (e) {
      // Revoked by another call meanwhile: look again.
      if (attempt < 2 && e instanceof DomainError && e.code === "SecurityGroupRuleNotFound") continue;
      throw sgRuleError(e, direction);
    }
  }
}

/**
 * ModifySecurityGroupRule / ModifySecurityGroupEgressRule: the rule named by SecurityGroupRuleId
 * takes the fields given (the others stay); named by its content instead, only its Description
 * changes. Unknown rule: SecurityGroupRule.NotFound.
 */
async function modifyRule(c: Ctx, direction: SgDirection): Promise<Record<string, never>> {
  region(c);
  const groupId = groupIdParam(c);
  const ruleId = c.p.str("SecurityGroupRuleId");
  const g = await c.services.securityGroups.get(c.actor, groupId);
  const s = direction === "ingress" ? "Source" : "Dest";
  let target: SecurityGroup["rules"][number] | undefined;
  let rule: SgRuleInput;
  if (ruleId !== undefined && ruleId !== "") {
    target = g.rules.find((r) => r.id === ruleId && r.direction === direction && !isImplicit(r));
    if (!target) throw new AliyunError("SecurityGroupRule.NotFound", 404, `The target security group rule ${ruleId.slice(0, 64)} does not exist among the ${direction} rules of ${g.id}.`);
    const view = permissionView(target, "") as Record<string, unknown>;
    const peerFields = [`${s}CidrIp`, `${s}GroupId`, `${s}GroupOwnerAccount`, `${s}GroupOwnerId`];
    const newPeer = peerFields.some((f) => c.p.str(f));
    const get = (f: string) => {
      const v = c.p.str(f);
      if (v !== undefined && v !== "") return v;
      if (peerFields.includes(f) && newPeer) return undefined;
      const old = view[f];
      return typeof old === "string" && old !== "" ? old : undefined;
    };
    const parsed = parsePermission(direction, "", get, g.id);
    const owner = await ownerOf(c, parsed);
    rule = owner !== undefined && "securityGroupId" in parsed.rule.peer ? { ...parsed.rule, peer: { ...parsed.rule.peer, accountId: owner } } : parsed.rule;
    if ("securityGroupId" in rule.peer && !newPeer && "securityGroupId" in target.peer) rule = { ...rule, peer: { securityGroupId: target.peer.securityGroupId, accountId: target.peer.accountId } };
    if (c.p.str("Description") === undefined) rule = { ...rule, description: target.description };
  } else {
    const [wanted] = await rulesOf(c, groupId, direction);
    const key = keyOf(c, "", wanted!.rule);
    target = g.rules.find((r) => !isImplicit(r) && ruleKey(r) === key);
    if (!target) throw new AliyunError("SecurityGroupRule.NotFound", 404, `The target security group rule does not exist in ${g.id}.`);
    rule = { ...wanted!.rule, description: c.p.str("Description") ?? "" };
  }
  try {
    await c.services.securityGroups.replaceRule(c.actor, g.id, target.id, rule);
  } catch (e) {
    throw sgRuleError(e, direction);
  }
  return {};
}

/** The security groups of a request: SecurityGroupIds.N or SecurityGroupId (one of them). */
/**
 * A join or leave done by the service under the instance's row lock; its refusals (the state
 * changed since the face's own checks) in ECS's words.
 */
/** Join/LeaveSecurityGroup's instance and group (each answers as missing when not the caller's). */
async function membershipTarget(c: Ctx): Promise<{ i: Instance; g: SecurityGroup }> {
  region(c, false);
  if (c.p.str("NetworkInterfaceId")) throw badParam("NetworkInterfaceId", "elastic network interfaces are not offered; give InstanceId");
  const instanceId = instanceIdParam(c);
  const groupId = groupIdParam(c);
  return { i: await c.services.instances.get(c.actor, instanceId), g: await c.services.securityGroups.get(c.actor, groupId) };
}

/** A membership change, its refusals (already a member, not one, the last group) in ECS's codes: the service decides them under the instance's row lock. */
async function membership(change: Promise<unknown>, instanceId: string, groupId: string): Promise<void> {
  try {
    await change;
  } catch (e) {
    const reason = e instanceof DomainError ? e.details.reason : undefined;
    const inst = toAli("instance", instanceId);
    if (reason === "already-member") throw new AliyunError("InvalidInstanceId.AlreadyExists", 403, `The instance ${inst} is already in security group ${groupId}.`);
    if (reason === "not-member") throw new AliyunError("InstanceNotInSecurityGroup", 403, `The instance ${inst} is not in security group ${groupId}.`);
    if (reason === "last-group") throw new AliyunError("InstanceLastSecurityGroup", 403, `The specified security group ${groupId} is the last security group for the instance ${inst}.`);
    throw e;
  }
}

function launchGroups(c: Ctx): string[] {
  const many = c.p.list("SecurityGroupIds");
  const one = c.p.id("SecurityGroupId");
  if (many.length > 0 && one !== undefined) throw badParam("SecurityGroupIds", "give SecurityGroupId or SecurityGroupIds.N, not both");
  if (many.length === 0 && one === undefined) throw missing("SecurityGroupId");
  for (const [i, id] of many.entries()) if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw badParam(`SecurityGroupIds.${i + 1}`, `"${id.slice(0, 40)}" is not a valid id`);
  const ids = many.length > 0 ? many : [one!];
  if (new Set(ids).size !== ids.length) throw badParam("SecurityGroupIds", "an id is given twice");
  return ids;
}

export const ecsActions: ActionTable = {
  CreateSecurityGroup: {
    idempotent: true,
    async run(c) {
      region(c);
      const type = c.p.oneOf("SecurityGroupType", ["normal", "enterprise"] as const) ?? "normal";
      if (type === "enterprise") throw badParam("SecurityGroupType", "enterprise (advanced) security groups are not offered; use normal");
      const vpcId = c.p.str("VpcId");
      if (vpcId === undefined || vpcId === "") throw missing("VpcId");
      const g = await c.services.securityGroups.create(c.actor, {
        vpcId: c.p.id("VpcId", true),
        name: c.p.name("SecurityGroupName") ?? "",
        description: c.p.description(),
        tags: c.p.tags("Tag"),
        // The implicit rules of a basic group; the inner access rule names the new group ("self").
        rules: [...implicitRules(), innerAccessRule("self", c.actor.accountId)],
      });
      return { SecurityGroupId: g.id };
    },
  },
  DescribeSecurityGroups: {
    dryRun: true,
    async run(c) {
      const regionId = region(c)!;
      const vpcId = c.p.id("VpcId");
      const one = c.p.id("SecurityGroupId");
      const many = jsonIds(c, "SecurityGroupIds");
      const ids = one !== undefined && many !== undefined ? many.filter((id) => id === one) : (many ?? (one === undefined ? undefined : [one]));
      const name = c.p.text("SecurityGroupName", 128);
      const type = c.p.oneOf("SecurityGroupType", ["normal", "enterprise"] as const);
      const network = c.p.oneOf("NetworkType", ["vpc", "classic"] as const);
      const withCount = c.p.bool("IsQueryEcsCount") ?? false;
      const tags = c.p.tags("Tag");
      const tagFilter = tags && Object.entries(tags).map(([key, value]) => (value === "" ? { key } : { key, value }));
      const filter = { ...(vpcId ? { vpcId } : {}), ...(ids ? { ids } : {}), ...(name ? { names: [name] } : {}) };
      const none = type === "enterprise" || network === "classic" || (ids !== undefined && ids.length === 0);
      const view = async (groups: SecurityGroup[]) => {
        // EcsCount: the page's groups' members, counted by the database.
        const n = withCount ? await c.services.securityGroups.memberCounts(c.actor, groups.map((g) => g.id)) : new Map<string, number>();
        return groups.map((g) => groupView(g, withCount ? (n.get(g.id) ?? 0) : undefined));
      };
      if (c.p.has("NextToken") || c.p.has("MaxResults")) {
        // The keyset list as it is: NextToken is the service's cursor.
        const max = c.p.int("MaxResults", 1, 100) ?? 10;
        const token = c.p.text("NextToken", 1024);
        if (none) return { RegionId: regionId, NextToken: "", SecurityGroups: { SecurityGroup: [] } };
        const page = await c.services.securityGroups.list(c.actor, filter, { limit: max, cursor: token || undefined, tags: tagFilter });
        return { RegionId: regionId, NextToken: page.nextCursor ?? "", SecurityGroups: { SecurityGroup: await view(page.items) } };
      }
      // Counted and windowed by the store (OwnedRepo.search); the rules of the window's groups only.
      const { window, answer } = windowOf(c.p.page(50));
      const columns = { region: [regionId], vpc_id: vpcId ? [vpcId] : undefined, id: ids, name: name ? [name] : undefined };
      const found = none ? { total: 0, items: [] } : await c.services.securityGroups.search(c.actor, { columns, tags: tagSearch(tags) }, window);
      return { RegionId: regionId, ...answer(found.total), SecurityGroups: { SecurityGroup: await view(found.items) } };
    },
  },
  DescribeSecurityGroupAttribute: {
    async run(c) {
      const regionId = region(c)!;
      const direction = c.p.oneOf("Direction", ["ingress", "egress", "all"] as const) ?? "all";
      c.p.oneOf("NicType", ["intranet", "internet"] as const);
      const max = c.p.int("MaxResults", 10, 1000);
      const token = c.p.str("NextToken");
      if (token !== undefined && token !== "" && !/^\d{1,9}$/.test(token)) throw new AliyunError("InvalidParameter.NextToken", 400, `The specified parameter "NextToken" is not a token this API returned.`);
      const g = await c.services.securityGroups.get(c.actor, groupIdParam(c));
      const rules = g.rules.filter((r) => !isImplicit(r) && (direction === "all" || r.direction === direction));
      const start = token ? Number(token) : 0;
      const page = max === undefined ? rules.slice(start) : rules.slice(start, start + max);
      const next = max !== undefined && start + max < rules.length ? String(start + max) : "";
      const inner = g.rules.some((r) => isImplicit(r) && r.direction === "ingress");
      return {
        RegionId: regionId,
        SecurityGroupId: g.id,
        SecurityGroupName: g.name,
        Description: g.description,
        VpcId: g.vpcId,
        InnerAccessPolicy: inner ? "Accept" : "Drop",
        ...(max !== undefined ? { NextToken: next } : {}),
        Permissions: { Permission: page.map((r) => permissionView(r, aliTime(r.createdAt))) },
      };
    },
  },
  AuthorizeSecurityGroup: { idempotent: true, run: (c) => authorize(c, "ingress") },
  AuthorizeSecurityGroupEgress: { idempotent: true, run: (c) => authorize(c, "egress") },
  RevokeSecurityGroup: { idempotent: true, run: (c) => revoke(c, "ingress") },
  RevokeSecurityGroupEgress: { idempotent: true, run: (c) => revoke(c, "egress") },
  ModifySecurityGroupRule: { run: (c) => modifyRule(c, "ingress") },
  ModifySecurityGroupEgressRule: { run: (c) => modifyRule(c, "egress") },
  ModifySecurityGroupAttribute: {
    async run(c) {
      region(c);
      const id = groupIdParam(c);
      const name = c.p.name("SecurityGroupName");
      const description = c.p.description();
      await c.services.securityGroups.update(c.actor, id, { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}) });
      return {};
    },
  },
  ModifySecurityGroupPolicy: {
    // InnerAccessPolicy: whether a basic group's members reach each other (its implicit inner rule).
    async run(c) {
      region(c);
      const id = groupIdParam(c);
      const policy = c.p.oneOf("InnerAccessPolicy", ["Accept", "Drop"] as const);
      if (policy === undefined) throw missing("InnerAccessPolicy");
      const g = await c.services.securityGroups.get(c.actor, id);
      const inner = g.rules.find((r) => isImplicit(r) && r.direction === "ingress");
      if (policy === "Accept" && !inner) {
        try {
          await c.services.securityGroups.addRules(c.actor, g.id, [innerAccessRule(g.id, g.accountId)]);
        } catch (e) {
          // Set by another call meanwhile: the policy is what was asked.
          if (!(e instanceof DomainError && e.code === "DuplicateSecurityGroupRule")) throw e;
        }
      }
      if (policy === "Drop" && inner) {
        try {
          await c.services.securityGroups.removeRules(c.actor, g.id, { ruleIds: [inner.id] });
        } catch (e) {
          if (!(e instanceof DomainError && e.code === "SecurityGroupRuleNotFound")) throw e;
        }
      }
      return {};
    },
  },
  DeleteSecurityGroup: {
    async run(c) {
      region(c);
      await c.services.securityGroups.delete(c.actor, groupIdParam(c));
      return {};
    },
  },
  JoinSecurityGroup: {
    async run(c) {
      const { i, g } = await membershipTarget(c);
      if (g.vpcId !== i.vpcId) throw new AliyunError("InvalidInstanceId.Mismatch", 403, `The instance ${toAli("instance", i.id)} (in ${i.vpcId}) and security group ${g.id} (in ${g.vpcId}) are not in the same VPC.`);
      // One transaction under the instance's row lock: a concurrent join or leave is never lost.
      await membership(c.services.securityGroups.joinGroup(c.actor, i.id, g.id), i.id, g.id);
      return {};
    },
  },
  LeaveSecurityGroup: {
    async run(c) {
      const { i, g } = await membershipTarget(c);
      await membership(c.services.securityGroups.leaveGroup(c.actor, i.id, g.id), i.id, g.id);
      return {};
    },
  },
  RunInstances: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      region(c);
      const subnetId = fromAli("vSwitch", c.p.id("VSwitchId", true));
      const groups = launchGroups(c);
      const amount = c.p.int("Amount", 1, 100) ?? 1;
      const minAmount = c.p.int("MinAmount", 1, 100);
      if (minAmount !== undefined && minAmount > amount) throw badParam("MinAmount", `must not exceed Amount (${amount})`);
      const ip = c.p.text("PrivateIpAddress", 64) || undefined;
      if (ip !== undefined && amount > 1) throw badParam("PrivateIpAddress", "applies when Amount is 1");
      const name = c.p.text("InstanceName", 128);
      if (name !== undefined && /^https?:\/\//i.test(name)) throw badParam("InstanceName", "must not start with http:// or https://");
      const description = c.p.description();
      const tags = c.p.tags("Tag");
      const subnet = await c.services.subnets.get(c.actor, subnetId);
      for (const [n, id] of groups.entries()) {
        const field = `SecurityGroupId${groups.length > 1 || c.p.list("SecurityGroupIds").length > 0 ? `s.${n + 1}` : ""}`;
        let g: SecurityGroup;
        try {
          g = await c.services.securityGroups.get(c.actor, id);
        } catch (e) {
          if (e instanceof DomainError && e.code === "ResourceNotFound") throw new AliyunError("InvalidSecurityGroupId.NotFound", 404, `The specified ${field} ${id.slice(0, 64)} does not exist.`);
          throw e;
        }
        // ECS's words for a group and a vSwitch of different VPCs (RunInstances / CreateNetworkInterface error tables).
        if (g.vpcId !== subnet.vpcId) throw new AliyunError("InvalidOperation.VpcMismatch", 403, `The operation is invalid: ${field} ${g.id} is in ${g.vpcId}, VSwitchId ${toAli("vSwitch", subnet.id)} in ${subnet.vpcId}.`);
      }
      // Every instance or none: the ones made before a failure are deleted again.
      const made: string[] = [];
      try {
        for (let n = 0; n < amount; n++) {
          const i = await c.services.instances.create(c.actor, { subnetId, privateIp: ip, name: name || undefined, description, tags, securityGroupIds: groups });
          made.push(i.id);
        }
      } catch (e) {
        for (const id of made) await c.services.instances.delete(c.actor, id).catch(() => undefined);
        throw e;
      }
      return { InstanceIdSets: { InstanceIdSet: made.map((id) => toAli("instance", id)) }, OrderId: "", TradePrice: 0 };
    },
  },
  DescribeInstances: {
    dryRun: true,
    async run(c) {
      const regionId = region(c)!;
      const ids = jsonIds(c, "InstanceIds")?.map((id) => fromAli("instance", id));
      const ips = jsonIds(c, "PrivateIpAddresses");
      const vpcId = c.p.id("VpcId");
      const subnetId = c.p.id("VSwitchId");
      const zone = c.p.text("ZoneId", 64);
      const name = c.p.text("InstanceName", 128);
      const groupId = c.p.id("SecurityGroupId");
      const status = c.p.oneOf("Status", ["Pending", "Running", "Starting", "Stopping", "Stopped"] as const);
      const one = (v: string | undefined) => (v === undefined || v === "" ? undefined : [v]);
      const columns = { region: [regionId], id: ids, private_ip: ips, vpc_id: one(vpcId), subnet_id: one(subnetId && fromAli("vSwitch", subnetId)), zone: one(zone), name: one(name) };
      // Every criterion in SQL; an instance here is always Running, so another Status matches none.
      const search = { columns: status === undefined || status === "Running" ? columns : { ...columns, id: [] }, memberOf: one(groupId), tags: tagSearch(c.p.tags("Tag")) };
      if (c.p.has("NextToken") || c.p.has("MaxResults")) {
        const max = c.p.int("MaxResults", 1, 100) ?? 10;
        const token = c.p.text("NextToken", 1024);
        const page = await c.services.instances.searchList(c.actor, search, { limit: max, cursor: token || undefined });
        return { RegionId: regionId, NextToken: page.nextCursor ?? "", Instances: { Instance: page.items.map(instanceView) } };
      }
      const { window, answer } = windowOf(c.p.page(100));
      const found = await c.services.instances.search(c.actor, search, window);
      return { ...answer(found.total), Instances: { Instance: found.items.map(instanceView) } };
    },
  },
  DeleteInstance: {
    dryRun: true,
    async run(c) {
      const id = instanceIdParam(c);
      const force = c.p.bool("Force") ?? false;
      c.p.bool("ForceStop");
      c.p.bool("TerminateSubscription");
      const i = await c.services.instances.get(c.actor, id);
      // The cloud deletes a Stopped instance, or a Running one with Force=true; vpcpeer's instances run.
      if (!force) throw new AliyunError("IncorrectInstanceStatus", 403, `The current status of the resource does not support this operation: instance ${toAli("instance", i.id)} is Running; delete it with Force=true.`);
      await c.services.instances.delete(c.actor, id);
      return {};
    },
  },
};
