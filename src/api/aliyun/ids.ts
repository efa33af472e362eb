/**
 * Ids in Alibaba's shape. One object, one id suffix: the Alibaba face shows the cloud's prefix
 * (`vsw-`, `vtb-`, `rte-`, `pcc-`, `i-`, and `vrt-` for a VPC's vRouter) and accepts both that
 * prefix and the native one (`vsw-X` and `subnet-X` name the same vSwitch). Every id the dialect
 * writes goes through toAli, every id it reads through fromAli, every message through aliText.
 */
import { ID_SUFFIX_LENGTH } from "../../domain/ids.ts";
import { badParam } from "./errors.ts";

/** Alibaba kind → [native prefix, Alibaba prefix]. */
const ALI_PREFIXES = {
  vpc: ["vpc", "vpc"],
  vSwitch: ["subnet", "vsw"],
  routeTable: ["rtb", "vtb"],
  routeEntry: ["rt", "rte"],
  vRouter: ["vpc", "vrt"],
  peering: ["pcx", "pcc"],
  instance: ["ins", "i"],
  routerInterface: ["ri", "ri"],
  vbr: ["vbr", "vbr"],
  securityGroup: ["sg", "sg"],
} as const satisfies Record<string, readonly [string, string]>;

export type AliKind = keyof typeof ALI_PREFIXES;

const swap = (id: string, from: string, to: string): string | undefined => (id.startsWith(`${from}-`) ? `${to}-${id.slice(from.length + 1)}` : undefined);

/** The id Alibaba shows for one of our objects (text that is not of this kind is returned as is). */
export function toAli(kind: AliKind, nativeId: string): string;
export function toAli(kind: AliKind, nativeId: string | null | undefined): string | undefined;
export function toAli(kind: AliKind, nativeId: string | null | undefined): string | undefined {
  if (nativeId === null || nativeId === undefined) return undefined;
  const [native, ali] = ALI_PREFIXES[kind];
  return swap(nativeId, native, ali) ?? nativeId;
}

/**
 * Our id for an id given to the Alibaba face, with the Alibaba prefix or the native one. Text of
 * another shape passes unchanged: the service answers it as missing, like the cloud does.
 */
export function fromAli(kind: AliKind, aliId: string): string {
  const [native, ali] = ALI_PREFIXES[kind];
  return swap(aliId, ali, native) ?? aliId;
}

/** Optional variant of fromAli. */
export function fromAliOpt(kind: AliKind, aliId: string | undefined): string | undefined {
  return aliId === undefined || aliId === "" ? undefined : fromAli(kind, aliId);
}

/** Native prefixes that differ on the Alibaba face, for rewriting text (vpc- stays vpc-: a VPC, not its vRouter). */
const TEXT_SWAPS = Object.values(ALI_PREFIXES).filter(([n, a]) => n !== a && n !== "vpc");
const ID_IN_TEXT = new RegExp(`\\b(${TEXT_SWAPS.map(([n]) => n).join("|")})-([a-z0-9]{${ID_SUFFIX_LENGTH}})\\b`, "g");
const ALI_OF = new Map<string, string>(TEXT_SWAPS.map(([n, a]) => [n, a]));

/** Rewrites every native id inside a text (an error message) to its Alibaba form. */
export function aliText(text: string): string {
  return text.replace(ID_IN_TEXT, (_m, prefix: string, suffix: string) => `${ALI_OF.get(prefix)}-${suffix}`);
}

/** Alibaba names routers, not VPCs: a VPC's vRouter is `vrt-X` for VPC `vpc-X`; a VBR is `vbr-…`. */
export type AliRouterType = "VRouter" | "VBR";

export const vRouterIdOf = (vpcId: string) => toAli("vRouter", vpcId);

export function aliRouterType(t: "vpc" | "vbr"): AliRouterType {
  return t === "vpc" ? "VRouter" : "VBR";
}

/** The id Alibaba shows for one of our routers. */
export function aliRouterId(t: "vpc" | "vbr", id: string): string {
  return t === "vpc" ? vRouterIdOf(id) : id;
}

/** Our router from an Alibaba RouterType + RouterId (vrt-X or, leniently, vpc-X; vbr-…). */
export function ourRouter(type: AliRouterType | undefined, id: string, field: string): { type: "vpc" | "vbr"; id: string } {
  const t = type ?? (id.startsWith("vbr-") ? "VBR" : "VRouter");
  if (t === "VBR") {
    if (!id.startsWith("vbr-")) throw badParam(field, `"${id.slice(0, 40)}" is not a VBR id (vbr-…)`);
    return { type: "vbr", id };
  }
  if (id.startsWith("vrt-") || id.startsWith("vpc-")) return { type: "vpc", id: fromAli("vRouter", id) };
  throw badParam(field, `"${aliText(id.slice(0, 40))}" is not a vRouter id (vrt-…)`);
}
