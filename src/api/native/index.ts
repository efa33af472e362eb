/** The native REST API under /api/v1: bearer-token authentication, then the resource routes. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../../domain/errors.ts";
import { storable } from "../../domain/text.ts";
import type { Account } from "../../domain/resources.ts";
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
import { analysisRoutes } from "./analyses.ts";
import { routesByTargetRoutes } from "./routes.ts";
import { securityGroupRoutes } from "./security-groups.ts";

const unstorable = (text: string) => !storable(text);

/** The path of the first string (key or value) holding text no store can keep as it is, if any. */
function findUnstorable(value: unknown, path: string, depth = 0): string | null {
  if (typeof value === "string") return unstorable(value) ? path : null;
  if (!value || typeof value !== "object" || depth > 20) return null;
  for (const [k, v] of Object.entries(value)) {
    if (unstorable(k)) return path;
    const found = findUnstorable(v, `${path}.${k}`, depth + 1);
    if (found) return found;
  }
  return null;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function admit(req: FastifyRequest, account: Account): void {
  req.actor = { accountId: account.id };
  req.account = account;
}

function refuse(reply: FastifyReply, header: string | undefined): DomainError {
  reply.header("www-authenticate", 'Bearer realm="vpcpeer"');
  return new DomainError(
    "Unauthenticated",
    header ? "Authorization: the bearer token is not valid" : "Authorization: missing; send 'Authorization: Bearer <token>' (see `vpcpeer account create`)",
    { field: "Authorization" },
  );
}

export async function nativeApi(app: FastifyInstance, services: Services): Promise<void> {
  // Text with NUL characters cannot be stored (PostgreSQL refuses it), and an unpaired surrogate
  // is not Unicode (each store would replace it differently); refuse both as bad input.
  // Checked on the routes that take a body or a query string (path parameters have patterns).
  const refuseNul = (req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    const field = findUnstorable(req.body, "body") ?? findUnstorable(req.query, "query");
    done(field ? new DomainError("InvalidRequest", `${field}: text must be valid Unicode without NUL characters (no unpaired surrogates)`, { field }) : undefined);
  };
  app.addHook("onRoute", (route) => {
    const schema = route.schema as { body?: unknown; querystring?: unknown } | undefined;
    if (schema?.body || schema?.querystring || !schema) route.preValidation = [...(route.preValidation ? [route.preValidation].flat() : []), refuseNul];
  });

  // Callback style, so that a token the service has cached (nearly every request) costs no promise.
  app.addHook("onRequest", (req, reply, done) => {
    const header = req.headers.authorization;
    const token = header ? BEARER.exec(header)?.[1] : undefined;
    const known = token ? services.accounts.cachedToken(token) : undefined;
    if (known) {
      admit(req, known);
      return done();
    }
    if (!token) return done(refuse(reply, header));
    services.accounts.authenticate(token).then((account) => {
      if (!account) return done(refuse(reply, header));
      admit(req, account);
      done();
    }, done);
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
  analysisRoutes(app, services);
  routesByTargetRoutes(app, services);
  securityGroupRoutes(app, services);
}
