/**
 * EC2 actions: instances (RunInstances, DescribeInstances, TerminateInstances), over the
 * InstanceService: endpoints with a private IP in a subnet, which the data plane makes real (so a
 * test can send packets through an AWS-made peering).
 *
 * vpcpeer instances have no image, type or reservation of their own. RunInstances records them in
 * the instance's description, `RunInstances: image ami-…, type t3.micro, reservation r-…, launch
 * index 0` (what the native API and console show), and DescribeInstances reads them back from it;
 * an instance made elsewhere (or whose description was changed since) shows no imageId and no
 * instanceType, and is its own reservation (`r-<its suffix>`). Instances are `running` from the
 * start (code 16). A terminated instance is gone at once (AWS shows it `terminated` for about an
 * hour): DescribeInstances then answers InvalidInstanceID.NotFound for it. Routes whose next hop
 * it was stay, as blackhole. Without SubnetId an instance goes to a default subnet of the account's
 * default VPC (Placement.AvailabilityZone's, else the first zone's that has one), as in AWS.
 */
import { randomBytes } from "node:crypto";
import { DomainError } from "../../../domain/errors.ts";
import type { Instance, Subnet } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, applyFilters, awsTime, filterNames, idsNotFound, keysetPage, sqlFilters, tagSet, withIds } from "../context.ts";
import { AwsError, badValue, missing } from "../errors.ts";
import { awsId, nativeId } from "../ids.ts";
import type { XmlValue } from "../xml.ts";
import { groupNames, groupSetOf, launchGroups } from "./security-groups.ts";

/** What RunInstances records of a launch, in the instance's description. */
interface Launch {
  imageId: string;
  instanceType: string;
  reservationId: string;
  launchIndex: number;
}

const LAUNCH = /^RunInstances: image (ami-[0-9a-z]+), type ([a-z0-9][a-z0-9.-]*), reservation (r-[0-9a-z]+), launch index (\d{1,4})$/;

const describeLaunch = (l: Launch) => `RunInstances: image ${l.imageId}, type ${l.instanceType}, reservation ${l.reservationId}, launch index ${l.launchIndex}`;

function launchOf(i: Instance): Partial<Launch> & { reservationId: string } {
  const m = LAUNCH.exec(i.description);
  if (!m) return { reservationId: `r-${i.id.slice(i.id.indexOf("-") + 1)}` };
  return { imageId: m[1]!, instanceType: m[2]!, reservationId: m[3]!, launchIndex: Number(m[4]) };
}

const RUNNING = { code: 16, name: "running" } as const;
const TERMINATED = { code: 48, name: "terminated" } as const;

/** AWS keeps the first four addresses of a subnet (network, router, DNS, future use) and the last: none is handed out or accepted. */
const AWS_RESERVED_FIRST = 4;

/** AWS's default when RunInstances names no InstanceType. */
const DEFAULT_TYPE = "m1.small";

/**
 * RunInstances members of EC2's model that vpcpeer does not model (wire names): refused by name,
 * not ignored. The boolean ones are accepted when false (what is already so).
 */
const UNSUPPORTED = [
  "BlockDeviceMapping",
  "Ipv6AddressCount",
  "Ipv6Address",
  "KernelId",
  "KeyName",
  "Monitoring",
  "RamdiskId",
  "UserData",
  "ElasticGpuSpecification",
  "ElasticInferenceAccelerator",
  "LaunchTemplate",
  "InstanceMarketOptions",
  "CreditSpecification",
  "CpuOptions",
  "CapacityReservationSpecification",
  "HibernationOptions",
  "LicenseSpecification",
  "MetadataOptions",
  "EnclaveOptions",
  "PrivateDnsNameOptions",
  "MaintenanceOptions",
  "NetworkPerformanceOptions",
  "Operator",
  "SecondaryInterface",
  "InstanceInitiatedShutdownBehavior",
  "AdditionalInfo",
  "NetworkInterface",
  "IamInstanceProfile",
] as const;
const OFF_ONLY = ["DisableApiStop", "DisableApiTermination", "EnablePrimaryIpv6", "EbsOptimized", "Monitoring.Enabled"] as const;

