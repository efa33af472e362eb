/** Request-scoped helpers of the native API: the authenticated actor and idempotent POSTs. */
import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../../domain/errors.ts";
import type { Account, Json, Page } from "../../domain/resources.ts";
import type { Actor } from "../../service/context.ts";
import type { Services } from "../../service/index.ts";
import { isUniqueViolation } from "../../store/db-errors.ts";
import type { StoredResponse } from "../../store/repos/index.ts";

declare module "fastify" {
  interface FastifyRequest {
    actor?: Actor;
    account?: Account;
  }
}

export function actorOf(req: FastifyRequest): Actor {
  if (!req.actor) throw new DomainError("Unauthenticated", "authentication required", {});
  return req.actor;
}

/**
 * Sends JSON text the store built, as it is: the route's response schema documents it, and
 * nothing parses or re-serializes it on the way out.
 */
export function sendJson<T>(reply: FastifyReply, json: Json<T>): FastifyReply {
  return reply.header("content-type", "application/json; charset=utf-8").send(json);
}

/** A page whose items are JSON texts, as one JSON text. */
export function pageJson<T>(page: Page<Json<T>>): Json<Page<T>> {
  return `{"items":[${page.items.join(",")}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** JSON with object keys sorted, so that field order does not change a request's identity. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function fingerprint(req: FastifyRequest): string {
  const path = req.routeOptions.url ?? req.url;
  return createHash("sha256")
    .update(`${req.method} ${path} ${canonical(req.params ?? {})} ${canonical(req.body ?? null)}`)
    .digest("hex");
}

/**
 * Runs a POST at most once per Idempotency-Key: the key is claimed, the change made and the
 * response recorded in one transaction; a retry (or a concurrent duplicate, once the first
 * commits) gets the recorded response with `Idempotent-Replayed: true`.
 */
export async function idempotent<T>(
  services: Services,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  run: () => Promise<T>,
): Promise<T> {
  const header = req.headers["idempotency-key"];
  if (header === undefined) {
    reply.code(status);
    return run();
  }
  const key = Array.isArray(header) ? header[0]! : header;
  if (!KEY_PATTERN.test(key)) {
    throw new DomainError("InvalidRequest", "Idempotency-Key: must be 1-255 visible ASCII characters", { field: "Idempotency-Key" });
  }
  const actor = actorOf(req);
  const fp = fingerprint(req);
  const { store } = services.deps;
  const replay = (prior: StoredResponse): T => {
    if (prior.fingerprint !== fp) {
      throw new DomainError("IdempotencyKeyReused", "Idempotency-Key: this key was already used for a different request", {
        field: "Idempotency-Key",
      });
    }
    reply.code(prior.statusCode).header("idempotent-replayed", "true");
    return prior.body as T;
  };
  const prior = await store.repos.idempotency.find(actor.accountId, key);
  if (prior) return replay(prior);
  try {
    const result = await store.transaction(async (r) => {
      await r.idempotency.claim(actor.accountId, key, fp, services.deps.clock.now().toISOString());
      const body = await run();
      await r.idempotency.complete(actor.accountId, key, status, body);
      return body;
    });
    reply.code(status);
    return result;
  } catch (e) {
    if (isUniqueViolation(e)) {
      const winner = await store.repos.idempotency.find(actor.accountId, key);
      if (winner) return replay(winner);
    }
    throw e;
  }
}
