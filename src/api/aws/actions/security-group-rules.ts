/**
 * EC2 security group rule actions over services.securityGroups (#19): AuthorizeSecurityGroupIngress/
 * Egress, RevokeSecurityGroupIngress/Egress, ModifySecurityGroupRules and
 * UpdateSecurityGroupRuleDescriptionsIngress/Egress. The rules' parameters are read by
 * ip-permissions.ts; the groups and the views of rules are security-groups.ts's. AWS's model on
 * vpcpeer's is said there.
 */
import { DomainError } from "../../../domain/errors.ts";
import { type SecurityGroup, type SecurityGroupRule, type SgDirection, type SgRuleInput, ruleKey, validateRule } from "../../../domain/security-groups.ts";
import type { ActionTable, Ctx } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { descriptionOf, groupId, portsOf, ruleError, wireRules } from "./ip-permissions.ts";
import { awsRules, ruleFields, ruleId, ruleNotFound, ruleView, targetGroup } from "./security-groups.ts";

const AUTHORIZE_FLAT = ["CidrIp", "FromPort", "IpProtocol", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "ToPort"];

/** Rule tags (TagSpecification of security-group-rule): none may be given (rules here carry no tags). */
function noRuleTags(c: Ctx): void {
  const tags = c.p.tagSpecs("security-group-rule");
  const keys = Object.keys(tags);
  if (keys.length > 0) throw badValue("TagSpecification.1.Tag.1.Key", keys[0]!, "security group rules carry no tags on this service; tag the group");
}

function authorize(direction: SgDirection): ActionTable[string] {
  return {
    params: ["GroupId", "IpPermissions", "TagSpecification", ...AUTHORIZE_FLAT, ...(direction === "ingress" ? ["GroupName"] : [])],
    dryRun: true,
    async run(c) {
      noRuleTags(c);
      const group = await targetGroup(c, direction === "ingress");
      const rules = await wireRules(c, direction, group, { flat: direction === "ingress", required: true });
      const absent = rules.find((r) => r.absent);
      if (absent) throw new AwsError("InvalidParameterValue", 400, absent.absent!);
      const result = await c.services.securityGroups.addRules(c.actor, group.id, rules.map((r) => r.input)).catch((e: unknown) => ruleError(e, rules));
      return { return: true, securityGroupRuleSet: result.added.map((r) => ruleView(result.group, r)) };
    },
  };
}

function revoke(direction: SgDirection): ActionTable[string] {
  return {
    params: ["GroupId", "IpPermissions", "SecurityGroupRuleId", ...AUTHORIZE_FLAT, ...(direction === "ingress" ? ["GroupName"] : [])],
    dryRun: true,
    async run(c) {
      const group = await targetGroup(c, direction === "ingress");
      const ids = c.p.list("SecurityGroupRuleId").map((v, i) => ruleId(v, `SecurityGroupRuleId.${i + 1}`));
      const rules = await wireRules(c, direction, group, { flat: direction === "ingress", required: ids.length === 0 });
      if (ids.length > 0 && rules.length > 0) throw new AwsError("InvalidParameterCombination", 400, "The parameter SecurityGroupRuleId cannot be used with the parameter IpPermissions");
      const absent = rules.find((r) => r.absent);
      if (absent) throw new AwsError("InvalidPermission.NotFound", 400, `The specified rule does not exist in this security group (${absent.absent}).`);
      if (ids.length > 0) {
        // A rule of the other direction, or of another group, is not this call's to revoke.
        const mine = new Map(group.rules.map((r) => [r.id, r]));
        const wrong = ids.filter((id) => mine.get(id)?.direction !== direction);
        if (wrong.length > 0) throw ruleNotFound(wrong);
      }
      const before = new Map(group.rules.map((r) => [r.id, r]));
      let after: SecurityGroup;
      try {
        after = await c.services.securityGroups.removeRules(c.actor, group.id, ids.length > 0 ? { ruleIds: ids } : { matching: rules.map((r) => r.input) });
      } catch (e) {
        if (e instanceof DomainError && e.code === "SecurityGroupRuleNotFound" && ids.length > 0) throw ruleNotFound(ids);
        ruleError(e, rules);
      }
      const kept = new Set(after.rules.map((r) => r.id));
      const revoked = [...before.values()].filter((r) => !kept.has(r.id));
      return {
        return: true,
        revokedSecurityGroupRuleSet: revoked.map((r) => ({ ...ruleFields(group.id, r), referencedSecurityGroupId: "securityGroupId" in r.peer ? r.peer.securityGroupId : undefined })),
      };
    },
  };
}

