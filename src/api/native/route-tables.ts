import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { dryRun, withoutDryRun } from "./dry-run.ts";
import {
  CidrText,
  Description,
  DryRunField,
  DryRunQuery,
  Id,
  IdParams,
  Name,
  Route,
  RouteTable,
  RouteTableDetail,
  RouteTarget,
  Tags,
  UpdateBody,
  dryRunOf,
  errorResponses,
  listOptions,
  listQuery,
  pageOf,
} from "./schemas.ts";

const CreateTable = Type.Object(
  { vpcId: Id("vpc"), name: Name, description: Type.Optional(Description), tags: Type.Optional(Tags), dryRun: DryRunField },
  { additionalProperties: false },
);
const ListTables = Type.Object({ ...listQuery, vpcId: Type.Optional(Id("vpc", "Only this VPC's")) });
const CreateRoute = Type.Object(
  { destinationCidr: CidrText, target: RouteTarget, description: Type.Optional(Description), dryRun: DryRunField },
  { additionalProperties: false },
);
const UpdateTable = Type.Object({ ...UpdateBody.properties, dryRun: DryRunField }, { additionalProperties: false });
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
    { schema: { tags, summary: "Create a custom route table in a VPC", body: CreateTable, response: { 201: Type.Ref(RouteTable), 200: dryRunOf(Type.Ref(RouteTable)), ...errorResponses(400, 404, 409) } } },
    (req, reply) => {
      const input = withoutDryRun(req.body);
      const create = () => s.routeTables.create(actorOf(req), input);
      if (req.body.dryRun) return dryRun(s, req, reply, s.previews.vpcScope([input.vpcId], ["routeTablesPerVpc"]), create);
      return idempotent(s, req, reply, 201, create);
    },
  );
  app.get<{ Querystring: Static<typeof ListTables> }>(
    "/api/v1/route-tables",
    { schema: { tags, summary: "List route tables", querystring: ListTables, response: { 200: pageOf(RouteTable), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.routeTables.listJson(actorOf(req), req.query, listOptions(req.query)))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/route-tables/:id",
    { schema: { tags, summary: "Get a route table with its routes and associated subnets", params: IdParams("routeTable"), response: { 200: Type.Ref(RouteTableDetail), ...errorResponses(400, 404) } } },
    (req) => detail(actorOf(req).accountId, req.params.id),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateTable> }>(
    "/api/v1/route-tables/:id",
    {
      schema: {
        tags,
        summary: "Rename, describe or retag a route table",
        params: IdParams("routeTable"),
        body: UpdateTable,
        response: { 200: Type.Union([dryRunOf(Type.Ref(RouteTable)), Type.Ref(RouteTable)]), ...errorResponses(400, 404) },
      },
    },
    (req, reply) => {
      const update = () => s.routeTables.update(actorOf(req), req.params.id, withoutDryRun(req.body));
      if (req.body.dryRun) return dryRun(s, req, reply, s.previews.tableScope(actorOf(req), req.params.id, []), update);
      return update();
    },
  );
  app.delete<{ Params: { id: string }; Querystring: Static<typeof DryRunQuery> }>(
    "/api/v1/route-tables/:id",
    {
      schema: {
        tags,
        summary: "Delete a custom route table (not the default one, not while subnets use it)",
        params: IdParams("routeTable"),
        querystring: DryRunQuery,
        response: { 204: Type.Null(), 200: dryRunOf(Type.Ref(RouteTable)), ...errorResponses(400, 404, 409) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      if (req.query.dryRun) {
        return dryRun(s, req, reply, s.previews.tableScope(actor, req.params.id, ["routeTablesPerVpc"]), async () => {
          const table = await s.routeTables.get(actor, req.params.id);
          await s.routeTables.delete(actor, req.params.id);
          return table;
        });
      }
      await s.routeTables.delete(actor, req.params.id);
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
    { schema: { tags, summary: "Add a route", params: IdParams("routeTable"), body: CreateRoute, response: { 201: Type.Ref(Route), 200: dryRunOf(Type.Ref(Route)), ...errorResponses(400, 404, 409) } } },
    (req, reply) => {
      const input = withoutDryRun(req.body);
      const add = () => s.routeTables.addRoute(actorOf(req), req.params.id, input);
      if (req.body.dryRun) return dryRun(s, req, reply, s.previews.tableScope(actorOf(req), req.params.id, ["routesPerTable"]), add);
      return idempotent(s, req, reply, 201, add);
    },
  );
  app.delete<{ Params: Static<typeof RouteParams>; Querystring: Static<typeof DryRunQuery> }>(
    "/api/v1/route-tables/:id/routes/:routeId",
    {
      schema: {
        tags,
        summary: "Remove a route (the local route cannot be removed)",
        params: RouteParams,
        querystring: DryRunQuery,
        response: { 204: Type.Null(), 200: dryRunOf(Type.Ref(Route)), ...errorResponses(400, 404) },
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const { id, routeId } = req.params;
      if (req.query.dryRun) {
        return dryRun(s, req, reply, s.previews.tableScope(actor, id, ["routesPerTable"]), async () => {
          // The route as it is now; a missing one fails below as the real call does.
          const route = (await s.routeTables.routes(actor, id)).find((x) => x.id === routeId);
          await s.routeTables.deleteRoute(actor, id, routeId);
          return route!;
        });
      }
      await s.routeTables.deleteRoute(actor, id, routeId);
      return reply.code(204).send();
    },
  );
}
