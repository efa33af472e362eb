import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { DomainError, notFound } from "../../domain/errors.ts";
import type { Services } from "../../service/index.ts";
import { actorOf } from "./context.ts";
import { Account, Region, Zone, errorResponses } from "./schemas.ts";

export function catalogRoutes(app: FastifyInstance, s: Services): void {
  app.get(
    "/api/v1/regions",
    { schema: { tags: ["Regions"], summary: "List the regions of this service", response: { 200: Type.Object({ items: Type.Array(Type.Ref(Region)) }), ...errorResponses() } } },
    async () => ({ items: s.regions.list().map((r) => ({ id: r.id, name: r.name, zones: r.zones.map((z) => z.name) })) }),
  );
  app.get<{ Params: { id: string } }>(
    "/api/v1/regions/:id/zones",
    {
      schema: {
        tags: ["Regions"],
        summary: "List a region's zones: name (what subnets record), id and local name",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: Type.Object({ items: Type.Array(Type.Ref(Zone)) }), ...errorResponses(404) },
      },
    },
    async (req) => {
      const region = s.regions.list().find((r) => r.id === req.params.id);
      if (!region) throw notFound("region", req.params.id.slice(0, 64), "id");
      return { items: region.zones.map((z) => ({ name: z.name, id: z.id, localName: z.localName ?? z.name, region: region.id })) };
    },
  );
  app.get(
    "/api/v1/account",
    { schema: { tags: ["Account"], summary: "The calling account", response: { 200: Type.Ref(Account), ...errorResponses() } } },
    async (req) => {
      actorOf(req);
      if (!req.account) throw new DomainError("Unauthenticated", "authentication required", {});
      return req.account;
    },
  );
}
