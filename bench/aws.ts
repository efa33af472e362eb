/**
 * AWS face benchmark: requests/s of EC2 DescribeVpcPeeringConnections (MaxResults=100) as
 * @aws-sdk/client-ec2 sends it (SigV4 by @smithy/signature-v4 over eight headers with
 * x-amz-content-sha256, a form body, an XML answer), beside the native API's list of the same 100
 * peerings (GET /api/v1/peerings?limit=100, bearer token), in the same run, against the same
 * server process, over HTTP on loopback with N concurrent keep-alive connections.
 *
 * The goal (#14): the signature check and the XML cost < 25% of the AWS path. Both are measured
 * in-process on the same request and the same 100 peerings, and given as a share of the AWS
 * path's time per request at the measured load; the ratio of the two paths' rates is printed as
 * information (the AWS path also applies EC2's filters, visibility and paging in the process,
 * where the native list is built in SQL).
 *
 * SigV4 has no nonce (EC2 carries out a repeated request again), so one signed request is valid
 * for its 15-minute window and the load generator sends the same bytes again and again.
 *
 * Options: --quick, --duration S, --concurrency C, --json FILE.
 */
import { createHash, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { XMLParser } from "fast-xml-parser";
import { EC2_ACTIONS } from "../src/api/aws/actions/index.ts";
import type { Ctx } from "../src/api/aws/context.ts";
import { Params, parseForm } from "../src/api/aws/query.ts";
import { expectedSignature, parseAmzDate, parseAuthorization, sameSignature } from "../src/api/aws/sigv4.ts";
import { ec2Xml } from "../src/api/aws/xml.ts";
import { openRuntime } from "../src/main.ts";
import { benchConfig, benchMasterKey } from "./common.ts";
import { getRequest, openConnections } from "./load.ts";
import { cleanup, cleanupSync, startServer, tempDir } from "./proc.ts";
import { check, fmt, measure, table } from "./scenario.ts";

const { values: flags } = parseArgs({
  options: { quick: { type: "boolean", default: false }, duration: { type: "string" }, concurrency: { type: "string" }, json: { type: "string" } },
});
const durationMs = Number(flags.duration ?? (flags.quick ? 2 : 5)) * 1000;
const concurrency = Number(flags.concurrency ?? 16);
const REGION = "us-east-1";
const PEERINGS = 100;
const BODY = "Action=DescribeVpcPeeringConnections&Version=2016-11-15&MaxResults=100";
process.on("exit", cleanupSync);
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

interface Signed {
  bytes: Buffer;
  headers: Record<string, string>;
  authorization: string;
}

/** A SigV4-signed EC2 POST exactly as @aws-sdk/client-ec2 builds it (the user agent unsigned). */
async function awsRequest(host: string, port: number, accessKeyId: string, secretAccessKey: string, body: string): Promise<Signed> {
  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region: REGION, service: "ec2", sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
  const headers: Record<string, string> = {
    "amz-sdk-invocation-id": randomUUID(),
    "amz-sdk-request": "attempt=1; max=3",
    "content-length": String(Buffer.byteLength(body)),
    "content-type": "application/x-www-form-urlencoded",
    host: `${host}:${port}`,
    "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
    "x-amz-user-agent": "aws-sdk-js/3.1178.0",
  };
  const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: host, port, path: "/", query: {}, headers, body });
  const out: Record<string, string> = { "user-agent": "aws-sdk-js/3.1178.0 ua/2.1 os/linux lang/js md/nodejs#20 api/ec2#3.1178.0" };
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  const lines = ["POST / HTTP/1.1", ...Object.entries(out).map(([k, v]) => `${k}: ${v}`), "Connection: keep-alive"];
  return { bytes: Buffer.from(`${lines.join("\r\n")}\r\n\r\n${body}`, "utf8"), headers: out, authorization: out.authorization! };
}

/** Microseconds per call of `f`, over `n` calls after a warm-up. */
async function timeUs(n: number, f: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(200, n); i++) await f();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  return ((performance.now() - t0) * 1000) / n;
}

