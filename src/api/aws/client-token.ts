/**
 * ClientToken (EC2's idempotency): the same token with the same parameters answers the first
 * result again without doing the work twice; with other parameters it is
 * IdempotentParameterMismatch. Tokens are scoped per account and region, stored like the native
 * API's Idempotency-Key (same table, keys prefixed `aws:<region>:`), in the change's transaction.
 * A dry run never records a token.
 */
import { createHash } from "node:crypto";
import { isUniqueViolation } from "../../store/db-errors.ts";
import type { StoredResponse } from "../../store/repos/index.ts";
import type { Body, Ctx } from "./context.ts";
import { AwsError, badValue } from "./errors.ts";

const NOT_COMPARED = new Set(["ClientToken", "DryRun"]);

export async function withClientToken(c: Ctx, run: () => Promise<Body>): Promise<Body> {
  const token = c.p.str("ClientToken", { max: 64 });
  if (token === undefined || token === "") return run();
  if (!/^[\x20-\x7e]{1,64}$/.test(token)) throw badValue("ClientToken", token, "it must be 1 to 64 ASCII characters");
  const key = `aws:${c.region.id}:${token}`;
  const fp = createHash("sha256").update(`${c.action}\n${c.p.canonical(NOT_COMPARED)}`).digest("hex");
  const { store } = c.services.deps;
  const replay = (prior: StoredResponse): Body => {
    if (prior.fingerprint !== fp) throw new AwsError("IdempotentParameterMismatch", 400, "The request uses the same client token as a previous, but non-identical request.");
    return prior.body as Body;
  };
  const prior = await store.repos.idempotency.find(c.actor.accountId, key);
  if (prior) return replay(prior);
  try {
    return await store.transaction(async (r) => {
      await r.idempotency.claim(c.actor.accountId, key, fp, c.services.deps.clock.now().toISOString());
      const body = await run();
      await r.idempotency.complete(c.actor.accountId, key, 200, body);
      return body;
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      const winner = await store.repos.idempotency.find(c.actor.accountId, key);
      if (winner) return replay(winner);
    }
    throw e;
  }
}
