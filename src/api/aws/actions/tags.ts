/**
 * EC2 actions: tags (CreateTags, DeleteTags, DescribeTags) on VPCs, subnets, route tables, VPC
 * peering connections and instances. A tag change is one read-modify-write under the resource's
 * row lock (TagService.modify), all the resources of one call in one transaction: concurrent
 * changes never lose each other's keys, and a call that fails on one resource changes none. On a
 * peering the tags are the caller's own: each party keeps its set (AWS: "only applied in the
 * account or Region in which you create them").
 */
import type { Tags } from "../../../domain/resources.ts";
import type { TaggableKind } from "../../../service/tags.ts";
import type { TagRowKind, TagRowSearch, TagRow as StoredTagRow } from "../../../store/repos/index.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, filterNames, keysetPage } from "../context.ts";
import { AwsError, missing } from "../errors.ts";
import { nativeId } from "../ids.ts";
import { type FilterSpec, checkTagKey } from "../query.ts";
import type { OwnedTable } from "../../../store/schema.ts";
import { ID_PREFIXES, type IdKind } from "../../../domain/ids.ts";
import { find, visiblePeerings } from "./peerings.ts";

interface Kind {
  /** EC2's resource type, as DescribeTags shows it and its `resource-type` filter takes it. */
  type: string;
  /** AWS's id prefix. */
  prefix: string;
  idKind: IdKind;
  kind: TaggableKind;
}

const KINDS: readonly Kind[] = [
  { type: "vpc", prefix: "vpc", idKind: "vpc", kind: "vpc" },
  { type: "subnet", prefix: "subnet", idKind: "subnet", kind: "subnet" },
  { type: "route-table", prefix: "rtb", idKind: "routeTable", kind: "route-table" },
  { type: "vpc-peering-connection", prefix: "pcx", idKind: "peering", kind: "peering" },
  { type: "instance", prefix: "i", idKind: "instance", kind: "instance" },
  { type: "security-group", prefix: "sg", idKind: "securityGroup", kind: "security-group" },
];

/** The kind and native id a ResourceId names; InvalidID for a kind this server does not tag. */
function resource(value: string, param: string): { kind: Kind; id: string } {
  const prefix = value.slice(0, Math.max(0, value.indexOf("-")));
  const kind = KINDS.find((k) => k.prefix === prefix || (k.idKind === "instance" && prefix === "ins"));
  if (!kind) {
    throw new AwsError("InvalidID", 400, `The ID '${value.slice(0, 80)}' is not valid (${param}): this server tags ${KINDS.map((k) => `${k.prefix}-`).join(", ")} resources`);
  }
  return { kind, id: nativeId(kind.idKind, value, param) };
}

function resourceIds(c: Ctx): { kind: Kind; id: string }[] {
  const values = c.p.list("ResourceId");
  if (values.length === 0) throw missing("ResourceId.1");
  return values.map((v, i) => resource(v, `ResourceId.${i + 1}`));
}

/**
 * Applies `change` to the caller's tags on every named resource, in one transaction. A peering
 * must be one the caller sees here (its own side in this region, within AWS's retention).
 */
async function modifyAll(c: Ctx, targets: { kind: Kind; id: string }[], change: (current: Tags) => Tags): Promise<void> {
  await c.services.deps.store.transaction(async () => {
    for (const t of targets) {
      if (t.kind.kind === "peering") await find(c, t.id, true);
      await c.services.tags.modify(c.actor, t.kind.kind, t.id, change);
    }
  });
}

interface TagRow {
  resourceId: string;
  resourceType: string;
  key: string;
  value: string;
}

const FIELDS: FilterFields<TagRow> = {
  key: (t) => t.key,
  "resource-id": (t) => t.resourceId,
  "resource-type": (t) => t.resourceType,
  value: (t) => t.value,
};

/** Which rows of the tags table are the caller's tags on resources of this kind in the request's region (TagRowsRepo). */
const rowKind = (k: Kind): TagRowKind => (k.kind === "peering" ? { table: "peerings", face: "aws" } : { table: `${k.kind.replaceAll("-", "_")}s` as OwnedTable, region: true });

/** The kind a stored (native) resource id is of. */
const kindOfNative = (id: string) => KINDS.find((k) => id.startsWith(`${ID_PREFIXES[k.idKind]}-`))!;

