/**
 * Reads a Tencent Cloud API 3.0 request off the wire: the action, version, region and signature
 * material, and the action parameters as one nested object (JSON body for TC3 POST; flattened
 * `Routes.0.GatewayType=…` pairs for TC3 GET and the legacy form methods).
 */
import type { DialectRequest } from "../dialects/index.ts";
import { TencentError, invalidParam } from "./errors.ts";
import { type LegacyMethod, type Tc3Credential, parseTc3Authorization } from "./signature.ts";

export type Auth =
  | { kind: "tc3"; credential: Tc3Credential; timestamp: string }
  | { kind: "legacy"; secretId: string; method: LegacyMethod; nonce: string; timestamp: string; flat: Record<string, string> };

export interface TencentCall {
  action: string;
  version: string | undefined;
  region: string | undefined;
  /** The action parameters, parsed only once the signature holds (throws InvalidParameter). */
  params: () => Record<string, unknown>;
  auth: Auth;
}

/** Common parameters of the legacy form methods: never action parameters. */
const LEGACY_COMMON = new Set(["Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature", "SignatureMethod", "RequestClient", "Token", "Language"]);

const isForm = (req: DialectRequest) => (req.headers["content-type"] ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");

/** Flat parameters of a legacy request: the query for GET, the form body for POST. */
export function legacyParams(req: DialectRequest): Record<string, string> | null {
  const source = req.method === "GET" ? req.rawQuery : isForm(req) ? req.rawBody : null;
  if (source === null) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(source)) if (!(k in out)) out[k] = v;
  return out;
}

/** Whether a request is Tencent's: X-TC-Action or a TC3 Authorization, or a form/query carrying SecretId and Action. */
export function isTencentRequest(req: DialectRequest): boolean {
  if (req.headers["x-tc-action"] !== undefined || /^TC3-HMAC-SHA256\s/.test(req.headers.authorization ?? "")) return true;
  if (req.query.SecretId !== undefined && req.query.Action !== undefined) return true;
  if (req.method === "POST" && isForm(req) && /(^|&)SecretId=/.test(req.rawBody)) {
    const p = legacyParams(req);
    return p !== null && p.SecretId !== undefined && p.Action !== undefined;
  }
  return false;
}

const MAX_INDEX = 999;
const BAD_SEGMENT = new Set(["__proto__", "prototype", "constructor"]);

/** `{"Routes.0.GatewayType": "X"}` → `{Routes: [{GatewayType: "X"}]}`; indexes are 0-based and contiguous. */
export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split(".");
    if (parts.some((p) => p === "" || BAD_SEGMENT.has(p))) throw invalidParam(key.slice(0, 100), "not a parameter name");
    let node: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]!);
      if (Array.isArray(node)) {
        if (!/^\d+$/.test(part) || Number(part) > MAX_INDEX) throw invalidParam(key.slice(0, 100), `list index must be 0-${MAX_INDEX}`);
      } else if (/^\d+$/.test(part)) {
        throw invalidParam(key.slice(0, 100), "unexpected list index");
      }
      const container = node as Record<string, unknown>;
      const slot = Array.isArray(node) ? Number(part) : part;
      const existing = container[slot as keyof typeof container];
      if (last) {
        if (existing !== undefined) throw invalidParam(key.slice(0, 100), "given more than once");
        container[slot as keyof typeof container] = value;
        break;
      }
      if (existing === undefined) container[slot as keyof typeof container] = nextIsIndex ? [] : {};
      const child = container[slot as keyof typeof container];
      if (typeof child !== "object" || child === null || Array.isArray(child) !== nextIsIndex) throw invalidParam(key.slice(0, 100), "conflicts with another parameter");
      node = child as Record<string, unknown> | unknown[];
    }
  }
  checkDense(root, "");
  return root;
}

function checkDense(node: unknown, path: string): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (!(i in node)) throw invalidParam(`${path}.${i}`, "list indexes must start at 0 and have no gaps");
      checkDense(node[i], `${path}.${i}`);
    }
  } else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) checkDense(v, path ? `${path}.${k}` : k);
  }
}

/** The call; throws TencentError (InvalidAuthorization, MissingParameter, InvalidParameter) for malformed requests. */
export function readCall(req: DialectRequest): TencentCall {
  const h = req.headers;
  if (h["x-tc-action"] === undefined && /^TC3-HMAC-SHA256\s/.test(h.authorization ?? "")) throw new TencentError("MissingParameter", "The request is missing a required parameter `X-TC-Action`.");
  if (h["x-tc-action"] !== undefined) {
    const authorization = h.authorization ?? "";
    const credential = parseTc3Authorization(authorization);
    if (!credential) {
      throw new TencentError("AuthFailure.InvalidAuthorization", authorization ? "The Authorization header is not a valid TC3-HMAC-SHA256 signature." : "The request has no Authorization header.");
    }
    for (const needed of ["content-type", "host"]) {
      if (!credential.signedHeaders.includes(needed)) throw new TencentError("AuthFailure.InvalidAuthorization", `SignedHeaders must include \`${needed}\`.`);
    }
    const timestamp = h["x-tc-timestamp"];
    if (timestamp === undefined) throw new TencentError("MissingParameter", "The request is missing a required parameter `X-TC-Timestamp`.");
    const params = () => (req.method === "GET" ? unflatten(Object.fromEntries(new URLSearchParams(req.rawQuery))) : parseJsonBody(req.rawBody));
    return { action: h["x-tc-action"], version: h["x-tc-version"], region: h["x-tc-region"] || undefined, params, auth: { kind: "tc3", credential, timestamp } };
  }
  const flat = legacyParams(req) ?? {};
  const method = flat.SignatureMethod ?? "HmacSHA1";
  if (method !== "HmacSHA1" && method !== "HmacSHA256") throw new TencentError("AuthFailure.InvalidAuthorization", "SignatureMethod must be HmacSHA1 or HmacSHA256.");
  for (const p of ["SecretId", "Signature", "Timestamp", "Nonce"]) {
    if (!flat[p]) throw new TencentError(p === "Signature" ? "AuthFailure.InvalidAuthorization" : "MissingParameter", `The request is missing a required parameter \`${p}\`.`);
  }
  const actionFlat: Record<string, string> = {};
  for (const [k, v] of Object.entries(flat)) if (!LEGACY_COMMON.has(k)) actionFlat[k] = v;
  return {
    action: flat.Action ?? "",
    version: flat.Version,
    region: flat.Region || undefined,
    params: () => unflatten(actionFlat),
    auth: { kind: "legacy", secretId: flat.SecretId!, method, nonce: flat.Nonce!, timestamp: flat.Timestamp!, flat },
  };
}

function parseJsonBody(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new TencentError("InvalidParameter", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TencentError("InvalidParameter", "The request body must be a JSON object.");
  return value as Record<string, unknown>;
}
