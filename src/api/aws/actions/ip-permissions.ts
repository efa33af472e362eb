/**
 * EC2's rule parameters for the security group actions (#19): `IpPermissions.N` (and the legacy
 * flat members) read into vpcpeer's rules, group peers looked up by id or name, and errors that
 * name the parameter a rule came from. actions/security-group-rules.ts builds the rule actions on them.
 */
import { DomainError } from "../../../domain/errors.ts";
import { type SecurityGroup, type SgDirection, type SgProtocol, type SgRuleInput, validateRule } from "../../../domain/security-groups.ts";
import { type Ctx, listAll } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { nativeId } from "../ids.ts";

/** AWS's character set for group names, group descriptions and rule descriptions (VPC groups). */
export const AWS_TEXT = /^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/;
export const AWS_TEXT_SET = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*";

export const groupId = (value: string, param: string) => nativeId("securityGroup", value, param);

/** The caller's groups named `names` in `vpcId` (or in any VPC), in the order asked; a name not found is InvalidGroup.NotFound. */
export async function groupsByNames(c: Ctx, names: readonly string[], vpcId: string | undefined, param: string): Promise<SecurityGroup[]> {
  const unique = [...new Set(names)];
  if (unique.length === 0) return [];
  const found = await listAll((o) => c.services.securityGroups.list(c.actor, { names: unique, ...(vpcId ? { vpcId } : {}) }, o));
  const out: SecurityGroup[] = [];
  for (const name of names) {
    const matches = found.filter((g) => g.name === name);
    if (matches.length === 0) throw new AwsError("InvalidGroup.NotFound", 400, vpcId ? `The security group '${name.slice(0, 80)}' does not exist in VPC '${vpcId}'` : `The security group '${name.slice(0, 80)}' does not exist`);
    if (matches.length > 1) throw badValue(param, name, `the name is used by groups in more than one VPC (${matches.map((g) => g.id).join(", ")}); name the group by its id`);
    out.push(matches[0]!);
  }
  return out;
}

// ---- rule parameters -----------------------------------------------------------------------------

/** One rule read from the request, and the parameter that gave it (errors name it). */
interface WireRule {
  input: SgRuleInput;
  /** e.g. `IpPermissions.1.IpRanges.2` */
  where: string;
  /** An IPv6 range or prefix list: nothing here is one (refused on authorize, not found on revoke). */
  absent?: string;
}

const IDX = "([1-9]\\d{0,3})";
const PERM_KEY = new RegExp(`^IpPermissions\\.${IDX}\\.(IpProtocol|FromPort|ToPort)$`);
const PEER_KEY = new RegExp(`^IpPermissions\\.${IDX}\\.(IpRanges|Ipv6Ranges|PrefixListIds|Groups)\\.${IDX}\\.([A-Za-z0-9]+)$`);
const PEER_FIELDS: Record<string, readonly string[]> = {
  IpRanges: ["CidrIp", "Description"],
  Ipv6Ranges: ["CidrIpv6", "Description"],
  PrefixListIds: ["PrefixListId", "Description"],
  Groups: ["GroupId", "GroupName", "UserId", "Description"],
};
const MAX_RULES_PER_CALL = 500;

/** EC2's protocol names and numbers → vpcpeer's. */
export function protocolOf(value: string, param: string): SgProtocol {
  const t = value.toLowerCase();
  if (t === "-1" || t === "all") return "all";
  if (t === "tcp" || t === "6") return "tcp";
  if (t === "udp" || t === "17") return "udp";
  if (t === "icmp" || t === "1") return "icmp";
  if (t === "icmpv6" || t === "58") throw badValue(param, value, "IPv6 is not supported by this service (no icmpv6 rules)");
  if (/^\d{1,3}$/.test(t) && Number(t) <= 255) throw badValue(param, value, `protocol ${t} is not filtered by this service: give tcp, udp, icmp or -1 (all)`);
  throw new AwsError("InvalidParameterValue", 400, `Invalid value '${value.slice(0, 40)}' for IP protocol (parameter ${param}). Unknown protocol: give tcp, udp, icmp or -1.`);
}

function intOf(value: string | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,6}$/.test(value)) throw badValue(param, value, "expected an integer");
  return Number(value);
}

/** A rule description in AWS's character set. */
export function descriptionOf(value: string | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.length > 255 || !AWS_TEXT.test(value)) {
    throw new AwsError("InvalidParameterValue", 400, `Invalid rule description (parameter ${param}). Valid descriptions are strings less than 256 characters from the following set: ${AWS_TEXT_SET}`);
  }
  return value;
}

