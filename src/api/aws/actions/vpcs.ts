/**
 * EC2 VPC actions: CreateVpc, CreateDefaultVpc, DescribeVpcs, DeleteVpc, DescribeVpcAttribute, ModifyVpcAttribute,
 * and the reads Terraform makes on an aws_vpc (DescribeNetworkAcls; DescribeSecurityGroups is
 * security-groups.ts's) and on an aws_subnet's delete (DescribeNetworkInterfaces). Every member of the current EC2 model
 * is accepted; values asking for what vpcpeer does not have (IPv6, IPAM pools, dedicated tenancy,
 * encryption control) are refused by name. See docs/dialects.md.
 */
import { DomainError } from "../../../domain/errors.ts";
import type { Instance, Vpc } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, awsTime, filterNames, idsNotFound, keysetPage, paginate, sqlFilters, tagSet, withIds, zoneId } from "../context.ts";
import { AwsError, badValue, missing, toAws } from "../errors.ts";
import { awsId, inAwsFormat, isId, nativeId } from "../ids.ts";
import type { Params } from "../query.ts";
import type { XmlValue } from "../xml.ts";
import { groupNames, groupSetOf } from "./security-groups.ts";

/** A known member whose value asks for something vpcpeer has not got: refused, naming it. */
export const unsupported = (param: string, value: string, why: string) => badValue(param, value, why);

/** Refuses any member under `name` (a structure, `Name.Member`) when present at all. */
export function refuseStruct(p: Params, name: string, why: string): void {
  const key = p.keys().find((k) => k === name || k.startsWith(`${name}.`));
  if (key !== undefined) throw unsupported(key, p.str(key, { max: 1 << 20 }) ?? "", why);
}

/**
 * An `AttributeBooleanValue` member (`Name.Value=true`): its value, or undefined when absent. Any
 * other member under `Name.` is unknown.
 */
export function boolAttr(p: Params, name: string): boolean | undefined {
  for (const k of p.keys()) {
    if ((k === name || k.startsWith(`${name}.`)) && k !== `${name}.Value`) throw new AwsError("UnknownParameter", 400, `The parameter ${k.slice(0, 100)} is not recognized`);
  }
  if (p.has(name) && !p.has(`${name}.Value`)) throw missing(`${name}.Value`);
  return p.bool(`${name}.Value`);
}

/**
 * A DomainError of `code` with its message rewritten in EC2's words (its wording names a native
 * field); its EC2 code is the one mapping's (errors.ts). Any other error is thrown as it is.
 */
export function reworded(e: unknown, code: string, message: (original: string) => string): never {
  if (e instanceof DomainError && e.code === code) {
    const { code: ec2, status } = toAws(e, "");
    throw new AwsError(ec2, status, message(e.message));
  }
  throw e;
}

const VPC_MIN_PREFIX = 16;
const VPC_MAX_PREFIX = 28;

/** AWS's block size rule for VPC and subnet CIDRs (/16 to /28), before the service's own checks. */
export function awsCidr(p: Params, param: string, code: string, what: string): string {
  const cidr = p.req(param, { max: 64 });
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw badValue(param, cidr, "expected an IPv4 CIDR block like 10.0.0.0/16");
  const prefix = Number(m[2]);
  // Not a CIDR at all (an octet over 255, a prefix over 32) is a bad value, not a size out of range.
  if (prefix > 32 || m[1]!.split(".").some((o) => Number(o) > 255)) throw badValue(param, cidr, "expected an IPv4 CIDR block like 10.0.0.0/16");
  if (prefix < VPC_MIN_PREFIX || prefix > VPC_MAX_PREFIX) throw new AwsError(code, 400, `The CIDR '${cidr}' is invalid: a ${what} block must be between a /${VPC_MIN_PREFIX} and a /${VPC_MAX_PREFIX} netmask.`);
  return cidr;
}

// ---- VPCs ---------------------------------------------------------------------------------------

interface VpcRow {
  vpc: Vpc;
  state: "pending" | "available";
}

/** The id of a VPC's (only) IPv4 CIDR association, from its suffix. */
const cidrAssociationId = (vpcId: string) => `vpc-cidr-assoc-${vpcId.slice(vpcId.indexOf("-") + 1)}`;

