import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { DEFAULT_GROUP_PRESETS } from "../../domain/security-groups.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { CidrText, Description, IdParams, Name, RegionName, Tags, UpdateBody, Vpc, errorResponses, listOptions, listQuery, pageOf, vpcAttributes } from "./schemas.ts";

const CreateVpc = Type.Object(
  {
    name: Name,
    description: Type.Optional(Description),
    region: RegionName,
    cidr: CidrText,
    tags: Type.Optional(Tags),
    ...vpcAttributes(false),
    defaultSecurityGroup: Type.Optional(
      Type.Union(
        DEFAULT_GROUP_PRESETS.map((p) => Type.Literal(p)),
        { description: "What its default security group allows: open (everything, both ways) or members-only (ingress from the group's own members, all egress). Default: the server's defaultSecurityGroup setting (open unless configured)" },
      ),
    ),
  },
  { additionalProperties: false },
);
const UpdateVpc = Type.Object({ ...UpdateBody.properties, ...vpcAttributes(false) }, { additionalProperties: false });
const ListVpcs = Type.Object({
  ...listQuery,
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Only this region" })),
  name: Type.Optional(Type.String({ maxLength: 128, description: "Only this exact name (q searches)" })),
  cidr: Type.Optional(Type.String({ maxLength: 43, description: "Only this exact CIDR" })),
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
