import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { gatewayIp } from "../../domain/addressing.ts";
import { parseCidr } from "../../domain/cidr.ts";
import type { Subnet as SubnetModel } from "../../domain/resources.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent } from "./context.ts";
import { dryRun } from "./dry-run.ts";
import { CidrText, Description, DryRunField, DryRunQuery, Id, IdParams, MapPublicIpOnLaunch, OptionalName, Subnet, Tags, UpdateBody, dryRunOf, errorResponses, listOptions, listQuery, pageOf } from "./schemas.ts";

const CreateSubnet = Type.Object(
  {
    vpcId: Id("vpc"),
    cidr: CidrText,
    zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    name: Type.Optional(OptionalName),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    mapPublicIpOnLaunch: Type.Optional(MapPublicIpOnLaunch),
  },
  { additionalProperties: false },
);
const UpdateSubnet = Type.Object({ ...UpdateBody.properties, mapPublicIpOnLaunch: Type.Optional(MapPublicIpOnLaunch) }, { additionalProperties: false });
const ListSubnets = Type.Object({
  ...listQuery,
  vpcId: Type.Optional(Id("vpc", "Only this VPC's")),
  zone: Type.Optional(Type.String({ maxLength: 64, description: "Only this zone's" })),
  routeTableId: Type.Optional(Id("routeTable", "Only those associated with this route table")),
  isDefault: Type.Optional(Type.Boolean({ description: "Only default subnets (true) or only the others (false)" })),
});
const Associate = Type.Object({ routeTableId: Id("routeTable"), dryRun: DryRunField }, { additionalProperties: false });

/** The subnet as the API shows it: with its router's address and its zone's id from the catalogue. */
export const subnetView = (s: Services, sub: SubnetModel) => ({
  ...sub,
  zoneId: s.regions.list().find((r) => r.id === sub.region)?.zones.find((z) => z.name === sub.zone)?.id ?? sub.zone,
  gatewayIp: gatewayIp(parseCidr(sub.cidr, "cidr")),
});

export function subnetRoutes(app: FastifyInstance, s: Services): void {
  const view = (sub: SubnetModel) => subnetView(s, sub);
  const tags = ["Subnets"];
  app.post<{ Body: Static<typeof CreateSubnet> }>(
    "/api/v1/subnets",
    { schema: { tags, summary: "Create a subnet inside a VPC's CIDR", body: CreateSubnet, response: { 201: Type.Ref(Subnet), ...errorResponses(400, 404, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, async () => view(await s.subnets.create(actorOf(req), req.body))),
  );
  app.get<{ Querystring: Static<typeof ListSubnets> }>(
    "/api/v1/subnets",
    { schema: { tags, summary: "List subnets", querystring: ListSubnets, response: { 200: pageOf(Subnet), ...errorResponses(400) } } },
    async (req) => {
      const page = await s.subnets.list(actorOf(req), req.query, listOptions(req.query));
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/subnets/:id",
    { schema: { tags, summary: "Get a subnet", params: IdParams("subnet"), response: { 200: Type.Ref(Subnet), ...errorResponses(400, 404) } } },
    async (req) => view(await s.subnets.get(actorOf(req), req.params.id)),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateSubnet> }>(
    "/api/v1/subnets/:id",
    { schema: { tags, summary: "Rename, describe or retag a subnet, or change mapPublicIpOnLaunch", params: IdParams("subnet"), body: UpdateSubnet, response: { 200: Type.Ref(Subnet), ...errorResponses(400, 404) } } },
    async (req) => view(await s.subnets.update(actorOf(req), req.params.id, req.body)),
  );
  const maybeDry = { 200: Type.Union([dryRunOf(Type.Ref(Subnet)), Type.Ref(Subnet)]), ...errorResponses(400, 404) };
  app.put<{ Params: { id: string }; Body: Static<typeof Associate> }>(
    "/api/v1/subnets/:id/route-table",
    { schema: { tags, summary: "Associate the subnet with a route table of its VPC", params: IdParams("subnet"), body: Associate, response: maybeDry } },
    async (req, reply) => {
      const associate = async () => view(await s.subnets.setRouteTable(actorOf(req), req.params.id, req.body.routeTableId));
      if (req.body.dryRun) return dryRun(s, req, reply, s.previews.subnetScope(actorOf(req), req.params.id), associate);
      return associate();
    },
  );
  app.delete<{ Params: { id: string }; Querystring: Static<typeof DryRunQuery> }>(
    "/api/v1/subnets/:id/route-table",
    { schema: { tags, summary: "Return the subnet to its VPC's default route table, implicitly associated", params: IdParams("subnet"), querystring: DryRunQuery, response: maybeDry } },
    async (req, reply) => {
      const reset = async () => view(await s.subnets.resetRouteTable(actorOf(req), req.params.id));
      if (req.query.dryRun) return dryRun(s, req, reply, s.previews.subnetScope(actorOf(req), req.params.id), reset);
      return reset();
    },
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/subnets/:id",
    { schema: { tags, summary: "Delete a subnet (refused while it has instances)", params: IdParams("subnet"), response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } } },
    async (req, reply) => {
      await s.subnets.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