/** A resource id as EC2 writes it, as stored; null for a prefix this server does not tag. */
function nativeOf(awsId: string): string | null {
  const dash = awsId.indexOf("-");
  const kind = dash < 0 ? undefined : KINDS.find((k) => k.prefix === awsId.slice(0, dash));
  return kind ? `${ID_PREFIXES[kind.idKind]}${awsId.slice(dash)}` : null;
}

/** The exact values of a filter (none has `*` or `?`), for SQL; undefined otherwise. */
const exact = (f: FilterSpec) => (f.values.some((v) => /[*?]/.test(v)) ? undefined : f.values);

const awsResourceId = (k: Kind, nativeIdValue: string) => `${k.prefix}${nativeIdValue.slice(nativeIdValue.indexOf("-"))}`;

export const tagsActions: ActionTable = {
  CreateTags: {
    params: ["ResourceId", "Tag"],
    dryRun: true,
    async run(c) {
      const targets = resourceIds(c);
      const given = c.p.tagList("Tag");
      if (given.length === 0) throw missing("Tag.1.Key");
      given.forEach((t, i) => checkTagKey(t.key, `Tag.${i + 1}.Key`));
      // A tag without a value gets the empty value, as EC2 stores it. (Entries, not assignments:
      // add["__proto__"] = v would set a prototype and lose the tag.)
      const add: Tags = Object.fromEntries(given.map((t) => [t.key, t.value ?? ""]));
      await modifyAll(c, targets, (current) => ({ ...current, ...add }));
      return { return: true };
    },
  },

  DeleteTags: {
    params: ["ResourceId", "Tag"],
    dryRun: true,
    async run(c) {
      const targets = resourceIds(c);
      const given = c.p.tagList("Tag");
      given.forEach((t, i) => checkTagKey(t.key, `Tag.${i + 1}.Key`));
      await modifyAll(c, targets, (current) => {
        // No Tag: every tag goes. A key alone: whatever its value. A key and a value (even
        // empty): only when the value matches.
        if (given.length === 0) return {};
        const next = { ...current };
        for (const t of given) {
          if (!Object.hasOwn(next, t.key)) continue;
          if (t.value === undefined || next[t.key] === t.value) delete next[t.key];
        }
        return next;
      });
      return { return: true };
    },
  },

  DescribeTags: {
    params: ["Filter", "MaxResults", "NextToken"],
    dryRun: true,
    async run(c) {
      const filters = c.p.filters(filterNames(FIELDS as FilterFields<never>));
      // Only the kinds a resource-type filter lets through are read.
      const typeFilters = filters.filter((f) => f.name === "resource-type");
      const kinds = applyFilters(KINDS, typeFilters, { "resource-type": (k: Kind) => k.type });
      // Paged by keyset in SQL (TagRowsRepo), with the filters of exact values applied there too;
      // every filter is tested on the rows read, and a peering's tags only while it is seen here.
      const search: TagRowSearch = { kinds: kinds.map(rowKind), region: c.region.id, pairs: [] };
      for (const f of filters) {
        const values = exact(f);
        if (values === undefined) continue;
        if (f.name === "key") search.keys = values;
        else if (f.name === "value") search.values = values;
        else if (f.name === "resource-id") search.resourceIds = values.flatMap((v) => nativeOf(v) ?? []);
        else if (f.name.startsWith("tag:")) search.pairs = [...search.pairs!, { key: f.name.slice(4), values }];
      }
      const keep = async (items: StoredTagRow[]): Promise<TagRow[]> => {
        const peeringIds = [...new Set(items.filter((r) => kindOfNative(r.resourceId).kind === "peering").map((r) => r.resourceId))];
        const seen = new Set(peeringIds.length > 0 ? (await visiblePeerings(c, peeringIds)).map((p) => p.id) : []);
        const rows = items.flatMap((r) => {
          const k = kindOfNative(r.resourceId);
          return k.kind === "peering" && !seen.has(r.resourceId) ? [] : [{ resourceId: awsResourceId(k, r.resourceId), resourceType: k.type, key: r.key, value: r.value }];
        });
        // `tag:<key>` matches a tag row with that key and one of the values.
        return applyFilters(rows, filters, FIELDS, (t) => ({ [t.key]: t.value }));
      };
      const { page, nextToken } = await keysetPage(c, (o) => c.services.tags.rows(c.actor, search, o), keep, { min: 5, max: 1000 });
      return { tagSet: page.map((t) => ({ resourceId: t.resourceId, resourceType: t.resourceType, key: t.key, value: t.value })), nextToken };
    },
  },
};