function vpcView(row: VpcRow): XmlValue {
  const { vpc } = row;
  return {
    vpcId: vpc.id,
    ownerId: vpc.accountId,
    state: row.state,
    cidrBlock: vpc.cidr,
    cidrBlockAssociationSet: [{ associationId: cidrAssociationId(vpc.id), cidrBlock: vpc.cidr, cidrBlockState: { state: "associated" } }],
    // vpcpeer runs no DHCP options sets: every VPC has AWS's "default" set (AmazonProvidedDNS).
    dhcpOptionsId: "default",
    instanceTenancy: "default",
    isDefault: vpc.isDefault,
    tagSet: tagSet(vpc.tags),
  };
}

const VPC_FIELDS: FilterFields<VpcRow> = {
  cidr: (r) => r.vpc.cidr,
  "cidr-block-association.cidr-block": (r) => r.vpc.cidr,
  "cidr-block-association.association-id": (r) => cidrAssociationId(r.vpc.id),
  "cidr-block-association.state": () => "associated",
  "dhcp-options-id": () => "default",
  // No IPv6 here: these filters are valid and match nothing.
  "ipv6-cidr-block-association.ipv6-cidr-block": () => null,
  "ipv6-cidr-block-association.ipv6-pool": () => null,
  "ipv6-cidr-block-association.association-id": () => null,
  "ipv6-cidr-block-association.state": () => null,
  "is-default": (r) => r.vpc.isDefault,
  // The name Terraform's aws_default_vpc filters on (EC2 takes the member name too).
  isDefault: (r) => r.vpc.isDefault,
  "owner-id": (r) => r.vpc.accountId,
  state: (r) => r.state,
  "vpc-id": (r) => r.vpc.id,
};

/** The VPC filters SQL applies (sqlFilters); `state` (pending while its router is built) and the constants stay in memory. */
const VPC_COLUMNS = { "vpc-id": "id", cidr: "cidr", "cidr-block-association.cidr-block": "cidr" };

async function vpcRows(c: Ctx, vpcs: Vpc[]): Promise<VpcRow[]> {
  const pending = await c.services.vpcs.pending(vpcs);
  return vpcs.map((vpc) => ({ vpc, state: pending.has(vpc.id) ? "pending" : "available" }));
}

/** The caller's VPC (in the request's region), or InvalidVpcID.NotFound. */
export async function ownVpc(c: Ctx, param: string, required = true): Promise<Vpc> {
  const value = required ? c.p.req(param) : c.p.str(param)!;
  return c.services.vpcs.get(c.actor, nativeId("vpc", value, param));
}

const IPV6 = "IPv6 is not supported by this service: VPCs have one IPv4 CIDR block";
const IPAM = "IPAM pools are not supported by this service: give CidrBlock";

const VPC_ATTRIBUTES = ["enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics"] as const;
type VpcAttribute = (typeof VPC_ATTRIBUTES)[number];
const attributeOf = (v: Vpc, a: VpcAttribute) => (a === "enableDnsSupport" ? v.dnsSupport : a === "enableDnsHostnames" ? v.dnsHostnames : v.networkAddressUsageMetrics);

