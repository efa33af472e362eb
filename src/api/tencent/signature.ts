/**
 * Tencent Cloud request signatures, as tencentcloud-sdk-nodejs computes them.
 * - TC3-HMAC-SHA256: the service comes from the credential scope (the SDK uses the first label of
 *   its endpoint, so `127.0.0.1:PORT` signs as service `127`), and the SDK signs the host without
 *   the port although it sends `Host` with it: both forms are accepted.
 * - HmacSHA1 / HmacSHA256 (legacy form signatures): METHOD + host + path + "?" + sorted raw k=v.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const TC3 = "TC3-HMAC-SHA256";

export interface Tc3Credential {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTH_RE =
  /^TC3-HMAC-SHA256 Credential=([^/\s,]{1,128})\/(\d{4}-\d{2}-\d{2})\/([^/\s,]{1,128})\/tc3_request, ?SignedHeaders=([a-z0-9;._-]{1,512}), ?Signature=([0-9a-f]{64})$/;

/** The parts of an `Authorization: TC3-HMAC-SHA256 …` header, or null when it has another shape. */
export function parseTc3Authorization(value: string): Tc3Credential | null {
  const m = AUTH_RE.exec(value.trim());
  if (!m) return null;
  const signedHeaders = m[4]!.split(";").filter(Boolean);
  return { secretId: m[1]!, date: m[2]!, service: m[3]!, signedHeaders, signature: m[5]! };
}

export const sha256Hex = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest();

/** UTC yyyy-mm-dd of a unix timestamp (seconds). */
export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

export interface Tc3Input {
  method: string;
  path: string;
  rawQuery: string;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Value used for the `host` header in the canonical request. */
  host: string;
  body: string;
  timestamp: string;
  date: string;
  service: string;
  signedHeaders: string[];
}

export function tc3Signature(secretKey: string, i: Tc3Input): string {
  const canonicalHeaders = i.signedHeaders.map((n) => `${n}:${(n === "host" ? i.host : (i.headers[n] ?? "")).trim().toLowerCase()}\n`).join("");
  const canonical = [i.method.toUpperCase(), i.path, i.rawQuery, canonicalHeaders, i.signedHeaders.join(";"), sha256Hex(i.body)].join("\n");
  const scope = `${i.date}/${i.service}/tc3_request`;
  const toSign = [TC3, i.timestamp, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(`TC3${secretKey}`, i.date), i.service), "tc3_request");
  return createHmac("sha256", key).update(toSign).digest("hex");
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Host header forms to try: without the port (what the SDK signs) and as sent. */
export function hostForms(host: string): string[] {
  const bare = host.replace(/:\d+$/, "");
  return bare === host ? [host] : [bare, host];
}

export function verifyTc3(secretKey: string, cred: Tc3Credential, req: Omit<Tc3Input, "host" | "date" | "service" | "signedHeaders">): boolean {
  for (const host of hostForms(req.headers.host ?? "")) {
    const expected = tc3Signature(secretKey, { ...req, host, date: cred.date, service: cred.service, signedHeaders: cred.signedHeaders });
    if (same(expected, cred.signature)) return true;
  }
  return false;
}

export type LegacyMethod = "HmacSHA1" | "HmacSHA256";

/** METHOD + host + path + "?" + every parameter but Signature, sorted by name, raw values. */
export function legacyStringToSign(method: string, host: string, path: string, params: Record<string, string>): string {
  const keys = Object.keys(params).filter((k) => k !== "Signature").sort();
  return `${method.toUpperCase()}${host}${path}?${keys.map((k) => `${k}=${params[k]}`).join("&")}`;
}

export function legacySignature(secretKey: string, method: LegacyMethod, stringToSign: string): string {
  return createHmac(method === "HmacSHA256" ? "sha256" : "sha1", secretKey).update(stringToSign, "utf8").digest("base64");
}

export function verifyLegacy(secretKey: string, method: LegacyMethod, req: { method: string; host: string; path: string; params: Record<string, string> }): boolean {
  const given = req.params.Signature ?? "";
  // The SDK signs its endpoint, which carries the port as the Host header does; the bare host is tried too.
  for (const host of [...new Set([req.host, req.host.replace(/:\d+$/, "")])]) {
    if (same(legacySignature(secretKey, method, legacyStringToSign(req.method, host, req.path, req.params)), given)) return true;
  }
  return false;
}
