/**
 * vpcpeer's AWS face side by side with moto (`moto_server`), the emulator most teams test AWS VPC
 * peering against: the same @aws-sdk/client-ec2 calls, as two accounts, against both, and a
 * markdown table of what each did next to what AWS does (../shared/research/aws.md).
 *
 *   npx tsx scripts/compare-moto.ts [--json] [--no-terraform] [--only <part of a behaviour's name>]
 *
 * Starts, on free loopback ports, `moto_server` (or `python3 -m moto.server`) and two vpcpeer
 * servers on temporary embedded SQLite stores: the main one, with the Linux data plane when run as
 * root (else none; its namespaces are removed at the end), and one whose peering requests expire at
 * once (`peeringRequestTtlHours: 0`), for the expiry row. moto's two accounts are IAM access keys
 * made in accounts 111111111111 and 222222222222 (moto maps an access key to the account that
 * created it; the IAM calls choose the account with moto's `x-moto-account-id` header). Everything
 * started is stopped and every temporary directory removed before it exits.
 *
 * Where `terraform` and a filesystem mirror of the hashicorp/aws provider are found (as for
 * test/e2e/aws-terraform.test.ts), a last row applies examples/terraform to each, plans it again
 * and destroys it. Nothing is downloaded.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  AcceptVpcPeeringConnectionCommand,
  CreateRouteCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcPeeringConnectionCommand,
  DeleteVpcPeeringConnectionCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeVpcPeeringConnectionsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Filter,
  RunInstancesCommand,
  type VpcPeeringConnection,
} from "@aws-sdk/client-ec2";
import { startServer } from "../test/support/process.ts";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin/vpcpeer.js");
const JSON_OUT = process.argv.includes("--json");
/** `--no-terraform`: leave out the Terraform row (about a minute per emulator). */
const TERRAFORM = !process.argv.includes("--no-terraform");
/** `--only <text>`: run only the behaviours whose name contains it. */
const ONLY = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] ?? "" : null;
const say = (msg: string) => process.stderr.write(`compare-moto: ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Processes

const started: ChildProcess[] = [];
const temps: string[] = [];
let netnsPrefix: string | null = null;
let masterKey = "";

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, VPCPEER_MASTER_KEY: masterKey };
  for (const k of ["VPCPEER_TOKEN", "VPCPEER_ENDPOINT", "VPCPEER_PROFILE", "VPCPEER_DATABASE", "VPCPEER_CONFIG", "MOTO_ACCOUNT_ID"]) delete env[k];
  return env;
}

async function startMoto(): Promise<string> {
  const port = await freePort();
  const cmd = spawnSync("moto_server", ["--help"], { stdio: "ignore" }).status === 0 ? ["moto_server"] : ["python3", "-m", "moto.server"];
  const proc = spawn(cmd[0]!, [...cmd.slice(1), "-H", "127.0.0.1", "-p", String(port)], { env: childEnv(), stdio: ["ignore", "ignore", "pipe"] });
  started.push(proc);
  let err = "";
  proc.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`moto_server exited: ${err}`);
    try {
      await fetch(`${url}/moto-api/`);
      return url;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`moto_server did not answer on ${url}: ${err}`);
}

/** A vpcpeer server on `data` (test/support's starter, with this script's master key); stopped by cleanup(). */
async function startVpcpeer(data: string, args: string[]): Promise<string> {
  const server = await startServer(["--data", data, ...args], { VPCPEER_MASTER_KEY: masterKey });
  started.push(server.proc);
  return server.url;
}

function vpcpeerCli(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: childEnv(), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`vpcpeer ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function cleanup(): Promise<void> {
  for (const p of started.reverse()) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((res) => p.once("exit", res));
      p.kill("SIGTERM");
      await Promise.race([gone, sleep(10_000).then(() => p.kill("SIGKILL"))]);
    }
  }
  if (netnsPrefix) spawnSync(process.execPath, [BIN, "dataplane", "down", "--netns-prefix", netnsPrefix], { env: childEnv(), stdio: "ignore" });
  for (const d of temps) rmSync(d, { recursive: true, force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Backends

interface Creds {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** vpcpeer only: the bearer token for the native API. */
  token?: string;
}

interface Backend {
  name: "vpcpeer" | "moto";
  url: string;
  alice: Creds;
  bob: Creds;
  /** vpcpeer only: a server whose peering requests expire at once, with its own two accounts. */
  expiring?: { url: string; alice: Creds; bob: Creds };
  dataplane: boolean;
}

function ec2(url: string, who: Creds, region = "us-east-1"): EC2Client {
  return new EC2Client({ endpoint: url, region, credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey }, maxAttempts: 1 });
}

/** moto: an IAM user and access key in `accountId` (moto maps the key to that account). */
async function motoAccount(url: string, accountId: string): Promise<Creds> {
  const iam = async (body: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-moto-account-id": accountId,
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDSETUP/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: `${body}&Version=2010-05-08`,
    });
    return res.text();
  };
  await iam(`Action=CreateUser&UserName=compare-${accountId}`);
  const xml = await iam(`Action=CreateAccessKey&UserName=compare-${accountId}`);
  const key = /<AccessKeyId>([^<]+)</.exec(xml)?.[1];
  const secret = /<SecretAccessKey>([^<]+)</.exec(xml)?.[1];
  if (!key || !secret) throw new Error(`moto CreateAccessKey: ${xml}`);
  return { accountId, accessKeyId: key, secretAccessKey: secret };
}

