/** The native API's resources as the console reads them (see /openapi.json for the whole schema). */
import type { PeeringSide } from "../../src/domain/resources.ts";

export type { PeeringSide, Region } from "../../src/domain/resources.ts";
export interface Dataplane {
  programmed: boolean;
  lastError: string | null;
  note?: string | null;
}
export interface Vpc {
  id: string;
  name: string;
  region: string;
  cidr: string;
  state: string;
  defaultRouteTableId: string;
  createdAt: string;
}
export interface Subnet {
  id: string;
  name: string;
  vpcId: string;
  zone: string;
  cidr: string;
  gatewayIp: string;
  routeTableId: string;
}
export interface Route {
  id: string;
  destinationCidr: string;
  target: { type: string; id: string };
  origin: "system" | "user";
  state: "active" | "blackhole";
}
export interface RouteTable {
  id: string;
  name: string;
  vpcId: string;
  isDefault: boolean;
  subnetIds?: string[];
  routes?: Route[];
}
export interface Instance {
  id: string;
  name: string;
  subnetId: string;
  vpcId: string;
  privateIp: string;
  zone: string;
  state: string;
  dataplane?: Dataplane;
}
export interface Vbr {
  id: string;
  name: string;
  region: string;
  onPremisesCidrs: string[];
  state: string;
}
export interface Peering {
  id: string;
  origin: "peering" | "router-interface";
  name: string;
  state: string;
  stateReason: { code: string; message: string } | null;
  requester: PeeringSide;
  accepter: PeeringSide;
  crossRegion: boolean;
  bandwidthMbps: number | null;
  chargeType: "pay-as-you-go" | "subscription";
  period: number | null;
  autoRenew: boolean;
  expiresAt: string | null;
  termEndsAt: string | null;
  createdAt: string;
  dataplane?: Dataplane;
}
export interface RouterInterface {
  id: string;
  name: string;
  region: string;
  role: "initiator" | "acceptor";
  routerType: "vpc" | "vbr";
  routerId: string;
  spec: string | null;
  bandwidthMbps: number | null;
  chargeType: string;
  opposite: { accountId: string; region: string; routerType: string; routerId: string; interfaceId: string | null };
  status: string;
  peeringId: string | null;
}
export interface LedgerEntry {
  id: string;
  peeringId: string;
  kind: string;
  periodStart: string;
  periodEnd: string;
  amount: number;
  currency: string;
  description: string;
}
export interface EventItem {
  id: string;
  seq: number;
  type: string;
  resourceId: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/** "" → undefined; otherwise the text trimmed. */
export const opt = (v: string | boolean | undefined): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
/** "" → undefined; otherwise a number (NaN stays NaN, so the API names the field it refuses). */
export const num = (v: string | boolean | undefined): number | undefined => (typeof v === "string" && v.trim() !== "" ? Number(v) : undefined);
/** A comma- or space-separated list. */
export const list = (v: string | boolean | undefined): string[] => (typeof v === "string" ? v.split(/[\s,]+/).filter(Boolean) : []);