try {
  const dataDir = tempDir("vpcpeer-bench-aws-");
  // settleMs 0: the peerings read active at once in this process (no data plane runs here either).
  const rt = await openRuntime({ dataDir, config: benchConfig(), masterKey: benchMasterKey(), settleMs: 0 });
  const creds = await rt.services.accounts.create("aws-bench");
  const actor = { accountId: creds.accountId };
  // 40 VPCs in us-east-1 and 100 active same-account peerings between them (each VPC in 5):
  // both paths list the same 100.
  const vpcs = [];
  for (let i = 0; i < 40; i++) vpcs.push(await rt.services.vpcs.create(actor, { name: `v${i}`, region: REGION, cidr: `10.${i}.0.0/16` }));
  let made = 0;
  for (let d = 1; made < PEERINGS; d++) {
    for (let i = 0; i < 40 && made < PEERINGS; i++) {
      await rt.services.peerings.create(actor, { vpcId: vpcs[i]!.id, peerVpcId: vpcs[(i + d) % 40]!.id });
      made++;
    }
  }

  // In-process: the signature check and the XML of the answer, on the request and data the load uses.
  const found = await rt.services.accounts.byAccessKey(creds.accessKeyId);
  if (!found) throw new Error("the bench account's access key is not found");
  const region = rt.services.regions.list().find((r) => r.id === REGION)!;
  const action = EC2_ACTIONS.DescribeVpcPeeringConnections!;
  const ctx = (): Ctx => ({ services: rt.services, actor: { accountId: creds.accountId, region: REGION }, account: found.account, region, p: new Params(parseForm(BODY, "request body")), action: "DescribeVpcPeeringConnections", requestId: randomUUID() });
  const answer = await action.run(ctx());
  const sample = await awsRequest("127.0.0.1", 1, creds.accessKeyId, creds.accessKeySecret, BODY);
  const auth = parseAuthorization(sample.authorization);
  const when = parseAmzDate(sample.headers["x-amz-date"]!)!;
  const verify = async () => {
    const a = parseAuthorization(sample.authorization);
    const s = await expectedSignature(a, found.secret, { method: "POST", path: "/", rawQuery: "", headers: sample.headers, body: BODY }, when);
    if (!sameSignature(s, auth.signature)) throw new Error("signature check failed");
  };
  const N = flags.quick ? 5_000 : 20_000;
  const verifyUs = await timeUs(N, verify);
  const xmlUs = await timeUs(N / 10, () => ec2Xml("DescribeVpcPeeringConnections", "00000000-0000-0000-0000-000000000000", answer));
  const actionUs = await timeUs(N / 20, () => action.run(ctx()));
  const xmlBytes = Buffer.byteLength(ec2Xml("DescribeVpcPeeringConnections", "r", answer));
  await rt.close();

  const api = await startServer("api", ["--data", dataDir]);
  const native = getRequest(api.host, api.port, `/api/v1/peerings?limit=${PEERINGS}`, creds.token);
  const aws = await awsRequest(api.host, api.port, creds.accessKeyId, creds.accessKeySecret, BODY);
  const nativeBody = (await check(api, native, 200, "native list")) as { items: unknown[] };
  if (nativeBody.items.length !== PEERINGS) throw new Error(`the native list has ${nativeBody.items.length} peerings, expected ${PEERINGS}`);
  const [conn] = await openConnections(api.host, api.port, 1);
  const first = await conn!.send(aws.bytes);
  conn!.close();
  const xml = first.body.toString("utf8");
  if (first.status !== 200) throw new Error(`AWS request refused: HTTP ${first.status} ${xml.slice(0, 300)}`);
  const listed = new XMLParser({ isArray: (n) => n === "item" }).parse(xml).DescribeVpcPeeringConnectionsResponse?.vpcPeeringConnectionSet?.item ?? [];
  if (listed.length !== PEERINGS) throw new Error(`the AWS answer lists ${listed.length} peerings, expected ${PEERINGS}`);

  const opts = { concurrency, warmupMs: 1000, durationMs, expectStatus: 200 };
  const n1 = await measure(`native GET /api/v1/peerings?limit=${PEERINGS}`, api, [native], opts);
  const a1 = await measure(`AWS DescribeVpcPeeringConnections MaxResults=${PEERINGS}`, api, [aws.bytes], opts);
  const ratio = a1.rps / n1.rps;
  const perRequestUs = 1e6 / a1.rps;
  const share = (verifyUs + xmlUs) / perRequestUs;
  console.log(
    "\n" +
      table(
        ["path", "req/s", "p50 ms", "p99 ms", "server CPU ms/req", "÷ native"],
        [
          [`native API, bearer token (a page of ${PEERINGS}, JSON)`, fmt(n1.rps, 0), fmt(n1.p50, 2), fmt(n1.p99, 2), fmt((n1.serverCpu / n1.rps) * 1000, 2), "1.00"],
          [`AWS SDK request (SigV4, MaxResults=${PEERINGS}, XML ${fmt(xmlBytes / 1024, 0)} KiB)`, fmt(a1.rps, 0), fmt(a1.p50, 2), fmt(a1.p99, 2), fmt((a1.serverCpu / a1.rps) * 1000, 2), fmt(ratio, 2)],
        ],
      ),
  );
  console.log(
    `in-process, per request: SigV4 check ${verifyUs.toFixed(1)} µs, XML of ${PEERINGS} peerings ${xmlUs.toFixed(0)} µs (together ${(share * 100).toFixed(1)}% of the AWS path's ${perRequestUs.toFixed(0)} µs at this load); the action itself (visibility, filters, paging) ${actionUs.toFixed(0)} µs`,
  );
  console.log(`target (#14): the signature check and the XML cost < 25% of the AWS path: ${share < 0.25 ? "MET" : "MISSED"}`);
  console.log(`machine load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(", ")} (2 cores: figures above about 2 are shared with other work)`);
  if (flags.json) writeFileSync(flags.json, JSON.stringify({ native: n1, aws: a1, ratio, verifyUs, xmlUs, actionUs, xmlBytes, share }, null, 2));
} finally {
  await cleanup();
}
