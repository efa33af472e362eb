import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { CHARGE_TYPES, MAX_BANDWIDTH_MBPS, PERIOD_MONTHS } from "../../domain/billing.ts";
import { PEERING_LIFECYCLES, PEERING_STATES } from "../../domain/peering.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent, pageJson, sendJson } from "./context.ts";
import { dryRun, withoutDryRun } from "./dry-run.ts";
import { AccountId, Description, DryRunField, Id, IdParams, Name, Peering, RegionName, Tags, dryRunOf, errorResponses, listOptions, listQuery, pageOf } from "./schemas.ts";

const Bandwidth = Type.Integer({ minimum: 1, maximum: MAX_BANDWIDTH_MBPS, description: "Mbit/s; required cross-region, optional (unlimited) intra-region" });
const ChargeType = Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c)), { default: "pay-as-you-go" });
const Period = Type.Union(PERIOD_MONTHS.map((m) => Type.Literal(m)), { description: "Subscription validity in months: 1-9, 12, 24 or 36" });

const RouteTableIds = (whose: string) =>
  Type.Array(Id("routeTable"), {
    maxItems: 50,
    description: `Route tables of ${whose} VPC that get a route to the other side's CIDRs through the peering when it becomes active, managed by it (removed when it stops being live). A table with a route to an equal or more specific destination is refused (409 RouteConflict, naming that route).`,
  });

const CreatePeering = Type.Object(
  {
    vpcId: Id("vpc", "Your VPC (the requester side)"),
    peerVpcId: Id("vpc", "The accepter's VPC"),
    peerAccountId: Type.Optional(AccountId),
    peerRegion: Type.Optional(RegionName),
    bandwidthMbps: Type.Optional(Bandwidth),
    name: Type.Optional(Type.String({ maxLength: 128 })),
    description: Type.Optional(Description),
    chargeType: Type.Optional(ChargeType),
    period: Type.Optional(Period),
    autoRenew: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Tags),
    routeTableIds: Type.Optional(RouteTableIds("your (the requester's)")),
    dryRun: DryRunField,
  },
  { additionalProperties: false },
);
const AcceptPeering = Type.Object({ routeTableIds: Type.Optional(RouteTableIds("your (the accepter's)")), dryRun: DryRunField }, { additionalProperties: false });
const RejectPeering = Type.Object({ dryRun: DryRunField }, { additionalProperties: false });
const SideOptions = Type.Object({ allowDnsResolutionFromRemoteVpc: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const UpdatePeering = Type.Object(
  {
    options: Type.Optional(
      Type.Object(
        { requester: Type.Optional(SideOptions), accepter: Type.Optional(SideOptions) },
        { additionalProperties: false, description: "Each side's options (active peerings only); each account sets its own side" },
      ),
    ),
    name: Type.Optional(Name),
    description: Type.Optional(Description),
    bandwidthMbps: Type.Optional(Type.Union([Bandwidth, Type.Null()])),
    autoRenew: Type.Optional(Type.Boolean()),
    tags: Type.Optional(Tags),
    dryRun: DryRunField,
  },
  { additionalProperties: false },
);
const ListPeerings = Type.Object({
  ...listQuery,
  state: Type.Optional(Type.Union(PEERING_STATES.map((s) => Type.Literal(s)), { description: "The state as shown: a request past its expiry is expired" })),
  vpcId: Type.Optional(Id("vpc", "Either side's VPC")),
  role: Type.Optional(Type.Union([Type.Literal("requester"), Type.Literal("accepter")], { description: "Your role in the peering" })),
  region: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "Either side's region" })),
  lifecycle: Type.Optional(
    Type.Union(
      PEERING_LIFECYCLES.map((l) => Type.Literal(l)),
      { description: "live: pending-acceptance (not past its expiry), active, inactive or suspended; ended: rejected, expired (a request past its expiry too), failed or deleted" },
    ),
  ),
});
const Renew = Type.Object({ period: Type.Optional(Period), dryRun: DryRunField }, { additionalProperties: false });
const RemovedRoutes = Type.Array(Type.Object({ id: Type.String(), routeTableId: Type.String(), destinationCidr: Type.String() }));
const DeleteResult = Type.Object({
  peering: Type.Optional(Type.Ref(Peering)),
  removedRoutes: Type.Optional(RemovedRoutes),
  purged: Type.Optional(Type.String({ description: "Set when a terminal record was cleaned up" })),
});

