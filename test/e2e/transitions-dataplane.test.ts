/**
 * With a data plane, transitional states follow its reports, not a clock: a server with a settle
 * time of 0 and a separate `vpcpeer agent` (its own namespace prefix). While the agent is paused
 * (SIGSTOP; its heartbeat stays fresh for 10 s) nothing is applied, and a VPC stays Pending, an
 * accepted peering provisioning (Tencent: PENDING), a deleted one deleting; once it resumes, each
 * reads as applied when the data plane reports it programmed (or removed).
 */
import * as Vpc from "@alicloud/vpc20160428";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import Database from "better-sqlite3";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import * as tencentcloud from "tencentcloud-sdk-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listNamespaces } from "../../src/dataplane/kernel.ts";
import { isRoot, removeNamespaces, testPrefix } from "../support/netns.ts";
import { BIN, childEnv } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const vpcModule = Vpc as any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const AliVpcClient = (typeof vpcModule.default === "function" ? vpcModule.default : vpcModule.default.default) as new (c: $OpenApiUtil.Config) => any;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!isRoot)("transitional states follow the data plane's reports", () => {
  const prefix = testPrefix();
  let w: TwoTenants;
  let agent: ChildProcess;
  let alice: Tenant;
  let bob: Tenant;
  const call = (who: Tenant, method: string, path: string, body?: unknown) => w.api(who, method, path, body);
  /** Polls until `done` holds (30 s at most: a pass can take seconds on a loaded machine). */
  async function until<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(50)) {
      const v = await read();
      if (done(v)) return v;
    }
    throw new Error(`gave up waiting: last ${JSON.stringify(await read())}`);
  }
  /** Reads `read` for `ms` while the agent is paused; every answer must satisfy `expected`. */
  async function holds<T>(ms: number, read: () => Promise<T>, expected: (v: T) => void): Promise<void> {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) expected(await read());
  }
  /**
   * Stops the agent at a moment it holds no write lock on the shared SQLite store: stopped inside a
   * write transaction (its heartbeat, a status report), it would hold the lock while stopped and
   * every write of the server would wait for it. So: stop, try to take the write lock at once, and
   * if the agent holds it, let it run a little and try again.
   */
  async function pause(): Promise<void> {
    const db = new Database(join(w.data, "vpcpeer.db"), { timeout: 0 });
    try {
      for (;;) {
        agent.kill("SIGSTOP");
        try {
          db.exec("BEGIN IMMEDIATE; ROLLBACK");
          return;
        } catch (e) {
          if ((e as { code?: string }).code !== "SQLITE_BUSY") throw e;
        }
        agent.kill("SIGCONT");
        await sleep(20);
      }
    } finally {
      db.close();
    }
  }
  const resume = () => agent.kill("SIGCONT");
  const routerNs = (vpcId: string) => `${prefix}-r-${vpcId.slice(4)}`;

  beforeAll(async () => {
    w = await twoTenants("vpcpeer-tr", ["--dataplane", "none", "--settle-ms", "0"]);
    ({ alice, bob } = w);
    agent = spawn(process.execPath, [BIN, "agent", "--data", w.data, "--netns-prefix", prefix], { env: childEnv({ XDG_CONFIG_HOME: w.home }), stdio: "ignore" });
  });
  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      resume();
      agent.kill("SIGTERM");
      await new Promise((r) => agent.once("exit", r));
    }
    await w?.close();
    await removeNamespaces(prefix);
    expect(await listNamespaces(prefix)).toEqual([]);
  });

  it("a VPC is Pending until its router is built; an accepted peering provisioning (PENDING) until programmed; a deleted one deleting until removed", async () => {
    const host = w.server.url.replace("http://", "");
    const ali = new AliVpcClient(new $OpenApiUtil.Config({ accessKeyId: alice.accessKeyId, accessKeySecret: alice.accessKeySecret, endpoint: host, protocol: "http", readTimeout: 30_000, connectTimeout: 10_000, regionId: "cn-hangzhou" }));
    const tencent = new tencentcloud.vpc.v20170312.Client({
      credential: { secretId: alice.accessKeyId, secretKey: alice.accessKeySecret },
      region: "cn-hangzhou",
      profile: { httpProfile: { endpoint: host, protocol: "http://", reqTimeout: 20 } },
    });

    // The agent runs: a first VPC's router gets built (and the agent has said it runs).
    const a = await call(alice, "POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    await until(() => listNamespaces(prefix), (names) => names.includes(routerNs(a.id)));

    // Paused: a new VPC stays Pending (settle time 0 would make it Available at once).
    await pause();
    const created = (await ali.createVpc(new Vpc.CreateVpcRequest({ regionId: "cn-hangzhou", cidrBlock: "172.16.0.0/16" }))).body;
    const vpcStatus = async () => (await ali.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: "cn-hangzhou", vpcId: created.vpcId }))).body.vpcs.vpc[0].status as string;
    await holds(1500, vpcStatus, (s) => expect(s).toBe("Pending"));
    resume();
    await until(vpcStatus, (s) => s === "Available");
    expect(await listNamespaces(prefix)).toContain(routerNs(created.vpcId));

    // Bob's VPC, and a request from Alice; accepted while the agent is paused.
    const b = await call(bob, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "192.168.0.0/16" });
    const p = await call(alice, "POST", "/api/v1/peerings", { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.accountId });
    expect(p).toMatchObject({ state: "pending-acceptance", transition: null });
    await until(() => listNamespaces(prefix), (names) => names.includes(routerNs(b.id)));
    await pause();
    expect(await call(bob, "POST", `/api/v1/peerings/${p.id}/accept`)).toMatchObject({ state: "active", transition: "provisioning" });
    const peering = () => call(alice, "GET", `/api/v1/peerings/${p.id}`);
    const tencentState = async () => (await tencent.DescribeVpcPeeringConnections({ PeeringConnectionIds: [p.id] })).PeerConnectionSet![0]!.State;
    await holds(1500, peering, (v) => expect(v).toMatchObject({ state: "active", transition: "provisioning", dataplane: null }));
    expect(await tencentState()).toBe("PENDING");
    resume();
    const active = await until(peering, (v) => v.transition === null);
    expect(active.dataplane).toMatchObject({ programmed: true, appliedGeneration: active.generation, lastError: null });
    expect(await tencentState()).toBe("ACTIVE");

    // Deleted while paused: deleting as long as the data plane still holds it.
    await pause();
    const deleted = await call(bob, "DELETE", `/api/v1/peerings/${p.id}`);
    expect(deleted.peering).toMatchObject({ state: "deleted", transition: "deleting" });
    await holds(1500, peering, (v) => expect(v).toMatchObject({ state: "deleted", transition: "deleting" }));
    resume();
    await until(peering, (v) => v.transition === null && v.dataplane === null);
  });
});
