/**
 * EC2 subnet actions: CreateSubnet, CreateDefaultSubnet, DescribeSubnets, DeleteSubnet, ModifySubnetAttribute. Every
 * member of the current EC2 model is accepted; values asking for what vpcpeer has not got (IPv6,
 * IPAM pools, Outposts, customer-owned IPs, resource-name DNS) are refused by name. See docs/dialects.md.
 */
import { parseCidr, size } from "../../../domain/cidr.ts";
import type { Subnet } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, filterNames, idsNotFound, keysetPage, sqlFilters, tagSet, withIds, zoneId } from "../context.ts";
import { AwsError, badValue } from "../errors.ts";
import { nativeId } from "../ids.ts";
import type { XmlValue } from "../xml.ts";
import { awsCidr, boolAttr, reworded, unsupported } from "./vpcs.ts";

/** AWS keeps five addresses of every subnet: the network, .1 (router), .2 (DNS), .3 (reserved) and the broadcast. */
const AWS_RESERVED = 5;

interface SubnetRow {
  subnet: Subnet;
  /** Instances in it (each holds one address). */
  used: number;
}

const availableIps = (r: SubnetRow) => Math.max(0, size(parseCidr(r.subnet.cidr, "cidr")) - AWS_RESERVED - r.used);

const subnetArn = (s: Subnet) => `arn:aws:ec2:${s.region}:${s.accountId}:subnet/${s.id}`;

function subnetView(c: Ctx, r: SubnetRow): XmlValue {
  const s = r.subnet;
  return {
    subnetId: s.id,
    subnetArn: subnetArn(s),
    vpcId: s.vpcId,
    ownerId: s.accountId,
    state: "available",
    cidrBlock: s.cidr,
    availabilityZone: s.zone,
    availabilityZoneId: zoneId(c.region, s.zone),
    availableIpAddressCount: availableIps(r),
    defaultForAz: s.isDefault,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    mapCustomerOwnedIpOnLaunch: false,
    assignIpv6AddressOnCreation: false,
    ipv6CidrBlockAssociationSet: [],
    ipv6Native: false,
    enableDns64: false,
    privateDnsNameOptionsOnLaunch: { hostnameType: "ip-name", enableResourceNameDnsARecord: false, enableResourceNameDnsAAAARecord: false },
    tagSet: tagSet(s.tags),
  };
}

const SUBNET_FIELDS = (c: Ctx): FilterFields<SubnetRow> => ({
  "availability-zone": (r) => r.subnet.zone,
  availabilityZone: (r) => r.subnet.zone,
  "availability-zone-id": (r) => zoneId(c.region, r.subnet.zone),
  "available-ip-address-count": (r) => String(availableIps(r)),
  "cidr-block": (r) => r.subnet.cidr,
  cidr: (r) => r.subnet.cidr,
  cidrBlock: (r) => r.subnet.cidr,
  "customer-owned-ipv4-pool": () => null,
  "default-for-az": (r) => r.subnet.isDefault,
  defaultForAz: (r) => r.subnet.isDefault,
  "enable-dns64": () => false,
  "enable-lni-at-device-index": () => null,
  "ipv6-cidr-block-association.ipv6-cidr-block": () => null,
  "ipv6-cidr-block-association.association-id": () => null,
  "ipv6-cidr-block-association.state": () => null,
  "ipv6-native": () => false,
  "map-customer-owned-ip-on-launch": () => false,
  "map-public-ip-on-launch": (r) => r.subnet.mapPublicIpOnLaunch,
  "outpost-arn": () => null,
  "owner-id": (r) => r.subnet.accountId,
  "private-dns-name-options-on-launch.hostname-type": () => "ip-name",
  "private-dns-name-options-on-launch.enable-resource-name-dns-a-record": () => false,
  "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": () => false,
  state: () => "available",
  "subnet-arn": (r) => subnetArn(r.subnet),
  "subnet-id": (r) => r.subnet.id,
  "vpc-id": (r) => r.subnet.vpcId,
});

/** The subnet filters SQL applies (sqlFilters); the rest are tested on the rows it returns. */
const SUBNET_COLUMNS = {
  "subnet-id": "id",
  "vpc-id": "vpc_id",
  "cidr-block": "cidr",
  cidr: "cidr",
  cidrBlock: "cidr",
  "availability-zone": "zone",
  availabilityZone: "zone",
};

/** Subnets with the number of instances in each. */
async function subnetRows(c: Ctx, subnets: Subnet[]): Promise<SubnetRow[]> {
  if (subnets.length === 0) return [];
  const used = await c.services.instances.perSubnet(c.actor, subnets.map((s) => s.id));
  return subnets.map((subnet) => ({ subnet, used: used.get(subnet.id) ?? 0 }));
}

const IPV6 = "IPv6 is not supported by this service";

