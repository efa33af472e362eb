/**
 * What a route of a VPC's table can point at, per target type, as the route form lists them: the
 * live peerings the VPC is party to, its router interfaces, the account's VBRs in its region
 * (those connected to it through its router interfaces first), its instances; with the destination
 * each one suggests (the peer's CIDR, the CIDR behind the opposite router). Pure.
 */
import { effectiveState, isLive } from "../../../src/domain/peering.ts";
import type { Instance, Peering, RouterInterface, Vbr, Vpc } from "../types.ts";
import type { Option } from "./form-state.ts";

export const TARGET_TYPES = ["peering", "router-interface", "vbr", "instance"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const TARGET_TYPE_LABELS: Record<TargetType, string> = {
  peering: "peering connection",
  "router-interface": "router interface",
  vbr: "VBR (border router)",
  instance: "instance",
};

export interface TargetOption extends Option {
  /** The destination this target suggests, if it tells one. */
  destination?: string;
}

export interface TargetData {
  peerings: Peering[];
  routerInterfaces: RouterInterface[];
  vbrs: Vbr[];
  instances: Instance[];
  /** The account's VPCs (for the CIDR behind a router interface's opposite VPC). */
  vpcs: Vpc[];
}

const sideId = (s: Peering["requester"]) => s.vpcId ?? s.vbrId;
/** A name goes last: the id and where it leads come first, whatever the name's length. */
const named = (name: string) => (name ? ` · ${name}` : "");

/** The candidates of each target type for routes of `vpc`'s tables. */
export function routeTargets(vpc: Pick<Vpc, "id" | "region">, d: TargetData, now: Date): Record<TargetType, TargetOption[]> {
  const peerings = d.peerings.flatMap((p): TargetOption[] => {
    const state = effectiveState(p.state, p.expiresAt, now);
    if (!isLive(state)) return [];
    const peer = sideId(p.requester) === vpc.id ? p.accepter : sideId(p.accepter) === vpc.id ? p.requester : null;
    if (!peer) return [];
    return [{ value: p.id, label: `${p.id} → ${sideId(peer)} (${peer.cidrs.join(", ")}, ${peer.region})${state === "active" ? "" : ` [${state}]`}${named(p.name)}`, destination: peer.cidr }];
  });

  const cidrBehind = (ri: RouterInterface): string | undefined =>
    ri.opposite.routerType === "vpc" ? d.vpcs.find((v) => v.id === ri.opposite.routerId)?.cidr : d.vbrs.find((v) => v.id === ri.opposite.routerId)?.onPremisesCidrs[0];
  const ownRis = d.routerInterfaces.filter((ri) => ri.routerType === "vpc" && ri.routerId === vpc.id && ri.status !== "Deleting");
  const routerInterfaces = ownRis.map((ri): TargetOption => {
    const destination = cidrBehind(ri);
    return {
      value: ri.id,
      label: `${ri.id} → ${ri.opposite.routerId}${destination ? ` (${destination})` : ""} [${ri.status}]${named(ri.name)}`,
      ...(destination ? { destination } : {}),
    };
  });

  // A route to a VBR is live only over an active connection between it and this VPC.
  const via = new Map(ownRis.filter((ri) => ri.opposite.routerType === "vbr").map((ri) => [ri.opposite.routerId, ri.id]));
  const vbrs = d.vbrs
    .filter((v) => v.region === vpc.region)
    .sort((a, b) => Number(via.has(b.id)) - Number(via.has(a.id)))
    .map((v): TargetOption => ({
      value: v.id,
      label: `${v.id} (${v.onPremisesCidrs.join(", ")})${via.has(v.id) ? ` via ${via.get(v.id)}` : " (not connected to this VPC)"}${named(v.name)}`,
      ...(v.onPremisesCidrs[0] ? { destination: v.onPremisesCidrs[0] } : {}),
    }));

  const instances = d.instances.filter((i) => i.vpcId === vpc.id).map((i): TargetOption => ({ value: i.id, label: `${i.id} (${i.privateIp})${named(i.name)}` }));

  return { peering: peerings, "router-interface": routerInterfaces, vbr: vbrs, instance: instances };
}

/** Why a target type has no candidate, in words. */
export function noTargetText(type: TargetType): string {
  switch (type) {
    case "peering":
      return "This VPC has no live peering connection: request one first.";
    case "router-interface":
      return "This VPC has no router interface: create one first.";
    case "vbr":
      return "You have no VBR in this VPC's region: create one first.";
    case "instance":
      return "This VPC has no instance: create one first.";
  }
}
