/**
 * Security groups (VPC 2017-03-12): CreateSecurityGroup, CreateSecurityGroupWithPolicies,
 * DescribeSecurityGroups, ModifySecurityGroupAttribute, DeleteSecurityGroup, and the policy
 * actions CreateSecurityGroupPolicies, DescribeSecurityGroupPolicies, ReplaceSecurityGroupPolicy,
 * ModifySecurityGroupPolicies, DeleteSecurityGroupPolicies (policies.ts says how a policy maps to
 * a rule and PolicyIndex to a priority).
 *
 * Tencent's groups are regional (a project's); vpcpeer's belong to a VPC. CreateSecurityGroup
 * takes the vpcpeer extension `VpcId`, and without it uses the account's only VPC in the region
 * (refusing when there are none or several). A new group has no rules: Tencent documents both
 * directions of a new group as "deny all". A VPC made through this face gets Tencent's default
 * group, which allows all IPv4 traffic (CreateDefaultSecurityGroup).
 */
import { isDomainError } from "../../../domain/errors.ts";
import type { SecurityGroup, SgDirection, SgRuleInput } from "../../../domain/security-groups.ts";
import { TencentError, invalidValue } from "../errors.ts";
import { Params, paging } from "../params.ts";
import {
  LISTS,
  MAX_POLICIES,
  POLICY_FIELDS,
  POLICY_SET_FIELDS,
  type ParsedPolicy,
  type RuleDraft,
  contentKey,
  draftOf,
  listOf,
  numbered,
  ordered,
  parseList,
  parsePolicy,
  parseVersion,
  policySetShape,
} from "../policies.ts";
import { securityGroupShape } from "../shapes.ts";
import { type ActionDef, type Ctx, exclusive, matches, tagSearch } from "./common.ts";

const GROUP_NAME = { max: 60 } as const;
const GROUP_DESCRIPTION = { max: 100, min: 0 } as const;
/**
 * Attempts of one read → renumber → write when another change got in between (no Version given):
 * each lost attempt means another change committed, so a request fails only after 20 others won.
 */
const ATTEMPTS = 20;

const versionMismatch = (given: number, current: number) =>
  new TencentError("UnsupportedOperation.VersionMismatch", `SecurityGroupPolicySet.Version ${given} is not the group's current version ${current}: read the policies again (DescribeSecurityGroupPolicies) and retry.`);

/** A service refusal because the rules changed since they were read (setRules' expectedVersion). */
const isStale = (e: unknown) => isDomainError(e) && e.details.reason === "version-mismatch";

/** The group, scoped to the request's region by the actor. */
const group = (ctx: Ctx, id: string) => ctx.services.securityGroups.get(ctx.actor, id);

/** The VPC a new group goes in: VpcId (extension), or the account's only VPC in the region. */
async function vpcFor(ctx: Ctx, p: Params): Promise<string> {
  const given = p.id("VpcId", "vpc");
  if (given) return given;
  const found = await ctx.services.vpcs.search(ctx.actor, {}, { offset: 0, limit: 2 });
  if (found.total === 1) return found.items[0]!.id;
  if (found.total === 0) throw new TencentError("UnsupportedOperation", `A security group here belongs to a VPC, and this account has no VPC in ${ctx.region}: create one first (CreateVpc).`);
  throw new TencentError("MissingParameter", `The request is missing a required parameter \`VpcId\`: this account has ${found.total} VPCs in ${ctx.region}, and a security group here belongs to one of them (VpcId is this service's extension of ${ctx.action}).`);
}

/** The accounts on the other side of the VPC's active peerings. */
async function peerAccounts(ctx: Ctx, vpcId: string): Promise<string[]> {
  const { items } = await ctx.services.peerings.search(ctx.actor, { routerIds: [vpcId], states: ["active"], orderBy: "created", descending: false, offset: 0, limit: 100 });
  const out = new Set<string>();
  for (const p of items) {
    const other = p.requester.vpcId === vpcId ? p.accepter.accountId : p.requester.accountId;
    if (other !== ctx.actor.accountId) out.add(other);
  }
  return [...out];
}

/**
 * Gives each group peer without an account its owner: the caller's own group, or else the one
 * account across the VPC's active peerings (Tencent's SecurityGroupId has no owner field; a
 * peer's group in a VPC with several peer accounts is written `<Uin>/sg-…`).
 */
