/**
 * The account and catalogue actions: DescribeRegions, DescribeAvailabilityZones and
 * DescribeAccountAttributes, from the server's region catalogue and the caller's account.
 */
import { type ActionTable, applyFilters, filterNames } from "../context.ts";
import type { Region, Zone as CatalogZone } from "../../../domain/resources.ts";
import { AwsError } from "../errors.ts";

const REGION_FIELDS = {
  "region-name": (r: Region) => r.id,
  endpoint: (r: Region) => `ec2.${r.id}.amazonaws.com`,
  "opt-in-status": () => "opt-in-not-required",
};

interface Zone {
  region: Region;
  name: string;
  id: string;
}

const ZONE_FIELDS = {
  "zone-name": (z: Zone) => z.name,
  "zone-id": (z: Zone) => z.id,
  "region-name": (z: Zone) => z.region.id,
  state: () => "available",
  "zone-type": () => "availability-zone",
  "group-name": (z: Zone) => z.region.id,
  "opt-in-status": () => "opt-in-not-required",
};

const ATTRIBUTES = ["supported-platforms", "default-vpc", "max-instances", "vpc-max-security-groups-per-interface", "max-elastic-ips", "vpc-max-elastic-ips"] as const;

export const accountActions: ActionTable = {
  DescribeRegions: {
    params: ["RegionName", "Filter", "AllRegions"],
    dryRun: true,
    async run(c) {
      const names = c.p.list("RegionName");
      c.p.bool("AllRegions");
      const filters = c.p.filters(filterNames(REGION_FIELDS));
      const all = c.services.regions.list();
      for (const n of names) if (!all.some((r) => r.id === n)) throw new AwsError("InvalidParameterValue", 400, `Invalid region: ${n.slice(0, 64)} (known: ${all.map((r) => r.id).join(", ")})`);
      const chosen = applyFilters(names.length ? all.filter((r) => names.includes(r.id)) : all, filters, REGION_FIELDS);
      return { regionInfo: chosen.map((r) => ({ regionName: r.id, regionEndpoint: `ec2.${r.id}.amazonaws.com`, optInStatus: "opt-in-not-required" })) };
    },
  },
  DescribeAvailabilityZones: {
    params: ["ZoneName", "ZoneId", "Filter", "AllAvailabilityZones"],
    dryRun: true,
    async run(c) {
      const names = c.p.list("ZoneName");
      const ids = c.p.list("ZoneId");
      c.p.bool("AllAvailabilityZones");
      const filters = c.p.filters(filterNames(ZONE_FIELDS));
      const zones: Zone[] = c.region.zones.map((z: CatalogZone) => ({ region: c.region, name: z.name, id: z.id }));
      for (const n of names) if (!zones.some((z) => z.name === n)) throw new AwsError("InvalidParameterValue", 400, `The zone '${n.slice(0, 64)}' does not exist in region ${c.region.id} (zones: ${zones.map((z) => z.name).join(", ")})`);
      for (const n of ids) if (!zones.some((z) => z.id === n)) throw new AwsError("InvalidParameterValue", 400, `The zone ID '${n.slice(0, 64)}' does not exist in region ${c.region.id} (zone ids: ${zones.map((z) => z.id).join(", ")})`);
      const chosen = applyFilters(
        zones.filter((z) => (names.length === 0 && ids.length === 0) || names.includes(z.name) || ids.includes(z.id)),
        filters,
        ZONE_FIELDS,
      );
      return {
        availabilityZoneInfo: chosen.map((z) => ({
          zoneName: z.name,
          zoneState: "available",
          regionName: z.region.id,
          messageSet: [],
          zoneId: z.id,
          zoneType: "availability-zone",
          optInStatus: "opt-in-not-required",
          groupName: z.region.id,
          networkBorderGroup: z.region.id,
        })),
      };
    },
  },
  DescribeAccountAttributes: {
    params: ["AttributeName"],
    dryRun: true,
    async run(c) {
      const names = c.p.list("AttributeName");
      for (const n of names) if (!(ATTRIBUTES as readonly string[]).includes(n)) throw new AwsError("InvalidParameterValue", 400, `Value (${n.slice(0, 64)}) for parameter attributeName is invalid. Expected one of ${ATTRIBUTES.join(", ")}.`);
      const limits = c.services.deps.config.limits;
      const chosen = names.length ? [...new Set(names as (typeof ATTRIBUTES)[number][])] : [...ATTRIBUTES];
      // The caller's default VPC of the request's region, read only when asked for.
      const defaultVpc = chosen.includes("default-vpc") ? await c.services.defaultVpcs.defaultVpc(c.actor, c.region.id) : null;
      const values: Record<(typeof ATTRIBUTES)[number], string[]> = {
        "supported-platforms": ["VPC"],
        "default-vpc": [defaultVpc?.id ?? "none"],
        "max-instances": [String(limits.instancesPerSubnet)],
        "vpc-max-security-groups-per-interface": [String(limits.securityGroupsPerInstance)],
        // vpcpeer has no Elastic IPs.
        "max-elastic-ips": ["0"],
        "vpc-max-elastic-ips": ["0"],
      };
      return { accountAttributeSet: chosen.map((n) => ({ attributeName: n, attributeValueSet: values[n].map((attributeValue) => ({ attributeValue })) })) };
    },
  },
};