/** A value for a member that only a feature vpcpeer has not got would use. */
function refuseIfSet(c: Ctx, names: readonly string[], why: string): void {
  for (const k of names) {
    const v = c.p.str(k, { max: 2048 });
    if (v !== undefined) throw unsupported(k, v, why);
  }
}

/**
 * The zone named by AvailabilityZone or AvailabilityZoneId (either, or both naming the same
 * zone), as a zone name of the request's region; undefined when neither is given.
 */
function zoneOf(c: Ctx): string | undefined {
  const zoneName = c.p.str("AvailabilityZone", { max: 64 });
  const zoneIdGiven = c.p.str("AvailabilityZoneId", { max: 64 });
  const zones = c.region.zones;
  const byId = zoneIdGiven === undefined ? undefined : zones.find((z) => z.id === zoneIdGiven)?.name;
  if (zoneName !== undefined && !zones.some((z) => z.name === zoneName)) {
    throw badValue("AvailabilityZone", zoneName, `subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(", ")}`);
  }
  if (zoneIdGiven !== undefined && byId === undefined) {
    throw badValue("AvailabilityZoneId", zoneIdGiven, `subnets can currently only be created in the following availability zone ids: ${zones.map((z) => z.id).join(", ")}`);
  }
  if (zoneName !== undefined && byId !== undefined && byId !== zoneName) {
    throw new AwsError("InvalidParameterCombination", 400, `AvailabilityZone ${zoneName} and AvailabilityZoneId ${zoneIdGiven} name different zones; give one of them.`);
  }
  return zoneName ?? byId;
}