async function resolvePeers(ctx: Ctx, vpcId: string, selfId: string | null, drafts: RuleDraft[]): Promise<RuleDraft[]> {
  const accounts = new Map<string, string>();
  for (const d of drafts) {
    if (!("securityGroupId" in d.peer) || d.peer.accountId !== undefined || accounts.has(d.peer.securityGroupId)) continue;
    const id = d.peer.securityGroupId;
    let account = ctx.actor.accountId;
    if (id !== selfId) {
      const own = await group(ctx, id).then(
        () => true,
        (e: unknown) => {
          if (isDomainError(e) && e.kind === "NotFound") return false;
          throw e;
        },
      );
      if (!own) {
        const peers = await peerAccounts(ctx, vpcId);
        if (peers.length > 1) {
          throw new TencentError("InvalidParameterValue", `Security group ${id} is not this account's, and VPC ${vpcId} is peered with ${peers.length} accounts: write the peer's group as <Uin>/${id}.`);
        }
        // No peer account: the caller's (the service answers that no such group exists).
        if (peers.length === 1) account = peers[0]!;
      }
    }
    accounts.set(id, account);
  }
  return drafts.map((d) => ("securityGroupId" in d.peer && d.peer.accountId === undefined ? { ...d, peer: { securityGroupId: d.peer.securityGroupId, accountId: accounts.get(d.peer.securityGroupId)! } } : d));
}

/** New drafts against the rest of their list: the same policy twice is UnsupportedOperation.DuplicatePolicy. */
function checkDuplicates(ctx: Ctx, rest: readonly RuleDraft[], added: readonly { draft: RuleDraft; where: string }[]): void {
  const seen = new Map<string, string>();
  for (const [i, d] of rest.entries()) seen.set(contentKey(d, ctx.actor.accountId), `the ${listOf(d.direction)} policy at index ${i}`);
  for (const { draft, where } of added) {
    const key = contentKey(draft, ctx.actor.accountId);
    const first = seen.get(key);
    if (first !== undefined) throw new TencentError("UnsupportedOperation.DuplicatePolicy", `\`${where}\` is the same policy as ${first}: a group's ${listOf(draft.direction)} list holds each policy once.`);
    seen.set(key, `\`${where}\``);
  }
}

const withWhere = (policies: readonly ParsedPolicy[]) => policies.flatMap((p) => p.rules.map((draft) => ({ draft, where: p.where })));

/**
 * One read → edit → write of a group's rules, the write conditional on the version read (so a
 * change in between is never lost): retried when the client gave no Version, refused
 * (VersionMismatch) when it did and the group is not at it.
 */
async function editRules(
  ctx: Ctx,
  id: string,
  given: number | undefined,
  edit: (g: SecurityGroup) => { direction: SgDirection | "both"; rules: SgRuleInput[] },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const g = await group(ctx, id);
    if (given !== undefined && given !== g.rulesVersion) throw versionMismatch(given, g.rulesVersion);
    const { direction, rules } = edit(g);
    try {
      await ctx.services.securityGroups.setRules(ctx.actor, g.id, direction, rules, { expectedVersion: g.rulesVersion });
      return;
    } catch (e) {
      if (!isStale(e)) throw e;
      if (given !== undefined || attempt >= ATTEMPTS) throw versionMismatch(given ?? g.rulesVersion, Number((e as { details: Record<string, unknown> }).details.version ?? g.rulesVersion + 1));
    }
  }
}

/** The request's SecurityGroupPolicySet (required) and its Version. */
function policySet(p: Params, k = "SecurityGroupPolicySet"): { set: Params; version: number | undefined } {
  const set = p.object(k, POLICY_SET_FIELDS, true)!;
  return { set, version: parseVersion(set) };
}

/** The one list a request names (CreateSecurityGroupPolicies, Replace, Delete act on one direction). */
function oneList(set: Params): { list: "Ingress" | "Egress"; direction: SgDirection; items: Params[] } {
  const ingress = set.objects("Ingress", POLICY_FIELDS, false, MAX_POLICIES);
  const egress = set.objects("Egress", POLICY_FIELDS, false, MAX_POLICIES);
  if (ingress.length > 0 && egress.length > 0) {
    throw new TencentError("InvalidParameter.Coexist", `\`${set.name("Ingress")}\` and \`${set.name("Egress")}\` cannot both be given: one request acts on one direction.`);
  }
  if (ingress.length === 0 && egress.length === 0) throw new TencentError("InvalidParameterValue.Empty", `\`${set.name("Ingress")}\` or \`${set.name("Egress")}\` must hold at least one policy.`);
  return ingress.length > 0 ? { list: "Ingress", direction: "ingress", items: ingress } : { list: "Egress", direction: "egress", items: egress };
}