/** Rules replaced by id, keeping their ids, all or none (one transaction). */
async function replaceRules(c: Ctx, group: SecurityGroup, changes: readonly { id: string; input: SgRuleInput; where: string }[]): Promise<void> {
  await c.services.deps.store.transaction(async () => {
    for (const ch of changes) {
      try {
        await c.services.securityGroups.replaceRule(c.actor, group.id, ch.id, ch.input);
      } catch (e) {
        if (e instanceof DomainError && e.code === "SecurityGroupRuleNotFound") throw ruleNotFound([ch.id]);
        ruleError(e instanceof DomainError ? new DomainError(e.code, e.message, { ...e.details, field: "rules[0]" }) : e, [{ input: ch.input, where: ch.where }]);
      }
    }
  });
}

/**
 * The members `<prefix>.N.<member>` of the request, by N in ascending order: `pattern` gives N as
 * its first group and the member's name as its last group that matched. Any other key under the
 * prefix → UnknownParameter.
 */
function numberedMembers(c: Ctx, prefix: string, pattern: RegExp): [number, Map<string, string>][] {
  const byNumber = new Map<number, Map<string, string>>();
  for (const key of c.p.keys()) {
    if (!key.startsWith(prefix)) continue;
    const m = pattern.exec(key);
    if (!m) throw new AwsError("UnknownParameter", 400, `The parameter ${key.slice(0, 100)} is not recognized`);
    let members = byNumber.get(Number(m[1]));
    if (!members) byNumber.set(Number(m[1]), (members = new Map()));
    members.set(m.slice(2).filter((g) => g !== undefined).pop()!, c.p.str(key, { max: 1024 })!);
  }
  return [...byNumber].sort((a, b) => a[0] - b[0]);
}

const SGR_DESCRIPTION_KEY = /^SecurityGroupRuleDescription\.([1-9]\d{0,3})\.(SecurityGroupRuleId|Description)$/;

/**
 * UpdateSecurityGroupRuleDescriptionsIngress/Egress: new descriptions for existing rules, found by
 * content (IpPermissions, the description given with each range or group; none given removes it)
 * or by id (SecurityGroupRuleDescription.N); nothing else of a rule changes, nor its id. A rule
 * not in the group → InvalidPermission.NotFound (by content) or InvalidSecurityGroupRuleId.NotFound.
 */
function updateDescriptions(direction: SgDirection): ActionTable[string] {
  return {
    params: ["GroupId", "GroupName", "IpPermissions", "SecurityGroupRuleDescription"],
    dryRun: true,
    async run(c) {
      const group = await targetGroup(c, true);
      const rules = await wireRules(c, direction, group, { flat: false, required: false });
      const byNumber = numberedMembers(c, "SecurityGroupRuleDescription", SGR_DESCRIPTION_KEY);
      if (rules.length === 0 && byNumber.length === 0) throw missing("IpPermissions");
      if (rules.length > 0 && byNumber.length > 0) throw new AwsError("InvalidParameterCombination", 400, "The parameter SecurityGroupRuleDescription cannot be used with the parameter IpPermissions");
      const mine = awsRules(group).filter((r) => r.direction === direction);
      const asInput = (r: SecurityGroupRule, description: string | undefined): SgRuleInput => {
        const { direction: d, protocol, fromPort, toPort, icmpType, icmpCode, peer, action, priority } = r;
        return { direction: d, protocol, fromPort, toPort, icmpType, icmpCode, peer, action, priority, description: description ?? "" };
      };
      const changes: { id: string; input: SgRuleInput; where: string }[] = [];
      for (const w of rules) {
        const key = w.absent === undefined ? ruleKey(validateRule(w.input, w.where, c.actor.accountId)) : null;
        const current = key === null ? undefined : mine.find((r) => ruleKey(r) === key);
        if (!current) throw new AwsError("InvalidPermission.NotFound", 400, `The specified rule does not exist in this security group (${w.absent ?? w.where}).`);
        changes.push({ id: current.id, input: asInput(current, w.input.description), where: w.where });
      }
      for (const [n, d] of byNumber) {
        const at = `SecurityGroupRuleDescription.${n}.`;
        const idValue = d.get("SecurityGroupRuleId");
        if (idValue === undefined || idValue === "") throw missing(`${at}SecurityGroupRuleId`);
        const id = ruleId(idValue, `${at}SecurityGroupRuleId`);
        const current = mine.find((r) => r.id === id);
        if (!current) throw ruleNotFound([id]);
        changes.push({ id, input: asInput(current, descriptionOf(d.get("Description"), `${at}Description`)), where: at.slice(0, -1) });
      }
      await replaceRules(c, group, changes);
      return { return: true };
    },
  };
}