function vpcpeerAccount(data: string, name: string): Creds {
  const a = JSON.parse(vpcpeerCli(["account", "create", "--name", name, "--data", data])) as { accountId: string; accessKeyId: string; accessKeySecret: string; token: string };
  return { accountId: a.accountId, accessKeyId: a.accessKeyId, secretAccessKey: a.accessKeySecret, token: a.token };
}

// ---------------------------------------------------------------------------------------------
// Helpers for the behaviours

interface Outcome {
  /** Whether this is what AWS does. */
  ok: boolean;
  text: string;
}
const yes = (text: string): Outcome => ({ ok: true, text });
const no = (text: string): Outcome => ({ ok: false, text });

/** The EC2 error code of a failed call, or null when it succeeded. */
async function errorOf(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    const err = e as { name?: string; Code?: string; message?: string };
    return err.Code ?? err.name ?? String(err.message);
  }
}

let cidrCounter = 0;
/** A fresh /16 per VPC, so that behaviours do not meet each other's VPCs. */
const nextCidr = () => `10.${++cidrCounter}.0.0/16`;

async function vpc(c: EC2Client, cidr = nextCidr()): Promise<{ id: string; cidr: string }> {
  const r = await c.send(new CreateVpcCommand({ CidrBlock: cidr }));
  return { id: r.Vpc!.VpcId!, cidr };
}

async function request(b: Backend, from: { id: string }, to: { id: string }, opts: { peerRegion?: string; region?: string } = {}): Promise<VpcPeeringConnection> {
  const r = await ec2(b.url, b.alice, opts.region).send(
    new CreateVpcPeeringConnectionCommand({ VpcId: from.id, PeerVpcId: to.id, PeerOwnerId: b.bob.accountId, ...(opts.peerRegion ? { PeerRegion: opts.peerRegion } : {}) }),
  );
  return r.VpcPeeringConnection!;
}

async function describe(c: EC2Client, id: string): Promise<VpcPeeringConnection | undefined> {
  const r = await c.send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] }));
  return r.VpcPeeringConnections?.find((p) => p.VpcPeeringConnectionId === id);
}

/** Waits (up to 20 s) while the peering is in a transitional state; its last status. */
async function settled(c: EC2Client, id: string): Promise<string> {
  let code = "";
  for (let i = 0; i < 80; i++) {
    code = (await describe(c, id))?.Status?.Code ?? "missing";
    if (!["initiating-request", "provisioning", "deleting"].includes(code)) return code;
    await sleep(250);
  }
  return code;
}

async function mainTable(c: EC2Client, vpcId: string): Promise<string> {
  const r = await c.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }, { Name: "association.main", Values: ["true"] }] }));
  const t = r.RouteTables?.find((x) => x.VpcId === vpcId && x.Associations?.some((a) => a.Main));
  if (!t) throw new Error(`no main route table for ${vpcId}`);
  return t.RouteTableId!;
}

