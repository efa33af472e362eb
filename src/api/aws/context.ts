/** What every AWS action receives, and the helpers the action files share (filters, paging, tags). */
import { createHash } from "node:crypto";
import type { Account, ListOptions, Page, Region, Tags } from "../../domain/resources.ts";
import type { Actor } from "../../service/context.ts";
import type { Services } from "../../service/index.ts";
import { AwsError } from "./errors.ts";
import { awsId } from "./ids.ts";
import type { FilterSpec, Params } from "./query.ts";
import type { XmlValue } from "./xml.ts";

export interface Ctx {
  services: Services;
  /** The caller, in the region of the request's credential scope. */
  actor: Actor & { region: string };
  account: Account;
  region: Region;
  p: Params;
  action: string;
  requestId: string;
}

export type Body = Record<string, XmlValue>;

export interface Action {
  /** The request members this action knows (top-level wire names); anything else is UnknownParameter. `DryRun`/`ClientToken` are added by the flags below. */
  params: readonly string[];
  run(c: Ctx): Promise<Body>;
  /** Has a DryRun member: the call is checked in a transaction that is rolled back, then DryRunOperation. */
  dryRun?: boolean;
  /** Has a ClientToken member: the same token and parameters answer the first result again. */
  idempotent?: boolean;
}

export type ActionTable = Record<string, Action>;

