import { type Static, Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { CHARGE_TYPES, MAX_BANDWIDTH_MBPS, PERIOD_MONTHS, ROUTER_INTERFACE_SPECS } from "../../domain/billing.ts";
import type { Services } from "../../service/index.ts";
import { actorOf, idempotent } from "./context.ts";
import { Event, Id, IdParams, LedgerEntry, WebhookView, errorResponses } from "./schemas.ts";

const LedgerQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  cursor: Type.Optional(Type.String({ maxLength: 512 })),
  peeringId: Type.Optional(Id("peering")),
});
const QuoteQuery = Type.Object({
  bandwidthMbps: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BANDWIDTH_MBPS, description: "A peering's bandwidth (Mbit/s); absent: unlimited, intra-region only" })),
  spec: Type.Optional(
    Type.Union(Object.keys(ROUTER_INTERFACE_SPECS).map((k) => Type.Literal(k)), { description: "A router interface (initiator) spec instead: its bandwidth, priced as its connection is" }),
  ),
  crossRegion: Type.Optional(Type.Boolean({ default: false, description: "The two ends are in different regions" })),
  chargeType: Type.Optional(Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c)), { default: "pay-as-you-go" })),
  period: Type.Optional(Type.Union(PERIOD_MONTHS.map((m) => Type.Literal(m)), { description: "Subscription months: 1-9, 12, 24 or 36 (subscriptions only)" })),
});
const Quote = Type.Object({
  currency: Type.String(),
  chargeType: Type.Union(CHARGE_TYPES.map((c) => Type.Literal(c))),
  bandwidthMbps: Type.Union([Type.Integer(), Type.Null()], { description: "null: unlimited (intra-region, free)" }),
  spec: Type.Union([Type.String(), Type.Null()]),
  crossRegion: Type.Boolean(),
  hourly: Type.Integer({ description: "Pay-as-you-go price per hour, in the currency's minor unit" }),
  monthly: Type.Integer({ description: "Subscription price per month, in the currency's minor unit" }),
  period: Type.Union([Type.Integer(), Type.Null()]),
  total: Type.Union([Type.Integer(), Type.Null()], { description: "What the subscription charges up front for the period (the ledger's purchase); null for pay-as-you-go" }),
  description: Type.String({ description: "As the ledger describes the charge" }),
});
const EventsQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "Only events after this position (seq); oldest first (order asc) only" })),
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "Only events before this position (seq): the nextBefore of the previous page; newest first (order=desc) only" })),
  order: Type.Optional(Type.Union([Type.Literal("asc"), Type.Literal("desc")], { default: "asc", description: "asc: oldest first, paged with after/nextAfter; desc: newest first, paged with before/nextBefore" })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  type: Type.Optional(Type.String({ maxLength: 64 })),
  resourceId: Type.Optional(Type.String({ maxLength: 40 })),
});
const StreamQuery = Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })) });

export function billingAndEventRoutes(app: FastifyInstance, s: Services): void {
  app.get<{ Querystring: Static<typeof LedgerQuery> }>(
    "/api/v1/billing/ledger",
    {
      schema: {
        tags: ["Billing"],
        summary: "Your ledger: purchases, renewals, usage and changes, with the total",
        querystring: LedgerQuery,
        response: {
          200: Type.Object({ items: Type.Array(Type.Ref(LedgerEntry)), nextCursor: Type.Union([Type.String(), Type.Null()]), total: Type.Integer(), currency: Type.String() }),
          ...errorResponses(400),
        },
      },
    },
    (req) => s.billing.ledger(actorOf(req), req.query, { limit: req.query.limit ?? 100, cursor: req.query.cursor }),
  );
  app.get<{ Querystring: Static<typeof QuoteQuery> }>(
    "/api/v1/billing/quote",
    {
      schema: {
        tags: ["Billing"],
        summary: "The price of a peering (bandwidthMbps) or router interface (spec) before you make it, by the rules the ledger charges with",
        querystring: QuoteQuery,
        response: { 200: Quote, ...errorResponses(400) },
      },
    },
    async (req) => s.billing.quote(req.query),
  );
  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    "/api/v1/events",
    {
      schema: {
        tags: ["Events"],
        summary: "Your events, oldest first (e.g. a peering request waiting for you), or newest first with order=desc",
        querystring: EventsQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Type.Ref(Event)),
            nextAfter: Type.Optional(Type.Integer({ description: "order asc: the after of the next page" })),
            nextBefore: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: "order desc: the before of the next (older) page; null when there is nothing older" })),
          }),
          ...errorResponses(400),
        },
      },
    },
    (req) => s.events.list(actorOf(req), req.query, { limit: req.query.limit ?? 100 }),
  );
  app.get<{ Querystring: Static<typeof StreamQuery> }>(
    "/api/v1/events/stream",
    {
      schema: {
        tags: ["Events"],
        summary: "Server-sent events: new events as they happen (resumes after Last-Event-ID or ?after=)",
        querystring: StreamQuery,
        produces: ["text/event-stream"],
      },
    },
    async (req, reply) => {
      const actor = actorOf(req);
      const header = req.headers["last-event-id"];
      const fromHeader = typeof header === "string" && /^[0-9]{1,15}$/.test(header) ? Number(header) : undefined;
      const after = fromHeader ?? req.query.after ?? (await s.events.lastSeq(actor));
      const abort = new AbortController();
      req.raw.on("close", () => abort.abort());
      reply.hijack();
      reply.raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
      reply.raw.write(`: streaming events after ${after}\n\n`);
      const keepAlive = setInterval(() => reply.raw.write(": keep-alive\n\n"), 15_000);
      try {
        for await (const e of s.events.follow(actor, after, abort.signal)) {
          reply.raw.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
        }
      } catch (err) {
        req.log.warn({ err }, "event stream ended");
      } finally {
        clearInterval(keepAlive);
        reply.raw.end();
      }
    },
  );
}

const CreateWebhook = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: "http(s) URL that receives POSTed events" }),
    eventTypes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 50 })),
  },
  { additionalProperties: false },
);

export function webhookRoutes(app: FastifyInstance, s: Services): void {
  const tags = ["Events"];
  app.post<{ Body: Static<typeof CreateWebhook> }>(
    "/api/v1/webhooks",
    {
      schema: {
        tags,
        summary: "Receive your events as signed POSTs (X-Vpcpeer-Signature: t=…,v1=HMAC-SHA256(secret, t.body)); the secret is shown once",
        body: CreateWebhook,
        response: { 201: Type.Intersect([Type.Ref(WebhookView), Type.Object({ secret: Type.String() })]), ...errorResponses(400, 409) },
      },
    },
    (req, reply) => idempotent(s, req, reply, 201, () => s.webhooks.create(actorOf(req), req.body)),
  );
  app.get("/api/v1/webhooks", { schema: { tags, summary: "List your webhooks and their delivery state", response: { 200: Type.Object({ items: Type.Array(Type.Ref(WebhookView)) }), ...errorResponses() } } }, async (req) => ({
    items: await s.webhooks.list(actorOf(req)),
  }));
  app.delete<{ Params: { id: string } }>(
    "/api/v1/webhooks/:id",
    { schema: { tags, summary: "Delete a webhook", params: IdParams("webhook"), response: { 204: Type.Null(), ...errorResponses(400, 404) } } },
    async (req, reply) => {
      await s.webhooks.delete(actorOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