/** Protocol and ports of one permission, as SgRuleInput fields; AWS's rules for each protocol. */
export function portsOf(protocolValue: string | undefined, fromValue: string | undefined, toValue: string | undefined, at: string): Pick<SgRuleInput, "protocol" | "fromPort" | "toPort" | "icmpType" | "icmpCode"> {
  if (protocolValue === undefined || protocolValue === "") throw missing(`${at}IpProtocol`);
  const protocol = protocolOf(protocolValue, `${at}IpProtocol`);
  const from = intOf(fromValue, `${at}FromPort`);
  const to = intOf(toValue, `${at}ToPort`);
  if (protocol === "all") return { protocol };
  if (protocol === "icmp") {
    for (const [v, p, what] of [[from, "FromPort", "type"], [to, "ToPort", "code"]] as const) {
      if (v !== undefined && (v < -1 || v > 255)) throw badValue(`${at}${p}`, String(v), `an ICMP ${what} is -1 (any) or 0 to 255`);
    }
    const type = from === undefined || from === -1 ? null : from;
    const code = to === undefined || to === -1 ? null : to;
    if (type === null && code !== null) throw badValue(`${at}ToPort`, String(code), "an ICMP code needs an ICMP type: with FromPort -1 (all types), ToPort must be -1 (all codes)");
    return { protocol, icmpType: type, icmpCode: code };
  }
  if (from === undefined || to === undefined) {
    throw new AwsError("InvalidParameterValue", 400, `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange (parameters ${at}FromPort and ${at}ToPort)`);
  }
  if (from === -1 && to === -1) return { protocol, fromPort: null, toPort: null };
  if (from < 0 || to < 0 || from > 65535 || to > 65535 || from > to) {
    throw new AwsError("InvalidParameterValue", 400, `Invalid TCP/UDP port range (from ${from} to ${to}; parameters ${at}FromPort and ${at}ToPort): ports are 0 to 65535, FromPort not above ToPort.`);
  }
  if (to === 0) throw badValue(`${at}ToPort`, "0", "port 0 carries no traffic: the lowest port this service filters is 1");
  return { protocol, fromPort: Math.max(from, 1), toPort: to };
}

interface PeerWire {
  list: string;
  index: number;
  fields: Map<string, string>;
}

/**
 * The rules of `IpPermissions.N` (one per IpRanges/Groups member) or of the legacy flat members
 * (IpProtocol, FromPort, ToPort, CidrIp, SourceSecurityGroupName, SourceSecurityGroupOwnerId).
 * Group peers named by GroupName are looked up in `group`'s VPC among the caller's groups.
 */