export const subnetsActions: ActionTable = {
  CreateSubnet: {
    params: [
      "TagSpecification",
      "AvailabilityZone",
      "AvailabilityZoneId",
      "CidrBlock",
      "Ipv6CidrBlock",
      "OutpostArn",
      "VpcId",
      "Ipv6Native",
      "Ipv4IpamPoolId",
      "Ipv4NetmaskLength",
      "Ipv6IpamPoolId",
      "Ipv6NetmaskLength",
    ],
    dryRun: true,
    async run(c) {
      if (c.p.bool("Ipv6Native")) throw unsupported("Ipv6Native", "true", IPV6);
      refuseIfSet(c, ["Ipv6CidrBlock", "Ipv6IpamPoolId", "Ipv6NetmaskLength"], IPV6);
      refuseIfSet(c, ["Ipv4IpamPoolId", "Ipv4NetmaskLength"], "IPAM pools are not supported by this service: give CidrBlock");
      refuseIfSet(c, ["OutpostArn"], "Outposts are not supported by this service");
      const vpcParam = c.p.req("VpcId");
      const cidr = awsCidr(c.p, "CidrBlock", "InvalidSubnet.Range", "subnet");
      const zone = zoneOf(c);
      const tags = c.p.tagSpecs("subnet");
      const vpcId = nativeId("vpc", vpcParam, "VpcId");
      const subnet = await c.services.subnets.create(c.actor, { vpcId, cidr, zone, name: tags.Name ?? "", tags });
      return { subnet: subnetView(c, { subnet, used: 0 }) };
    },
  },

  // A /20 of the default VPC in one zone (the zone's own /20 when free), the zone's default
  // subnet: DefaultVpcDoesNotExist without a default VPC, DefaultSubnetAlreadyExistsInAvailabilityZone
  // when the zone has one (errors.ts words both as EC2 does).
  CreateDefaultSubnet: {
    params: ["AvailabilityZone", "AvailabilityZoneId", "Ipv6Native"],
    dryRun: true,
    async run(c) {
      if (c.p.bool("Ipv6Native")) throw unsupported("Ipv6Native", "true", IPV6);
      // EC2's model: "Either AvailabilityZone or AvailabilityZoneId must be specified".
      if (!c.p.has("AvailabilityZone") && !c.p.has("AvailabilityZoneId")) throw new AwsError("MissingParameter", 400, "The request must contain the parameter AvailabilityZone or AvailabilityZoneId");
      const zone = zoneOf(c)!;
      const subnet = await c.services.defaultVpcs.createDefaultSubnet(c.actor, c.region.id, zone);
      return { subnet: subnetView(c, { subnet, used: 0 }) };
    },
  },

  DescribeSubnets: {
    params: ["Filter", "SubnetId", "NextToken", "MaxResults"],
    dryRun: true,
    async run(c) {
      const ids = c.p.list("SubnetId").map((v, i) => nativeId("subnet", v, `SubnetId.${i + 1}`));
      const fields = SUBNET_FIELDS(c);
      const filters = c.p.filters(filterNames(fields));
      if (ids.length > 0) withIds((await c.services.subnets.search(c.actor, { columns: { id: ids } }, { offset: 0, limit: ids.length })).items, ids, (m) => idsNotFound("InvalidSubnetID.NotFound", "subnet", m));
      const { search, rest } = sqlFilters(filters, SUBNET_COLUMNS, { id: ids.length > 0 ? ids : undefined });
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.subnets.searchList(c.actor, search, o),
        async (subnets) => applyFilters(await subnetRows(c, subnets), rest, fields, (r) => r.subnet.tags),
        { min: 5, max: 1000 },
      );
      return { subnetSet: page.map((r) => subnetView(c, r)), nextToken };
    },
  },

  DeleteSubnet: {
    params: ["SubnetId"],
    dryRun: true,
    async run(c) {
      const id = nativeId("subnet", c.p.req("SubnetId"), "SubnetId");
      try {
        await c.services.subnets.delete(c.actor, id);
      } catch (e) {
        reworded(e, "DependencyViolation", (m) => `The subnet '${id}' has dependencies and cannot be deleted (${m.replace(/^subnet \S+ still has /, "")}).`);
      }
      return { return: true };
    },
  },

  // The model gives ModifySubnetAttribute no DryRun member; one attribute per request, as AWS has it.
  ModifySubnetAttribute: {
    params: [
      "AssignIpv6AddressOnCreation",
      "MapPublicIpOnLaunch",
      "SubnetId",
      "MapCustomerOwnedIpOnLaunch",
      "CustomerOwnedIpv4Pool",
      "EnableDns64",
      "PrivateDnsHostnameTypeOnLaunch",
      "EnableResourceNameDnsARecordOnLaunch",
      "EnableResourceNameDnsAAAARecordOnLaunch",
      "EnableLniAtDeviceIndex",
      "DisableLniAtDeviceIndex",
    ],
    async run(c) {
      const id = nativeId("subnet", c.p.req("SubnetId"), "SubnetId");
      const mapPublic = boolAttr(c.p, "MapPublicIpOnLaunch");
      // The others may only say what is already so (vpcpeer has no IPv6, no customer-owned pools,
      // no resource-name DNS, no Outposts): false, "ip-name", "disable".
      const off: [string, boolean | undefined][] = [
        ["AssignIpv6AddressOnCreation", boolAttr(c.p, "AssignIpv6AddressOnCreation")],
        ["MapCustomerOwnedIpOnLaunch", boolAttr(c.p, "MapCustomerOwnedIpOnLaunch")],
        ["EnableDns64", boolAttr(c.p, "EnableDns64")],
        ["EnableResourceNameDnsARecordOnLaunch", boolAttr(c.p, "EnableResourceNameDnsARecordOnLaunch")],
        ["EnableResourceNameDnsAAAARecordOnLaunch", boolAttr(c.p, "EnableResourceNameDnsAAAARecordOnLaunch")],
        ["DisableLniAtDeviceIndex", boolAttr(c.p, "DisableLniAtDeviceIndex")],
      ];
      const hostnameType = c.p.str("PrivateDnsHostnameTypeOnLaunch", { max: 32 });
      const pool = c.p.str("CustomerOwnedIpv4Pool", { max: 128 });
      const lni = c.p.str("EnableLniAtDeviceIndex", { max: 16 });
      const given = [mapPublic !== undefined ? "MapPublicIpOnLaunch" : null, ...off.filter(([, v]) => v !== undefined).map(([k]) => k), hostnameType !== undefined ? "PrivateDnsHostnameTypeOnLaunch" : null, lni !== undefined ? "EnableLniAtDeviceIndex" : null].filter(
        (k): k is string => k !== null,
      );
      if (given.length === 0) throw new AwsError("MissingParameter", 400, "The request must contain an attribute to modify, e.g. MapPublicIpOnLaunch.Value");
      if (given.length > 1) throw new AwsError("InvalidParameterCombination", 400, `Only one attribute can be modified at a time; the request sets ${given.join(", ")}`);
      for (const [k, v] of off) {
        if (v === true) throw unsupported(`${k}.Value`, "true", k === "DisableLniAtDeviceIndex" ? "this service has no local network interfaces (Outposts)" : `this service does not support ${k}`);
      }
      if (hostnameType !== undefined && hostnameType !== "ip-name") {
        if (hostnameType === "resource-name") throw unsupported("PrivateDnsHostnameTypeOnLaunch", hostnameType, "only ip-name hostnames are supported by this service");
        throw badValue("PrivateDnsHostnameTypeOnLaunch", hostnameType, "expected ip-name or resource-name");
      }
      if (lni !== undefined) throw unsupported("EnableLniAtDeviceIndex", lni, "this service has no local network interfaces (Outposts)");
      if (pool !== undefined) throw unsupported("CustomerOwnedIpv4Pool", pool, "customer-owned IP pools are not supported by this service");
      if (mapPublic !== undefined) await c.services.subnets.update(c.actor, id, { mapPublicIpOnLaunch: mapPublic });
      else await c.services.subnets.get(c.actor, id);
      return { return: true };
    },
  },
};