const SGR_UPDATE_KEY = /^SecurityGroupRule\.([1-9]\d{0,3})\.(SecurityGroupRuleId|SecurityGroupRule\.(IpProtocol|FromPort|ToPort|CidrIpv4|CidrIpv6|PrefixListId|ReferencedGroupId|Description))$/;

export const securityGroupRuleActions: ActionTable = {
  AuthorizeSecurityGroupIngress: authorize("ingress"),
  AuthorizeSecurityGroupEgress: authorize("egress"),
  RevokeSecurityGroupIngress: revoke("ingress"),
  RevokeSecurityGroupEgress: revoke("egress"),

  ModifySecurityGroupRules: {
    params: ["GroupId", "SecurityGroupRule"],
    dryRun: true,
    async run(c) {
      const group = await targetGroup(c, false);
      const updates = numberedMembers(c, "SecurityGroupRule", SGR_UPDATE_KEY);
      if (updates.length === 0) throw missing("SecurityGroupRule.1.SecurityGroupRuleId");
      const byId = new Map(group.rules.map((r) => [r.id, r]));
      const changes: { id: string; input: SgRuleInput; where: string }[] = [];
      for (const [n, u] of updates) {
        const at = `SecurityGroupRule.${n}.`;
        const idValue = u.get("SecurityGroupRuleId");
        if (idValue === undefined || idValue === "") throw missing(`${at}SecurityGroupRuleId`);
        const id = ruleId(idValue, `${at}SecurityGroupRuleId`);
        const current = byId.get(id);
        if (!current) throw ruleNotFound([id]);
        const rat = `${at}SecurityGroupRule.`;
        if (u.has("CidrIpv6")) throw badValue(`${rat}CidrIpv6`, u.get("CidrIpv6")!, "IPv6 is not supported by this service");
        if (u.has("PrefixListId")) throw badValue(`${rat}PrefixListId`, u.get("PrefixListId")!, "prefix lists are not supported by this service");
        const cidr = u.get("CidrIpv4");
        const ref = u.get("ReferencedGroupId");
        if (cidr !== undefined && ref !== undefined) throw new AwsError("InvalidParameterCombination", 400, `The parameter ${rat}CidrIpv4 cannot be used with the parameter ${rat}ReferencedGroupId`);
        if (cidr === undefined && ref === undefined) throw missing(`${rat}CidrIpv4 or ${rat}ReferencedGroupId`);
        const ports = portsOf(u.get("IpProtocol"), u.get("FromPort"), u.get("ToPort"), rat);
        const description = descriptionOf(u.get("Description"), `${rat}Description`);
        let peer: SgRuleInput["peer"];
        if (cidr !== undefined) {
          peer = { cidr };
        } else {
          // `[account/]sg-…` (Terraform sends its referenced_security_group_id as it is written).
          const [account, sg] = ref!.includes("/") ? (ref!.split("/", 2) as [string, string]) : [undefined, ref!];
          if (account !== undefined && !/^\d{12,16}$/.test(account)) throw new AwsError("InvalidUserID.Malformed", 400, `Invalid user id: '${account.slice(0, 40)}' (parameter ${rat}ReferencedGroupId)`);
          const id = groupId(sg, `${rat}ReferencedGroupId`);
          const keepAccount = "securityGroupId" in current.peer && current.peer.securityGroupId === id ? current.peer.accountId : undefined;
          peer = { securityGroupId: id, ...((account ?? keepAccount) ? { accountId: account ?? keepAccount } : {}) };
        }
        const input: SgRuleInput = { direction: current.direction, ...ports, peer, ...(description !== undefined ? { description } : {}) };
        try {
          validateRule(input, `${at}SecurityGroupRule`, c.actor.accountId);
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          throw new AwsError("InvalidParameterValue", 400, e.message);
        }
        changes.push({ id, input, where: `${at}SecurityGroupRule` });
      }
      await replaceRules(c, group, changes);
      return { return: true };
    },
  },

  UpdateSecurityGroupRuleDescriptionsIngress: updateDescriptions("ingress"),
  UpdateSecurityGroupRuleDescriptionsEgress: updateDescriptions("egress"),
};
