import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Services } from "../../service/index.ts";
import { actorOf } from "./context.ts";
import { Id, errorResponses } from "./schemas.ts";

const ProbeBody = Type.Object(
  {
    fromInstanceId: Id("instance"),
    toIp: Type.String({ minLength: 7, maxLength: 15 }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    protocol: Type.Optional(Type.Union([Type.Literal("tcp"), Type.Literal("udp"), Type.Literal("icmp")], { default: "tcp" })),
    throughputSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 30, description: "Measure TCP throughput for this long instead of a reachability probe" })),
  },
  { additionalProperties: false },
);

export function probeRoutes(app: FastifyInstance, s: Services): void {
  app.post<{ Body: Static<typeof ProbeBody> }>(
    "/api/v1/probes",
    {
      schema: {
        tags: ["Probes"],
        summary: "Send real packets from one of your instances (a responder answers at the target, so the result reflects the network)",
        body: ProbeBody,
        response: {
          200: Type.Object({
            reachable: Type.Optional(Type.Boolean()),
            rttMs: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            throughputMbps: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
            error: Type.Optional(Type.String()),
          }),
          ...errorResponses(400, 404, 503),
        },
      },
    },
    async (req) =>
      req.body.throughputSeconds !== undefined
        ? s.probes.throughput(actorOf(req), { ...req.body, seconds: req.body.throughputSeconds })
        : s.probes.probe(actorOf(req), req.body),
  );
}
