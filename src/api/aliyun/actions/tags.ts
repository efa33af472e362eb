/**
 * TagResources / UnTagResources / ListTagResources, as the Terraform provider sets and reads tags
 * (Vpc 2016-04-28: ResourceType VPC, VSWITCH, ROUTETABLE; VpcPeer 2022-01-01: PeerConnection;
 * ECS 2014-05-26: securitygroup, instance).
 * A tag change replaces the resource's tag set through its own service, so quotas and the rules
 * on keys and values are the same as everywhere else.
 */
import type { TagRowKind } from "../../../store/repos/index.ts";
import { type Action, type ActionTable, type Ctx, region, withToken } from "../context.ts";
import { badParam, missing } from "../errors.ts";
import { type AliKind, fromAli, toAli } from "../ids.ts";
import type { TaggableKind } from "../../../service/tags.ts";

interface Taggable {
  /** The ResourceType as the cloud spells it. */
  name: string;
  kind: AliKind;
  /** Which resources' tags ListTagResources lists (in the request's region, as the kind's reads are). */
  rows: TagRowKind;
  /** The kind as the tag service names it (changes go through TagService.modify: one locked read-merge-write). */
  tagKind: TaggableKind;
}

const VPC_TYPES: Record<string, Taggable> = {
  VPC: {
    name: "VPC",
    kind: "vpc",
    rows: { table: "vpcs", region: true },
    tagKind: "vpc",
  },
  VSWITCH: {
    name: "VSWITCH",
    kind: "vSwitch",
    rows: { table: "subnets", region: true },
    tagKind: "subnet",
  },
  ROUTETABLE: {
    name: "ROUTETABLE",
    kind: "routeTable",
    rows: { table: "route_tables", region: true },
    tagKind: "route-table",
  },
};

const PEER_TYPES: Record<string, Taggable> = {
  PEERCONNECTION: {
    name: "PeerConnection",
    kind: "peering",
    rows: { table: "peerings", face: "aliyun" },
    tagKind: "peering",
  },
};

/** ECS 2014-05-26 (ResourceType in lower case, as ECS spells it). */
const ECS_TYPES: Record<string, Taggable> = {
  SECURITYGROUP: {
    name: "securitygroup",
    kind: "securityGroup",
    rows: { table: "security_groups", region: true },
    tagKind: "security-group",
  },
  INSTANCE: {
    name: "instance",
    kind: "instance",
    rows: { table: "instances", region: true },
    tagKind: "instance",
  },
};

const MAX_IDS = 50;
const MAX_TAGS = 20;

function typeOf(c: Ctx, types: Record<string, Taggable>): Taggable {
  const given = c.p.req("ResourceType");
  const t = types[given.toUpperCase()];
  if (!t || !Object.hasOwn(types, given.toUpperCase())) throw badParam("ResourceType", `"${given.slice(0, 40)}" is not one of ${Object.values(types).map((x) => x.name).join(", ")}`);
  return t;
}

function resourceIds(c: Ctx, t: Taggable, required: boolean): string[] {
  const ids = c.p.list("ResourceId");
  if (required && ids.length === 0) throw missing("ResourceId.1");
  if (ids.length > MAX_IDS) throw badParam("ResourceId", `at most ${MAX_IDS} resources`);
  return ids.map((id, i) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw badParam(`ResourceId.${i + 1}`, `"${id.slice(0, 40)}" is not a valid id`);
    return fromAli(t.kind, id);
  });
}

function tagActions(types: Record<string, Taggable>, listShape: (items: unknown[]) => unknown): ActionTable {
  const tagResources: Action = {
    idempotent: true,
    async run(c) {
      region(c);
      const t = typeOf(c, types);
      const ids = resourceIds(c, t, true);
      const add = c.p.tags("Tag");
      if (!add) throw missing("Tag.1.Key");
      if (Object.keys(add).length > MAX_TAGS) throw badParam("Tag", `at most ${MAX_TAGS} tags`);
      // One transaction: one missing id changes nothing, and each merge reads the tags under the resource's row lock.
      await c.services.deps.store.transaction(async () => {
        for (const id of ids) await c.services.tags.modify(c.actor, t.tagKind, id, (current) => ({ ...current, ...add }));
      });
      return {};
    },
  };
  const unTagResources: Action = {
    idempotent: true,
    async run(c) {
      region(c);
      const t = typeOf(c, types);
      const ids = resourceIds(c, t, true);
      const keys = c.p.list("TagKey");
      const all = c.p.bool("All") ?? false;
      if (keys.length > MAX_TAGS) throw badParam("TagKey", `at most ${MAX_TAGS} keys`);
      if (!all && keys.length === 0) throw missing("TagKey.1");
      await c.services.deps.store.transaction(async () => {
        for (const id of ids) await c.services.tags.modify(c.actor, t.tagKind, id, (current) => (all ? {} : Object.fromEntries(Object.entries(current).filter(([k]) => !keys.includes(k)))));
      });
      return {};
    },
  };
  const listTagResources: Action = {
    async run(c) {
      region(c);
      const t = typeOf(c, types);
      const ids = resourceIds(c, t, false);
      const wanted = c.p.tags("Tag");
      if (ids.length === 0 && !wanted) throw missing("ResourceId.1");
      const max = c.p.int("MaxResults", 1, 1000) ?? 50;
      const token = c.p.str("NextToken");
      // One row per (resource, key), paged by keyset in SQL (TagRowsRepo): the token holds the store's cursor.
      const search = {
        kinds: [t.rows],
        region: c.actor.region,
        resourceIds: ids.length > 0 ? ids : undefined,
        has: Object.entries(wanted ?? {}).map(([key, value]) => (value === "" ? { key } : { key, value })),
      };
      const page = await withToken((cursor) => c.services.tags.rows(c.actor, search, { limit: max, cursor }), token);
      const rows = page.items.map((r) => ({ ResourceId: toAli(t.kind, r.resourceId), ResourceType: t.name, TagKey: r.key, TagValue: r.value }));
      return { NextToken: page.nextCursor ?? "", TagResources: listShape(rows) };
    },
  };
  return { TagResources: tagResources, UnTagResources: unTagResources, ListTagResources: listTagResources };
}

/** Vpc 2016-04-28 wraps the list: TagResources.TagResource[]. */
export const vpcTagActions = tagActions(VPC_TYPES, (items) => ({ TagResource: items }));
/** VpcPeer 2022-01-01 answers a plain array, with ResourceType PeerConnection. */
export const peerTagActions = tagActions(PEER_TYPES, (items) => items);
/** ECS 2014-05-26 spells the removal UntagResources; ListTagResources answers TagResources.TagResource[]. */
const ecsTags = tagActions(ECS_TYPES, (items) => ({ TagResource: items }));
export const ecsTagActions: ActionTable = { TagResources: ecsTags.TagResources!, UntagResources: ecsTags.UnTagResources!, ListTagResources: ecsTags.ListTagResources! };
