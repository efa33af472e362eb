/**
 * TagResources / UnTagResources / ListTagResources, as the Terraform provider sets and reads tags
 * (Vpc 2016-04-28: ResourceType VPC, VSWITCH, ROUTETABLE; VpcPeer 2022-01-01: PeerConnection).
 * A tag change replaces the resource's tag set through its own service, so quotas and the rules
 * on keys and values are the same as everywhere else.
 */
import { DomainError } from "../../../domain/errors.ts";
import type { Tags } from "../../../domain/resources.ts";
import { type Action, type ActionTable, type Ctx, listAll, region } from "../context.ts";
import { badParam, missing } from "../errors.ts";
import { type AliKind, fromAli, toAli } from "../ids.ts";
import type { TaggableKind } from "../../../service/tags.ts";

interface Tagged {
  id: string;
  tags: Tags;
}

interface Taggable {
  /** The ResourceType as the cloud spells it. */
  name: string;
  kind: AliKind;
  get(c: Ctx, id: string): Promise<Tagged>;
  list(c: Ctx): Promise<Tagged[]>;
  /** The kind as the tag service names it (changes go through TagService.modify: one locked read-merge-write). */
  tagKind: TaggableKind;
}

const VPC_TYPES: Record<string, Taggable> = {
  VPC: {
    name: "VPC",
    kind: "vpc",
    get: (c, id) => c.services.vpcs.get(c.actor, id),
    list: (c) => listAll((o) => c.services.vpcs.list(c.actor, { region: c.actor.region }, o)),
    tagKind: "vpc",
  },
  VSWITCH: {
    name: "VSWITCH",
    kind: "vSwitch",
    get: (c, id) => c.services.subnets.get(c.actor, id),
    list: (c) => listAll((o) => c.services.subnets.list(c.actor, {}, o)),
    tagKind: "subnet",
  },
  ROUTETABLE: {
    name: "ROUTETABLE",
    kind: "routeTable",
    get: (c, id) => c.services.routeTables.get(c.actor, id),
    list: (c) => listAll((o) => c.services.routeTables.list(c.actor, {}, o)),
    tagKind: "route-table",
  },
};

const PEER_TYPES: Record<string, Taggable> = {
  PEERCONNECTION: {
    name: "PeerConnection",
    kind: "peering",
    get: (c, id) => c.services.peerings.get(c.actor, id),
    list: async (c) => (await listAll((o) => c.services.peerings.list(c.actor, {}, o))).filter((p) => p.origin === "peering"),
    tagKind: "peering",
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
      if (token !== undefined && token !== "" && !/^\d{1,9}$/.test(token)) throw badParam("NextToken", "not a token returned by this API");
      const start = token ? Number(token) : 0;
      let resources: Tagged[];
      if (ids.length > 0) {
        resources = [];
        for (const id of ids) {
          try {
            resources.push(await t.get(c, id));
          } catch (e) {
            if (!(e instanceof DomainError && e.code === "ResourceNotFound")) throw e;
          }
        }
      } else resources = await t.list(c);
      const matching = resources.filter((r) => !wanted || Object.entries(wanted).every(([k, v]) => k in r.tags && (v === "" || r.tags[k] === v)));
      const rows = matching.flatMap((r) => Object.entries(r.tags).map(([TagKey, TagValue]) => ({ ResourceId: toAli(t.kind, r.id), ResourceType: t.name, TagKey, TagValue })));
      const page = rows.slice(start, start + max);
      return { NextToken: start + max < rows.length ? String(start + max) : "", TagResources: listShape(page) };
    },
  };
  return { TagResources: tagResources, UnTagResources: unTagResources, ListTagResources: listTagResources };
}

/** Vpc 2016-04-28 wraps the list: TagResources.TagResource[]. */
export const vpcTagActions = tagActions(VPC_TYPES, (items) => ({ TagResource: items }));
/** VpcPeer 2022-01-01 answers a plain array, with ResourceType PeerConnection. */
export const peerTagActions = tagActions(PEER_TYPES, (items) => items);
