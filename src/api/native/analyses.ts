/** POST /api/v1/analyses: "why can't A reach B?" from the desired state (docs/analyze.md). */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { HOP_TYPES, REASON_CODES } from "../../dataplane/analyze.ts";
import type { Services } from "../../service/index.ts";
import { actorOf } from "./context.ts";
import { Id, errorResponses } from "./schemas.ts";

const AnalysisBody = Type.Object(
  {
    fromInstanceId: Type.Optional(Id("instance", "Your instance the packets leave from (or fromVbrId)")),
    fromVbrId: Type.Optional(Id("vbr", "Your VBR whose on-premises host the packets leave from (or fromInstanceId)")),
    toIp: Type.String({ minLength: 7, maxLength: 15, description: "Destination IPv4 address" }),
    protocol: Type.Optional(Type.Union([Type.Literal("tcp"), Type.Literal("udp"), Type.Literal("icmp")], { default: "tcp" })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: "TCP or UDP port (default 80): the security groups on the path judge protocol and port (ICMP: an echo request)" })),
    verify: Type.Optional(Type.Boolean({ description: "Also send a real probe (needs a data plane and fromInstanceId); a disagreement is reported as MODEL_DATAPLANE_MISMATCH" })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const Hop = Type.Object({
  type: Type.Union(HOP_TYPES.map((t) => Type.Literal(t))),
  resourceId: Nullable(Type.String({ description: "null: another account's resource, not shown" })),
  route: Type.Optional(Type.Object({ routeId: Nullable(Type.String()), destinationCidr: Type.String(), target: Type.String() }, { description: "For a route table: the route that matched (longest prefix)" })),
  rule: Type.Optional(
    Type.Object(
      {
        ruleId: Type.String(),
        direction: Type.Union([Type.Literal("ingress"), Type.Literal("egress")]),
        action: Type.Union([Type.Literal("accept"), Type.Literal("drop")]),
        priority: Type.Integer(),
        instanceId: Type.String({ description: "The instance whose port the group filters" }),
      },
      { description: "For a security-group hop (resourceId: the group): the rule that let the packets through" },
    ),
  ),
  detail: Type.String(),
});

const Reason = Type.Object({
  code: Type.Union(REASON_CODES.map((c) => Type.Literal(c))),
  severity: Type.Union([Type.Literal("error"), Type.Literal("warning")]),
  message: Type.String(),
  resource: Nullable(Type.String()),
  securityGroupIds: Type.Optional(Type.Array(Type.String(), { description: "SECURITY_GROUP_*_DENIED on your instance: its groups, whose rules were evaluated" })),
});

export const AnalysisSchema = Type.Object({
  reachable: Type.Boolean({ description: "The desired state carries packets there and replies back" }),
  source: Type.Object({ ip: Type.String(), resourceId: Type.String() }),
  destination: Type.Object({ ip: Type.String(), resourceId: Nullable(Type.String({ description: "Your instance or VBR at the address; null otherwise" })) }),
  protocol: Type.String(),
  port: Type.Union([Type.Integer(), Type.Null()]),
  forward: Type.Array(Hop),
  return: Type.Array(Hop),
  reasons: Type.Array(Reason),
  probe: Type.Optional(Type.Object({ reachable: Type.Boolean(), rttMs: Type.Union([Type.Number(), Type.Null()]), error: Type.Optional(Type.String()) })),
});

export function analysisRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Body: Static<typeof AnalysisBody> }>(
    "/api/v1/analyses",
    {
      schema: {
        tags: ["Probes"],
        summary: "Explain whether one of your instances (or VBRs) reaches an address: the hops each way and the reasons it does not",
        body: AnalysisBody,
        response: { 200: AnalysisSchema, ...errorResponses(400, 404, 409) },
      },
    },
    async (req) => s.analyses.analyze(actorOf(req), req.body),
  );
}