/** The rules of both lists of a set (creation, ModifySecurityGroupPolicies): each list in its order, PolicyIndex ignored. */
function bothLists(ctx: Ctx, set: Params): { direction: SgDirection; policies: ParsedPolicy[] }[] {
  return LISTS.map(({ list, direction }) => {
    const policies = parseList(set, list, ctx.actor.accountId);
    checkDuplicates(ctx, [], withWhere(policies));
    return { direction, policies };
  });
}

async function createGroup(ctx: Ctx, raw: Record<string, unknown>, withPolicies: boolean) {
  const p = Params.of(raw, ["GroupName", "GroupDescription", "ProjectId", "Tags", "VpcId", ...(withPolicies ? ["SecurityGroupPolicySet"] : [])]);
  const name = p.str("GroupName", true, GROUP_NAME);
  const description = p.str("GroupDescription", true, GROUP_DESCRIPTION);
  const project = p.str("ProjectId", false, { number: true, max: 20, min: 0 });
  if (project !== undefined && project !== "" && project !== "0") throw invalidValue("ProjectId", `project ${project.slice(0, 20)} does not exist: every resource here is in the default project 0.`);
  const tags = p.tags();
  const rules: SgRuleInput[] = [];
  let drafts: { direction: SgDirection; policies: ParsedPolicy[] }[] = [];
  if (withPolicies && p.has("SecurityGroupPolicySet")) drafts = bothLists(ctx, policySet(p).set);
  const vpcId = await vpcFor(ctx, p);
  for (const { policies } of drafts) {
    rules.push(...numbered(await resolvePeers(ctx, vpcId, null, policies.flatMap((x) => x.rules))));
  }
  const g = await ctx.services.securityGroups.create(ctx.actor, { vpcId, name, description, tags, rules });
  return { SecurityGroup: securityGroupShape(g) };
}

