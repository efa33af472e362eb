/** Choices shared by the console's forms: charge types, periods, whose VPC, regions, and how a VPC or VBR reads in a list. Pure. */
import { CHARGE_TYPES, PERIOD_MONTHS } from "../../../src/domain/billing.ts";
import type { Region, Vbr, Vpc } from "../types.ts";
import type { Option } from "./form-state.ts";

export const CHARGE_OPTIONS: Option[] = CHARGE_TYPES.map((c) => ({ value: c, label: c }));
export const PERIOD_OPTIONS: Option[] = PERIOD_MONTHS.map((m) => ({ value: String(m), label: String(m) }));
/** The peer is in this account (picked from its lists) or another (typed). */
export const PEER_ACCOUNT_OPTIONS: Option[] = [
  { value: "this", label: "this account" },
  { value: "other", label: "another account" },
];

/** Every region, `first` (the local side's) first and said to be the same region. */
export function regionOptions(regions: readonly Pick<Region, "id">[], first: string | undefined): Option[] {
  const ids = regions.map((r) => r.id);
  const ordered = first && ids.includes(first) ? [first, ...ids.filter((id) => id !== first)] : ids;
  return ordered.map((id) => ({ value: id, label: id === first ? `${id} (the same region)` : id }));
}

export const vpcLabel = (v: Pick<Vpc, "id" | "name" | "cidr" | "region">): string => `${v.id} ${v.name} (${v.cidr}, ${v.region})`;
export const vbrLabel = (v: Pick<Vbr, "id" | "name" | "onPremisesCidrs" | "region">): string => `${v.id} ${v.name} (${v.onPremisesCidrs.join(", ")}, ${v.region})`;
export const routerLabel = (r: Vpc | Vbr): string => ("cidr" in r ? vpcLabel(r) : vbrLabel(r));
