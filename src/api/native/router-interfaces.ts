import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { CHARGE_TYPES, MAX_BANDWIDTH_MBPS, PERIOD_MONTHS, ROUTER_INTERFACE_SPECS } from "../../domain/billing.ts";
import { ROUTER_INTERFACE_STATUSES } from "../../domain/resources.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { dryRun } from "./dry-run.ts";
import { AccountId, Description, DryRunField, IdParams, OptionalName, RegionName, RouterInterface, Tags, dryRunOf, errorResponses, listOptions, listQuery, pageOf } from "./schemas.ts";

const RouterType = Type.Union([Type.Literal("vpc"), Type.Literal("vbr")]);
const RouterId = Type.String({ pattern: "^(vpc|vbr)-[a-z0-9]{12}$" });
const Spec = Type.String({ maxLength: 20, description: `One of ${Object.keys(ROUTER_INTERFACE_SPECS).join(", ")} (Negative for an acceptor)` });
const Opposite = Type.Object(
  {
    accountId: Type.Optional(AccountId),
    region: Type.Optional(RegionName),
    routerType: RouterType,
    routerId: RouterId,
    interfaceId: Type.Optional(Type.String({ pattern: "^ri-[a-z0-9]{12}$" })),
  },
  { additionalProperties: false },
);
const CreateRI = Type.Object(
  {
    role: Type.Union([Type.Literal("initiator"), Type.Literal("acceptor")]),
    routerType: RouterType,
    routerId: RouterId,
    spec: Type.Optional(Spec),
    bandwidthMbps: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BANDWIDTH_MBPS })),
    chargeType: Type.Optional(Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c)))),
    period: Type.Optional(Type.Union(PERIOD_MONTHS.map((m) => Type.Literal(m)))),
    autoRenew: Type.Optional(Type.Boolean()),
    opposite: Opposite,
    withAcceptor: Type.Optional(Type.Boolean({ description: "Initiator and Acceptor: create the acceptor on your opposite VPC too, and connect" })),
    name: Type.Optional(OptionalName),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
const UpdateRI = Type.Object(
  {
    name: Type.Optional(OptionalName),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    opposite: Type.Optional(Type.Partial(Opposite, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
const ListRI = Type.Object({
  ...listQuery,
  routerId: Type.Optional(RouterId),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "The interface's own region" })),
  role: Type.Optional(Type.Union([Type.Literal("initiator"), Type.Literal("acceptor")], { description: "Only this role" })),
  status: Type.Optional(Type.Union(ROUTER_INTERFACE_STATUSES.map((st) => Type.Literal(st)), { description: "Only this status" })),
});
const SetSpec = Type.Object({ spec: Spec }, { additionalProperties: false });

export function routerInterfaceRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Router interfaces"];
  const one = { 200: Type.Ref(RouterInterface), ...errorResponses(400, 404, 409) };
  app.post<{ Body: Static<typeof CreateRI> }>(
    "/api/v1/router-interfaces",
    { schema: { tags, summary: "Create an initiator or acceptor (or, same account, both connected at once)", body: CreateRI, response: { 201: Type.Ref(RouterInterface), ...errorResponses(400, 404, 409) } } },
    (req, reply) => idempotent(s, req, reply, 201, () => s.routerInterfaces.create(actorOf(req), req.body)),
  );
  app.get<{ Querystring: Static<typeof ListRI> }>(
    "/api/v1/router-interfaces",
    { schema: { tags, summary: "List router interfaces", querystring: ListRI, response: { 200: pageOf(RouterInterface), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.routerInterfaces.listJson(actorOf(req), req.query, listOptions(req.query)))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/router-interfaces/:id",
    { schema: { tags, summary: "Get a router interface", params: IdParams("routerInterface"), response: { 200: Type.Ref(RouterInterface), ...errorResponses(400, 404) } } },
    async (req, reply) => sendJson(reply, await s.routerInterfaces.getJson(actorOf(req), req.params.id)),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdateRI> }>(
    "/api/v1/router-interfaces/:id",
    { schema: { tags, summary: "Rename, retag, or name the opposite end (while Idle)", params: IdParams("routerInterface"), body: UpdateRI, response: one } },
    (req) => s.routerInterfaces.update(actorOf(req), req.params.id, req.body),
  );
  app.put<{ Params: { id: string }; Body: Static<typeof SetSpec> }>(
    "/api/v1/router-interfaces/:id/spec",
    { schema: { tags, summary: "Change the initiator's spec (bandwidth), billed from now", params: IdParams("routerInterface"), body: SetSpec, response: one } },
    (req) => s.routerInterfaces.setSpec(actorOf(req), req.params.id, req.body.spec),
  );
  const DryRunBody = Type.Object({ dryRun: DryRunField }, { additionalProperties: false });
  for (const [action, summary] of [
    ["connect", "Connect an Idle initiator to the acceptor it names; body optional"],
    ["activate", "Activate an Inactive connection; body optional"],
    ["deactivate", "Deactivate (freeze) an Active connection; its traffic stops; body optional"],
  ] as const) {
    app.post<{ Params: { id: string }; Body: Static<typeof DryRunBody> | undefined }>(
      `/api/v1/router-interfaces/:id/${action}`,
      {
        schema: { tags, summary, params: IdParams("routerInterface"), body: DryRunBody, response: { ...one, 200: Type.Union([dryRunOf(Type.Ref(RouterInterface)), Type.Ref(RouterInterface)]) } },
        preValidation: async (req) => {
          if (req.body === undefined || req.body === null) req.body = {};
        },
      },
      (req, reply) => {
        const run = () => (action === "connect" ? s.routerInterfaces.connect(actorOf(req), req.params.id) : s.routerInterfaces.setActive(actorOf(req), req.params.id, action === "activate"));
        if (req.body?.dryRun) return dryRun(s, req, reply, s.previews.routerInterfaceScope(actorOf(req), req.params.id, action === "connect" ? ["peeringsPerVpc"] : []), run);
        return idempotent(s, req, reply, 200, run);
      },
    );
  }
  app.delete<{ Params: { id: string } }>(
    "/api/v1/router-interfaces/:id",
    { schema: { tags, summary: "Delete an Idle or Inactive interface with no routes pointing at it", params: IdParams("routerInterface"), response: { 204: Type.Null(), ...errorResponses(400, 404, 409) } } },
    async (req, reply) => {
      await s.routerInterfaces.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