async function routeState(c: EC2Client, rtb: string, cidr: string): Promise<string> {
  const r = await c.send(new DescribeRouteTablesCommand({ RouteTableIds: [rtb] }));
  return r.RouteTables?.[0]?.Routes?.find((x) => x.DestinationCidrBlock === cidr)?.State ?? "missing";
}

/** A VPC pair, requested by alice and accepted by bob; waits until active. */
async function activePair(b: Backend) {
  const a = ec2(b.url, b.alice);
  const o = ec2(b.url, b.bob);
  const va = await vpc(a);
  const vb = await vpc(o);
  const p = await request(b, va, vb);
  await settled(a, p.VpcPeeringConnectionId!);
  await o.send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: p.VpcPeeringConnectionId! }));
  await settled(a, p.VpcPeeringConnectionId!);
  return { a, o, va, vb, pcx: p.VpcPeeringConnectionId! };
}

// ---------------------------------------------------------------------------------------------
// The behaviours

interface Behaviour {
  name: string;
  aws: string;
  run(b: Backend): Promise<Outcome>;
}

const BEHAVIOURS: Behaviour[] = [
  {
    name: "Overlapping CIDRs (10.x.0.0/16 with 10.x.128.0/17)",
    aws: "request created, then `failed` with a reason",
    async run(b) {
      const base = nextCidr();
      const va = await vpc(ec2(b.url, b.alice), base);
      const vb = await vpc(ec2(b.url, b.bob), base.replace(".0.0/16", ".128.0/17"));
      const p = await request(b, va, vb);
      const seen = await describe(ec2(b.url, b.alice), p.VpcPeeringConnectionId!);
      const code = seen?.Status?.Code ?? "missing";
      return code === "failed" ? yes(`\`failed\`: ${seen?.Status?.Message ?? ""}`) : no(`\`${code}\``);
    },
  },
  {
    name: "Second request for the same VPC pair",
    aws: "`VpcPeeringConnectionAlreadyExists`",
    async run(b) {
      const va = await vpc(ec2(b.url, b.alice));
      const vb = await vpc(ec2(b.url, b.bob));
      await request(b, va, vb);
      const err = await errorOf(request(b, va, vb));
      return err === "VpcPeeringConnectionAlreadyExists" ? yes(`\`${err}\``) : no(err ? `\`${err}\`` : "a second peering is created");
    },
  },
  {
    name: "The requester accepts its own cross-account request",
    aws: "`OperationNotPermitted`; only the accepter's account accepts",
    async run(b) {
      const va = await vpc(ec2(b.url, b.alice));
      const vb = await vpc(ec2(b.url, b.bob));
      const p = await request(b, va, vb);
      const err = await errorOf(ec2(b.url, b.alice).send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: p.VpcPeeringConnectionId! })));
      const state = (await describe(ec2(b.url, b.bob), p.VpcPeeringConnectionId!))?.Status?.Code;
      return err === "OperationNotPermitted" ? yes(`\`${err}\`; still \`${state}\``) : no(err ? `\`${err}\`` : `accepted: \`${state}\``);
    },
  },
  {
    name: "`ExpirationTime` of a pending request",
    aws: "creation + 7 days",
    async run(b) {
      const va = await vpc(ec2(b.url, b.alice));
      const vb = await vpc(ec2(b.url, b.bob));
      const p = await request(b, va, vb);
      const seen = await describe(ec2(b.url, b.bob), p.VpcPeeringConnectionId!);
      const at = seen?.ExpirationTime;
      if (!at) return no("none");
      const days = (at.getTime() - Date.now()) / 86_400_000;
      return Math.abs(days - 7) < 0.01 ? yes(`${at.toISOString()} (7 days)`) : no(`${at.toISOString()} (${days.toFixed(2)} days)`);
    },
  },
  {
    name: "An expired request is accepted",
    aws: "`expired`; accept → `InvalidStateTransition`",
    async run(b) {
      if (!b.expiring) return no("never expires (no `ExpirationTime`, stays `pending-acceptance`)");
      // A server whose requests expire at once (peeringRequestTtlHours 0).
      const e = b.expiring;
      const va = await vpc(ec2(e.url, e.alice));
      const vb = await vpc(ec2(e.url, e.bob));
      const p = await ec2(e.url, e.alice).send(new CreateVpcPeeringConnectionCommand({ VpcId: va.id, PeerVpcId: vb.id, PeerOwnerId: e.bob.accountId }));
      const id = p.VpcPeeringConnection!.VpcPeeringConnectionId!;
      const state = (await describe(ec2(e.url, e.bob), id))?.Status?.Code;
      const err = await errorOf(ec2(e.url, e.bob).send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })));
      return state === "expired" && err === "InvalidStateTransition" ? yes(`\`expired\`; accept → \`${err}\``) : no(`\`${state}\`; accept → ${err ? `\`${err}\`` : "accepted"}`);
    },
  },
  {
    name: "Routes over a peering that is deleted",
    aws: "stay, as `blackhole`",
    async run(b) {
      const { a, o, va, vb, pcx } = await activePair(b);
      const rtb = await mainTable(a, va.id);
      await a.send(new CreateRouteCommand({ RouteTableId: rtb, DestinationCidrBlock: vb.cidr, VpcPeeringConnectionId: pcx }));
      const before = await routeState(a, rtb, vb.cidr);
      await o.send(new DeleteVpcPeeringConnectionCommand({ VpcPeeringConnectionId: pcx }));
      await settled(a, pcx);
      const after = await routeState(a, rtb, vb.cidr);
      return after === "blackhole" ? yes(`\`${before}\` → \`blackhole\``) : no(`\`${before}\` → \`${after}\``);
    },
  },
  {
    name: "Cross-region request (us-east-1 → us-west-2)",
    aws: "listed in both regions; accepted in the accepter's",
    async run(b) {
      const va = await vpc(ec2(b.url, b.alice, "us-east-1"));
      const vb = await vpc(ec2(b.url, b.bob, "us-west-2"));
      const p = await request(b, va, vb, { peerRegion: "us-west-2" });
      const id = p.VpcPeeringConnectionId!;
      const east = await describe(ec2(b.url, b.alice, "us-east-1"), id);
      const west = await describe(ec2(b.url, b.bob, "us-west-2"), id);
      const wrongRegion = await errorOf(ec2(b.url, b.bob, "us-east-1").send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })));
      const acceptErr = await errorOf(ec2(b.url, b.bob, "us-west-2").send(new AcceptVpcPeeringConnectionCommand({ VpcPeeringConnectionId: id })));
      const state = acceptErr ? `accept → \`${acceptErr}\`` : `\`${await settled(ec2(b.url, b.bob, "us-west-2"), id)}\``;
      const listed = `listed in us-east-1: ${east ? "yes" : "no"}, us-west-2: ${west ? "yes" : "no"}; accept in us-east-1 → ${wrongRegion ? `\`${wrongRegion}\`` : "accepted"}; in us-west-2 → ${state}`;
      return east && west && wrongRegion === "OperationNotPermitted" && !acceptErr ? yes(listed) : no(listed);
    },
  },
  {
    name: "`DryRun=true` on CreateVpc and CreateVpcPeeringConnection",
    aws: "`DryRunOperation`, nothing created",
    async run(b) {
      const a = ec2(b.url, b.alice);
      const count = async () => (await a.send(new DescribeVpcsCommand({}))).Vpcs?.length ?? 0;
      const peerings = async () => (await a.send(new DescribeVpcPeeringConnectionsCommand({}))).VpcPeeringConnections?.length ?? 0;
      const va = await vpc(a);
      const vb = await vpc(ec2(b.url, b.bob));
      const [v0, p0] = [await count(), await peerings()];
      const e1 = await errorOf(a.send(new CreateVpcCommand({ CidrBlock: nextCidr(), DryRun: true })));
      const e2 = await errorOf(a.send(new CreateVpcPeeringConnectionCommand({ VpcId: va.id, PeerVpcId: vb.id, PeerOwnerId: b.bob.accountId, DryRun: true })));
      const [v1, p1] = [await count(), await peerings()];
      const text = `${e1 ? `\`${e1}\`` : "success"} / ${e2 ? `\`${e2}\`` : "success"}; VPCs +${v1 - v0}, peerings +${p1 - p0}`;
      return e1 === "DryRunOperation" && e2 === "DryRunOperation" && v1 === v0 && p1 === p0 ? yes(text) : no(text);
    },
  },
  {
    name: "Describe of an unknown `pcx-` id",
    aws: "`InvalidVpcPeeringConnectionID.NotFound`",
    async run(b) {
      // A well-formed id of each service's shape that names nothing.
      const id = b.name === "vpcpeer" ? "pcx-0000aaaa0000" : "pcx-0123456789abcdef0";
      let err: string | null = null;
      let n = 0;
      try {
        n = (await ec2(b.url, b.alice).send(new DescribeVpcPeeringConnectionsCommand({ VpcPeeringConnectionIds: [id] }))).VpcPeeringConnections?.length ?? 0;
      } catch (e) {
        err = (e as { Code?: string; name?: string }).Code ?? (e as { name?: string }).name ?? "error";
      }
      return err === "InvalidVpcPeeringConnectionID.NotFound" ? yes(`\`${err}\``) : no(err ? `\`${err}\`` : `HTTP 200 with ${n} peerings`);
    },
  },
  {
    name: "Filters `status-code=active` and `accepter-vpc-info.vpc-id`",
    aws: "only the matching peerings",
    async run(b) {
      const { a, vb, pcx } = await activePair(b);
      const va2 = await vpc(a);
      await request(b, va2, vb); // pending, to the same accepter VPC
      const ids = async (Filters: Filter[]) => ((await a.send(new DescribeVpcPeeringConnectionsCommand({ Filters }))).VpcPeeringConnections ?? []).map((p) => p.VpcPeeringConnectionId);
      const both = await ids([
        { Name: "status-code", Values: ["active"] },
        { Name: "accepter-vpc-info.vpc-id", Values: [vb.id] },
      ]);
      const all = await ids([]);
      const text = `${both.length} of ${all.length} returned`;
      return both.length === 1 && both[0] === pcx ? yes(text) : no(`${text} (filters ignored)`);
    },
  },
  {
    name: "Each account tags the peering (`Side`)",
    aws: "tags are per account: each sees its own",
    async run(b) {
      const { a, o, pcx } = await activePair(b);
      await a.send(new CreateTagsCommand({ Resources: [pcx], Tags: [{ Key: "Side", Value: "Requester" }] }));
      await o.send(new CreateTagsCommand({ Resources: [pcx], Tags: [{ Key: "Side", Value: "Accepter" }] }));
      const side = async (c: EC2Client) => (await describe(c, pcx))?.Tags?.find((t) => t.Key === "Side")?.Value;
      const [mine, theirs] = [await side(a), await side(o)];
      const text = `requester sees \`${mine}\`, accepter sees \`${theirs}\``;
      return mine === "Requester" && theirs === "Accepter" ? yes(text) : no(text);
    },
  },
  {
    name: "Packets between instances in the two VPCs",
    aws: "none before the routes, delivered after",
    async run(b) {
      if (b.name === "moto") return no("no data plane (RunInstances makes records only)");
      if (!b.dataplane) return no("not measured: run as root for the Linux data plane");
      const { a, o, va, vb, pcx } = await activePair(b);
      const sub = async (c: EC2Client, v: { id: string; cidr: string }) =>
        (await c.send(new CreateSubnetCommand({ VpcId: v.id, CidrBlock: v.cidr.replace(".0.0/16", ".1.0/24") }))).Subnet!.SubnetId!;
      const run = async (c: EC2Client, subnet: string, ip: string) =>
        (await c.send(new RunInstancesCommand({ ImageId: "ami-00000000", InstanceType: "t3.micro", MinCount: 1, MaxCount: 1, SubnetId: subnet, PrivateIpAddress: ip }))).Instances![0]!.InstanceId!;
      const ipB = vb.cidr.replace(".0.0/16", ".1.10");
      const ia = await run(a, await sub(a, va), va.cidr.replace(".0.0/16", ".1.10"));
      await run(o, await sub(o, vb), ipB);
      for (let i = 0; i < 60; i++) {
        const r = await a.send(new DescribeInstancesCommand({ InstanceIds: [ia] }));
        if (r.Reservations?.[0]?.Instances?.[0]?.State?.Name === "running") break;
        await sleep(250);
      }
      const probe = async (): Promise<{ reachable?: boolean; error?: string; status: number }> => {
        const res = await fetch(`${b.url}/api/v1/probes`, {
          method: "POST",
          headers: { authorization: `Bearer ${b.alice.token}`, "content-type": "application/json" },
          body: JSON.stringify({ fromInstanceId: ia.replace(/^i-/, "ins-"), toIp: ipB, protocol: "icmp" }),
        });
        return { status: res.status, ...((await res.json()) as object) };
      };
      let before = await probe();
      for (let i = 0; i < 40 && before.status === 409; i++) {
        await sleep(250);
        before = await probe();
      }
      await a.send(new CreateRouteCommand({ RouteTableId: await mainTable(a, va.id), DestinationCidrBlock: vb.cidr, VpcPeeringConnectionId: pcx }));
      await o.send(new CreateRouteCommand({ RouteTableId: await mainTable(o, vb.id), DestinationCidrBlock: va.cidr, VpcPeeringConnectionId: pcx }));
      let after = await probe();
      for (let i = 0; i < 60 && after.reachable !== true; i++) {
        await sleep(250);
        after = await probe();
      }
      const show = (p: typeof before) => (p.status !== 200 ? `HTTP ${p.status}` : p.reachable ? "reachable" : `unreachable${p.error ? ` (${p.error})` : ""}`);
      const text = `ping before routes: ${show(before)}; after: ${show(after)}`;
      return before.status === 200 && before.reachable === false && after.reachable === true ? yes(text) : no(text);
    },
  },
];


