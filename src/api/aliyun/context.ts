/** What every action handler receives, and helpers shared by the action files. */
import type { ListOptions, Page, Tags } from "../../domain/resources.ts";
import type { Actor } from "../../service/context.ts";
import type { Services } from "../../service/index.ts";
import type { OwnedSearch } from "../../store/repos/index.ts";
import { DomainError } from "../../domain/errors.ts";
import { badParam } from "./errors.ts";
import type { Params } from "./params.ts";

export interface Ctx {
  services: Services;
  actor: Actor;
  p: Params;
}

export type Body = Record<string, unknown>;

export interface Action {
  run(c: Ctx): Promise<Body>;
  /** Honours ClientToken (the same token and parameters answer the first result again). */
  idempotent?: boolean;
  /** Honours DryRun=true: parameters are checked, nothing changes, DryRunOperation is answered. */
  dryRun?: boolean;
}

export type ActionTable = Record<string, Action>;

/** The RegionId parameter, checked against the catalog. */
export function region(c: Ctx, required = true): string | undefined {
  const id = required ? c.p.req("RegionId") : c.p.str("RegionId");
  if (id === undefined || id === "") return undefined;
  return c.services.regions.require(id.slice(0, 64), "RegionId").id;
}

/** Every item of a cursor-paged service list (the dialect pages with PageNumber/PageSize itself). */
export async function listAll<T>(fetch: (opts: ListOptions) => Promise<Page<T>>, tags?: Tags): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  const tagFilter = tags && Object.entries(tags).map(([key, value]) => (value === "" ? { key } : { key, value }));
  for (;;) {
    const page = await fetch({ limit: 500, cursor, tags: tagFilter });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/**
 * A page read with NextToken as the store's cursor: a token that is not one (altered, or of a
 * request with other filters) is InvalidParameter on NextToken, as the calls answered when their
 * tokens were offsets.
 */
export async function withToken<T>(read: (cursor: string | undefined) => Promise<T>, token: string | undefined): Promise<T> {
  if (token !== undefined && token.length > 1024) throw badParam("NextToken", "not a token returned by this API");
  try {
    return await read(token || undefined);
  } catch (e) {
    if (e instanceof DomainError && e.code === "InvalidCursor") throw badParam("NextToken", "not a token returned by this API, or one of a request with other filters (pass NextToken unchanged)");
    throw e;
  }
}

/** Tag.N filters as the store's search criteria: the key with that value, or the key alone when the value is empty. */
export const tagSearch = (tags: Tags | undefined): NonNullable<OwnedSearch["tags"]> => Object.entries(tags ?? {}).map(([key, value]) => (value === "" ? { keys: [key] } : { keys: [key], values: [value] }));

/** PageNumber/PageSize as the store's window (OwnedRepo.search), and the paging fields of the answer. */
export function windowOf(page: { number: number; size: number }) {
  return { window: { offset: (page.number - 1) * page.size, limit: page.size }, answer: (total: number) => ({ PageNumber: page.number, PageSize: page.size, TotalCount: total }) };
}

/** One optional parameter as a search column's values (absent: no constraint). */
export const one = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : [v]);

/** Tags in Alibaba's response shape: {Key, Value}[]. */
export const tagList = (tags: Tags) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Our account ids are numeric strings; Alibaba reports owner ids as numbers. */
export const ownerId = (accountId: string) => Number(accountId);

/** A comma-separated id list parameter (e.g. VpcId=vpc-a,vpc-b), at most `max` ids. */
export function idList(c: Ctx, name: string, max = 20): string[] | undefined {
  const v = c.p.str(name);
  if (v === undefined || v === "") return undefined;
  const ids = v.split(",").map((s) => s.trim()).filter(Boolean);
  if (ids.length > max) throw badParam(name, `at most ${max} ids`);
  for (const id of ids) if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw badParam(name, `"${id.slice(0, 40)}" is not a valid id`);
  return ids;
}

/** Account ids given as an owner id parameter (digits). */
export function accountParam(c: Ctx, name: string): string | undefined {
  const v = c.p.str(name);
  if (v === undefined || v === "") return undefined;
  if (!/^\d{1,20}$/.test(v)) throw badParam(name, `"${v.slice(0, 30)}" is not an account id`);
  return v;
}
