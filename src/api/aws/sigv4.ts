/**
 * SigV4 as EC2 and STS check it: the `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/
 * service/aws4_request, SignedHeaders=…, Signature=…` header is verified by signing the same
 * request again with @smithy/signature-v4 (the signer the AWS SDKs use), over exactly the headers
 * the client signed, and comparing in constant time. The region of the request is the credential
 * scope's: with an endpoint override it appears nowhere else.
 */
import { timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { AwsError } from "./errors.ts";

export const SIGV4 = "AWS4-HMAC-SHA256";
/** EC2's window: a request more than 15 minutes from the server's clock has expired. */
export const MAX_SKEW_MS = 15 * 60_000;

export interface SigV4Header {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const incomplete = (why: string) => new AwsError("IncompleteSignature", 400, `The request signature does not conform to AWS standards: ${why}`);

export function parseAuthorization(header: string): SigV4Header {
  if (!header.startsWith(`${SIGV4} `)) throw incomplete(`the Authorization header must start with ${SIGV4}`);
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) throw incomplete(`"${part.trim().slice(0, 40)}" is not a key=value pair`);
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signed = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential) throw incomplete("Credential is missing");
  if (!signed) throw incomplete("SignedHeaders is missing");
  if (!signature) throw incomplete("Signature is missing");
  const scope = credential.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request") throw incomplete(`the Credential must be AKID/yyyymmdd/region/service/aws4_request, not "${credential.slice(0, 120)}"`);
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  if (!/^\d{8}$/.test(date)) throw incomplete(`the credential scope date "${date.slice(0, 20)}" is not yyyymmdd`);
  if (!/^[a-z0-9-]{1,64}$/.test(region)) throw incomplete(`the credential scope region "${region.slice(0, 64)}" is not a region name`);
  if (!/^[0-9a-f]{64}$/.test(signature)) throw incomplete("the Signature must be 64 hexadecimal digits");
  const signedHeaders = signed.split(";");
  if (signedHeaders.some((h) => !/^[a-z0-9-]{1,128}$/.test(h))) throw incomplete("SignedHeaders must be lower-case header names separated by ';'");
  if (!signedHeaders.includes("host")) throw incomplete("the host header must be signed");
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

/** `YYYYMMDDTHHMMSSZ` → Date, or null. */
export function parseAmzDate(text: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
  // Date.UTC rolls a 13th month or a 30th of February over; such a date is not one.
  return Number.isNaN(d.getTime()) || d.toISOString().replace(/[-:]|\.\d{3}/g, "") !== text ? null : d;
}

export interface SignedRequest {
  method: string;
  path: string;
  rawQuery: string;
  headers: Record<string, string>;
  body: string;
}

/** Signers by key, region and service: each keeps its derived signing keys, which is most of the work. */
const signers = new Map<string, SignatureV4>();

function signerFor(accessKeyId: string, secret: string, region: string, service: string): SignatureV4 {
  const key = `${accessKeyId}\n${secret}\n${region}\n${service}`;
  let s = signers.get(key);
  if (!s) {
    if (signers.size > 1000) signers.clear();
    s = new SignatureV4({ credentials: { accessKeyId, secretAccessKey: secret }, region, service, sha256: Hash.bind(null, "sha256"), applyChecksum: false, uriEscapePath: true });
    signers.set(key, s);
  }
  return s;
}

function queryObject(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const prior = out[k];
    out[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  return out;
}

/**
 * The signature the client should have sent for `req`, signed at `when` with `secret`. Only the
 * headers the client listed take part, as the client saw them.
 */
export async function expectedSignature(auth: SigV4Header, secret: string, req: SignedRequest, when: Date): Promise<string> {
  const headers: Record<string, string> = {};
  for (const h of auth.signedHeaders) {
    const v = req.headers[h];
    if (v === undefined) throw incomplete(`the signed header ${h} is not in the request`);
    headers[h] = v;
  }
  const host = headers.host ?? "";
  const colon = host.lastIndexOf(":");
  const signer = signerFor(auth.accessKeyId, secret, auth.region, auth.service);
  const signed = await signer.sign(
    {
      method: req.method,
      protocol: "http:",
      hostname: colon > 0 ? host.slice(0, colon) : host,
      ...(colon > 0 ? { port: Number(host.slice(colon + 1)) || undefined } : {}),
      path: req.path,
      query: queryObject(req.rawQuery),
      headers,
      body: req.body,
    },
    { signingDate: when, signableHeaders: new Set(auth.signedHeaders), signingRegion: auth.region, signingService: auth.service },
  );
  const authz = signed.headers.authorization ?? signed.headers.Authorization ?? "";
  const m = /Signature=([0-9a-f]{64})/.exec(authz);
  return m ? m[1]! : "";
}

export function sameSignature(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
