/**
 * The Tencent Cloud API 3.0 dialect (service `vpc`, version 2017-03-12, and the two actions of the
 * tag service, 2018-08-13, that tag VPC resources) at `/`, as the official
 * tencentcloud-sdk-nodejs speaks it: TC3-HMAC-SHA256 (JSON POST or GET) and the legacy
 * HmacSHA1/HmacSHA256 form methods. The signature is checked before anything else; the account
 * of the SecretId is the actor. Every answer is HTTP 200 {"Response":{…,"RequestId"}}.
 */
import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Services } from "../../service/index.ts";
import type { Dialect, DialectRequest, RenderedError } from "../dialects/index.ts";
import { ACTIONS, type ActionDef } from "./actions/index.ts";
import { TAG_VERSION, tagActions } from "./actions/tags.ts";
import { TencentError, toTencentError, transportError } from "./errors.ts";
import { type TencentCall, isTencentRequest, readCall } from "./request.ts";
import { utcDate, verifyLegacy, verifyTc3 } from "./signature.ts";

export const TENCENT_VERSION = "2017-03-12";
/** The actions of each service, by the version a request names: the VPC API and the tag service. */
const SERVICES: Readonly<Record<string, Readonly<Record<string, ActionDef>>>> = { [TENCENT_VERSION]: ACTIONS, [TAG_VERSION]: tagActions };
/** How far a request's timestamp may be from the server's clock, in seconds. */
export const CLOCK_SKEW_SECONDS = 300;

const authFailure = (code: string, message: string) => new TencentError(`AuthFailure.${code}`, message);

/** Verifies the signature and returns the caller's account id. */
async function authenticate(services: Services, req: DialectRequest, call: TencentCall): Promise<string> {
  const { auth } = call;
  if (!/^\d{1,12}$/.test(auth.timestamp)) throw new TencentError("InvalidParameter", "Parameter `Timestamp` is invalid: must be unix seconds.");
  const ts = Number(auth.timestamp);
  // The injected clock, like the Alibaba dialect: a test or a simulated time moves both.
  const now = Math.floor(services.deps.clock.now().getTime() / 1000);
  if (Math.abs(now - ts) > CLOCK_SKEW_SECONDS) {
    throw authFailure("SignatureExpire", `The request timestamp ${ts} is more than ${CLOCK_SKEW_SECONDS} seconds away from the server time ${now}.`);
  }
  const secretId = auth.kind === "tc3" ? auth.credential.secretId : auth.secretId;
  const found = await services.accounts.byAccessKey(secretId);
  if (!found) throw authFailure("SecretIdNotFound", "The SecretId is not found; check that it is the accessKeyId of a vpcpeer account.");
  if (auth.kind === "tc3") {
    if (auth.credential.date !== utcDate(ts)) throw authFailure("SignatureFailure", `The credential scope date ${auth.credential.date} does not match the request timestamp's UTC date ${utcDate(ts)}.`);
    const ok = verifyTc3(found.secret, auth.credential, { method: req.method, path: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.rawBody, timestamp: auth.timestamp });
    if (!ok) throw authFailure("SignatureFailure", "The provided credentials could not be validated: the TC3-HMAC-SHA256 signature does not match.");
  } else if (!verifyLegacy(found.secret, auth.method, { method: req.method, host: req.headers.host ?? "", path: req.path, params: auth.flat })) {
    throw authFailure("SignatureFailure", `The provided credentials could not be validated: the ${auth.method} signature does not match.`);
  }
  return found.account.id;
}

/**
 * Refuses a replayed legacy request: Tencent documents the signature v1 `Nonce` as a random
 * positive integer that, with `Timestamp`, prevents replays. TC3 has no nonce and Tencent accepts
 * identical TC3 requests (the same call twice in one second, a retry, the same body for two
 * regions): only the timestamp window bounds them.
 */
async function claimLegacyNonce(services: Services, call: TencentCall): Promise<void> {
  const { auth } = call;
  if (auth.kind !== "legacy") return;
  if (!(await services.accounts.claimNonce("tencent", `${auth.secretId}:${auth.nonce}:${auth.timestamp}`))) {
    throw authFailure("SignatureFailure", "This signed request was already received (the Nonce was used with this Timestamp); sign the request again with a new Nonce.");
  }
}

async function run(services: Services, req: DialectRequest, call: TencentCall): Promise<Record<string, unknown>> {
  const accountId = await authenticate(services, req, call);
  if (!call.version) throw new TencentError("MissingParameter", "The request is missing a required parameter `Version`.");
  const actions = Object.hasOwn(SERVICES, call.version) ? SERVICES[call.version] : undefined;
  if (!actions) throw new TencentError("NoSuchVersion", `The API version \`${call.version.slice(0, 32)}\` does not exist; this server speaks ${TENCENT_VERSION} (vpc) and ${TAG_VERSION} (tag).`);
  const def = Object.hasOwn(actions, call.action) ? actions[call.action] : undefined;
  if (!def) throw new TencentError("InvalidAction", `The action \`${call.action.slice(0, 64)}\` does not exist.`);
  if (call.region !== undefined && !services.regions.list().some((r) => r.id === call.region)) {
    throw new TencentError("UnsupportedRegion", `The region \`${call.region.slice(0, 64)}\` is not a region of this service.`);
  }
  // Every action of the vpc service is regional: the region scopes each read and write.
  if (call.region === undefined || call.region === "") throw new TencentError("MissingParameter", "The request is missing a required parameter `Region`.");
  await claimLegacyNonce(services, call);
  return def.handler({ services, actor: { accountId, region: call.region }, region: call.region, action: call.action }, call.params());
}

/** The answer: always HTTP 200 `{"Response":{…,"RequestId"}}`, the client's trace id echoed. */
function answer(req: DialectRequest, body: Record<string, unknown>): RenderedError {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const traceId = req.headers["x-tc-traceid"];
  if (traceId && /^[A-Za-z0-9-]{1,64}$/.test(traceId)) headers["X-TC-TraceId"] = traceId;
  return { status: 200, headers, body: JSON.stringify({ Response: { ...body, RequestId: randomUUID() } }) };
}

export function tencentDialect(services: Services): Dialect {
  return {
    name: "tencent",
    matches: isTencentRequest,
    async handle(req: DialectRequest, reply: FastifyReply): Promise<void> {
      let body: Record<string, unknown>;
      let action = "";
      try {
        const call = readCall(req);
        action = call.action;
        body = await run(services, req, call);
      } catch (e) {
        const err = toTencentError(e, action);
        if (err.internal) reply.log.error({ err: e, action }, "tencent dialect request failed");
        body = { Error: { Code: err.code, Message: err.message } };
      }
      const out = answer(req, body);
      reply.code(out.status).headers(out.headers).send(out.body);
    },
    renderError(req, status) {
      const err = transportError(req, status);
      return answer(req, { Error: { Code: err.code, Message: err.message } });
    },
  };
}
