/**
 * DescribeZones of VPC 2016-04-28 and of ECS 2014-05-26: the region's zones from the catalogue.
 * Alibaba's ZoneId is the zone's name (cn-hangzhou-h); LocalName is the catalogue's local name
 * (one language: AcceptLanguage is checked, not translated). The ECS answer has ECS's shape
 * with no instance types or disk categories (vpcpeer sells none); its resource types are what
 * this server can make in a zone: vSwitches and (ECS face) instances.
 */
import type { Region } from "../../../domain/resources.ts";
import { type ActionTable, type Ctx, region } from "../context.ts";

const LANGUAGES = ["zh-CN", "en-US", "ja"] as const;

function zonesOf(c: Ctx): Region["zones"] {
  const id = region(c)!;
  c.p.oneOf("AcceptLanguage", LANGUAGES);
  return c.services.regions.require(id, "RegionId").zones;
}

export const vpcZoneActions: ActionTable = {
  DescribeZones: {
    async run(c) {
      const zones = zonesOf(c);
      // Edge zones: none in the catalogue.
      const type = c.p.oneOf("ZoneType", ["AvailabilityZone", "EdgeZone"] as const) ?? "AvailabilityZone";
      const chosen = type === "AvailabilityZone" ? zones : [];
      return { Zones: { Zone: chosen.map((z) => ({ ZoneId: z.name, LocalName: z.localName ?? z.name, ZoneType: "AvailabilityZone" })) } };
    },
  },
};

export const ecsZoneActions: ActionTable = {
  DescribeZones: {
    async run(c) {
      const zones = zonesOf(c);
      c.p.oneOf("InstanceChargeType", ["PrePaid", "PostPaid"] as const);
      c.p.oneOf("SpotStrategy", ["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"] as const);
      c.p.bool("Verbose");
      return {
        Zones: {
          Zone: zones.map((z) => ({
            ZoneId: z.name,
            LocalName: z.localName ?? z.name,
            ZoneType: "AvailabilityZone",
            AvailableResourceCreation: { ResourceTypes: ["VSwitch", "Instance"] },
            AvailableResources: { ResourcesInfo: [] },
            AvailableInstanceTypes: { InstanceTypes: [] },
            AvailableDiskCategories: { DiskCategories: [] },
            AvailableVolumeCategories: { VolumeCategories: [] },
            AvailableDedicatedHostTypes: { DedicatedHostType: [] },
            DedicatedHostGenerations: { DedicatedHostGeneration: [] },
          })),
        },
      };
    },
  },
};