export const securityGroupActions: Record<string, ActionDef> = {
  CreateSecurityGroup: {
    handler: (ctx, raw) => createGroup(ctx, raw, false),
  },
  CreateSecurityGroupWithPolicies: {
    handler: (ctx, raw) => createGroup(ctx, raw, true),
  },
  DescribeSecurityGroups: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupIds", "Filters", "Offset", "Limit", "OrderField", "OrderDirection"]);
      exclusive(p, "SecurityGroupIds");
      const ids = p.ids("SecurityGroupIds", "sg");
      const f = p.filters(["security-group-id", "security-group-name", "project-id", "tag-key", "tag:"]);
      const field = p.oneOf("OrderField", ["CreatedTime", "UpdateTime"]);
      const direction = p.oneOf("OrderDirection", ["ASC", "DESC"]) ?? "ASC";
      const w = paging(p);
      if (!matches(f, "project-id", "0")) return { SecurityGroupSet: [], TotalCount: 0 };
      // Counted, ordered and windowed by the store (OwnedRepo.search); the rules of the window's groups only.
      const columns = { region: ctx.region ? [ctx.region] : undefined, id: ids ?? f.get("security-group-id"), name: f.get("security-group-name") };
      const order = { column: field === "UpdateTime" ? ("updated_at" as const) : ("created_at" as const), desc: direction === "DESC" };
      const found = await ctx.services.securityGroups.search(ctx.actor, { columns, tags: tagSearch(f) }, w, order);
      return { SecurityGroupSet: found.items.map(securityGroupShape), TotalCount: found.total };
    },
  },
  ModifySecurityGroupAttribute: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "GroupName", "GroupDescription"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const name = p.str("GroupName", false, GROUP_NAME);
      const description = p.str("GroupDescription", false, GROUP_DESCRIPTION);
      await ctx.services.securityGroups.update(ctx.actor, id, { name, description });
      return {};
    },
  },
  DeleteSecurityGroup: {
    async handler(ctx, raw) {
      const id = Params.of(raw, ["SecurityGroupId"]).id("SecurityGroupId", "sg", true);
      await ctx.services.securityGroups.delete(ctx.actor, id);
      return {};
    },
  },
  DescribeSecurityGroupLimits: {
    async handler(ctx, raw) {
      Params.of(raw, []);
      // The quotas this service enforces (groups are counted per VPC here, Tencent counts per project and region).
      const l = ctx.services.deps.config.limits;
      return { SecurityGroupLimitSet: { SecurityGroupLimit: l.securityGroupsPerVpc, SecurityGroupPolicyLimit: l.rulesPerSecurityGroup, InstanceSecurityGroupLimit: l.securityGroupsPerInstance } };
    },
  },
  DescribeSecurityGroupReferences: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupIds"]);
      const ids = [...new Set(p.ids("SecurityGroupIds", "sg", 100) ?? [])];
      if (ids.length === 0) throw new TencentError("MissingParameter", "The request is missing a required parameter `SecurityGroupIds`.");
      for (const id of ids) await group(ctx, id);
      // The caller's own groups that name each one (another account's rules are not the caller's to see).
      const referrers = await ctx.services.securityGroups.referrers(ctx.actor, ids);
      return { ReferredSecurityGroupSet: ids.map((id) => ({ SecurityGroupId: id, ReferredSecurityGroupIds: referrers.get(id)! })) };
    },
  },
  DescribeSecurityGroupPolicies: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "Filters"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const f = p.filters(["security-group-id", "ip", "address-module", "service-module", "protocol-type", "port", "poly", "direction", "description"]);
      const set = policySetShape(await group(ctx, id), ctx.actor.accountId);
      if (f.size === 0) return { SecurityGroupPolicySet: set };
      const one = (name: string) => f.get(name)?.map((v) => v.toUpperCase());
      const keep = (d: "Ingress" | "Egress", x: (typeof set.Ingress)[number]) => {
        const dir = one("direction");
        if (dir && !dir.includes("ALL") && !dir.includes(d === "Ingress" ? "INBOUND" : "OUTBOUND")) return false;
        const poly = one("poly");
        if (poly && !poly.includes("ALL") && !poly.includes(x.Action)) return false;
        const proto = one("protocol-type");
        if (proto && !proto.includes(x.Protocol)) return false;
        const port = f.get("port");
        if (port && !port.some((v) => v.toUpperCase() === "ALL" || x.Port.includes(v))) return false;
        if (!matches(f, "security-group-id", x.SecurityGroupId)) return false;
        if (!matches(f, "ip", x.CidrBlock, true)) return false;
        if (!matches(f, "description", x.PolicyDescription, true)) return false;
        // Templates do not exist here: a template filter matches nothing.
        return !f.has("address-module") && !f.has("service-module");
      };
      return { SecurityGroupPolicySet: { ...set, Ingress: set.Ingress.filter((x) => keep("Ingress", x)), Egress: set.Egress.filter((x) => keep("Egress", x)) } };
    },
  },
  CreateSecurityGroupPolicies: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "SecurityGroupPolicySet"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const { set, version } = policySet(p);
      const { direction, items } = oneList(set);
      const policies = items.map((x) => parsePolicy(x, direction, ctx.actor.accountId));
      const indexes = new Set(policies.map((x) => x.index));
      if (indexes.size > 1) throw invalidValue(`${policies[0]!.where}.PolicyIndex`, "the policies of one request go to one place: give them all the same PolicyIndex, or none (to append).");
      const at = policies[0]!.index;
      const g0 = await group(ctx, id);
      const added = withWhere(policies);
      const drafts = await resolvePeers(ctx, g0.vpcId, g0.id, added.map((x) => x.draft));
      await editRules(ctx, id, version, (g) => {
        const current = ordered(g, direction).map(draftOf);
        if (at !== undefined && at > current.length) {
          throw invalidValue(`${policies[0]!.where}.PolicyIndex`, `${at} is past the end of the ${listOf(direction)} list (${current.length} policies; 0 inserts first, none appends).`, "InvalidParameterValue.Range");
        }
        checkDuplicates(ctx, current, drafts.map((draft, i) => ({ draft, where: added[i]!.where })));
        const pos = at ?? current.length;
        return { direction, rules: numbered([...current.slice(0, pos), ...drafts, ...current.slice(pos)]) };
      });
      return {};
    },
  },
  ReplaceSecurityGroupPolicy: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "SecurityGroupPolicySet", "OriginalSecurityGroupPolicySet"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const { set, version } = policySet(p);
      // The original set is for the caller's logs only: read for its shape, not compared.
      const original = p.object("OriginalSecurityGroupPolicySet", POLICY_SET_FIELDS);
      for (const { list } of LISTS) original?.objects(list, POLICY_FIELDS, false, MAX_POLICIES);
      const { direction, items } = oneList(set);
      if (items.length !== 1) throw invalidValue(set.name(listOf(direction)), `replaces one policy: give exactly one (${items.length} given).`);
      const policy = parsePolicy(items[0]!, direction, ctx.actor.accountId);
      const index = policy.index;
      if (index === undefined) throw new TencentError("MissingParameter", `The request is missing a required parameter \`${policy.where}.PolicyIndex\`.`);
      const g0 = await group(ctx, id);
      const drafts = await resolvePeers(ctx, g0.vpcId, g0.id, policy.rules);
      await editRules(ctx, id, version, (g) => {
        const current = ordered(g, direction).map(draftOf);
        if (index >= current.length) throw new TencentError("ResourceNotFound", `\`${policy.where}.PolicyIndex\`: the ${listOf(direction)} list of ${id} has no policy at index ${index} (it has ${current.length}).`);
        const rest = current.filter((_, i) => i !== index);
        checkDuplicates(ctx, rest, drafts.map((draft) => ({ draft, where: policy.where })));
        return { direction, rules: numbered([...current.slice(0, index), ...drafts, ...current.slice(index + 1)]) };
      });
      return {};
    },
  },
  ModifySecurityGroupPolicies: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "SecurityGroupPolicySet", "SortPolicys"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const { set, version } = policySet(p);
      p.bool("SortPolicys");
      // Version 0 clears both lists, whatever they are given as (Tencent's rule).
      const clear = version === 0;
      const lists = clear ? [] : bothLists(ctx, set);
      const g0 = await group(ctx, id);
      const rules: SgRuleInput[] = [];
      for (const { policies } of lists) rules.push(...numbered(await resolvePeers(ctx, g0.vpcId, g0.id, policies.flatMap((x) => x.rules))));
      await editRules(ctx, id, clear ? undefined : version, () => ({ direction: "both", rules }));
      return {};
    },
  },
  DeleteSecurityGroupPolicies: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SecurityGroupId", "SecurityGroupPolicySet"]);
      const id = p.id("SecurityGroupId", "sg", true);
      const { set, version } = policySet(p);
      const { direction, items } = oneList(set);
      const byContent = items.map((x) => ["Protocol", "Port", "CidrBlock", "SecurityGroupId", "Action"].some((k) => x.has(k)));
      if (byContent.some((b) => b !== byContent[0])) {
        throw new TencentError("InvalidParameter.Coexist", `\`${set.name(listOf(direction))}\`: delete by PolicyIndex or by content (Action, Protocol, Port, CidrBlock), not both in one request.`);
      }
      const g0 = await group(ctx, id);
      if (!byContent[0]) {
        const indexes = items.map((x) => ({ index: x.int("PolicyIndex", true, { min: 0, max: 100_000 }), where: x.name("PolicyIndex") }));
        await editRules(ctx, id, version, (g) => {
          const current = ordered(g, direction).map(draftOf);
          for (const { index, where } of indexes) {
            if (index >= current.length) throw new TencentError("ResourceNotFound", `\`${where}\`: the ${listOf(direction)} list of ${id} has no policy at index ${index} (it has ${current.length}).`);
          }
          const gone = new Set(indexes.map((x) => x.index));
          return { direction, rules: numbered(current.filter((_, i) => !gone.has(i))) };
        });
        return {};
      }
      const policies = items.map((x) => parsePolicy(x, direction, ctx.actor.accountId));
      const wanted = withWhere(policies);
      const drafts = await resolvePeers(ctx, g0.vpcId, g0.id, wanted.map((x) => x.draft));
      await editRules(ctx, id, version, (g) => {
        const current = ordered(g, direction).map(draftOf);
        const keys = current.map((d) => contentKey(d, ctx.actor.accountId));
        const gone = new Set<number>();
        for (const [i, d] of drafts.entries()) {
          const key = contentKey(d, ctx.actor.accountId);
          const at = keys.findIndex((k, j) => k === key && !gone.has(j));
          if (at < 0) throw new TencentError("ResourceNotFound", `\`${wanted[i]!.where}\`: no ${listOf(direction)} policy of ${id} has this Action, Protocol, Port and peer.`);
          gone.add(at);
        }
        return { direction, rules: numbered(current.filter((_, i) => !gone.has(i))) };
      });
      return {};
    },
  },
};
