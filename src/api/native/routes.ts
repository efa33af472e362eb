/** GET /api/v1/routes?targetId=…: where your routes lead to a peering, router interface, VBR or instance. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { ID_PREFIXES, ID_SUFFIX_LENGTH } from "../../domain/ids.ts";
import type { Services } from "../../service/index.ts";
import { actorOf } from "./context.ts";
import { Id, Route, errorResponses } from "./schemas.ts";

const TARGET_PREFIXES = [ID_PREFIXES.peering, ID_PREFIXES.routerInterface, ID_PREFIXES.vbr, ID_PREFIXES.instance];

const RoutesQuery = Type.Object({
  targetId: Type.String({
    pattern: `^(${TARGET_PREFIXES.join("|")})-[a-z0-9]{${ID_SUFFIX_LENGTH}}$`,
    maxLength: 40,
    description: "The id of a peering (pcx-…), router interface (ri-…), VBR (vbr-…) or instance (ins-…)",
  }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: "Items per page" })),
  cursor: Type.Optional(Type.String({ maxLength: 1024, description: "`nextCursor` of the previous page, unchanged, with the same targetId" })),
});

const RouteToTarget = Type.Intersect([Type.Ref(Route), Type.Object({ vpcId: Id("vpc", "The VPC of the route's table") })]);

export function routesByTargetRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Querystring: Static<typeof RoutesQuery> }>(
    "/api/v1/routes",
    {
      schema: {
        tags: ["Route tables"],
        summary: "Your routes whose target is this peering, router interface, VBR or instance (in your own route tables), oldest first",
        querystring: RoutesQuery,
        response: { 200: Type.Object({ items: Type.Array(RouteToTarget), nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(400) },
      },
    },
    (req) => s.routeTables.toTarget(actorOf(req), req.query.targetId, { limit: req.query.limit ?? 100, cursor: req.query.cursor }),
  );
}
