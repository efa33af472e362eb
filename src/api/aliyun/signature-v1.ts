/**
 * Signature v1 (HMAC-SHA1), as @alicloud/pop-core and the VPC SDK with signatureAlgorithm "v2"
 * send it: every parameter (query ∪ form body) except Signature, sorted, percent-encoded, joined;
 * StringToSign = METHOD & %2F & enc(canonical); key = secret + "&".
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { aliEncode } from "./encode.ts";

export function v1StringToSign(method: string, params: readonly [string, string][]): string {
  const canon = params
    .filter(([k]) => k !== "Signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${aliEncode(k)}=${aliEncode(v)}`)
    .join("&");
  return `${method.toUpperCase()}&${aliEncode("/")}&${aliEncode(canon)}`;
}

export function v1Sign(secret: string, method: string, params: readonly [string, string][]): string {
  return createHmac("sha1", `${secret}&`).update(v1StringToSign(method, params)).digest("base64");
}

export function v1Verify(secret: string, method: string, params: readonly [string, string][], signature: string): boolean {
  const expected = Buffer.from(v1Sign(secret, method, params));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
