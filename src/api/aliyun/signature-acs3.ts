/**
 * ACS3-HMAC-SHA256 (the V3 signature, the default of @alicloud/vpc20160428): the action and
 * version travel in x-acs-action / x-acs-version, the key in `Credential=`, and the signature
 * covers the method, path, sorted query, the headers named in SignedHeaders and the body hash.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { aliEncode } from "./encode.ts";

export const ACS3 = "ACS3-HMAC-SHA256";

export interface Acs3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

/** Parses `ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=a;b,Signature=hex`; null when malformed. */
export function parseAcs3(header: string): Acs3Authorization | null {
  if (!header.startsWith(`${ACS3} `)) return null;
  const fields = new Map<string, string>();
  for (const part of header.slice(ACS3.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return null;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get("Credential");
  const signed = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!accessKeyId || !signed || !signature || !/^[0-9a-f]{64}$/i.test(signature)) return null;
  const signedHeaders = signed.split(";").map((h) => h.trim().toLowerCase());
  if (signedHeaders.some((h) => !/^[a-z0-9-]{1,100}$/.test(h))) return null;
  return { accessKeyId, signedHeaders, signature: signature.toLowerCase() };
}

export const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

export function acs3CanonicalRequest(
  method: string,
  path: string,
  query: readonly [string, string][],
  headers: Record<string, string>,
  signedHeaders: readonly string[],
  hashedPayload: string,
): string {
  const canonicalQuery = [...query]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${aliEncode(v)}`)
    .join("&");
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(headers[h] ?? "").trim()}\n`).join("");
  return [method.toUpperCase(), path, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), hashedPayload].join("\n");
}

export function acs3Sign(secret: string, canonicalRequest: string): string {
  return createHmac("sha256", secret).update(`${ACS3}\n${sha256Hex(canonicalRequest)}`).digest("hex");
}

export function acs3Verify(secret: string, canonicalRequest: string, signature: string): boolean {
  const expected = Buffer.from(acs3Sign(secret, canonicalRequest));
  const given = Buffer.from(signature.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given);
}
