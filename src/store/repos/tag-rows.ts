/**
 * The cloud dialects' tag listings (AWS DescribeTags, Alibaba ListTagResources): one row per
 * (resource, key) an account has put, keyset-paged in SQL by (resource id, key) over the index
 * (account_id, resource_id, key) of migration 0020, so that a page reads its own rows only,
 * however many tags the account has. Which resources count is said per kind (TagRowKind): a
 * row of the kind's table that the account may see, probed by primary key for each tag row.
 *
 * Ids sort by their kind's prefix, so each kind asked for is a range of that index of its own
 * (`resource_id >= 'vpc-' and < 'vpc.'`), the ranges merged as paginate merges `others`: a page
 * of VPC tags does not first walk the tag rows of every peering and interface (which sort
 * before `vpc-`). PostgreSQL compares these ids byte-wise (`collate "C"`, its index of 0023):
 * in another collation the prefix ranges would not hold exactly their kind's ids.
 */
import { type RawBuilder, sql } from "kysely";
import type { ListOptions, Page } from "../../domain/resources.ts";
import { ID_PREFIXES } from "../../domain/ids.ts";
import { wellFormed } from "../../domain/text.ts";
import type { OwnedTable } from "../schema.ts";
import { type Arg, type Capabilities, type Db, type Runner, jsonValues, paginate } from "./common.ts";

/**
 * A kind of resource whose tags are listed: an owned table (its row is the account's; `region`:
 * in the search's region), or peerings as a face shows them (`aws`: VPC to VPC, with the
 * account's side in the search's region; `aliyun`: made as peerings (not router interfaces), the
 * account a party to it).
 */
export type TagRowKind =
  | { table: OwnedTable; region: boolean }
  | { table: "peerings"; face: "aws" | "aliyun" };

export interface TagRowSearch {
  kinds: readonly TagRowKind[];
  /** The region of the kinds that ask for one. */
  region?: string | undefined;
  /** The row's resource is one of these (native ids). */
  resourceIds?: readonly string[] | undefined;
  /** The row's key is one of these. */
  keys?: readonly string[] | undefined;
  /** The row's value is one of these. */
  values?: readonly string[] | undefined;
  /** Each: the row's key is `key` and its value one of `values` (AWS `tag:<key>`). */
  pairs?: readonly { key: string; values: readonly string[] }[] | undefined;
  /** Each: the row's resource carries this tag (any value when `value` is absent), put by the account. */
  has?: readonly { key: string; value?: string | undefined }[] | undefined;
}

export interface TagRow {
  resourceId: string;
  key: string;
  value: string;
}

/** The id prefix of each kind's resources (ids are `<prefix>-<suffix>`). */
const PREFIX: Record<TagRowKind["table"], string> = {
  vpcs: ID_PREFIXES.vpc,
  subnets: ID_PREFIXES.subnet,
  route_tables: ID_PREFIXES.routeTable,
  vbrs: ID_PREFIXES.vbr,
  instances: ID_PREFIXES.instance,
  router_interfaces: ID_PREFIXES.routerInterface,
  security_groups: ID_PREFIXES.securityGroup,
  peerings: ID_PREFIXES.peering,
};

/** Values as the database can hold them: NUL matches nothing stored; lone surrogates as the driver sends them. */
const stored = (values: readonly string[]) => values.filter((v) => !v.includes("\u0000")).map(wellFormed);