export const vpcsActions: ActionTable = {
  CreateVpc: {
    params: [
      "CidrBlock",
      "Ipv6Pool",
      "Ipv6CidrBlock",
      "Ipv4IpamPoolId",
      "Ipv4NetmaskLength",
      "Ipv6IpamPoolId",
      "Ipv6NetmaskLength",
      "Ipv6CidrBlockNetworkBorderGroup",
      "VpcEncryptionControl",
      "TagSpecification",
      "InstanceTenancy",
      "AmazonProvidedIpv6CidrBlock",
    ],
    dryRun: true,
    async run(c) {
      if (c.p.bool("AmazonProvidedIpv6CidrBlock")) throw unsupported("AmazonProvidedIpv6CidrBlock", "true", IPV6);
      for (const k of ["Ipv6Pool", "Ipv6CidrBlock", "Ipv6IpamPoolId", "Ipv6NetmaskLength", "Ipv6CidrBlockNetworkBorderGroup"]) {
        const v = c.p.str(k, { max: 128 });
        if (v !== undefined) throw unsupported(k, v, IPV6);
      }
      for (const k of ["Ipv4IpamPoolId", "Ipv4NetmaskLength"]) {
        const v = c.p.str(k, { max: 128 });
        if (v !== undefined) throw unsupported(k, v, IPAM);
      }
      refuseStruct(c.p, "VpcEncryptionControl", "VPC Encryption Control is not supported by this service");
      const tenancy = c.p.str("InstanceTenancy", { max: 32 });
      if (tenancy !== undefined && tenancy !== "default") {
        if (tenancy === "dedicated" || tenancy === "host") throw unsupported("InstanceTenancy", tenancy, "only default tenancy is supported by this service");
        throw badValue("InstanceTenancy", tenancy, "expected default, dedicated or host");
      }
      const cidr = awsCidr(c.p, "CidrBlock", "InvalidVpc.Range", "VPC");
      const tags = c.p.tagSpecs("vpc");
      try {
        // AWS's default security group: ingress from its own members only, all egress.
        const vpc = await c.services.vpcs.create(c.actor, { name: tags.Name ?? "", region: c.region.id, cidr, tags, defaultSecurityGroup: "members-only" });
        const [row] = await vpcRows(c, [vpc]);
        return { vpc: vpcView(row!) };
      } catch (e) {
        // The service takes private ranges only (RFC 1918 and 100.64.0.0/10).
        return reworded(e, "CidrNotAllowed", (m) => `The CIDR '${cidr}' is invalid: ${m.replace(/^cidr: /, "")}`);
      }
    },
  },

  // The account's default VPC of the request's region: 172.31.0.0/16 (the region's defaultVpcCidr),
  // a default subnet in each zone, AWS's default security group. One per account and region.
  CreateDefaultVpc: {
    params: [],
    dryRun: true,
    async run(c) {
      const { vpc } = await c.services.defaultVpcs.createDefaultVpc(c.actor, c.region.id, { defaultSecurityGroup: "members-only" });
      const [row] = await vpcRows(c, [vpc]);
      return { vpc: vpcView(row!) };
    },
  },

  DescribeVpcs: {
    params: ["Filter", "VpcId", "NextToken", "MaxResults"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("VpcId").map((v, i) => nativeId("vpc", v, `VpcId.${i + 1}`));
      const filters = c.p.filters(filterNames(VPC_FIELDS));
      // Every id asked for must be the caller's (in this region), whatever the filters.
      if (ids.length > 0) withIds((await c.services.vpcs.search(c.actor, { columns: { id: ids } }, { offset: 0, limit: ids.length })).items, ids, (m) => idsNotFound("InvalidVpcID.NotFound", "vpc", m));
      const { search, rest } = sqlFilters(filters, VPC_COLUMNS, { id: ids.length > 0 ? ids : undefined });
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.vpcs.searchList(c.actor, search, o),
        async (vpcs) => applyFilters(await vpcRows(c, vpcs), rest, VPC_FIELDS, (r) => r.vpc.tags),
        { min: 5, max: 1000 },
      );
      return { vpcSet: page.map(vpcView), nextToken };
    },
  },

  DeleteVpc: {
    params: ["VpcId"],
    dryRun: true,
    async run(c) {
      const id = nativeId("vpc", c.p.req("VpcId"), "VpcId");
      try {
        await c.services.vpcs.delete(c.actor, id);
      } catch (e) {
        reworded(e, "DependencyViolation", (m) => `The vpc '${id}' has dependencies and cannot be deleted (${m.replace(/^vpc \S+ still has dependents; /, "")}).`);
      }
      return { return: true };
    },
  },

  DescribeVpcAttribute: {
    params: ["Attribute", "VpcId"],
    dryRun: true,
    async run(c) {
      const attribute = c.p.req("Attribute", { max: 64 });
      if (!(VPC_ATTRIBUTES as readonly string[]).includes(attribute)) throw badValue("Attribute", attribute, `expected one of ${VPC_ATTRIBUTES.join(", ")}`);
      const vpc = await ownVpc(c, "VpcId");
      return { vpcId: vpc.id, [attribute]: { value: attributeOf(vpc, attribute as VpcAttribute) } };
    },
  },

  // The model gives ModifyVpcAttribute no DryRun member.
  ModifyVpcAttribute: {
    params: ["EnableDnsHostnames", "EnableDnsSupport", "VpcId", "EnableNetworkAddressUsageMetrics"],
    async run(c) {
      const given = {
        enableDnsHostnames: boolAttr(c.p, "EnableDnsHostnames"),
        enableDnsSupport: boolAttr(c.p, "EnableDnsSupport"),
        enableNetworkAddressUsageMetrics: boolAttr(c.p, "EnableNetworkAddressUsageMetrics"),
      };
      const set = Object.entries(given).filter(([, v]) => v !== undefined);
      // AWS: one attribute per request ("You cannot modify the DNS resolution and DNS hostnames attributes in the same request").
      if (set.length > 1) throw new AwsError("InvalidParameterCombination", 400, `Fields for multiple attribute types specified: ${set.map(([k]) => k).join(", ")}`);
      if (set.length === 0) throw new AwsError("MissingParameter", 400, "The request must contain one of the parameters EnableDnsHostnames, EnableDnsSupport or EnableNetworkAddressUsageMetrics");
      const vpc = await ownVpc(c, "VpcId");
      try {
        await c.services.vpcs.update(c.actor, vpc.id, {
          dnsHostnames: given.enableDnsHostnames,
          dnsSupport: given.enableDnsSupport,
          networkAddressUsageMetrics: given.enableNetworkAddressUsageMetrics,
        });
      } catch (e) {
        reworded(e, "InvalidRequest", () =>
          given.enableDnsHostnames
            ? `Value (true) for parameter EnableDnsHostnames is invalid. DNS hostnames can be enabled only while DNS support (enableDnsSupport) is enabled on ${vpc.id}.`
            : `Value (false) for parameter EnableDnsSupport is invalid. DNS support cannot be disabled while DNS hostnames (enableDnsHostnames) are enabled on ${vpc.id}; disable them first.`,
        );
      }
      return { return: true };
    },
  },

  // vpcpeer has no network ACLs (the data plane filters nothing between a VPC's subnets): the
  // empty set is the truth. The ids and filters the model defines are still checked.
  DescribeNetworkAcls: {
    params: ["NextToken", "MaxResults", "NetworkAclId", "Filter"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("NetworkAclId");
      c.p.filters(filterNames(NACL_FILTERS));
      for (const [i, id] of ids.entries()) if (!/^acl-[0-9a-z]+$/.test(id)) throw new AwsError("InvalidNetworkAclId.Malformed", 400, `Invalid id: "${id.slice(0, 80)}" (expecting "acl-..."; parameter NetworkAclId.${i + 1})`);
      if (ids.length > 0) throw idsNotFound("InvalidNetworkAclID.NotFound", "network ACL", ids);
      const { nextToken } = paginate(c, [], { min: 5, max: 1000 });
      return { networkAclSet: [], nextToken };
    },
  },

  // Every instance has one network interface (its private IP in its subnet), shown as AWS shows
  // an instance's primary ENI: eni-<instance id suffix>.
  DescribeNetworkInterfaces: {
    params: ["NextToken", "MaxResults", "IncludeManagedResources", "NetworkInterfaceId", "Filter"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("NetworkInterfaceId").map((v, i) => instanceOfEni(v, `NetworkInterfaceId.${i + 1}`));
      c.p.bool("IncludeManagedResources");
      const filters = c.p.filters(filterNames(ENI_FIELDS(c, new Map())));
      const unique = [...new Set(ids)];
      if (unique.length > 0) withIds((await c.services.instances.searchList(c.actor, { columns: { id: unique } }, { limit: unique.length })).items, unique, (m) => idsNotFound("InvalidNetworkInterfaceID.NotFound", "networkInterface", m, eniId));
      // An interface shows no tags: tag filters stay in memory (and match nothing).
      const { search, rest } = sqlFilters(filters, ENI_COLUMNS, { id: unique.length > 0 ? unique : undefined }, { tags: false });
      let names = new Map<string, string>();
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.instances.searchList(c.actor, search, o),
        async (items) => {
          names = new Map([...names, ...(await groupNames(c, items))]);
          return applyFilters(items, rest, ENI_FIELDS(c, names), () => ({}));
        },
        { min: 5, max: 1000 },
      );
      return { networkInterfaceSet: page.map((i) => eniView(c, i, names)), nextToken };
    },
  },
};