function instanceItem(i: Instance, names: ReadonlyMap<string, string>, launch = launchOf(i)): XmlValue {
  return {
    instanceId: awsId(i.id),
    imageId: launch.imageId,
    instanceState: RUNNING,
    reason: "",
    amiLaunchIndex: launch.launchIndex,
    productCodes: [],
    instanceType: launch.instanceType,
    launchTime: awsTime(i.createdAt),
    placement: { availabilityZone: i.zone, groupName: "", tenancy: "default" },
    monitoring: { state: "disabled" },
    subnetId: i.subnetId,
    vpcId: i.vpcId,
    privateIpAddress: i.privateIp,
    groupSet: groupSetOf(i, names),
    tagSet: tagSet(i.tags),
  };
}

/** Instances grouped into EC2's reservations, in the order they come, each in launch order. */
function reservations(c: Ctx, items: readonly Instance[], names: ReadonlyMap<string, string>): XmlValue[] {
  const groups = new Map<string, Instance[]>();
  for (const i of items) {
    const r = launchOf(i).reservationId;
    const g = groups.get(r);
    if (g) g.push(i);
    else groups.set(r, [i]);
  }
  return [...groups].map(([reservationId, list]) => ({
    reservationId,
    ownerId: c.actor.accountId,
    groupSet: [],
    // In launch order, as EC2 lists a reservation: the instances of one RunInstances share their
    // creation time, and the page's order among them is their random ids'.
    instancesSet: list
      .map((i) => ({ i, at: launchOf(i).launchIndex ?? 0 }))
      .sort((a, b) => a.at - b.at)
      .map(({ i }) => instanceItem(i, names)),
  }));
}

/** The instance ids of `InstanceId.N` (native form, distinct, in order). */
function instanceIds(c: Ctx): string[] {
  return [...new Set(c.p.list("InstanceId").map((v) => nativeId("instance", v, "InstanceId")))];
}

/** InvalidInstanceID.NotFound for the ids of `wanted` not among `found`, as EC2 words it. */
function checkFound(wanted: readonly string[], found: ReadonlySet<string>): void {
  const missingIds = wanted.filter((id) => !found.has(id));
  if (missingIds.length > 0) throw idsNotFound("InvalidInstanceID.NotFound", "instance", missingIds);
}

const INSTANCE_FIELDS = (names: ReadonlyMap<string, string>) => ({
  "instance-id": (i: Instance) => awsId(i.id),
  "vpc-id": (i: Instance) => i.vpcId,
  "subnet-id": (i: Instance) => i.subnetId,
  "private-ip-address": (i: Instance) => i.privateIp,
  "network-interface.addresses.private-ip-address": (i: Instance) => i.privateIp,
  "instance-state-name": () => RUNNING.name,
  "instance-state-code": () => String(RUNNING.code),
  "availability-zone": (i: Instance) => i.zone,
  "image-id": (i: Instance) => launchOf(i).imageId,
  "instance-type": (i: Instance) => launchOf(i).instanceType,
  "reservation-id": (i: Instance) => launchOf(i).reservationId,
  "owner-id": (i: Instance) => i.accountId,
  "launch-time": (i: Instance) => awsTime(i.createdAt),
  tenancy: () => "default",
  "instance.group-id": (i: Instance) => i.securityGroupIds ?? [],
  "instance.group-name": (i: Instance) => (i.securityGroupIds ?? []).map((id) => names.get(id) ?? ""),
  "network-interface.group-id": (i: Instance) => i.securityGroupIds ?? [],
  "network-interface.group-name": (i: Instance) => (i.securityGroupIds ?? []).map((id) => names.get(id) ?? ""),
});

/** The instance filters SQL applies (sqlFilters); `instance-id` (AWS's id format), launch details and the constants stay in memory. */
const INSTANCE_COLUMNS = {
  "vpc-id": "vpc_id",
  "subnet-id": "subnet_id",
  "private-ip-address": "private_ip",
  "network-interface.addresses.private-ip-address": "private_ip",
  "availability-zone": "zone",
};

/**
 * The subnet a RunInstances without SubnetId launches into: the default subnet of `zone` in the
 * caller's default VPC of the request's region, or (no zone) that of the first catalogue zone
 * that has one. No default VPC: VPCIdNotSpecified; no default subnet to use: MissingInput.
 */
