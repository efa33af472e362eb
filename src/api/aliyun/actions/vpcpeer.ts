/**
 * VpcPeer 2022-01-01: peering connections (business parameters in the form body). Same-account
 * requests are accepted at once (Activated); cross-account ones wait in Accepting.
 */
import { DomainError, notFound } from "../../../domain/errors.ts";
import type { Peering, PeeringSide } from "../../../domain/resources.ts";
import type { PeeringState } from "../../../domain/peering.ts";
import { type ActionTable, type Ctx, accountParam, idList, listAll, region, tagList, withToken } from "../context.ts";
import { badParam } from "../errors.ts";
import { fromAli, toAli } from "../ids.ts";
import { aliTime } from "../params.ts";

const STATUS: Record<PeeringState, string> = {
  "pending-acceptance": "Accepting",
  active: "Activated",
  inactive: "Activated",
  suspended: "Activated",
  rejected: "Rejected",
  expired: "Expired",
  failed: "Deleted",
  deleted: "Deleted",
};

/**
 * The Status shown: the stored state's, or the step towards it while the network has not caught
 * up (domain/transition.ts): Creating (same-account create), Updating (accepted, re-activated,
 * a bandwidth change, a deactivation), Deleting.
 */
function status(p: Peering): string {
  switch (p.transition) {
    case "provisioning":
      return p.stateReason === null ? "Creating" : "Updating";
    case "activating":
    case "updating":
    case "deactivating":
      return "Updating";
    case "deleting":
      return "Deleting";
    default:
      return STATUS[p.state];
  }
}

/** Inter-region connections default to 1024 Mbit/s; intra-region ones are unlimited (-1). */
const DEFAULT_CROSS_REGION_MBPS = 1024;

const instanceId = (c: Ctx) => fromAli("peering", c.p.id("InstanceId", true));

const vpcOf = (s: PeeringSide) => ({ VpcId: s.vpcId ?? s.vbrId ?? "", Ipv4Cidrs: s.cidrs, Ipv6Cidrs: [] as string[] });

function view(p: Peering) {
  return {
    InstanceId: toAli("peering", p.id),
    Name: p.name,
    Description: p.description,
    OwnerId: Number(p.requester.accountId),
    RegionId: p.requester.region,
    Vpc: vpcOf(p.requester),
    AcceptingOwnerUid: Number(p.accepter.accountId),
    AcceptingRegionId: p.accepter.region,
    AcceptingVpc: vpcOf(p.accepter),
    Bandwidth: p.bandwidthMbps ?? -1,
    LinkType: p.crossRegion ? "Gold" : "",
    Status: status(p),
    BizStatus: p.state === "suspended" ? "FinancialLocked" : "Normal",
    GmtCreate: aliTime(p.createdAt),
    GmtModified: aliTime(p.updatedAt),
    GmtExpired: p.state === "pending-acceptance" || p.state === "expired" ? aliTime(p.expiresAt) : null,
    ResourceGroupId: "rg-default",
    Tags: tagList(p.tags),
  };
}

/** Bandwidth in Mbit/s; -1 means unlimited (intra-region only). */
function bandwidth(c: Ctx): number | null | undefined {
  const b = c.p.int("Bandwidth", -1, 10_000);
  if (b === 0) throw badParam("Bandwidth", "must be a positive number of Mbit/s, or -1 (unlimited, intra-region only)");
  return b === -1 ? null : b;
}

async function peering(c: Ctx, id: string): Promise<Peering> {
  const p = await c.services.peerings.get(c.actor, id);
  if (p.origin !== "peering") throw notFound("peering", id);
  return p;
}

/** Routes of the caller's own VPC that use the peering as their next hop. */
async function routesVia(c: Ctx, p: Peering): Promise<string[]> {
  const own = p.requester.accountId === c.actor.accountId ? p.requester : p.accepter;
  if (!own.vpcId) return [];
  const out: string[] = [];
  for (const t of await listAll((o) => c.services.routeTables.list(c.actor, { vpcId: own.vpcId! }, o))) {
    for (const r of await c.services.routeTables.routes(c.actor, t.id)) if (r.target.type === "peering" && r.target.id === p.id) out.push(r.id);
  }
  return out;
}

