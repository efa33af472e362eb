import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { DomainError } from "../../domain/errors.ts";
import type { Services } from "../../service/index.ts";
import { actorOf } from "./context.ts";
import { Account, Region, errorResponses } from "./schemas.ts";

export function catalogRoutes(app: FastifyInstance, s: Services): void {
  app.get(
    "/api/v1/regions",
    { schema: { tags: ["Regions"], summary: "List the regions of this service", response: { 200: Type.Object({ items: Type.Array(Type.Ref(Region)) }), ...errorResponses() } } },
    async () => ({ items: s.regions.list() }),
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
