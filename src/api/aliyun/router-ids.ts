/**
 * Alibaba names routers, not VPCs: a VPC's vRouter is `vrt-…`, a VBR is `vbr-…`. Our router
 * interfaces and routes name the VPC itself. The one mapping: vRouter `vrt-X` ⇔ VPC `vpc-X`.
 */
import { badParam } from "./errors.ts";

export type AliRouterType = "VRouter" | "VBR";

export const vRouterIdOf = (vpcId: string) => `vrt-${vpcId.slice("vpc-".length)}`;

export function aliRouterType(t: "vpc" | "vbr"): AliRouterType {
  return t === "vpc" ? "VRouter" : "VBR";
}

/** The id Alibaba shows for one of our routers. */
export function aliRouterId(t: "vpc" | "vbr", id: string): string {
  return t === "vpc" && id.startsWith("vpc-") ? vRouterIdOf(id) : id;
}

/** Our router from an Alibaba RouterType + RouterId (vrt-X or, leniently, vpc-X; vbr-…). */
export function ourRouter(type: AliRouterType | undefined, id: string, field: string): { type: "vpc" | "vbr"; id: string } {
  const t = type ?? (id.startsWith("vbr-") ? "VBR" : "VRouter");
  if (t === "VBR") {
    if (!id.startsWith("vbr-")) throw badParam(field, `"${id.slice(0, 40)}" is not a VBR id (vbr-…)`);
    return { type: "vbr", id };
  }
  if (id.startsWith("vrt-")) return { type: "vpc", id: `vpc-${id.slice(4)}` };
  if (id.startsWith("vpc-")) return { type: "vpc", id };
  throw badParam(field, `"${id.slice(0, 40)}" is not a vRouter id (vrt-…)`);
}
