/**
 * buildApp(deps) → a Fastify instance that never listens by itself (tests use app.inject).
 * Owns what every dialect shares: body parsing limits, validation, metrics, health and OpenAPI.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { Services } from "../service/index.ts";
import { Metrics } from "./metrics.ts";
import { lazyChildLoggerFactory } from "./request-logger.ts";
import { consoleRoutes } from "./console.ts";
import { type Dialect, defaultDialects, dialectRoutes } from "./dialects/index.ts";
import { clientErrorHandler, renderForDialect } from "./dialects/transport.ts";
import { envelope, toHttpError } from "./native/errors.ts";
import { nativeApi } from "./native/index.ts";
import { SHARED_SCHEMAS } from "./native/schemas.ts";

export interface AppOptions {
  services: Services;
  /** A pino logger; none (silent) by default. */
  logger?: FastifyBaseLogger;
  /** Version string shown in OpenAPI. */
  version?: string;
  /** What the data plane reports for /readyz. */
  dataplane?: () => Record<string, unknown>;
  /** Cloud API dialects served at `/` (default: every dialect this build speaks). */
  dialects?: Dialect[];
  /** The web console's build (web/dist), served at /console; none: no console routes. */
  consoleDir?: string;
}

function ajv(coerce: boolean) {
  // Bodies are validated exactly (no coercion, unknown fields refused); query strings and path
  // parameters arrive as text and are coerced to the declared types.
  const instance = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    coerceTypes: coerce ? "array" : false,
    allErrors: false,
    // Each issue carries the schema it failed, so its message can say what is allowed (native/validation-message.ts).
    verbose: true,
    strict: false,
  });
  (addFormats as unknown as (a: Ajv) => void)(instance);
  for (const schema of SHARED_SCHEMAS) instance.addSchema(schema);
  return instance;
}

/**
 * Fastify's own serializer factory, memoised by what it is given: of the ~400 response schemas
 * the routes declare (one per route and status) only ~40 differ, and building a serializer with
 * fast-json-stringify was most of a server's start (ready()). Keyed by content, so that equal
 * schemas built by different routes (and apps of one process) share one serializer.
 */
const defaultSerializerFactory = SerializerSelector();
const serializers = new Map<string, Map<string, (doc: unknown) => string>>();
function cachedSerializerFactory(externalSchemas?: unknown, options?: Parameters<typeof defaultSerializerFactory>[1]) {
  const compile = defaultSerializerFactory(externalSchemas, options);
  const contextKey = JSON.stringify([externalSchemas ?? null, options ?? null]);
  let cache = serializers.get(contextKey);
  if (!cache) serializers.set(contextKey, (cache = new Map()));
  const byContent = cache;
  return (route: Parameters<typeof compile>[0]) => {
    const key = JSON.stringify(route.schema);
    let serializer = byContent.get(key);
    if (!serializer) byContent.set(key, (serializer = compile(route)));
    return serializer;
  };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const dialects = opts.dialects ?? defaultDialects(opts.services);
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger, childLoggerFactory: lazyChildLoggerFactory } : { logger: false }),
    bodyLimit: 1024 * 1024,
    // Event streams never go idle; closing the server must not wait for their clients.
    forceCloseConnections: true,
    // Per-request lines go to debug level (see the onResponse hook); info stays for lifecycle events.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // Headers too large for a cloud SDK's request: answered in that cloud's envelope.
    clientErrorHandler: clientErrorHandler(dialects),
    schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory } },
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching validation as a string.
  app.removeContentTypeParser("text/plain");
  const bodyAjv = ajv(false);
  const textAjv = ajv(true);
  // Equal schemas (by content) share one validator: routes declare the same ones many times over.
  const validators = new Map<string, ValidateFunction>();
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const body = httpPart === "body";
    const key = `${body ? "body" : "text"} ${JSON.stringify(schema)}`;
    let validate = validators.get(key);
    if (!validate) validators.set(key, (validate = (body ? bodyAjv : textAjv).compile(schema)));
    return validate;
  });

  // Declared up front so that every request object has the same shape (see native/context.ts).
  app.decorateRequest("actor", undefined);
  app.decorateRequest("account", undefined);
  const metrics = new Metrics();
  app.decorate("metrics", metrics);
  const debug = opts.logger !== undefined && ["trace", "debug"].includes(opts.logger.level);
  // Every route gets its own onResponse hook that knows the route's template and method: cheaper
  // than a global hook asking each request for its route options.
  app.addHook("onRoute", (route) => {
    const observe = metrics.routeObserver(String(route.method), route.url);
    const hook = (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
      observe(reply.statusCode, reply.elapsedTime / 1000);
      if (debug) req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: reply.elapsedTime }, "request");
      done();
    };
    route.onResponse = [...(route.onResponse ? [route.onResponse].flat() : []), hook];
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) req.log.error({ err }, "request failed");
    const own = renderForDialect(dialects, req, status, body.error.code, body.error.message);
    if (own) return reply.code(own.status).headers(own.headers).send(own.body);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    metrics.observeRequest(req.method, "unmatched", 404, reply.elapsedTime / 1000);
    const own = renderForDialect(dialects, req, 404, "EndpointNotFound", `no endpoint ${req.method} ${req.url.split("?")[0]}`);
    if (own) return reply.code(own.status).headers(own.headers).send(own.body);
    return reply.code(404).send(envelope("EndpointNotFound", `no endpoint ${req.method} ${req.url.split("?")[0]}`, { method: req.method }));
  });

  // Every shared schema is registered here, on the root: a schema added inside a plugin makes
  // Fastify build that plugin a validator of its own, with coercing defaults instead of ours.
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "vpcpeer native API",
        version: opts.version ?? "0.1.0",
        description: "VPCs, subnets, route tables, VBRs, instances and peerings. Every /api/v1 route needs `Authorization: Bearer <token>`. Errors: `{\"error\":{\"code\",\"message\",\"details\"}}`.",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === "string" ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    try {
      await opts.services.deps.store.ping();
      return { status: "ready", store: opts.services.deps.store.caps.dialect, dataplane: opts.dataplane?.() ?? { mode: "none" } };
    } catch (e) {
      return reply.code(503).send(envelope("StoreUnavailable", `store not reachable: ${(e as Error).message}`, {}));
    }
  });
  app.get("/metrics", { schema: { hide: true } }, async (_req, reply) => {
    reply.header("content-type", metrics.contentType);
    return metrics.render();
  });

  if (opts.consoleDir) consoleRoutes(app, opts.consoleDir);
  await app.register(async (scope) => nativeApi(scope, opts.services));
  await app.register(async (scope) => dialectRoutes(scope, dialects));
  return app;
}