export const vpcPeerActions: ActionTable = {
  CreateVpcPeerConnection: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const regionId = region(c)!;
      const acceptingRegion = c.services.regions.require(c.p.req("AcceptingRegionId").slice(0, 64), "AcceptingRegionId").id;
      const accepting = accountParam(c, "AcceptingAliUid") ?? (c.p.req("AcceptingAliUid") as never);
      c.p.oneOf("LinkType", ["Gold", "Platinum"] as const);
      const bw = bandwidth(c);
      const vpcId = c.p.id("VpcId", true);
      // Regional like Alibaba's: a VPC of this account in another region is not found in this one,
      // and the VPC's own region (not RegionId alone) decides whether the connection is inter-region.
      const vpc = await c.services.vpcs.get(c.actor, vpcId);
      if (vpc.region !== regionId) throw new DomainError("ResourceNotFound", `VpcId: ${vpcId} is not in region ${regionId} (it is in ${vpc.region})`, { resource: "vpc", id: vpcId, field: "VpcId" });
      const cross = vpc.region !== acceptingRegion;
      if (!cross && bw !== undefined && bw !== null) throw badParam("Bandwidth", "only inter-region connections have a bandwidth");
      const p = await c.services.peerings.create(c.actor, {
        vpcId,
        peerVpcId: c.p.id("AcceptingVpcId", true),
        peerAccountId: accepting,
        peerRegion: acceptingRegion,
        bandwidthMbps: cross ? (bw ?? DEFAULT_CROSS_REGION_MBPS) : undefined,
        name: c.p.looseName("Name"),
        description: c.p.description(),
        tags: c.p.tags("Tag"),
      });
      return { InstanceId: toAli("peering", p.id) };
    },
  },
  AcceptVpcPeerConnection: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const id = instanceId(c);
      await peering(c, id);
      await c.services.peerings.accept(c.actor, id);
      return {};
    },
  },
  RejectVpcPeerConnection: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const id = instanceId(c);
      await peering(c, id);
      await c.services.peerings.reject(c.actor, id);
      return {};
    },
  },
  DeleteVpcPeerConnection: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const id = instanceId(c);
      const force = c.p.bool("Force") ?? false;
      const p = await peering(c, id);
      if (!force) {
        const routes = await routesVia(c, p);
        if (routes.length > 0) throw new DomainError("DependencyViolation", `peer connection ${id} is the next hop of route entries ${routes.join(", ")}; delete them or pass Force=true`, { id });
      }
      await c.services.peerings.delete(c.actor, id);
      return {};
    },
  },
  ModifyVpcPeerConnection: {
    idempotent: true,
    dryRun: true,
    async run(c) {
      const id = instanceId(c);
      const p = await peering(c, id);
      c.p.oneOf("LinkType", ["Gold", "Platinum"] as const);
      const bw = bandwidth(c);
      if (bw !== undefined && !p.crossRegion) throw badParam("Bandwidth", "only inter-region connections have a bandwidth");
      await c.services.peerings.update(c.actor, id, { name: c.p.looseName("Name"), description: c.p.description(), bandwidthMbps: bw });
      return {};
    },
  },
  GetVpcPeerConnectionAttribute: {
    async run(c) {
      return view(await peering(c, instanceId(c)));
    },
  },
  ListVpcPeerConnections: {
    async run(c) {
      const regionId = region(c)!;
      const ids = idList(c, "InstanceId")?.map((id) => fromAli("peering", id));
      const name = c.p.text("Name", 128);
      const vpcIds = idList(c, "VpcId");
      const max = c.p.int("MaxResults", 1, 100) ?? 20;
      const token = c.p.str("NextToken");
      const tags = Object.entries(c.p.tags("Tags") ?? {}).map(([key, value]) => (value === "" ? { key } : { key, value }));
      // Paged by keyset and counted in SQL (PeeringsRepo.searchPage): the token holds the store's cursor.
      const search = { region: { id: regionId, side: "either" as const }, origin: "peering" as const, ids, name, vpcIds };
      const page = await withToken((cursor) => c.services.peerings.searchPage(c.actor, search, { limit: max, cursor, tags }), token);
      const total = await c.services.peerings.searchCount(c.actor, search, tags);
      return { TotalCount: total, MaxResults: max, NextToken: page.nextCursor ?? "", VpcPeerConnects: page.items.map(view) };
    },
  },
};
