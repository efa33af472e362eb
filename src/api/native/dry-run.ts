/** Dry runs of the native calls (`dryRun: true`, `?dryRun=true` on DELETE): service/preview.ts makes them. */
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Services } from "../../service/index.ts";
import type { Preview, PreviewScope } from "../../service/preview.ts";
import type { Repos } from "../../store/repos/index.ts";
import { actorOf } from "./context.ts";

/**
 * Answers a dry run: 200 with the would-be result and its effects. Nothing is recorded, not even
 * an Idempotency-Key (a dry run may be repeated; the real call then uses the key).
 */
export async function dryRun<T>(s: Services, req: FastifyRequest, reply: FastifyReply, scope: (r: Repos) => Promise<PreviewScope>, run: () => Promise<T>): Promise<Preview<T>> {
  const out = await s.previews.run(actorOf(req), scope, run);
  reply.code(200);
  return out;
}

/** A body without its `dryRun` flag, as the service takes it. */
export function withoutDryRun<B extends { dryRun?: boolean | undefined }>(body: B): Omit<B, "dryRun"> {
  const { dryRun: _d, ...rest } = body;
  return rest;
}
