/** What every AWS action receives, and the helpers the action files share (filters, paging, tags). */
import { createHash } from "node:crypto";
import type { Account, ListOptions, Page, Region, Tags } from "../../domain/resources.ts";
import type { Actor } from "../../service/context.ts";
import type { Services } from "../../service/index.ts";
import { DomainError } from "../../domain/errors.ts";
import type { OwnedSearch } from "../../store/repos/index.ts";
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

/** A digest of the request's parameters but its paging: a NextToken is refused with other filters. */
const tokenDigest = (c: Ctx) =>
  createHash("sha256").update(`${c.action}\n${c.actor.accountId}\n${c.region.id}\n${c.p.canonical(new Set(["NextToken", "MaxResults", "DryRun"]))}`).digest("base64url").slice(0, 16);

const invalidToken = () => new AwsError("InvalidNextToken", 400, "The specified NextToken is not valid (it belongs to another request, or was altered).");

/**
 * The EC2 filters a store's search can apply (OwnedSearch): a name in `columns` (filter name →
 * column), `tag:<key>`, `tag-key` and `tag-value`, with exact values (no `*` or `?`). The rest
 * (wildcards, names without a column, a second filter on a column already constrained) are left
 * for applyFilters, on the rows the search returns. `taken`: criteria the call already has.
 * `tags: false` for a resource whose EC2 shape has no tags of the rows' (they stay in memory).
 */
export function sqlFilters(
  filters: readonly FilterSpec[],
  columns: Readonly<Record<string, string>>,
  taken: Record<string, readonly string[] | undefined> = {},
  opts: { tags?: boolean } = {},
): { search: OwnedSearch; rest: FilterSpec[] } {
  const cols: Record<string, readonly string[] | undefined> = { ...taken };
  const tags: NonNullable<OwnedSearch["tags"]>[number][] = [];
  const rest: FilterSpec[] = [];
  for (const f of filters) {
    const column = Object.hasOwn(columns, f.name) ? columns[f.name]! : undefined;
    if (f.values.some((v) => /[*?]/.test(v)) || (opts.tags === false && (f.name.startsWith("tag:") || f.name === "tag-key" || f.name === "tag-value"))) rest.push(f);
    else if (f.name.startsWith("tag:")) tags.push({ keys: [f.name.slice(4)], values: f.values });
    else if (f.name === "tag-key") tags.push({ keys: f.values });
    else if (f.name === "tag-value") tags.push({ values: f.values });
    else if (column !== undefined && cols[column] === undefined) cols[column] = f.values;
    else rest.push(f);
  }
  return { search: { columns: cols, tags }, rest };
}

/**
 * One page for MaxResults/NextToken over a list the store pages by keyset (searchList): the
 * token holds the store's cursor (and the digest of the other parameters), so a page reads its
 * own rows only, however many the account has. `keep` applies what SQL could not (the `rest` of
 * sqlFilters) to each batch; when it drops rows the page is filled from further batches, and a
 * token may then lead to an empty last page (as EC2's may). No MaxResults: every row, in batches.
 */
export async function keysetPage<T, R>(
  c: Ctx,
  list: (opts: ListOptions) => Promise<Page<T>>,
  keep: (items: T[]) => Promise<R[]> | R[],
  limits: { min: number; max: number },
): Promise<{ page: R[]; nextToken: string | undefined }> {
  const max = c.p.int("MaxResults", limits, "InvalidParameterValue");
  const token = c.p.str("NextToken", { max: 1024 });
  const digest = tokenDigest(c);
  let cursor: string | undefined;
  if (token !== undefined && token !== "") {
    const m = /^k([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{1,700})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
    if (!m || m[1] !== digest) throw invalidToken();
    cursor = m[2];
  }
  const page: R[] = [];
  for (;;) {
    let batch: Page<T>;
    try {
      batch = await list({ limit: max === undefined ? 1000 : max - page.length, cursor });
    } catch (e) {
      if (e instanceof DomainError && e.code === "InvalidCursor") throw invalidToken();
      throw e;
    }
    page.push(...(await keep(batch.items)));
    cursor = batch.nextCursor ?? undefined;
    if (cursor === undefined || (max !== undefined && page.length >= max)) break;
  }
  return { page, nextToken: cursor === undefined ? undefined : Buffer.from(`k${digest}.${cursor}`, "latin1").toString("base64url") };
}

/**
 * One page of `items` for MaxResults/NextToken. The token carries the offset and a digest of the
 * other parameters, so it is refused with other filters; it never repeats (each names a later
 * offset), and is absent on the last page.
 */
export function paginate<T>(c: Ctx, items: readonly T[], limits: { min: number; max: number }): { page: T[]; nextToken: string | undefined } {
  const max = c.p.int("MaxResults", limits, "InvalidParameterValue");
  const token = c.p.str("NextToken", { max: 1024 });
  const digest = tokenDigest(c);
  let offset = 0;
  if (token !== undefined && token !== "") {
    const m = /^([0-9]{1,9})\.([A-Za-z0-9_-]{16})$/.exec(Buffer.from(token, "base64url").toString("latin1"));
    if (!m || m[2] !== digest) throw invalidToken();
    offset = Number(m[1]);
  }
  const size = max ?? items.length;
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`${offset + size}.${digest}`, "latin1").toString("base64url") : undefined;
  return { page, nextToken: next };
}

/** ISO time with milliseconds and Z, as EC2 writes timestamps. */
export const awsTime = (iso: string | null | undefined) => (iso ? new Date(iso).toISOString() : undefined);

/** The availability zone id of a zone name in the region, as the catalogue gives it (use1-az1 for us-east-1a); the name for a zone no longer in it. */
export function zoneId(region: Region, zone: string): string {
  return region.zones.find((z) => z.name === zone)?.id ?? zone;
}
