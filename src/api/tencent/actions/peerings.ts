/**
 * The six peering actions: Create, Accept, Reject, Delete, Describe and Modify
 * VpcPeeringConnection(s). The SecretId's account is the actor; DestinationUin is the peer account.
 */
import { MAX_BANDWIDTH_MBPS } from "../../../domain/billing.ts";
import { TencentError } from "../errors.ts";
import { Params } from "../params.ts";
import type { PeeringState } from "../../../domain/peering.ts";
import { paging } from "../params.ts";
import { STATE_OF, TENCENT_STATES, peeringShape } from "../shapes.ts";
import { type ActionDef, NAME, exclusive } from "./common.ts";

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
      const name = p.str("PeeringConnectionName", true, NAME);
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
      const name = p.str("PeeringConnectionName", false, NAME);
      const bandwidthMbps = bandwidth(p);
      p.oneOf("ChargeType", CHARGE_TYPES);
      await ctx.services.peerings.update(ctx.actor, id, { name, bandwidthMbps });
      return {};
    },
  },
  DescribeVpcPeeringConnections: {
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
      const { offset, limit } = paging(p);
      // Counted, sorted and windowed by the store: a page costs the same however many peerings there are.
      const tencentStates = f.get("state");
      const found = await ctx.services.peerings.search(ctx.actor, {
        ids,
        region: ctx.region || undefined,
        routerIds: f.get("vpc-id"),
        states: tencentStates && (Object.keys(STATE_OF) as PeeringState[]).filter((s) => tencentStates.includes(STATE_OF[s])),
        nameContains: f.get("peering-connection-name"),
        orderBy: field === "CreatedTime" ? "created" : "name",
        descending: direction === "DESC",
        offset,
        limit,
      });
      return { TotalCount: found.total, PeerConnectionSet: found.items.map(peeringShape) };
    },
  },
};
