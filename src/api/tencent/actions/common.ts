/** What every Tencent action handler receives, and the listing helpers the Describe actions share. */
import type { Actor } from "../../../service/context.ts";
import type { Services } from "../../../service/index.ts";
import { TencentError, missing } from "../errors.ts";
import type { OwnedSearch } from "../../../store/repos/index.ts";
import { Params } from "../params.ts";

export interface Ctx {
  services: Services;
  actor: Actor;
  /** X-TC-Region (or Region), already checked against the catalog. */
  region: string | undefined;
  action: string;
}

export type Handler = (ctx: Ctx, params: Record<string, unknown>) => Promise<Record<string, unknown>>;

export interface ActionDef {
  handler: Handler;
}

export function requireRegion(ctx: Ctx): string {
  if (!ctx.region) throw missing("Region");
  return ctx.region;
}

/** Ids and Filters of a Describe action are mutually exclusive, as Tencent has it. */
export function exclusive(p: Params, idsParam: string): void {
  if (p.has(idsParam) && p.has("Filters")) {
    throw new TencentError("InvalidParameter.Coexist", `The parameters \`${idsParam}\` and \`Filters\` cannot be specified at the same time.`);
  }
}

/** The paging parameters of the Describe actions. */
export const PAGING = ["Offset", "Limit"] as const;

/** The `tag-key` (any of the keys) and `tag:<k>` (that key with one of the values) filters as the store's search criteria. */
export function tagSearch(filters: Map<string, string[]>): NonNullable<OwnedSearch["tags"]> {
  const out: NonNullable<OwnedSearch["tags"]>[number][] = [];
  const keys = filters.get("tag-key");
  if (keys) out.push({ keys });
  for (const [name, values] of filters) if (name.startsWith("tag:")) out.push({ keys: [name.slice(4)], values });
  return out;
}

/**
 * A true/false filter (`association.main`, `is-default`) as an integer flag column's criterion: one
 * value, or none when both are asked (an integer column takes no list of texts); neither: [],
 * which matches nothing.
 */
export function flagCriterion(values: string[]): string[] | undefined {
  const flags = new Set(values.flatMap((v) => (v === "true" ? ["1"] : v === "false" ? ["0"] : [])));
  return flags.size === 2 ? undefined : [...flags];
}

/** Whether `value` passes the filter `name` (absent filter: always). */
export function matches(filters: Map<string, string[]>, name: string, value: string | boolean, fuzzy = false): boolean {
  const values = filters.get(name);
  if (!values) return true;
  const text = String(value);
  return values.some((v) => (fuzzy ? text.includes(v) : text === v));
}

/** Names of VPCs, subnets, route tables and peerings: "up to 60 bytes" (CreateVpc 215/15774, CreateSubnet 215/15782, CreateRouteTable 215/15768). */
export const NAME = { maxBytes: 60 } as const;
export const DESCRIPTION_MAX = 256;
