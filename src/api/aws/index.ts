/**
 * The AWS face at `/`: EC2's Query protocol (`Action=…&Version=2016-11-15`, form-encoded, XML
 * answers in EC2's namespace) and STS's GetCallerIdentity (`Version=2011-06-15`), as the AWS SDKs,
 * the AWS CLI and Terraform's AWS provider send them, signed with SigV4. The access key's account
 * is the actor; the credential scope's region is the request's region.
 */
import { createHash, randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";
import type { Services } from "../../service/index.ts";
import { rolledBack } from "../../service/preview.ts";
import type { Dialect, DialectRequest, RenderedError } from "../dialects/index.ts";
import { EC2_ACTIONS } from "./actions/index.ts";
import { stsActions } from "./actions/sts.ts";
import { withClientToken } from "./client-token.ts";
import type { Action, ActionTable, Body, Ctx } from "./context.ts";
import { AwsError, ec2ErrorXml, stsErrorXml, toAws, transportError } from "./errors.ts";
import { awsIdsIn } from "./ids.ts";
import { Params, parseForm } from "./query.ts";
import { MAX_SKEW_MS, SIGV4, expectedSignature, parseAmzDate, parseAuthorization, sameSignature } from "./sigv4.ts";
import { ec2Xml, stsXml } from "./xml.ts";

export const EC2_VERSION = "2016-11-15";
export const STS_VERSION = "2011-06-15";

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

interface Api {
  service: "ec2" | "sts";
  actions: ActionTable;
}

const APIS: Record<string, Api> = {
  [EC2_VERSION]: { service: "ec2", actions: EC2_ACTIONS },
  [STS_VERSION]: { service: "sts", actions: stsActions },
};

function isForm(req: DialectRequest): boolean {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  return req.method === "POST" && (type === "" || type.startsWith("application/x-www-form-urlencoded"));
}

/** The request's parameters: the form body of a POST, or the query string of a GET. */
function pairs(req: DialectRequest): [string, string][] {
  if (req.method === "POST" && req.rawBody !== "") {
    if (!isForm(req)) throw new AwsError("InvalidParameterValue", 400, `The request body must be application/x-www-form-urlencoded, not ${(req.headers["content-type"] ?? "").slice(0, 64)}.`);
    return [...parseForm(req.rawQuery, "query string"), ...parseForm(req.rawBody, "request body")];
  }
  return parseForm(req.rawQuery, "query string");
}

/** An EC2 or STS request: SigV4-signed, or an unsigned Query call naming one of the two versions. */
function isAwsRequest(req: DialectRequest): boolean {
  const authz = req.headers.authorization ?? "";
  // Any AWS signature scheme (SigV4a, a miscased one) is AWS's to refuse in EC2's envelope.
  if (authz.startsWith(SIGV4) || /^\s*aws4-/i.test(authz)) return true;
  // A presigned (query string) SigV4 request: refused, but in EC2's words.
  if (authz === "" && (req.query["X-Amz-Signature"] !== undefined || req.query["X-Amz-Algorithm"] !== undefined)) return true;
  // Tencent and Alibaba are asked first; a request naming an EC2/STS Version with some other
  // Authorization is still an EC2 request (answered IncompleteSignature), not an unknown path.
  if (req.headers["x-tc-action"] !== undefined || req.headers["x-acs-action"] !== undefined) return false;
  const v = req.query.Version;
  if (v === EC2_VERSION || v === STS_VERSION) return true;
  if (req.method === "POST" && isForm(req) && /(^|&)Version=(2016-11-15|2011-06-15)(&|$)/.test(req.rawBody)) return true;
  return false;
}

interface Authenticated {
  ctx: Omit<Ctx, "p" | "action" | "requestId">;
  service: string;
}

async function authenticate(services: Services, req: DialectRequest): Promise<Authenticated> {
  const authz = req.headers.authorization;
  if (!authz) {
    if (req.query["X-Amz-Signature"] !== undefined) throw new AwsError("AuthFailure", 401, "Presigned (query string) requests are not supported by this server; sign the Authorization header.");
    throw new AwsError("MissingParameter", 400, "The request must contain the parameter AWSAccessKeyId");
  }
  const auth = parseAuthorization(authz);
  if (!auth.signedHeaders.includes("x-amz-date")) throw new AwsError("IncompleteSignature", 400, "The request signature does not conform to AWS standards: the x-amz-date header must be signed");
  const amzDate = req.headers["x-amz-date"] ?? "";
  const when = parseAmzDate(amzDate);
  if (!when) throw new AwsError("IncompleteSignature", 400, `The request signature does not conform to AWS standards: X-Amz-Date "${amzDate.slice(0, 32)}" is not yyyyMMddTHHmmssZ`);
  if (amzDate.slice(0, 8) !== auth.date) throw new AwsError("AuthFailure", 401, `AWS was not able to validate the provided access credentials: the credential scope date ${auth.date} is not the date of X-Amz-Date ${amzDate}`);
  // Checked before the key is looked up: an expired request answers the same whether its key
  // exists or not (RequestExpired only for real keys told anyone which keys are real).
  const now = services.deps.clock.now().getTime();
  if (Math.abs(now - when.getTime()) > MAX_SKEW_MS) {
    throw new AwsError("RequestExpired", 400, `Request has expired. The request's time ${when.toISOString()} is more than 15 minutes from the server's time ${new Date(now).toISOString()}.`);
  }
  if (req.headers["x-amz-security-token"] !== undefined) {
    throw new AwsError("AuthFailure", 401, "AWS was not able to validate the provided access credentials: this server issues no temporary credentials (X-Amz-Security-Token); use the account's access key.");
  }
  const found = await services.accounts.byAccessKey(auth.accessKeyId.slice(0, 200));
  if (!found) throw new AwsError("AuthFailure", 401, "AWS was not able to validate the provided access credentials");
  const claimed = req.headers["x-amz-content-sha256"];
  if (claimed !== undefined) {
    const actual = req.rawBody === "" ? EMPTY_SHA256 : createHash("sha256").update(req.rawBody, "utf8").digest("hex");
    if (claimed.toLowerCase() !== actual) throw new AwsError("AuthFailure", 401, "AWS was not able to validate the provided access credentials: x-amz-content-sha256 is not the SHA-256 of the body.");
  }
  const expected = await expectedSignature(auth, found.secret, { method: req.method, path: req.path, rawQuery: req.rawQuery, headers: req.headers, body: req.rawBody }, when);
  if (!sameSignature(expected, auth.signature)) {
    throw new AwsError("AuthFailure", 401, "AWS was not able to validate the provided access credentials");
  }
  const region = services.regions.list().find((r) => r.id === auth.region);
  if (!region) {
    throw new AwsError("AuthFailure", 401, `AWS was not able to validate the provided access credentials: the credential scope's region ${auth.region} is not a region of this service (known: ${services.regions.list().map((r) => r.id).join(", ")})`);
  }
  return { ctx: { services, actor: { accountId: found.account.id, region: region.id }, account: found.account, region }, service: auth.service };
}

/** A dry run: the call is made in a transaction that is then undone; only its errors surface. */
async function dryRun(c: Ctx, action: Action): Promise<never> {
  try {
    await rolledBack(c.services.deps.store, () => action.run(c));
  } catch (e) {
    const err = toAws(e, c.action);
    if (err.code === "OperationNotPermitted" || err.code === "UnauthorizedOperation") throw new AwsError("UnauthorizedOperation", 403, "You are not authorized to perform this operation.");
    throw e;
  }
  throw new AwsError("DryRunOperation", 412, "Request would have succeeded, but DryRun flag is set.");
}

async function run(services: Services, req: DialectRequest, requestId: string, note: (action: string, api: Api) => void): Promise<Body> {
  const auth = await authenticate(services, req);
  const p = new Params(pairs(req));
  const action = p.action;
  if (action === undefined || action === "") throw new AwsError("MissingAction", 400, "The request must contain the parameter Action");
  const version = p.version;
  if (version === undefined || version === "") throw new AwsError("MissingParameter", 400, "The request must contain the parameter Version");
  const api = Object.hasOwn(APIS, version) ? APIS[version]! : undefined;
  if (!api) throw new AwsError("InvalidParameterValue", 400, `Value (${version.slice(0, 32)}) for parameter Version is invalid. This server speaks ${EC2_VERSION} (ec2) and ${STS_VERSION} (sts).`);
  note(action, api);
  if (auth.service !== api.service) throw new AwsError("AuthFailure", 401, `AWS was not able to validate the provided access credentials: the request was signed for service ${auth.service.slice(0, 32)}, not ${api.service}`);
  const def = Object.hasOwn(api.actions, action) ? api.actions[action] : undefined;
  if (!def) throw new AwsError("InvalidAction", 400, `The action ${action.slice(0, 64)} is not valid for this web service.`);
  p.checkKnown(new Set([...def.params, ...(def.dryRun ? ["DryRun"] : []), ...(def.idempotent ? ["ClientToken"] : [])]));
  const c: Ctx = { ...auth.ctx, p, action, requestId };
  if (def.dryRun && p.bool("DryRun")) return dryRun(c, def);
  return def.idempotent ? withClientToken(c, () => def.run(c)) : def.run(c);
}

export function awsDialect(services: Services): Dialect {
  return {
    name: "aws",
    matches: isAwsRequest,
    async handle(req: DialectRequest, reply: FastifyReply): Promise<void> {
      const requestId = randomUUID();
      let action = "";
      let sts = req.query.Version === STS_VERSION || /(^|&)Version=2011-06-15(&|$)/.test(req.rawBody);
      let status = 200;
      let xml: string;
      try {
        const body = await run(services, req, requestId, (a, api) => {
          action = a;
          sts = api.service === "sts";
        });
        xml = sts ? stsXml(action, requestId, body) : ec2Xml(action, requestId, body);
      } catch (e) {
        const err = toAws(e, action, awsIdsIn);
        if (err.internal) reply.log.error({ err: e, action }, "aws dialect request failed");
        status = err.status;
        xml = sts ? stsErrorXml(err, requestId) : ec2ErrorXml(err, requestId);
      }
      await reply.code(status).header("content-type", "text/xml;charset=UTF-8").header("x-amzn-requestid", requestId).send(xml);
    },
    renderError(req: DialectRequest, status: number): RenderedError {
      const requestId = randomUUID();
      const err = transportError(req.method, req.path, status);
      return { status: err.status, headers: { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId }, body: ec2ErrorXml(err, requestId) };
    },
  };
}
