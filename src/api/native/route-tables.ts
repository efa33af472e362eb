import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { parseTagFilters } from "../../domain/tags.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import {
  CidrText,
  Description,
  Id,
  IdParams,
  Name,
  Route,
  RouteTable,
  RouteTableDetail,
  RouteTarget,
  Tags,
  UpdateBody,
  errorResponses,
  listQuery,
  pageOf,
} from "./schemas.ts";

const CreateTable = Type.Object(
  { vpcId: Id("vpc"), name: Name, description: Type.Optional(Description), tags: Type.Optional(Tags) },
  { additionalProperties: false },
);
const ListTables = Type.Object({ ...listQuery, vpcId: Type.Optional(Id("vpc")) });
const CreateRoute = Type.Object(
  { destinationCidr: CidrText, target: RouteTarget, description: Type.Optional(Description) },
  { additionalProperties: false },
);
const RouteParams = Type.Object({ id: Id("routeTable"), routeId: Type.String({ pattern: "^(local|rt-[a-z0-9]{12})$" }) });

export function routeTableRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Route tables"];
  const detail = async (accountId: string, id: string) => {
    const actor = { accountId };
    const [table, subnetIds, routes] = await Promise.all([
      s.routeTables.get(actor, id),
      s.routeTables.associations(actor, id),
      s.routeTables.routes(actor, id),
    ]);
    return { ...table, subnetIds, routes };
  };
  app.post<{ Body: Static<typeof CreateTable> }>(
    "/api/v1/route-tables",
    { schema: { tags, summary: "Create a custom route table in a VPC", body: CreateTable, response: { 201: Type.Ref(RouteTable), ...errorResponses(400, 404, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.routeTables.create(actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof ListTables> }>(
    "/api/v1/route-tables",
    { schema: { tags, summary: "List route tables", querystring: ListTables, response: { 200: pageOf(RouteTable), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.routeTables.listJson(actorOf(req), req.query, { limit: req.query.limit ?? 100, cursor: req.query.cursor, tags: parseTagFilters(req.query.tag) }))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/route-tables/:id",
    { schema: { tags, summary: "Get a route table with its routes and associated subnets", params: IdParams("routeTable"), response: { 200: Type.Ref(RouteTableDetail), ...errorResponses(400, 404) } } },
    (req) => detail(actorOf(req).accountId, req.params.id),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateBody> }>(
    "/api/v1/route-tables/:id",
    { schema: { tags, summary: "Rename, describe or retag a route table", params: IdParams("routeTable"), body: UpdateBody, response: { 200: Type.Ref(RouteTable), ...errorResponses(400, 404) } } },
    (req) => s.routeTables.update(actorOf(req), req.params.id, req.body),
  );
  app.delete<{ Params: { id: string } }>(
    "/api/v1/route-tables/:id",
    { schema: { tags, summary: "Delete a custom route table (not the default one, not while subnets use it)", params: IdParams("routeTable"), response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } } },
    async (req, reply) => {
      await s.routeTables.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/route-tables/:id/routes",
    { schema: { tags, summary: "List routes (the implicit local route first), each with its state", params: IdParams("routeTable"), response: { 200: Type.Object({ items: Type.Array(Type.Ref(Route)) }), ...errorResponses(400, 404) } } },
    async (req) => ({ items: await s.routeTables.routes(actorOf(req), req.params.id) }),
  );
  app.post<{ Params: { id: string }; Body: Static<typeof CreateRoute> }>(
    "/api/v1/route-tables/:id/routes",
    { schema: { tags, summary: "Add a route", params: IdParams("routeTable"), body: CreateRoute, response: { 201: Type.Ref(Route), ...errorResponses(400, 404, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.routeTables.addRoute(actorOf(req), req.params.id, req.body)),
  );
  app.delete<{ Params: Static<typeof RouteParams> }>(
    "/api/v1/route-tables/:id/routes/:routeId",
    { schema: { tags, summary: "Remove a route (the local route cannot be removed)", params: RouteParams, response: { 204: Type.Null(), ...errorResponses(400, 404) } } },
    async (req, reply) => {
      await s.routeTables.deleteRoute(actorOf(req), req.params.id, req.params.routeId);
      return reply.code(204).send();
    },
  );
}