async function defaultSubnet(c: Ctx, zone: string | undefined): Promise<Subnet> {
  const { vpc, subnet: chosen } = await c.services.defaultVpcs.defaultSubnet(c.actor, c.region.id, zone);
  if (!vpc) {
    throw new AwsError("VPCIdNotSpecified", 400, `No default VPC for this user in ${c.region.id}: name the subnet to launch in (parameter SubnetId), or create the default VPC (CreateDefaultVpc).`);
  }
  if (!chosen) {
    throw new AwsError(
      "MissingInput",
      400,
      zone !== undefined
        ? `No default subnet for availability zone: '${zone}' in the default VPC '${vpc.id}'. Name a subnet (parameter SubnetId), or create the zone's default subnet (CreateDefaultSubnet).`
        : `No subnets found for the default VPC '${vpc.id}'. Please specify a subnet (parameter SubnetId), or create a default subnet (CreateDefaultSubnet).`,
    );
  }
  return chosen;
}

export const instancesActions: ActionTable = {
  RunInstances: {
    params: ["ImageId", "InstanceType", "MinCount", "MaxCount", "SubnetId", "PrivateIpAddress", "Placement", "TagSpecification", "SecurityGroupId", "SecurityGroup", ...UNSUPPORTED, ...OFF_ONLY.filter((n) => !n.includes("."))],
    dryRun: true,
    idempotent: true,
    async run(c) {
      for (const name of OFF_ONLY) {
        if (c.p.bool(name)) throw new AwsError("UnsupportedOperation", 400, `The parameter ${name}=true is not supported by this server: vpcpeer instances have no such setting; leave it out or false.`);
      }
      for (const name of UNSUPPORTED) {
        const given = c.p.keys().find((k) => (k === name || k.startsWith(`${name}.`)) && k !== "Monitoring.Enabled");
        if (given !== undefined) {
          throw new AwsError("UnsupportedOperation", 400, `The parameter ${given.slice(0, 100)} is not supported by this server: vpcpeer instances are addresses in a subnet with security groups (no images to boot, volumes, network interfaces, launch templates, key pairs, user data, instance profiles, IPv6 or public addresses); leave it out.`);
        }
      }
      const imageId = c.p.req("ImageId", { max: 64 });
      if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new AwsError("InvalidAMIID.Malformed", 400, `Invalid id: "${imageId}" (expecting "ami-..."; parameter ImageId)`);
      const instanceType = c.p.str("InstanceType", { max: 64 }) ?? DEFAULT_TYPE;
      if (!/^[a-z][a-z0-9-]*\.[a-z0-9-]+$/.test(instanceType)) throw badValue("InstanceType", instanceType, "an instance type is written family.size, e.g. t3.micro");
      if (!c.p.has("MinCount")) throw missing("MinCount");
      if (!c.p.has("MaxCount")) throw missing("MaxCount");
      const minCount = c.p.int("MinCount", { min: 1, max: 1000 })!;
      const maxCount = c.p.int("MaxCount", { min: 1, max: 1000 })!;
      if (minCount > maxCount) throw new AwsError("InvalidParameterValue", 400, `Value (${minCount}) for parameter MinCount is invalid. It must be less than or equal to MaxCount (${maxCount}).`);
      const subnetValue = c.p.str("SubnetId", { max: 64 });
      const givenSubnetId = subnetValue === undefined || subnetValue === "" ? undefined : nativeId("subnet", subnetValue, "SubnetId");
      const privateIp = c.p.str("PrivateIpAddress", { max: 64 });
      if (privateIp !== undefined && maxCount > 1) {
        throw new AwsError("InvalidParameterCombination", 400, `PrivateIpAddress (${privateIp.slice(0, 40)}) names one address: it cannot be given when launching more than one instance (MaxCount ${maxCount}).`);
      }
      for (const k of c.p.keys()) {
        if (k.startsWith("Placement.") && k !== "Placement.AvailabilityZone" && k !== "Placement.Tenancy") throw new AwsError("UnknownParameter", 400, `The parameter ${k.slice(0, 100)} is not recognized`);
      }
      const tenancy = c.p.str("Placement.Tenancy");
      if (tenancy !== undefined && tenancy !== "default") throw badValue("Placement.Tenancy", tenancy, "only default tenancy is offered");
      const zone = c.p.str("Placement.AvailabilityZone", { max: 64 });
      const tags = c.p.tagSpecs("instance");
      if (givenSubnetId === undefined && zone !== undefined && !c.region.zones.some((z) => z.name === zone)) {
        throw badValue("Placement.AvailabilityZone", zone, `the availability zones of ${c.region.id} are ${c.region.zones.map((z) => z.name).join(", ")}`);
      }

      const subnet = givenSubnetId === undefined ? await defaultSubnet(c, zone) : await c.services.subnets.get(c.actor, givenSubnetId);
      const subnetId = subnet.id;
      if (zone !== undefined && zone !== subnet.zone) {
        throw badValue("Placement.AvailabilityZone", zone, `subnet ${subnet.id} is in the availability zone ${subnet.zone}`);
      }
      // SecurityGroupId.N / SecurityGroup.N (names), in the subnet's VPC; none: the VPC's default group.
      const securityGroupIds = await launchGroups(c, subnet.vpcId);
      const reservationId = `r-${randomBytes(9).toString("hex").slice(0, 17)}`;
      // One transaction: as many as fit, up to MaxCount; fewer than MinCount fit → none is made.
      const made = await c.services.deps.store.transaction(async () => {
        const out: Instance[] = [];
        for (let launchIndex = 0; launchIndex < maxCount; launchIndex++) {
          try {
            out.push(
              await c.services.instances.create(c.actor, {
                subnetId,
                privateIp,
                description: describeLaunch({ imageId, instanceType, reservationId, launchIndex }),
                tags,
                reserveFirst: AWS_RESERVED_FIRST,
                ...(securityGroupIds ? { securityGroupIds } : {}),
              }),
            );
          } catch (e) {
            const full = e instanceof DomainError && (e.code === "SubnetFull" || (e.code === "LimitExceeded" && e.details.quota === "instancesPerSubnet"));
            if (!full || out.length < minCount) throw e;
            break;
          }
        }
        return out;
      });
      const names = await groupNames(c, made);
      return {
        reservationId,
        ownerId: c.actor.accountId,
        groupSet: [],
        instancesSet: made.map((i) => instanceItem(i, names)),
      };
    },
  },

  DescribeInstances: {
    params: ["InstanceId", "Filter", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const ids = instanceIds(c);
      if (ids.length > 0 && c.p.has("MaxResults")) {
        throw new AwsError("InvalidParameterCombination", 400, "The parameter instancesSet cannot be used with the parameter maxResults");
      }
      const filters = c.p.filters(filterNames(INSTANCE_FIELDS(new Map())));
      // The caller's instances in the request's region, in creation order, paged by keyset in SQL.
      if (ids.length > 0) withIds((await c.services.instances.searchList(c.actor, { columns: { id: ids } }, { limit: ids.length })).items, ids, (m) => idsNotFound("InvalidInstanceID.NotFound", "instance", m));
      const { search, rest } = sqlFilters(filters, INSTANCE_COLUMNS, { id: ids.length > 0 ? ids : undefined });
      let names = new Map<string, string>();
      const { page, nextToken } = await keysetPage(
        c,
        (o) => c.services.instances.searchList(c.actor, search, o),
        async (items) => {
          names = new Map([...names, ...(await groupNames(c, items))]);
          return applyFilters(items, rest, INSTANCE_FIELDS(names));
        },
        { min: 5, max: 1000 },
      );
      return { reservationSet: reservations(c, page, names), nextToken };
    },
  },

  TerminateInstances: {
    params: ["InstanceId"],
    dryRun: true,
    async run(c) {
      const ids = instanceIds(c);
      if (ids.length === 0) throw missing("InstanceId");
      // All or none: an unknown id fails the call before any instance goes.
      await c.services.deps.store.transaction(async () => {
        const found = new Set<string>();
        for (const id of ids) {
          try {
            found.add((await c.services.instances.get(c.actor, id)).id);
          } catch (e) {
            if (!(e instanceof DomainError && e.code === "ResourceNotFound")) throw e;
          }
        }
        checkFound(ids, found);
        for (const id of ids) await c.services.instances.delete(c.actor, id);
      });
      return { instancesSet: ids.map((id) => ({ instanceId: awsId(id), currentState: TERMINATED, previousState: RUNNING })) };
    },
  },
};
