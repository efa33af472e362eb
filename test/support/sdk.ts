/**
 * What the official-SDK tests share: a listening server with chosen dialects, the SDK client
 * constructors (their CommonJS/ESM default-export shapes differ), and error-code capture.
 */
import * as OpenApi from "@alicloud/openapi-client";
import * as TeaUtil from "@alicloud/tea-util";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../src/api/app.ts";
import type { Dialect } from "../../src/api/dialects/index.ts";
import type { Config } from "../../src/config.ts";
import type { Services } from "../../src/service/index.ts";
import type { Clock } from "../../src/service/ports.ts";
import { type Backend, type Harness, harness } from "./harness.ts";

// SDK tests talk to 127.0.0.1 only: never through a proxy.
for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];

/* eslint-disable @typescript-eslint/no-explicit-any */
const oa = OpenApi as any;
export const OpenApiClient = (typeof oa.default === "function" ? oa.default : oa.default.default) as new (c: unknown) => any;
const tu = TeaUtil as any;
export const RuntimeOptions = (tu.RuntimeOptions ?? tu.default.RuntimeOptions) as new (o: unknown) => unknown;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The error code an SDK call rejects with, or "no error". */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "no error";
}

export interface SdkServer {
  h: Harness;
  app: FastifyInstance;
  port: number;
  /** `127.0.0.1:PORT`, as SDKs take an endpoint. */
  endpoint: string;
  close(): Promise<void>;
}

/** A real store and a server listening on 127.0.0.1 with the given dialects (default: all of them). */
export async function sdkServer(backend: Backend, dialects?: (s: Services) => Dialect[], opts: { settleMs?: number; clock?: Clock; config?: Config } = {}): Promise<SdkServer> {
  const h = await harness(backend, opts);
  const app = await buildApp({ services: h.runtime.services, ...(dialects ? { dialects: dialects(h.runtime.services) } : {}) });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  return {
    h,
    app,
    port,
    endpoint: `127.0.0.1:${port}`,
    async close() {
      await app.close();
      await h.close();
    },
  };
}

/** LinkType and Tag.* go in the query, everything else in a form body, as @alicloud/vpcpeer20220101 places them. */
const QUERY_KEYS = new Set(["LinkType"]);

/** Calls a VpcPeer 2022-01-01 action the way its generated client does; returns the parsed body. */
export async function vpcPeerCall(
  endpoint: string,
  creds: { accessKeyId: string; accessKeySecret: string },
  action: string,
  params: Record<string, string | number | boolean>,
  opts: { regionId?: string; v1?: boolean } = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<Record<string, any>> {
  const client = new OpenApiClient(
    new OpenApi.Config({ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, endpoint, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: opts.regionId ?? "cn-hangzhou", ...(opts.v1 ? { signatureAlgorithm: "v2" } : {}) }),
  );
  const query: Record<string, string> = {};
  const body: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) (QUERY_KEYS.has(k) || k.startsWith("Tag.") ? query : body)[k] = String(v);
  const p = new OpenApi.Params({ action, version: "2022-01-01", protocol: "HTTPS", pathname: "/", method: "POST", authType: "AK", style: "RPC", reqBodyType: "formData", bodyType: "json" });
  return (await client.callApi(p, new OpenApi.OpenApiRequest({ query, body }), new RuntimeOptions({}))).body;
}
