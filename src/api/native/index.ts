/** The native REST API under /api/v1: bearer-token authentication, then the resource routes. */
import type { FastifyInstance } from "fastify";
import { DomainError } from "../../domain/errors.ts";
import type { Services } from "../../service/index.ts";
import { catalogRoutes } from "./catalog.ts";
import { instanceRoutes } from "./instances.ts";
import { routeTableRoutes } from "./route-tables.ts";
import { subnetRoutes } from "./subnets.ts";
import { vbrRoutes } from "./vbrs.ts";
import { vpcRoutes } from "./vpcs.ts";
import { billingAndEventRoutes, webhookRoutes } from "./billing-events.ts";
import { peeringRoutes } from "./peerings.ts";
import { routerInterfaceRoutes } from "./router-interfaces.ts";
import { probeRoutes } from "./probes.ts";

/** The path of the first string (key or value) holding a NUL character, if any. */
function findNul(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (!value || typeof value !== "object" || depth > 20) return null;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes("\u0000")) return path;
    const found = findNul(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

export async function nativeApi(app: FastifyInstance, services: Services): Promise<void> {
  // Text with NUL characters cannot be stored (PostgreSQL refuses it); refuse it as bad input.
  app.addHook("preValidation", async (req) => {
    const field = findNul(req.body, "body") ?? findNul(req.query, "query");
    if (field) throw new DomainError("InvalidRequest", `${field}: text must not contain NUL characters`, { field });
  });

  app.addHook("onRequest", async (req, reply) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    const account = match ? await services.accounts.authenticate(match[1]!) : null;
    if (!account) {
      reply.header("www-authenticate", 'Bearer realm="vpcpeer"');
      throw new DomainError(
        "Unauthenticated",
        header ? "Authorization: the bearer token is not valid" : "Authorization: missing; send 'Authorization: Bearer <token>' (see `vpcpeer account create`)",
        { field: "Authorization" },
      );
    }
    req.actor = { accountId: account.id };
    req.account = account;
  });
  catalogRoutes(app, services);
  vpcRoutes(app, services);
  subnetRoutes(app, services);
  routeTableRoutes(app, services);
  vbrRoutes(app, services);
  instanceRoutes(app, services);
  peeringRoutes(app, services);
  routerInterfaceRoutes(app, services);
  billingAndEventRoutes(app, services);
  webhookRoutes(app, services);
  probeRoutes(app, services);
}
