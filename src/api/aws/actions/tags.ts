/**
 * EC2 actions: tags (CreateTags, DeleteTags, DescribeTags) on VPCs, subnets, route tables, VPC
 * peering connections, instances and security groups. A tag change is one read-modify-write under the resource's
 * row lock (TagService.modify), all the resources of one call in one transaction: concurrent
 * changes never lose each other's keys, and a call that fails on one resource changes none. On a
 * peering the tags are the caller's own: each party keeps its set (AWS: "only applied in the
 * account or Region in which you create them").
 */
import type { Tags } from "../../../domain/resources.ts";
import type { TaggableKind } from "../../../service/tags.ts";
import { type ActionTable, type Ctx, type FilterFields, applyFilters, filterNames, listAll, paginate } from "../context.ts";
import { AwsError, missing } from "../errors.ts";
import { nativeId } from "../ids.ts";
import { checkTagKey } from "../query.ts";
import type { IdKind } from "../../../domain/ids.ts";
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

/** The caller's tagged resources of one kind in the request's region. */
async function tagged(c: Ctx, k: Kind): Promise<{ id: string; tags: Tags }[]> {
  const s = c.services;
  switch (k.kind) {
    case "vpc":
      return listAll((o) => s.vpcs.list(c.actor, {}, o));
    case "subnet":
      return listAll((o) => s.subnets.list(c.actor, {}, o));
    case "route-table":
      return listAll((o) => s.routeTables.list(c.actor, {}, o));
    case "instance":
      return listAll((o) => s.instances.list(c.actor, {}, o));
    case "security-group":
      return listAll((o) => s.securityGroups.list(c.actor, {}, o));
    case "peering":
      return visiblePeerings(c);
  }
}

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
      const rows: TagRow[] = [];
      for (const k of kinds) {
        for (const r of await tagged(c, k)) {
          for (const [key, value] of Object.entries(r.tags)) rows.push({ resourceId: awsResourceId(k, r.id), resourceType: k.type, key, value });
        }
      }
      rows.sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      // `tag:<key>` matches a tag row with that key and one of the values.
      const chosen = applyFilters(rows, filters, FIELDS, (t) => ({ [t.key]: t.value }));
      const { page, nextToken } = paginate(c, chosen, { min: 5, max: 1000 });
      return { tagSet: page.map((t) => ({ resourceId: t.resourceId, resourceType: t.resourceType, key: t.key, value: t.value })), nextToken };
    },
  },
};
