/**
 * Tencent's tag service (`tag.tencentcloudapi.com`, version 2018-08-13): the two actions through
 * which the Terraform provider reads and changes the tags of VPCs, subnets and route tables,
 * DescribeResourceTagsByResourceIds and ModifyResourceTags. A resource is named
 * `qcs::vpc:<region>:uin/<uin>:<prefix>/<id>` (the provider leaves the uin empty), the prefix being
 * `vpc`, `subnet` or `rtb`. The tags are the same as the VPC API's `Tags`/`TagSet` and the native API's.
 */
import { notFound } from "../../../domain/errors.ts";
import type { Tags } from "../../../domain/resources.ts";
import type { Actor } from "../../../service/context.ts";
import type { TaggableKind } from "../../../service/tags.ts";
import { TencentError, invalidValue } from "../errors.ts";
import { Params } from "../params.ts";
import type { ActionDef, Ctx } from "./common.ts";

export const TAG_VERSION = "2018-08-13";

const PREFIXES = ["vpc", "subnet", "rtb"] as const;
type Prefix = (typeof PREFIXES)[number];

/** Reading and replacing the tags of one kind of resource, in one region. */
function tagged(ctx: Ctx, prefix: Prefix, region: string) {
  const actor: Actor = { ...ctx.actor, region };
  const s = ctx.services;
  const by: Record<Prefix, { get(id: string): Promise<Tags>; set(id: string, tags: Tags): Promise<unknown> }> = {
    vpc: { get: async (id) => (await s.vpcs.get(actor, id)).tags, set: (id, tags) => s.vpcs.update(actor, id, { tags }) },
    subnet: { get: async (id) => (await s.subnets.get(actor, id)).tags, set: (id, tags) => s.subnets.update(actor, id, { tags }) },
    rtb: { get: async (id) => (await s.routeTables.get(actor, id)).tags, set: (id, tags) => s.routeTables.update(actor, id, { tags }) },
  };
  return by[prefix];
}

function region(ctx: Ctx, name: string, value: string): string {
  if (!ctx.services.regions.list().some((r) => r.id === value)) throw invalidValue(name, `\`${value.slice(0, 64)}\` is not a region of this service.`);
  return value;
}

/** The service's names of the kinds, as its own not-found errors say them. */
const RESOURCE_NAMES: Record<Prefix, TaggableKind> = { vpc: "vpc", subnet: "subnet", rtb: "route-table" };

const RESOURCE = /^qcs::([a-z]+):([a-z0-9-]*):uin\/(\d*):([a-z]+)\/([a-z0-9-]{1,64})$/;

export const tagActions: Record<string, ActionDef> = {
  DescribeResourceTagsByResourceIds: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["ServiceType", "ResourcePrefix", "ResourceIds", "ResourceRegion", "Offset", "Limit", "Category"]);
      p.oneOf("ServiceType", ["vpc"], true);
      const prefix = p.oneOf("ResourcePrefix", PREFIXES, true)!;
      const ids = p.strs("ResourceIds", 50, { max: 64 });
      if (!ids || ids.length === 0) throw new TencentError("MissingParameter", "The request is missing a required parameter `ResourceIds`.");
      const where = region(ctx, "ResourceRegion", p.str("ResourceRegion", true, { max: 64 }));
      const offset = p.int("Offset", false, { min: 0 }) ?? 0;
      const limit = p.int("Limit", false, { min: 1, max: 1000 }) ?? 15;
      p.oneOf("Category", ["Custom", "All"]);
      const kind = tagged(ctx, prefix, where);
      const rows: { TagKey: string; TagValue: string; ResourceId: string; ServiceType: string; Category: string }[] = [];
      for (const id of [...new Set(ids)]) {
        // A resource that does not exist (or is another account's) has no tags.
        const tags = await kind.get(id).catch((e: unknown) => {
          if ((e as { code?: string }).code === "ResourceNotFound") return {};
          throw e;
        });
        for (const [TagKey, TagValue] of Object.entries(tags)) rows.push({ TagKey, TagValue, ResourceId: id, ServiceType: "vpc", Category: "Custom" });
      }
      return { TotalCount: rows.length, Offset: offset, Limit: limit, Tags: rows.slice(offset, offset + limit) };
    },
  },
  ModifyResourceTags: {
    async handler(ctx, raw) {
      const p = Params.of(raw, ["Resource", "ReplaceTags", "DeleteTags"]);
      const resource = p.str("Resource", true, { max: 256 });
      const m = RESOURCE.exec(resource);
      if (!m || m[1] !== "vpc" || !(PREFIXES as readonly string[]).includes(m[4]!)) {
        throw new TencentError("InvalidParameterValue.ResourceDescriptionError", `The value of parameter \`Resource\` is invalid: \`${resource.slice(0, 100)}\` is not qcs::vpc:<region>:uin/<uin>:<vpc|subnet|rtb>/<id>.`);
      }
      const [, , where, uin, prefix, id] = m as unknown as [string, string, string, string, Prefix, string];
      const replace = p.objects("ReplaceTags", ["TagKey", "TagValue", "Category"], false, 50).map((t) => [t.str("TagKey", true, { max: 128 }), t.str("TagValue", true, { max: 256, min: 0 })] as const);
      const remove = p.objects("DeleteTags", ["TagKey"], false, 50).map((t) => t.str("TagKey", true, { max: 128 }));
      const both = replace.find(([k]) => remove.includes(k));
      if (both) throw invalidValue("DeleteTags", `tag key \`${both[0].slice(0, 64)}\` is also in ReplaceTags.`);
      const actor: Actor = { ...ctx.actor, region: region(ctx, "Resource", where) };
      // Another account's resource answers like a missing one.
      if (uin !== "" && uin !== ctx.actor.accountId) throw notFound(RESOURCE_NAMES[prefix], id);
      // One read-merge-write with the resource's row locked: concurrent changes never lose each other's keys.
      await ctx.services.tags.modify(actor, RESOURCE_NAMES[prefix], id, (current) => {
        const tags: Tags = { ...current, ...Object.fromEntries(replace) };
        for (const k of remove) delete tags[k];
        return tags;
      });
      return {};
    },
  },
};
