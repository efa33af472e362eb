/**
 * What the Tencent dialect's tests share: an official-SDK client for a test server, and a TC3
 * request signed exactly as the SDK signs it (for requests the SDK cannot be made to send twice).
 */
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { tc3Signature, utcDate } from "../../src/api/tencent/signature.ts";

export type TencentClient = InstanceType<typeof tencentcloud.vpc.v20170312.Client>;
export interface TencentKey {
  accessKeyId: string;
  accessKeySecret: string;
}

export interface ClientOptions {
  region?: string;
  /** Extra text after host:port in the SDK's endpoint (the SDK appends "/"). */
  path?: string;
  headers?: Record<string, string>;
  signMethod?: "HmacSHA1" | "HmacSHA256";
}

/** The official SDK's VPC client for the server at `endpoint` (`127.0.0.1:PORT`). */
export function tencentClient(endpoint: string, key: TencentKey, o: ClientOptions = {}): TencentClient {
  return new tencentcloud.vpc.v20170312.Client({
    credential: { secretId: key.accessKeyId, secretKey: key.accessKeySecret },
    region: o.region ?? "ap-guangzhou",
    profile: { signMethod: o.signMethod, httpProfile: { endpoint: `${endpoint}${o.path ?? ""}`, protocol: "http://", reqTimeout: 20, ...(o.headers ? { headers: o.headers } : {}) } },
  });
}

export type TagClient = InstanceType<typeof tencentcloud.tag.v20180813.Client>;

/** The official SDK's tag service client for the same server. */
export function tagClient(endpoint: string, key: TencentKey, region = "ap-guangzhou"): TagClient {
  return new tencentcloud.tag.v20180813.Client({
    credential: { secretId: key.accessKeyId, secretKey: key.accessKeySecret },
    region,
    profile: { httpProfile: { endpoint, protocol: "http://", reqTimeout: 20 } },
  });
}

/** Headers of a TC3 POST signed as the SDK signs it (content-type and host), for `host`. */
export function tc3Headers(key: TencentKey, action: string, body: string, o: { timestamp: number; region?: string; host?: string }): Record<string, string> {
  const host = o.host ?? "127.0.0.1:9999";
  const headers: Record<string, string> = { host, "content-type": "application/json", "x-tc-action": action, "x-tc-version": "2017-03-12", "x-tc-timestamp": String(o.timestamp) };
  if (o.region) headers["x-tc-region"] = o.region;
  const date = utcDate(o.timestamp);
  const signature = tc3Signature(key.accessKeySecret, { method: "POST", path: "/", rawQuery: "", headers, host: host.replace(/:\d+$/, ""), body, timestamp: String(o.timestamp), date, service: "vpc", signedHeaders: ["content-type", "host"] });
  headers.authorization = `TC3-HMAC-SHA256 Credential=${key.accessKeyId}/${date}/vpc/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
  return headers;
}
