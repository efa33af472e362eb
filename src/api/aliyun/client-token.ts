/**
 * ClientToken: the same token with the same parameters answers the first result again (the
 * change is made once); with other parameters it is IdempotentParameterMismatch. Stored like the
 * native API's Idempotency-Key (same table, keys prefixed `aliyun:`), in the change's transaction.
 */
import { createHash } from "node:crypto";
import type { Services } from "../../service/index.ts";
import type { Actor } from "../../service/context.ts";
import { isUniqueViolation } from "../../store/db-errors.ts";
import type { StoredResponse } from "../../store/repos/index.ts";
import { AliyunError, badParam } from "./errors.ts";
import { COMMON_PARAMS, type Params } from "./params.ts";

function fingerprint(action: string, version: string, p: Params): string {
  const canon = p
    .entries()
    .filter(([k]) => !COMMON_PARAMS.has(k) && k !== "ClientToken")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
  return createHash("sha256").update(`${version} ${action} ${canon}`).digest("hex");
}

export async function withClientToken<T>(services: Services, actor: Actor, action: string, version: string, p: Params, run: () => Promise<T>): Promise<T> {
  const token = p.str("ClientToken");
  if (token === undefined || token === "") return run();
  if (!/^[\x21-\x7e]{1,64}$/.test(token)) throw badParam("ClientToken", "must be 1-64 visible ASCII characters");
  const key = `aliyun:${token}`;
  const fp = fingerprint(action, version, p);
  const { store } = services.deps;
  const replay = (prior: StoredResponse): T => {
    if (prior.fingerprint !== fp) throw new AliyunError("IdempotentParameterMismatch", 400, "The request uses the same client token as a previous, but non-identical request.");
    return prior.body as T;
  };
  const prior = await store.repos.idempotency.find(actor.accountId, key);
  if (prior) return replay(prior);
  try {
    return await store.transaction(async (r) => {
      await r.idempotency.claim(actor.accountId, key, fp, services.deps.clock.now().toISOString());
      const body = await run();
      await r.idempotency.complete(actor.accountId, key, 200, body);
      return body;
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const winner = await store.repos.idempotency.find(actor.accountId, key);
      if (winner) return replay(winner);
    }
    throw e;
  }
}