export function peeringRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Peerings"];
  const one = { 200: Type.Union([dryRunOf(Type.Ref(Peering)), Type.Ref(Peering)]), ...errorResponses(400, 403, 404, 409) };
  // An empty POST means the defaults (no routes, the same period, no dry run).
  const emptyBody = async (req: { body: unknown }) => {
    if (req.body === undefined || req.body === null) req.body = {};
  };
  app.post<{ Body: Static<typeof CreatePeering> }>(
    "/api/v1/peerings",
    {
      schema: {
        tags,
        summary: "Request a peering connection (active at once within one account; pending-acceptance across accounts)",
        body: CreatePeering,
        response: { 201: Type.Ref(Peering), 200: dryRunOf(Type.Ref(Peering)), ...errorResponses(400, 404, 409) },
      },
    },
    (req, reply) => {
      const input = withoutDryRun(req.body);
      if (req.body.dryRun) {
        return dryRun(s, req, reply, s.previews.vpcScope([input.vpcId, input.peerVpcId], ["peeringsPerVpc", "pendingPeeringsPerAccount", "routesPerTable"], input.routeTableIds), () =>
          s.peerings.create(actorOf(req), input),
        );
      }
      return idempotent(s, req, reply, 201, () => s.peerings.create(actorOf(req), input));
    },
  );
  app.get<{ Querystring: Static<typeof ListPeerings> }>(
    "/api/v1/peerings",
    { schema: { tags, summary: "List the peerings you are party to (as requester or accepter)", querystring: ListPeerings, response: { 200: pageOf(Peering), ...errorResponses(400) } } },
    async (req, reply) =>
      sendJson(reply, pageJson(await s.peerings.listJson(actorOf(req), req.query, listOptions(req.query)))),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/peerings/:id",
    { schema: { tags, summary: "Get a peering", params: IdParams("peering"), response: { 200: Type.Ref(Peering), ...errorResponses(400, 404) } } },
    (req) => s.peerings.get(actorOf(req), req.params.id),
  );
  app.patch<{ Params: { id: string }; Body: Static<typeof UpdatePeering> }>(
    "/api/v1/peerings/:id",
    { schema: { tags, summary: "Change name, bandwidth (billed from now) or auto renew (requester); set your tags and your side's options (either party)", params: IdParams("peering"), body: UpdatePeering, response: one } },
    (req, reply) => {
      const input = withoutDryRun(req.body);
      if (req.body.dryRun) return dryRun(s, req, reply, s.previews.peeringScope(actorOf(req), req.params.id, []), () => s.peerings.update(actorOf(req), req.params.id, input));
      return s.peerings.update(actorOf(req), req.params.id, input);
    },
  );
  app.post<{ Params: { id: string }; Body: Static<typeof AcceptPeering> | undefined }>(
    "/api/v1/peerings/:id/accept",
    {
      schema: {
        tags,
        summary: "Accept a pending request (accepter only); body optional: routeTableIds of your VPC get their routes at once, as do the tables the requester named",
        params: IdParams("peering"),
        body: AcceptPeering,
        response: one,
      },
      preValidation: emptyBody,
    },
    (req, reply) => {
      const routeTableIds = req.body?.routeTableIds;
      const accept = () => s.peerings.accept(actorOf(req), req.params.id, { routeTableIds });
      if (req.body?.dryRun) return dryRun(s, req, reply, s.previews.peeringScope(actorOf(req), req.params.id, ["peeringsPerVpc", "routesPerTable"], routeTableIds), accept);
      return idempotent(s, req, reply, 200, accept);
    },
  );
  app.post<{ Params: { id: string }; Body: Static<typeof RejectPeering> | undefined }>(
    "/api/v1/peerings/:id/reject",
    { schema: { tags, summary: "Reject a pending request (accepter only); body optional", params: IdParams("peering"), body: RejectPeering, response: one }, preValidation: emptyBody },
    (req, reply) => {
      const reject = () => s.peerings.reject(actorOf(req), req.params.id);
      if (req.body?.dryRun) return dryRun(s, req, reply, s.previews.peeringScope(actorOf(req), req.params.id, ["peeringsPerVpc"]), reject);
      return idempotent(s, req, reply, 200, reject);
    },
  );
  app.post<{ Params: { id: string }; Body: Static<typeof Renew> | undefined }>(
    "/api/v1/peerings/:id/renew",
    {
      schema: { tags, summary: "Renew a subscription (restores a suspended peering); body optional", params: IdParams("peering"), body: Renew, response: one },
      preValidation: emptyBody,
    },
    (req, reply) => {
      const renew = () => s.peerings.renew(actorOf(req), req.params.id, req.body?.period);
      if (req.body?.dryRun) return dryRun(s, req, reply, s.previews.peeringScope(actorOf(req), req.params.id, []), renew);
      return idempotent(s, req, reply, 200, renew);
    },
  );
  app.delete<{ Params: { id: string }; Querystring: { purge?: boolean; dryRun?: boolean } }>(
    "/api/v1/peerings/:id",
    {
      schema: {
        tags,
        summary: "Cancel a pending request (requester) or delete a live peering (either party; its routes are removed); ?purge=true cleans up a finished record",
        params: IdParams("peering"),
        querystring: Type.Object({ purge: Type.Optional(Type.Boolean({ description: "Remove a rejected, expired, failed or deleted record" })), dryRun: DryRunField }),
        response: { 200: Type.Union([dryRunOf(DeleteResult), DeleteResult]), ...errorResponses(400, 403, 404, 409) },
      },
    },
    (req, reply) => {
      const del = () => s.peerings.delete(actorOf(req), req.params.id, req.query.purge === true);
      if (req.query.dryRun) return dryRun(s, req, reply, s.previews.peeringScope(actorOf(req), req.params.id, ["peeringsPerVpc", "pendingPeeringsPerAccount"]), del);
      return del();
    },
  );
}