export class TagRowsRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
    private readonly runner: Runner,
  ) {}

  /** A keyset page of the account's tag rows that meet `s`, in (resource id, key) order. */
  async page(accountId: string, s: TagRowSearch, opts: ListOptions): Promise<Page<TagRow>> {
    if (s.kinds.length === 0) return { items: [], nextCursor: null };
    const args: unknown[] = [accountId];
    const at = (v: unknown) => args.push(v) - 1;
    const keyParts: string[] = [];
    const conds: ((arg: Arg) => RawBuilder<boolean>)[] = [];
    const inList = (i: number, arg: Arg) => sql`(select v.value from ${jsonValues(this.caps, arg(i))})`;
    const list = (name: string, values: readonly string[] | undefined, column: string): boolean => {
      if (values === undefined) return true;
      const v = stored(values);
      if (v.length === 0) return false;
      const i = at(JSON.stringify(v));
      keyParts.push(name);
      conds.push((arg) => sql<boolean>`${sql.ref(column)} in ${inList(i, arg)}`);
      return true;
    };
    if (!list("ids", s.resourceIds, "t.resource_id") || !list("keys", s.keys, "t.key") || !list("values", s.values, "t.value")) return { items: [], nextCursor: null };
    for (const p of s.pairs ?? []) {
      const v = stored(p.values);
      if (v.length === 0 || p.key.includes("\u0000")) return { items: [], nextCursor: null };
      const [k, vs] = [at(wellFormed(p.key)), at(JSON.stringify(v))];
      keyParts.push("pair");
      conds.push((arg) => sql<boolean>`(t.key = ${arg(k)} and t.value in ${inList(vs, arg)})`);
    }
    for (const h of s.has ?? []) {
      if (h.key.includes("\u0000") || h.value?.includes("\u0000")) return { items: [], nextCursor: null };
      const k = at(wellFormed(h.key));
      const v = h.value === undefined ? null : at(wellFormed(h.value));
      keyParts.push(v === null ? "has:k" : "has:kv");
      conds.push(
        (arg) =>
          sql<boolean>`exists (select 1 from tags w where w.resource_id = t.resource_id and w.account_id = t.account_id and w.key = ${arg(k)}${v === null ? sql`` : sql` and w.value = ${arg(v)}`})`,
      );
    }
    const region = s.kinds.some((k) => ("region" in k && k.region) || k.table === "peerings") && s.region !== undefined ? at(s.region) : null;
    const kindCond = (k: TagRowKind, arg: Arg): RawBuilder<boolean> => {
      if (k.table !== "peerings") {
        const inRegion = k.region && region !== null ? sql` and r.region = ${arg(region)}` : sql``;
        return sql<boolean>`exists (select 1 from ${sql.table(k.table)} r where r.id = t.resource_id and r.account_id = t.account_id${inRegion})`;
      }
      if (k.face === "aliyun") {
        return sql<boolean>`exists (select 1 from peerings r where r.id = t.resource_id and r.origin = 'peering' and (r.requester_account_id = t.account_id or r.accepter_account_id = t.account_id))`;
      }
      const side = (p: "requester" | "accepter") =>
        region === null ? sql`r.${sql.raw(p)}_account_id = t.account_id` : sql`(r.${sql.raw(p)}_account_id = t.account_id and r.${sql.raw(p)}_region = ${arg(region)})`;
      return sql<boolean>`exists (select 1 from peerings r where r.id = t.resource_id and r.requester_router_type = 'vpc' and r.accepter_router_type = 'vpc' and (${side("requester")} or ${side("accepter")}))`;
    };
    // One kind per prefix (two kinds of one table would be one range read twice).
    const kinds = [...new Map(s.kinds.map((k) => [k.table, k])).values()];
    if (kinds.length !== s.kinds.length) throw new Error("TagRowsRepo.page: one kind per table");
    const kindKey = kinds.map((k) => (k.table === "peerings" ? `peerings:${k.face}` : `${k.table}${k.region ? "@" : ""}`)).join("+");
    const pg = this.caps.dialect === "postgres";
    // The kind's ids: [`vpc-`, `vpc.`), '.' being the character after '-'. Literals: a shape per kind set.
    const inRange = (k: TagRowKind) => {
      const id = pg ? sql`t.resource_id collate "C"` : sql`t.resource_id`;
      return sql<boolean>`${id} >= ${sql.lit(`${PREFIX[k.table]}-`)} and ${id} < ${sql.lit(`${PREFIX[k.table]}.`)}`;
    };
    const base = (k: TagRowKind) => (arg: Arg) => {
      let q = this.db.selectFrom("tags as t").select(["t.resource_id", "t.key", "t.value"]).where("t.account_id", "=", arg(0) as string).where(inRange(k));
      for (const c of conds) q = q.where(c(arg));
      return q.where(kindCond(k, arg));
    };
    const [first, ...rest] = kinds.map(base);
    const { rows, nextCursor } = await paginate<{ resource_id: string; key: string; value: string }>(
      this.runner,
      {
        key: `tags:rows:${kindKey}:${keyParts.join(",")}:${region === null ? "" : "region"}`,
        args,
        base: first!,
        // Disjoint ranges (one prefix each), merged in (resource id, key) order.
        ...(rest.length > 0 ? { others: { db: this.db, bases: rest } } : {}),
        sortColumn: "resource_id",
        idColumn: "key",
        cursorOf: (r) => [r.resource_id, r.key],
      },
      opts,
      accountId,
    );
    return { items: rows.map((r) => ({ resourceId: r.resource_id, key: r.key, value: r.value })), nextCursor };
  }
}