export async function wireRules(c: Ctx, direction: SgDirection, group: SecurityGroup, opts: { flat: boolean; required: boolean }): Promise<WireRule[]> {
  const perms = new Map<number, { scalars: Map<string, string>; peers: Map<string, PeerWire> }>();
  for (const key of c.p.keys()) {
    if (!key.startsWith("IpPermissions")) continue;
    const value = c.p.str(key, { max: 1024 })!;
    const perm = (n: number) => {
      let p = perms.get(n);
      if (!p) perms.set(n, (p = { scalars: new Map(), peers: new Map() }));
      return p;
    };
    let m = PERM_KEY.exec(key);
    if (m) {
      perm(Number(m[1])).scalars.set(m[2]!, value);
      continue;
    }
    m = PEER_KEY.exec(key);
    if (!m || !PEER_FIELDS[m[2]!]!.includes(m[4]!)) throw new AwsError("UnknownParameter", 400, `The parameter ${key.slice(0, 100)} is not recognized`);
    const peers = perm(Number(m[1])).peers;
    const id = `${m[2]}.${m[3]}`;
    let peer = peers.get(id);
    if (!peer) peers.set(id, (peer = { list: m[2]!, index: Number(m[3]), fields: new Map() }));
    peer.fields.set(m[4]!, value);
  }
  const flatKeys = ["IpProtocol", "FromPort", "ToPort", "CidrIp", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId"].filter((k) => c.p.has(k));
  if (flatKeys.length > 0 && !opts.flat) throw badValue(flatKeys[0]!, c.p.str(flatKeys[0]!) ?? "", "not supported for egress rules: use IpPermissions");
  if (flatKeys.length > 0 && perms.size > 0) throw new AwsError("InvalidParameterCombination", 400, `The parameter ${flatKeys[0]} cannot be used with the parameter IpPermissions`);

  const out: WireRule[] = [];
  const groupRefs: { rule: WireRule; name: string; param: string }[] = [];
  const add = (rule: WireRule) => {
    if (out.length >= MAX_RULES_PER_CALL) throw new AwsError("InvalidParameterValue", 400, `The request gives more than ${MAX_RULES_PER_CALL} rules.`);
    out.push(rule);
  };
  if (flatKeys.length > 0) {
    const source = c.p.str("SourceSecurityGroupName");
    const cidr = c.p.str("CidrIp", { max: 64 });
    if (source !== undefined) {
      // AWS: a source group is given alone; it grants every protocol and port from that group.
      const other = ["IpProtocol", "FromPort", "ToPort", "CidrIp"].find((k) => c.p.has(k));
      if (other) throw new AwsError("InvalidParameterCombination", 400, `The parameter ${other} cannot be used with the parameter SourceSecurityGroupName: for ports or protocols with a source group, use IpPermissions.N.Groups`);
      const owner = c.p.str("SourceSecurityGroupOwnerId", { max: 32 });
      if (owner !== undefined && owner !== c.actor.accountId) throw badValue("SourceSecurityGroupOwnerId", owner, "another account's group is named by its id: use IpPermissions.N.Groups.M.GroupId and UserId");
      const rule: WireRule = { input: { direction, protocol: "all", peer: { securityGroupId: "" } }, where: "SourceSecurityGroupName" };
      groupRefs.push({ rule, name: source, param: "SourceSecurityGroupName" });
      add(rule);
    } else {
      if (c.p.has("SourceSecurityGroupOwnerId")) throw missing("SourceSecurityGroupName");
      if (cidr === undefined) throw missing("CidrIp");
      add({ input: { direction, ...portsOf(c.p.str("IpProtocol", { max: 32 }), c.p.str("FromPort", { max: 16 }), c.p.str("ToPort", { max: 16 }), ""), peer: { cidr } }, where: "CidrIp" });
    }
  }
  for (const [n, perm] of [...perms].sort((a, b) => a[0] - b[0])) {
    const at = `IpPermissions.${n}.`;
    const ports = portsOf(perm.scalars.get("IpProtocol"), perm.scalars.get("FromPort"), perm.scalars.get("ToPort"), at);
    if (perm.peers.size === 0) throw missing(`${at}IpRanges.1.CidrIp or ${at}Groups.1.GroupId`);
    const peers = [...perm.peers.values()].sort((a, b) => (a.list < b.list ? -1 : a.list > b.list ? 1 : a.index - b.index));
    for (const peer of peers) {
      const where = `${at}${peer.list}.${peer.index}`;
      const description = descriptionOf(peer.fields.get("Description"), `${where}.Description`);
      const base = { direction, ...ports, ...(description !== undefined ? { description } : {}) };
      switch (peer.list) {
        case "IpRanges": {
          const cidr = peer.fields.get("CidrIp");
          if (cidr === undefined || cidr === "") throw missing(`${where}.CidrIp`);
          add({ input: { ...base, peer: { cidr } }, where });
          break;
        }
        case "Ipv6Ranges":
          add({ input: { ...base, peer: { cidr: "0.0.0.0/0" } }, where, absent: `${where}.CidrIpv6: IPv6 is not supported by this service` });
          break;
        case "PrefixListIds":
          add({ input: { ...base, peer: { cidr: "0.0.0.0/0" } }, where, absent: `${where}.PrefixListId: prefix lists are not supported by this service` });
          break;
        case "Groups": {
          const id = peer.fields.get("GroupId");
          const name = peer.fields.get("GroupName");
          const user = peer.fields.get("UserId");
          if (user !== undefined && !/^\d{12,16}$/.test(user)) throw new AwsError("InvalidUserID.Malformed", 400, `Invalid user id: '${user.slice(0, 40)}' (parameter ${where}.UserId)`);
          if (id !== undefined && id !== "") {
            if (name !== undefined) throw new AwsError("InvalidParameterCombination", 400, `The parameter ${where}.GroupId cannot be used with the parameter ${where}.GroupName`);
            add({ input: { ...base, peer: { securityGroupId: groupId(id, `${where}.GroupId`), ...(user !== undefined ? { accountId: user } : {}) } }, where });
          } else if (name !== undefined && name !== "") {
            if (user !== undefined && user !== c.actor.accountId) throw badValue(`${where}.GroupName`, name, "another account's group is named by its id: give GroupId with UserId");
            const rule: WireRule = { input: { ...base, peer: { securityGroupId: "" } }, where };
            groupRefs.push({ rule, name, param: `${where}.GroupName` });
            add(rule);
          } else {
            throw missing(`${where}.GroupId`);
          }
          break;
        }
      }
    }
  }
  if (out.length === 0 && opts.required) throw missing("IpPermissions");
  if (groupRefs.length > 0) {
    const found = await groupsByNames(c, groupRefs.map((r) => r.name), group.vpcId, groupRefs[0]!.param);
    groupRefs.forEach((r, i) => (r.rule.input = { ...r.rule.input, peer: { securityGroupId: found[i]!.id } }));
  }
  // The domain's own checks (CIDR form, host bits…), worded for the parameter that gave the rule.
  for (const r of out) {
    if (r.absent) continue;
    try {
      validateRule(r.input, r.where, c.actor.accountId);
    } catch (e) {
      if (!(e instanceof DomainError)) throw e;
      const why = e.message.slice(e.message.indexOf(": ") + 2);
      if (/peer\.cidr/.test(String(e.details.field))) {
        const cidr = "cidr" in r.input.peer ? r.input.peer.cidr : "";
        throw new AwsError("InvalidParameterValue", 400, `CIDR block ${cidr.slice(0, 64)} is malformed (parameter ${r.where}.CidrIp): ${why}`);
      }
      throw new AwsError("InvalidParameterValue", 400, `${r.where}: ${why}`);
    }
  }
  return out;
}

/** The service's rule errors (field `rules[i]…`) in EC2's words, naming the parameter that gave rule i. */
export function ruleError(e: unknown, rules: readonly WireRule[]): never {
  if (!(e instanceof DomainError)) throw e;
  const m = /^rules\[(\d+)\]/.exec(String(e.details.field ?? ""));
  const rule = m ? rules[Number(m[1])] : undefined;
  const where = rule ? ` (${rule.where})` : "";
  if (e.code === "DuplicateSecurityGroupRule") {
    throw new AwsError("InvalidPermission.Duplicate", 400, rule ? `the specified rule "${describeRule(rule.input)}" already exists${where}` : e.message);
  }
  if (e.code === "SecurityGroupRuleNotFound") {
    throw new AwsError("InvalidPermission.NotFound", 400, rule ? `The specified rule "${describeRule(rule.input)}" does not exist in this security group${where}.` : "The specified rule does not exist in this security group.");
  }
  if (e.code === "InvalidSecurityGroupReference" || (e.code === "ResourceNotFound" && rule)) {
    const peer = rule && "securityGroupId" in rule.input.peer ? rule.input.peer.securityGroupId : "";
    const reason = String(e.details.reason ?? "");
    if (e.code === "ResourceNotFound" || reason === "not-found") throw new AwsError("InvalidGroup.NotFound", 400, `The security group ID '${peer}' does not exist${where}`);
    if (reason === "cross-region") {
      throw new AwsError("InvalidGroup.NotFound", 400, `The security group ID '${peer}' does not exist in this region${where}: a group across a cross-region peering cannot be referenced; use the peer VPC's CIDR block.`);
    }
    throw new AwsError("InvalidGroup.NotFound", 400, `You have specified two resources that belong to different networks${where}: '${peer}' is neither in this VPC nor in a VPC joined to it by an active peering.`);
  }
  if (e.code === "InvalidSecurityGroupRule") throw new AwsError("InvalidParameterValue", 400, `${rule?.where ?? "IpPermissions"}: ${e.message.slice(e.message.indexOf(": ") + 2)}`);
  throw e;
}

/** AWS's text for a rule in InvalidPermission messages: `peer: 10.0.0.0/16, TCP, from port: 22, to port: 22, ALLOW`. */
export function describeRule(r: SgRuleInput): string {
  const peer = "cidr" in r.peer ? r.peer.cidr : r.peer.securityGroupId;
  const proto = r.protocol === "all" ? "ALL" : r.protocol.toUpperCase();
  const ports =
    r.protocol === "tcp" || r.protocol === "udp"
      ? `, from port: ${r.fromPort ?? 0}, to port: ${r.toPort ?? 65535}`
      : r.protocol === "icmp"
        ? `, type: ${r.icmpType ?? -1}, code: ${r.icmpCode ?? -1}`
        : "";
  return `peer: ${peer}, ${proto}${ports}, ALLOW`;
}