// ---- network interfaces (one per instance) -------------------------------------------------------

const suffixOf = (id: string) => id.slice(id.indexOf("-") + 1);

/** The network interface of an instance (native or AWS id). */
export const eniId = (instanceId: string) => `eni-${suffixOf(instanceId)}`;

/** The native instance id behind an `eni-` id; a value of another shape is InvalidNetworkInterfaceId.Malformed (EC2's spelling). */
export function instanceOfEni(value: string, param: string): string {
  const m = /^eni-([a-z0-9]+)$/.exec(value);
  // As nativeId: an id in AWS's format names nothing here, but is well formed.
  if (m && inAwsFormat(m[1]!)) throw idsNotFound("InvalidNetworkInterfaceID.NotFound", "networkInterface", [value], (v) => v);
  const instance = m ? `i-${m[1]}` : "";
  if (!m || !isId("instance", instance)) throw new AwsError("InvalidNetworkInterfaceId.Malformed", 400, `Invalid id: "${value.slice(0, 80)}" (expecting "eni-..."; parameter ${param})`);
  return nativeId("instance", instance, param);
}

function eniView(c: Ctx, i: Instance, names: ReadonlyMap<string, string>): XmlValue {
  return {
    networkInterfaceId: eniId(i.id),
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    availabilityZone: i.zone,
    availabilityZoneId: zoneId(c.region, i.zone),
    description: "",
    ownerId: i.accountId,
    requesterManaged: false,
    status: "in-use",
    macAddress: i.mac,
    privateIpAddress: i.privateIp,
    interfaceType: "interface",
    groupSet: groupSetOf(i, names),
    attachment: {
      attachmentId: `eni-attach-${suffixOf(i.id)}`,
      deviceIndex: 0,
      networkCardIndex: 0,
      instanceId: awsId(i.id),
      instanceOwnerId: i.accountId,
      status: "attached",
      attachTime: awsTime(i.createdAt),
      deleteOnTermination: true,
    },
    privateIpAddressesSet: [{ privateIpAddress: i.privateIp, primary: true }],
    tagSet: [],
  };
}

