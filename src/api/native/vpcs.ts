import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { DEFAULT_GROUP_PRESETS } from "../../domain/security-groups.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { CidrText, Description, IdParams, Name, RegionName, Subnet, Tags, UpdateBody, Vpc, errorResponses, listOptions, listQuery, pageOf, vpcAttributes } from "./schemas.ts";
import { subnetView } from "./subnets.ts";

const DefaultSecurityGroupPreset = Type.Optional(
  Type.Union(
    DEFAULT_GROUP_PRESETS.map((p) => Type.Literal(p)),
    { description: "What its default security group allows: open (everything, both ways) or members-only (ingress from the group's own members, all egress). Default: the server's defaultSecurityGroup setting (open unless configured)" },
  ),
);
const CreateVpc = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    region: RegionName,
    cidr: CidrText,
    tags: Type.Optional(Tags),
    ...vpcAttributes(false),
    defaultSecurityGroup: DefaultSecurityGroupPreset,
  },
  { additionalProperties: false },
);
const CreateDefaultVpc = Type.Object(
  {
    region: RegionName,
    withSubnets: Type.Optional(Type.Boolean({ description: "Also make its default subnets, a /20 per zone of the region (default true)" })),
    defaultSecurityGroup: DefaultSecurityGroupPreset,
  },
  { additionalProperties: false },
);
const CreateDefaultSubnet = Type.Object(
  {
    region: RegionName,
    zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "The zone (default: the region's first zone without a default subnet)" })),
  },
  { additionalProperties: false },
);
const DefaultVpcWithSubnets = Type.Object({ vpc: Type.Ref(Vpc), subnets: Type.Array(Type.Ref(Subnet)) });
const UpdateVpc = Type.Object({ ...UpdateBody.properties, ...vpcAttributes(false) }, { additionalProperties: false });
const ListVpcs = Type.Object({
  ...listQuery,
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this region" })),
  name: Type.Optional(Type.String({ maxLength: 128, description: "Only this exact name (q searches)" })),
  cidr: Type.Optional(Type.String({ maxLength: 43, description: "Only this exact CIDR" })),
  isDefault: Type.Optional(Type.Boolean({ description: "Only default VPCs (true) or only the others (false)" })),
});

export function vpcRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["VPCs"];
  app.post<{ Body: Static<typeof CreateVpc> }>(
    "/api/v1/vpcs",
    { schema: { tags, summary: "Create a VPC (with its default route table and default security group)", body: CreateVpc, response: { 201: Type.Ref(Vpc), ...errorResponses(400, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.vpcs.create(actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof ListVpcs> }>(
    "/api/v1/vpcs",
    { schema: { tags, summary: "List VPCs", querystring: ListVpcs, response: { 200: pageOf(Vpc), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.vpcs.listJson(actorOf(req), req.query, listOptions(req.query)))),
  );
  const defaults = ["Default VPCs"];
  app.post<{ Body: Static<typeof CreateDefaultVpc> }>(
    "/api/v1/default-vpcs",
    {
      schema: {
        tags: defaults,
        summary: "Create the account's default VPC of a region (refused with DefaultVpcAlreadyExists while it has one), with its default subnets",
        body: CreateDefaultVpc,
        response: { 201: DefaultVpcWithSubnets, ...errorResponses(400, 409) },
      },
    },
    (req, reply) =>
      idempotent(s, req, reply, 201, async () => {
        const { vpc, subnets } = await s.defaultVpcs.createDefaultVpc(actorOf(req), req.body.region, { withSubnets: req.body.withSubnets, defaultSecurityGroup: req.body.defaultSecurityGroup });
        return { vpc, subnets: subnets.map((x) => subnetView(s, x)) };
      }),
  );
  app.post<{ Body: Static<typeof CreateDefaultSubnet> }>(
    "/api/v1/default-subnets",
    {
      schema: {
        tags: defaults,
        summary: "Create the default subnet of a zone in the region's default VPC (its /20, else the first free /20)",
        body: CreateDefaultSubnet,
        response: { 201: Type.Ref(Subnet), ...errorResponses(400, 404, 409) },
      },
    },
    (req, reply) => idempotent(s, req, reply, 201, async () => subnetView(s, await s.defaultVpcs.createDefaultSubnet(actorOf(req), req.body.region, req.body.zone))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/vpcs/:id",
    { schema: { tags, summary: "Get a VPC", params: IdParams("vpc"), response: { 200: Type.Ref(Vpc), ...errorResponses(400, 404) } } },
    async (req, reply) => sendJson(reply, await s.vpcs.getJson(actorOf(req), req.params.id)),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateVpc> }>(
    "/api/v1/vpcs/:id",
    { schema: { tags, summary: "Rename, describe or retag a VPC (tags replace the old set), or change its DNS settings", params: IdParams("vpc"), body: UpdateVpc, response: { 200: Type.Ref(Vpc), ...errorResponses(400, 404) } } },
    (req) => s.vpcs.update(actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/vpcs/:id",
    { schema: { tags, summary: "Delete a VPC (refused while subnets, custom route tables or peerings depend on it)", params: IdParams("vpc"), response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } } },
    async (req, reply) => {
      await s.vpcs.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
