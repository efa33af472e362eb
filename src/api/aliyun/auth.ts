/**
 * Authenticates an Alibaba RPC request (ACS3 header signature or v1 query/form signature) and
 * returns the caller, the action, the version and the business parameters. Order: shape → key →
 * time → signature → nonce, so a forged request never burns a nonce.
 */
import type { Account } from "../../domain/resources.ts";
import type { Services } from "../../service/index.ts";
import type { DialectRequest } from "../dialects/index.ts";
import { AliyunError, badParam, missing } from "./errors.ts";
import { MAX_SKEW_MS, parseAliTime } from "./encode.ts";
import { Params, parsePairs } from "./params.ts";
import { ACS3, acs3CanonicalRequest, acs3Verify, parseAcs3, sha256Hex } from "./signature-acs3.ts";
import { v1Verify } from "./signature-v1.ts";

export interface Authenticated {
  account: Account;
  action: string;
  version: string;
  params: Params;
  scheme: "acs3" | "v1";
}

/** Form-body pairs, when the body is a form (the only body shape the RPC SDKs send). */
export function formPairs(req: DialectRequest): [string, string][] {
  if (!req.rawBody) return [];
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type && !type.includes("application/x-www-form-urlencoded")) return [];
  return parsePairs(req.rawBody, "body");
}

const incomplete = (why: string) => new AliyunError("IncompleteSignature", 400, `The request signature does not conform to Aliyun standards: ${why}`);
const noKey = () => new AliyunError("InvalidAccessKeyId.NotFound", 404, "Specified access key is not found.");
const mismatch = () => new AliyunError("SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation.");

/** Headers that must be signed so that a captured signature cannot be moved to another call. */
const MUST_SIGN = ["host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];

export async function authenticate(services: Services, req: DialectRequest): Promise<Authenticated> {
  const query = parsePairs(req.rawQuery, "query");
  const body = formPairs(req);
  const authz = req.headers.authorization ?? "";
  if (authz.startsWith(ACS3)) return acs3(services, req, query, body, authz);
  return v1(services, req, query, body);
}

async function checkTime(services: Services, text: string | undefined, name: string): Promise<void> {
  if (!text) throw missing(name);
  const t = parseAliTime(text);
  if (t === null) throw new AliyunError("InvalidTimeStamp.Format", 400, `Specified time stamp or date value is not well formatted: ${name}.`);
  if (Math.abs(services.deps.clock.now().getTime() - t) > MAX_SKEW_MS) {
    throw new AliyunError("InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired (more than 15 minutes from the server's time).");
  }
}

async function claim(services: Services, nonce: string): Promise<void> {
  if (!(await services.accounts.claimNonce("aliyun", nonce))) {
    throw new AliyunError("SignatureNonceUsed", 400, "Specified signature nonce was used already.");
  }
}

function checkNonce(nonce: string | undefined, name: string): string {
  if (!nonce) throw missing(name);
  if (!/^[\x21-\x7e]{1,128}$/.test(nonce)) throw badParam(name, "must be 1-128 visible ASCII characters");
  return nonce;
}

async function acs3(services: Services, req: DialectRequest, query: [string, string][], body: [string, string][], authz: string): Promise<Authenticated> {
  const auth = parseAcs3(authz);
  if (!auth) throw incomplete("the Authorization header is malformed");
  for (const h of MUST_SIGN) if (!auth.signedHeaders.includes(h)) throw incomplete(`header ${h} must be signed`);
  const action = req.headers["x-acs-action"] ?? "";
  const version = req.headers["x-acs-version"] ?? "";
  if (!action) throw missing("x-acs-action");
  if (!version) throw missing("x-acs-version");
  const nonce = checkNonce(req.headers["x-acs-signature-nonce"], "x-acs-signature-nonce");
  const found = await services.accounts.byAccessKey(auth.accessKeyId.slice(0, 200));
  if (!found) throw noKey();
  await checkTime(services, req.headers["x-acs-date"], "x-acs-date");
  const hashed = sha256Hex(Buffer.from(req.rawBody, "utf8"));
  if ((req.headers["x-acs-content-sha256"] ?? "").toLowerCase() !== hashed) throw mismatch();
  const canonical = acs3CanonicalRequest(req.method, req.path, query, req.headers, auth.signedHeaders, hashed);
  if (!acs3Verify(found.secret, canonical, auth.signature)) throw mismatch();
  await claim(services, nonce);
  return { account: found.account, action, version, params: new Params([...query, ...body]), scheme: "acs3" };
}

async function v1(services: Services, req: DialectRequest, query: [string, string][], body: [string, string][]): Promise<Authenticated> {
  const all = new Params([...query, ...body]);
  const signature = all.str("Signature");
  const accessKeyId = all.str("AccessKeyId");
  if (!accessKeyId) throw missing("AccessKeyId");
  if (!signature) throw missing("Signature");
  const method = all.str("SignatureMethod");
  if (method !== "HMAC-SHA1") throw new AliyunError("InvalidSignatureMethod", 400, `Specified signature method "${(method ?? "").slice(0, 20)}" is not supported (HMAC-SHA1).`);
  if (all.str("SignatureVersion") !== "1.0") throw new AliyunError("InvalidSignatureVersion", 400, "Specified signature version is not supported (1.0).");
  const nonce = checkNonce(all.str("SignatureNonce"), "SignatureNonce");
  const action = all.req("Action");
  const version = all.req("Version");
  const found = await services.accounts.byAccessKey(accessKeyId.slice(0, 200));
  if (!found) throw noKey();
  await checkTime(services, all.str("Timestamp"), "Timestamp");
  if (!v1Verify(found.secret, req.method, all.entries(), signature)) throw mismatch();
  await claim(services, nonce);
  return { account: found.account, action, version, params: all, scheme: "v1" };
}
