/** Resources as the API sends them, for the topology's unit tests. */
import type { Peering, PeeringSide, RouterInterface, Vbr, Vpc } from "../types.ts";

const at = "2026-01-01T00:00:00.000Z";

export function vpc(accountId: string, id: string, region: string, cidr: string, name = `name-${id}`): Vpc {
  return { id, accountId, name, description: "", tags: {}, createdAt: at, updatedAt: at, region, cidr, state: "available", defaultRouteTableId: `rtb-${id.slice(4)}`, defaultSecurityGroupId: `sg-${id.slice(4)}`, dnsSupport: true, dnsHostnames: false, networkAddressUsageMetrics: false, isDefault: false };
}

export function vbr(accountId: string, id: string, region: string, cidrs: string[]): Vbr {
  return { id, accountId, name: `name-${id}`, description: "", tags: {}, createdAt: at, updatedAt: at, region, onPremisesCidrs: cidrs, state: "active", host: null };
}

export function side(v: Vpc | Vbr): PeeringSide {
  const isVbr = "onPremisesCidrs" in v;
  const cidrs = isVbr ? v.onPremisesCidrs : [v.cidr];
  return { accountId: v.accountId, routerType: isVbr ? "vbr" : "vpc", vpcId: isVbr ? null : v.id, vbrId: isVbr ? v.id : null, region: v.region, cidr: cidrs[0] ?? "", cidrs };
}

export function peering(id: string, requester: Vpc | Vbr, accepter: Vpc | Vbr, more: Partial<Peering> = {}): Peering {
  const r = side(requester);
  const a = side(accepter);
  return {
    id,
    origin: "peering",
    name: "",
    description: "",
    state: "active",
    stateReason: null,
    requester: r,
    accepter: a,
    crossRegion: r.region !== a.region,
    options: { requester: { allowDnsResolutionFromRemoteVpc: false }, accepter: { allowDnsResolutionFromRemoteVpc: false } },
    bandwidthMbps: null,
    chargeType: "pay-as-you-go",
    period: null,
    autoRenew: false,
    expiresAt: null,
    termEndsAt: null,
    billedUntil: null,
    generation: 1,
    tags: {},
    createdAt: at,
    updatedAt: at,
    transition: null,
    ...more,
  };
}

export function routerInterface(accountId: string, id: string, routerId: string, peeringId: string | null): RouterInterface {
  return {
    id,
    accountId,
    name: "",
    description: "",
    tags: {},
    createdAt: at,
    updatedAt: at,
    region: "cn-hangzhou",
    role: "initiator",
    routerType: "vpc",
    routerId,
    spec: null,
    bandwidthMbps: null,
    chargeType: "pay-as-you-go",
    period: null,
    autoRenew: false,
    opposite: { accountId, region: "cn-hangzhou", routerType: "vpc", routerId: "vpc-other", interfaceId: null },
    status: "Active",
    peeringId,
  };
}

/** `vpcs` VPCs of one account over four regions and `peerings` peerings between them (deterministic). */
export function bigNetwork(vpcs: number, peerings: number): { vpcs: Vpc[]; peerings: Peering[] } {
  const regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-singapore"];
  const vs = Array.from({ length: vpcs }, (_, i) => vpc("acc-a", `vpc-${String(i).padStart(12, "0")}`, regions[i % regions.length]!, `10.${i % 256}.0.0/16`, `network-${i}`));
  // mulberry32: small, and its low bits are as random as its high ones.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const ps: Peering[] = [];
  const seen = new Set<string>();
  while (ps.length < peerings) {
    const a = rand(vpcs);
    // Mostly within a region, some across.
    const b = rand(4) === 0 ? rand(vpcs) : (a + 4 * (1 + rand(8))) % vpcs;
    const key = `${Math.min(a, b)}-${Math.max(a, b)}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    ps.push(peering(`pcx-${String(ps.length).padStart(12, "0")}`, vs[a]!, vs[b]!, { bandwidthMbps: rand(2) ? 100 : null }));
  }
  return { vpcs: vs, peerings: ps };
}
