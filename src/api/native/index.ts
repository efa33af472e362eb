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

export async function nativeApi(app: FastifyInstance, services: Services): Promise<void> {
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
