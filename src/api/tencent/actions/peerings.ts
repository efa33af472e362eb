/**
 * The six peering actions: Create, Accept, Reject, Delete, Describe and Modify
 * VpcPeeringConnection(s). The SecretId's account is the actor; DestinationUin is the peer account.
 */
import { MAX_BANDWIDTH_MBPS } from "../../../domain/billing.ts";
import type { Peering } from "../../../domain/resources.ts";
import { TencentError } from "../errors.ts";
import { Params } from "../params.ts";
import { TENCENT_STATES, peeringShape } from "../shapes.ts";
import { type ActionDef, NAME_MAX, collect, exclusive, matches, window } from "./common.ts";

const REGION = { pattern: /^[a-z][a-z0-9-]{1,40}$/, expected: "a region name like ap-shanghai", max: 41 };
const CHARGE_TYPES = ["POSTPAID_BY_DAY_MAX", "POSTPAID_BY_MONTH_95"] as const;

function bandwidth(p: Params): number | undefined {
  return p.int("Bandwidth", false, { min: 1, max: MAX_BANDWIDTH_MBPS });
}

const byId = (raw: Record<string, unknown>) => Params.of(raw, ["PeeringConnectionId"]).id("PeeringConnectionId", "pcx", true);

export const peeringActions: Record<string, ActionDef> = {
  CreateVpcPeeringConnection: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["SourceVpcId", "PeeringConnectionName", "DestinationVpcId", "DestinationUin", "DestinationRegion", "Bandwidth", "Type", "ChargeType", "QosLevel", "Tags"]);
      const vpcId = p.id("SourceVpcId", "vpc", true);
      const name = p.str("PeeringConnectionName", true, { max: NAME_MAX });
      const peerVpcId = p.id("DestinationVpcId", "vpc", true);
      const peerAccountId = p.str("DestinationUin", true, { number: true, pattern: /^[0-9]{1,20}$/, expected: "an account id (Uin)" });
      const peerRegion = p.str("DestinationRegion", true, REGION);
      const bandwidthMbps = bandwidth(p);
      if (p.oneOf("Type", ["VPC_PEER", "VPC_BM_PEER"]) === "VPC_BM_PEER") {
        throw new TencentError("UnsupportedOperation", "Type VPC_BM_PEER (VPC to bare metal) is not supported; use VPC_PEER.");
      }
      p.oneOf("ChargeType", CHARGE_TYPES);
      p.oneOf("QosLevel", ["PT", "AU", "AG"]);
      const peering = await ctx.services.peerings.create(ctx.actor, { vpcId, peerVpcId, peerAccountId, peerRegion, bandwidthMbps, name, tags: p.tags() });
      return { PeeringConnectionId: peering.id };
    },
  },
  AcceptVpcPeeringConnection: {
    async handler(ctx, raw) {
      await ctx.services.peerings.accept(ctx.actor, byId(raw));
      return {};
    },
  },
  RejectVpcPeeringConnection: {
    async handler(ctx, raw) {
      await ctx.services.peerings.reject(ctx.actor, byId(raw));
      return {};
    },
  },
  DeleteVpcPeeringConnection: {
    async handler(ctx, raw) {
      await ctx.services.peerings.delete(ctx.actor, byId(raw));
      return {};
    },
  },
  ModifyVpcPeeringConnection: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["PeeringConnectionId", "PeeringConnectionName", "Bandwidth", "ChargeType"]);
      const id = p.id("PeeringConnectionId", "pcx", true);
      const name = p.str("PeeringConnectionName", false, { max: NAME_MAX });
      const bandwidthMbps = bandwidth(p);
      p.oneOf("ChargeType", CHARGE_TYPES);
      await ctx.services.peerings.update(ctx.actor, id, { name, bandwidthMbps });
      return {};
    },
  },
  DescribeVpcPeeringConnections: {
    readOnly: true,
    async handler(ctx, raw) {
      const p = Params.of(raw, ["PeeringConnectionIds", "Filters", "Offset", "Limit", "OrderField", "OrderDirection"]);
      exclusive(p, "PeeringConnectionIds");
      const ids = p.ids("PeeringConnectionIds", "pcx");
      const f = p.filters(["vpc-id", "state", "peering-connection-name"]);
      for (const [i, s] of (f.get("state") ?? []).entries()) {
        if (!(TENCENT_STATES as readonly string[]).includes(s)) throw new TencentError("InvalidParameterValue", `Filter \`state\` value ${i} \`${s.slice(0, 32)}\` is not one of ${TENCENT_STATES.join(", ")}.`);
      }
      const field = p.oneOf("OrderField", ["CreatedTime", "PeeringConnectionName"]) ?? "CreatedTime";
      const direction = p.oneOf("OrderDirection", ["DESC", "ASC"]) ?? "DESC";
      const all = await collect((cursor) => ctx.services.peerings.list(ctx.actor, {}, { limit: 500, cursor }));
      const shapes = all
        .filter((x: Peering) => !ctx.region || x.requester.region === ctx.region || x.accepter.region === ctx.region)
        .filter((x) => !ids || ids.includes(x.id))
        .map(peeringShape)
        .filter(
          (s) =>
            (!f.has("vpc-id") || matches(f, "vpc-id", s.SourceVpcId) || matches(f, "vpc-id", s.PeerVpcId)) &&
            matches(f, "state", s.State) &&
            matches(f, "peering-connection-name", s.PeeringConnectionName, true),
        );
      const key = (s: ReturnType<typeof peeringShape>) => (field === "CreatedTime" ? s.CreateTime : s.PeeringConnectionName);
      shapes.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.PeeringConnectionId < b.PeeringConnectionId ? -1 : 1) * (direction === "ASC" ? 1 : -1));
      const w = window(p, shapes);
      return { TotalCount: w.TotalCount, PeerConnectionSet: w.items };
    },
  },
};