/** The DescribeNetworkInterfaces filters SQL applies (sqlFilters), on the instances' columns. */
const ENI_COLUMNS = {
  "subnet-id": "subnet_id",
  "vpc-id": "vpc_id",
  "availability-zone": "zone",
  "private-ip-address": "private_ip",
  "addresses.private-ip-address": "private_ip",
};

/** DescribeNetworkInterfaces filters: the model's names; those about things vpcpeer has not got match nothing. */
const ENI_FIELDS = (c: Ctx, names: ReadonlyMap<string, string>): FilterFields<Instance> => ({
  "network-interface-id": (i) => eniId(i.id),
  "subnet-id": (i) => i.subnetId,
  "vpc-id": (i) => i.vpcId,
  "availability-zone": (i) => i.zone,
  "availability-zone-id": (i) => zoneId(c.region, i.zone),
  "private-ip-address": (i) => i.privateIp,
  "addresses.private-ip-address": (i) => i.privateIp,
  "addresses.primary": () => "true",
  "attachment.instance-id": (i) => awsId(i.id),
  "attachment.instance-owner-id": (i) => i.accountId,
  "attachment.attachment-id": (i) => `eni-attach-${suffixOf(i.id)}`,
  "attachment.status": () => "attached",
  "attachment.device-index": () => "0",
  "attachment.delete-on-termination": () => "true",
  "attachment.attach-time": (i) => awsTime(i.createdAt),
  "owner-id": (i) => i.accountId,
  status: () => "in-use",
  "interface-type": () => "interface",
  "mac-address": (i) => i.mac,
  description: () => "",
  "requester-managed": () => "false",
  "requester-id": () => null,
  "group-id": (i) => i.securityGroupIds ?? [],
  "group-name": (i) => (i.securityGroupIds ?? []).map((id) => names.get(id) ?? ""),
  "source-dest-check": () => null,
  "association.allocation-id": () => null,
  "association.association-id": () => null,
  "addresses.association.owner-id": () => null,
  "addresses.association.public-ip": () => null,
  "association.ip-owner-id": () => null,
  "association.public-ip": () => null,
  "association.public-dns-name": () => null,
  "ipv6-addresses.ipv6-address": () => null,
  "operator.managed": () => "false",
  "operator.principal": () => null,
  "private-dns-name": () => null,
});

const none = () => null;
const NACL_FILTERS: FilterFields<never> = Object.fromEntries(
  [
    "association.association-id",
    "association.network-acl-id",
    "association.subnet-id",
    "default",
    "entry.cidr",
    "entry.icmp.code",
    "entry.icmp.type",
    "entry.ipv6-cidr",
    "entry.port-range.from",
    "entry.port-range.to",
    "entry.protocol",
    "entry.rule-action",
    "entry.egress",
    "entry.rule-number",
    "network-acl-id",
    "owner-id",
    "vpc-id",
  ].map((n) => [n, none]),
);