// ---------------------------------------------------------------------------------------------
// Terraform: examples/terraform applied, planned again and destroyed

/** A filesystem mirror holding registry.terraform.io/hashicorp/aws 5.x, or null. */
function providerMirror(): string | null {
  const candidates = [process.env.VPCPEER_TF_MIRROR, "/opt/tf-plugins", "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins", join(homedir(), ".terraform.d/plugins")];
  for (const dir of candidates) {
    if (!dir) continue;
    const aws = join(dir, "registry.terraform.io/hashicorp/aws");
    if (existsSync(aws) && readdirSync(aws).some((v) => v.startsWith("5."))) return dir;
  }
  return null;
}

function terraform(dir: string, env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const p = spawn("terraform", [...args, "-no-color", "-input=false"], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr.on("data", (c: Buffer) => (out += c.toString()));
    p.on("exit", (code) => res({ code, out }));
  });
}

const terraformRow: Behaviour = {
  name: "Terraform: examples/terraform applied, planned again, destroyed",
  aws: "apply; `plan -detailed-exitcode` exits 0 (no changes); destroy",
  async run(b) {
    const mirror = providerMirror();
    if (spawnSync("terraform", ["version"], { stdio: "ignore" }).status !== 0 || !mirror) return no("not run: terraform or the provider mirror is missing");
    const work = temp("vpcpeer-compare-tf-");
    const dir = join(work, "config");
    cpSync(join(ROOT, "examples/terraform"), dir, { recursive: true, filter: (src) => !/\.terraform|terraform\.tfstate|\.tfvars$/.test(src) });
    const vars = { endpoint: b.url, requester_access_key: b.alice.accessKeyId, requester_secret_key: b.alice.secretAccessKey, accepter_access_key: b.bob.accessKeyId, accepter_secret_key: b.bob.secretAccessKey };
    writeFileSync(join(dir, "terraform.tfvars"), Object.entries(vars).map(([k, v]) => `${k} = "${v}"\n`).join(""));
    writeFileSync(
      join(work, "cli.tfrc"),
      `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: work, TF_CLI_CONFIG_FILE: join(work, "cli.tfrc"), TF_DATA_DIR: join(work, "tf-data"), TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    for (const k of Object.keys(env)) if (/^(AWS_|TF_VAR_|TF_LOG|TF_PLUGIN_CACHE)/.test(k)) delete env[k];
    const first = (out: string) => /Error: (.*)/.exec(out)?.[1]?.slice(0, 160) ?? out.trim().split("\n").pop();
    const init = await terraform(dir, env, ["init"]);
    if (init.code !== 0) return no(`init failed: ${first(init.out)}`);
    const apply = await terraform(dir, env, ["apply", "-auto-approve"]);
    if (apply.code !== 0) return no(`apply failed: ${first(apply.out)}`);
    const plan = await terraform(dir, env, ["plan", "-detailed-exitcode"]);
    const changes = [...plan.out.matchAll(/# (\S+) will be (updated in-place|created|destroyed|replaced)/g)].map((m) => `${m[1]} ${m[2]}`);
    const destroy = await terraform(dir, env, ["destroy", "-auto-approve"]);
    const planText = plan.code === 0 ? "no changes" : plan.code === 2 ? `changes: ${changes.join(", ")}` : `failed: ${first(plan.out)}`;
    const text = `apply ok; plan: ${planText}; destroy ${destroy.code === 0 ? "ok" : `failed: ${first(destroy.out)}`}`;
    return plan.code === 0 && destroy.code === 0 ? yes(text) : no(text);
  },
};
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  masterKey = randomBytes(32).toString("base64");
  const root = process.getuid?.() === 0;

  say("starting moto_server");
  const motoUrl = await startMoto();
  const moto: Backend = { name: "moto", url: motoUrl, alice: await motoAccount(motoUrl, "111111111111"), bob: await motoAccount(motoUrl, "222222222222"), dataplane: false };

  say(`starting vpcpeer (${root ? "Linux data plane" : "no data plane: not root"})`);
  const data = temp("vpcpeer-compare-");
  const alice = vpcpeerAccount(data, "alice");
  const bob = vpcpeerAccount(data, "bob");
  const dp = root ? ["--dataplane", "linux", "--netns-prefix", (netnsPrefix = `cmp${randomBytes(3).toString("hex")}`)] : ["--dataplane", "none", "--settle-ms", "0"];
  const url = await startVpcpeer(data, dp);
  const expData = temp("vpcpeer-compare-exp-");
  const cfg = join(expData, "config.json");
  writeFileSync(cfg, JSON.stringify({ limits: { peeringRequestTtlHours: 0 } }));
  const ea = vpcpeerAccount(expData, "alice");
  const eb = vpcpeerAccount(expData, "bob");
  const expUrl = await startVpcpeer(expData, ["--config", cfg, "--dataplane", "none", "--settle-ms", "0"]);
  const vpcpeer: Backend = { name: "vpcpeer", url, alice, bob, expiring: { url: expUrl, alice: ea, bob: eb }, dataplane: root };

  const rows: { name: string; aws: string; vpcpeer: Outcome; moto: Outcome }[] = [];
  for (const beh of [...BEHAVIOURS, ...(TERRAFORM ? [terraformRow] : [])].filter((x) => ONLY === null || x.name.toLowerCase().includes(ONLY.toLowerCase()))) {
    const result: Partial<Record<Backend["name"], Outcome>> = {};
    for (const b of [vpcpeer, moto]) {
      try {
        result[b.name] = await beh.run(b);
      } catch (e) {
        const err = e as { Code?: string; name?: string; message?: string };
        result[b.name] = no(`error: \`${err.Code ?? err.name}\` ${String(err.message ?? "").slice(0, 120)}`);
      }
    }
    rows.push({ name: beh.name, aws: beh.aws, vpcpeer: result.vpcpeer!, moto: result.moto! });
    say(`${beh.name}: vpcpeer ${result.vpcpeer!.ok ? "as AWS" : "differs"}, moto ${result.moto!.ok ? "as AWS" : "differs"}`);
  }

  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cell = (o: Outcome) => `${o.ok ? "✅" : "❌"} ${o.text.replace(/\|/g, "\\|").replace(/\n/g, " ")}`;
  const motoVersion = spawnSync("python3", ["-c", "import moto; print(moto.__version__)"], { encoding: "utf8" }).stdout.trim();
  const lines = [
    `| Behaviour | AWS | vpcpeer | moto ${motoVersion} |`,
    "|---|---|---|---|",
    ...rows.map((r) => `| ${r.name} | ${r.aws} | ${cell(r.vpcpeer)} | ${cell(r.moto)} |`),
    "",
    `vpcpeer: ${rows.filter((r) => r.vpcpeer.ok).length} of ${rows.length} as AWS; moto: ${rows.filter((r) => r.moto.ok).length} of ${rows.length}.`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    say(`${sig}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}

try {
  await main();
} catch (e) {
  say(`failed: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