/** Every item of a service list (the describe actions filter and page on the whole set). */
export async function listAll<T>(fetch: (opts: ListOptions) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await fetch({ limit: 500, cursor });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

/** EC2's NotFound for ids asked for by `VpcId.N` (and the like) that the caller has not got. */
export function idsNotFound(code: string, noun: string, ids: readonly string[], show: (id: string) => string = awsId): AwsError {
  const shown = ids.map(show);
  return ids.length === 1
    ? new AwsError(code, 400, `The ${noun} ID '${shown[0]}' does not exist`)
    : new AwsError(code, 400, `The ${noun} IDs '${shown.join(", ")}' do not exist`);
}

/**
 * The items named by `ids` (native ids), in the items' order; every item when no id is asked
 * for. Ids the caller has not got are `notFound(those ids)`, all of them in one error.
 */
export function withIds<T extends { id: string }>(items: T[], ids: readonly string[], notFound: (missing: string[]) => AwsError): T[] {
  if (ids.length === 0) return items;
  const have = new Set(items.map((i) => i.id));
  const missing = [...new Set(ids)].filter((id) => !have.has(id));
  if (missing.length > 0) throw notFound(missing);
  const wanted = new Set(ids);
  return items.filter((i) => wanted.has(i.id));
}

/** Tags in EC2's shape. */
export const tagSet = (tags: Tags): XmlValue[] => Object.entries(tags).map(([key, value]) => ({ key, value }));

/**
 * EC2 filter values may use `*` (any run) and `?` (one character). Matched by the greedy
 * two-pointer walk, at most pattern × text steps: a regular expression backtracks exponentially
 * on patterns like `*?*?*?…#`, and one such filter value (33 characters, on DescribeRegions' fixed
 * endpoints) held the whole server's event loop for minutes.
 */
export function globMatcher(pattern: string): (s: string) => boolean {
  if (!/[*?]/.test(pattern)) return (s) => s === pattern;
  const p = pattern;
  return (s) => {
    let i = 0;
    let j = 0;
    let star = -1;
    let resume = 0;
    while (i < s.length) {
      if (j < p.length && p[j] !== "*" && (p[j] === "?" || p[j] === s[i])) {
        i++;
        j++;
      } else if (j < p.length && p[j] === "*") {
        star = j++;
        resume = i;
      } else if (star >= 0) {
        // Let the last star take one more character and try again from there.
        j = star + 1;
        i = ++resume;
      } else {
        return false;
      }
    }
    while (j < p.length && p[j] === "*") j++;
    return j === p.length;
  };
}

/** What a resource offers each filter name: its values for that name (none: no match). */
export type FilterFields<T> = Record<string, (item: T) => readonly (string | null | undefined)[] | string | boolean | null | undefined>;

/**
 * Keeps the items that meet every filter (ANDed; a filter's values are ORed). `tag:<key>` and
 * `tag-key` work on every resource that has `tags` (give `tags` for resources whose tags are elsewhere).
 */
export function applyFilters<T>(items: readonly T[], filters: readonly FilterSpec[], fields: FilterFields<T>, tags?: (item: T) => Tags): T[] {
  if (filters.length === 0) return [...items];
  const tagsOf = tags ?? ((item: T) => (item as { tags?: Tags }).tags ?? {});
  const tests = filters.map((f) => {
    const matchers = f.values.map(globMatcher);
    let values: (item: T) => string[];
    if (f.name.startsWith("tag:")) {
      const key = f.name.slice(4);
      // Own keys only: `tag:constructor` or `tag:__proto__` is not a tag every resource has.
      values = (item) => {
        const tags = tagsOf(item);
        return Object.hasOwn(tags, key) ? [tags[key]!] : [];
      };
    } else if (f.name === "tag-key") {
      values = (item) => Object.keys(tagsOf(item));
    } else if (f.name === "tag-value") {
      values = (item) => Object.values(tagsOf(item));
    } else {
      const get = fields[f.name];
      if (!get) throw new AwsError("InvalidParameterValue", 400, `The filter '${f.name.slice(0, 80)}' is invalid`);
      values = (item) => {
        const v = get(item);
        if (v === null || v === undefined) return [];
        if (typeof v === "boolean") return [String(v)];
        if (typeof v === "string") return [v];
        return v.filter((x): x is string => typeof x === "string");
      };
    }
    return (item: T) => values(item).some((v) => matchers.some((m) => m(v)));
  });
  return items.filter((item) => tests.every((t) => t(item)));
}

/** The filter names `applyFilters` accepts for these fields (for Params.filters). */
export const filterNames = (fields: FilterFields<never>) => (name: string) => Object.hasOwn(fields, name) || name.startsWith("tag:") || name === "tag-key" || name === "tag-value";

/**
 * One page of `items` for MaxResults/NextToken. The token carries the offset and a digest of the
 * other parameters, so it is refused with other filters; it never repeats (each names a later
 * offset), and is absent on the last page.
 */
export function paginate<T>(c: Ctx, items: readonly T[], limits: { min: number; max: number }): { page: T[]; nextToken: string | undefined } {
  const max = c.p.int("MaxResults", limits, "InvalidParameterValue");
  const token = c.p.str("NextToken", { max: 1024 });
  const digest = createHash("sha256").update(`${c.action}\n${c.actor.accountId}\n${c.region.id}\n${c.p.canonical(new Set(["NextToken", "MaxResults", "DryRun"]))}`).digest("base64url").slice(0, 16);
  let offset = 0;
  if (token !== undefined && token !== "") {
    const m = /^([0-9]{1,9})\.([A-Za-z0-9_-]{16})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
    if (!m || m[2] !== digest) throw new AwsError("InvalidNextToken", 400, "The specified NextToken is not valid (it belongs to another request, or was altered).");
    offset = Number(m[1]);
  }
  const size = max ?? items.length;
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`${offset + size}.${digest}`, "latin1").toString("base64url") : undefined;
  return { page, nextToken: next };
}

/** ISO time with milliseconds and Z, as EC2 writes timestamps. */
export const awsTime = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString() : undefined);

/** AWS's availability zone id for a zone: use1-az1 for us-east-1a; the region's name plus -az<N> elsewhere. */
export function zoneId(region: Region, zone: string): string {
  const n = region.zones.indexOf(zone) + 1;
  const m = /^([a-z]{2})-([a-z]+)-(\d+)$/.exec(region.id);
  if (m) {
    const dir: Record<string, string> = { east: "e", west: "w", north: "n", south: "s", central: "c", northeast: "ne", southeast: "se", northwest: "nw", southwest: "sw" };
    return `${m[1]}${dir[m[2]!] ?? m[2]![0]}${m[3]}-az${n}`;
  }
  return `${region.id}-az${n}`;
}
