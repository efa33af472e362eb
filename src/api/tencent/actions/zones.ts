/**
 * DescribeZones, which Tencent Cloud serves in the CVM API (cvm.tencentcloudapi.com, version
 * 2017-03-12, the VPC API's version too): the region's zones from the catalogue. The request takes
 * no parameters; the answer is ZoneSet [{Zone, ZoneName, ZoneId, ZoneState}] and TotalCount.
 * The SDK's cvm client signs service `cvm` (the first label of its endpoint); the face dispatches
 * by Version and Action, so the action is answered whatever endpoint the client is pointed at.
 */
import { Params } from "../params.ts";
import { type ActionDef, requireRegion } from "./common.ts";

export const zoneActions: Record<string, ActionDef> = {
  DescribeZones: {
    async handler(ctx, raw) {
      Params.of(raw, []);
      const region = ctx.services.regions.require(requireRegion(ctx), "region");
      const ZoneSet = region.zones.map((z) => ({ Zone: z.name, ZoneName: z.localName ?? z.name, ZoneId: z.id, ZoneState: "AVAILABLE" }));
      return { TotalCount: ZoneSet.length, ZoneSet };
    },
  },
};
