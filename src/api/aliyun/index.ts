/**
 * The Alibaba Cloud RPC dialect on `/`: requests signed as @alicloud/vpc20160428 and
 * @alicloud/ecs20140526 (ACS3) or @alicloud/pop-core (v1) send them; PascalCase JSON answers; Alibaba's error envelope.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Services } from "../../service/index.ts";
import { rolledBack } from "../../service/preview.ts";
import type { Dialect, DialectRequest, RenderedError } from "../dialects/index.ts";
import { attributeActions } from "./actions/attributes.ts";
import { defaultVpcActions } from "./actions/default-vpcs.ts";
import { ecsActions } from "./actions/ecs.ts";
import { ecsZoneActions, vpcZoneActions } from "./actions/zones.ts";
import { routeTableListActions } from "./actions/route-tables.ts";
import { routerInterfaceActions } from "./actions/router-interface.ts";
import { routeActions } from "./actions/routes.ts";
import { vpcActions } from "./actions/vpc.ts";
import { ecsTagActions, peerTagActions, vpcTagActions } from "./actions/tags.ts";
import { vpcPeerActions } from "./actions/vpcpeer.ts";
import { authenticate, formPairs } from "./auth.ts";
import { withClientToken } from "./client-token.ts";
import type { ActionTable, Body, Ctx } from "./context.ts";
import { AliyunError, errorBody, toAliyun, transportError } from "./errors.ts";
import { ACS3 } from "./signature-acs3.ts";

/** API versions and their actions (product name for the Recommend link). */
export const VERSIONS: Record<string, { product: string; actions: ActionTable }> = {
  "2016-04-28": { product: "Vpc", actions: { ...vpcActions, ...defaultVpcActions, ...attributeActions, ...routeActions, ...routeTableListActions, ...routerInterfaceActions, ...vpcTagActions, ...vpcZoneActions } },
  "2022-01-01": { product: "VpcPeer", actions: { ...vpcPeerActions, ...peerTagActions } },
  // ECS: the same RPC style (POST /, ACS3 or v1), told apart by Version alone, as the SDKs send it.
  "2014-05-26": { product: "Ecs", actions: { ...ecsActions, ...ecsTagActions, ...ecsZoneActions } },
};

function isAliyunV1(pairs: [string, string][]): boolean {
  const keys = new Set(pairs.map(([k]) => k));
  return keys.has("Action") && (keys.has("SignatureNonce") || keys.has("AccessKeyId")) && !keys.has("SecretId");
}

export function aliyunDialect(services: Services): Dialect {
  return {
    name: "aliyun",
    matches(req: DialectRequest): boolean {
      const authz = req.headers.authorization ?? "";
      if (req.headers["x-tc-action"] !== undefined || authz.startsWith("TC3-")) return false;
      if (authz.startsWith(ACS3) || req.headers["x-acs-action"] !== undefined) return true;
      try {
        return isAliyunV1([...new URLSearchParams(req.rawQuery)]) || isAliyunV1(formPairs(req));
      } catch {
        return false;
      }
    },
    async handle(req: DialectRequest, reply: FastifyReply): Promise<void> {
      const requestId = randomUUID().toUpperCase();
      const host = req.headers.host ?? "vpc.aliyuncs.com";
      let product = "Vpc";
      let status = 200;
      let body: Body;
      try {
        const auth = await authenticate(services, req);
        const version = VERSIONS[auth.version];
        if (!version) throw new AliyunError("InvalidVersion", 400, `Specified parameter Version "${auth.version.slice(0, 20)}" is not valid.`);
        product = version.product;
        const action = Object.hasOwn(version.actions, auth.action) ? version.actions[auth.action] : undefined;
        if (!action) throw new AliyunError("InvalidAction.NotFound", 404, `Specified api "${auth.action.slice(0, 64)}" is not found, please check your url and method.`);
        auth.params.checkTyped();
        // RegionId scopes every read and write of a regional resource (the actions check it against the catalog).
        const ctx: Ctx = { services, actor: { accountId: auth.account.id, region: auth.params.str("RegionId") || undefined }, p: auth.params };
        const dryRun = action.dryRun ? auth.params.bool("DryRun") : undefined;
        if (dryRun) {
          // Parameters and references are checked inside a transaction that is then undone.
          await rolledBack(services.deps.store, () => action.run(ctx));
          throw new AliyunError("DryRunOperation", 400, "Request validation has been passed with DryRun flag set.");
        }
        const result = action.idempotent ? await withClientToken(services, ctx.actor, auth.action, auth.version, auth.params, () => action.run(ctx)) : await action.run(ctx);
        body = { RequestId: requestId, ...result };
      } catch (e) {
        const err = toAliyun(e);
        if (err.status >= 500) reply.log.error({ err: e }, "aliyun request failed");
        status = err.status;
        body = errorBody(err, requestId, host, product);
      }
      await reply.code(status).header("content-type", "application/json;charset=utf-8").header("x-acs-request-id", requestId).send(JSON.stringify(body));
    },
    renderError(req: DialectRequest, status: number): RenderedError {
      const requestId = randomUUID().toUpperCase();
      const version = req.headers["x-acs-version"] ?? req.query.Version ?? "";
      const product = VERSIONS[version]?.product ?? "Vpc";
      const err = transportError(status);
      return {
        status: err.status,
        headers: { "content-type": "application/json;charset=utf-8", "x-acs-request-id": requestId },
        body: JSON.stringify(errorBody(err, requestId, req.headers.host ?? "vpc.aliyuncs.com", product)),
      };
    },
  };
}

