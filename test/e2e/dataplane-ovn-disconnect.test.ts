/**
 * The OVN driver when its northbound connection drops: `vpcpeer serve --dataplane ovn --ovn-nb`
 * reaches a one-host lab's NB through a TCP relay this test can cut. While cut, a change is
 * reported as the pass's error (on the resource and in /readyz, `connected: false`) and nothing is
 * pretended; once the relay lets connections through again, the driver reads the whole database
 * again (a fresh monitor snapshot) and applies what it missed, without a change of the store.
 * Then `vpcpeer agent --dataplane ovn --lab D` alone beside a server without a data plane: it
 * writes the rows of another process's changes, and its reports reach that server's API.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { type Server, type Socket, createServer, connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LabInfo, labDown, labUp } from "../../src/dataplane/ovn/lab/lab.ts";
import { missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { parseEndpoint } from "../../src/dataplane/ovn/endpoint.ts";
import { nbName } from "../../src/dataplane/ovn/nb-names.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import type { Acct } from "../support/dataplane-scenarios.ts";
import { isRoot, testPrefix } from "../support/netns.ts";
import { settled } from "../support/ovn-lab.ts";
import { BIN, type ServerProcess, childEnv, runCli, startServer, tempDir } from "../support/process.ts";

const canRun = isRoot && missingTools().length === 0;

/** A TCP relay to `target` on a loopback port; cut() drops every connection and refuses new ones until resume(). */
async function relay(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(target);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `tcp:127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    resume() {
      open = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!canRun)("OVN driver on a one-host lab: a lost northbound connection, and the driver as a separate agent", () => {
  const prefix = testPrefix();
  const data = tempDir("vpcpeer-dpd-");
  const home = tempDir("vpcpeer-dpd-home-");
  const labDir = tempDir("vpo-");
  let lab: LabInfo;
  let link: Awaited<ReturnType<typeof relay>>;
  let server: ServerProcess;
  let acct: Acct;
  let nb: OvsdbClient;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${acct.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return res.json();
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const dataplane = async (): Promise<Record<string, any>> => ((await (await fetch(`${server.url}/readyz`)).json()) as { dataplane: Record<string, unknown> }).dataplane;
  const routerExists = async (vpcId: string) => (await nb.select("OVN_Northbound", "Logical_Router", [["name", "==", nbName(prefix, "r", vpcId)]])).length === 1;
  const until = async (what: string, check: () => Promise<boolean>, ms = 15_000) => {
    for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) if (await check()) return;
    throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  };

  beforeAll(async () => {
    // The account (which makes the store) while the lab starts.
    [lab, acct] = await Promise.all([labUp(labDir.path, { hosts: 1 }), runCli(["account", "create", "--name", "dc", "--data", data.path], { XDG_CONFIG_HOME: home.path }).then((r) => JSON.parse(r.stdout) as Acct)]);
    const ep = parseEndpoint(lab.nb);
    if (ep.kind !== "tcp") throw new Error(`lab NB is not TCP: ${lab.nb}`);
    link = await relay(ep);
    server = await startServer(["--data", data.path, "--dataplane", "ovn", "--ovn-nb", link.endpoint, "--netns-prefix", prefix]);
    nb = await OvsdbClient.connect(lab.nbSocket);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await nb?.close();
    await link?.close();
    if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path);
    for (const d of [data, home, labDir]) d.remove();
  }, 60_000);

  it("reports the lost connection as the pass's error, then rereads the database and applies what it missed", async () => {
    expect(await settled(server.url)).toMatchObject({ mode: "ovn", ovnNb: link.endpoint, connected: true, lastPass: { errors: [] } });
    const before = (await call("POST", "/api/v1/vpcs", { name: "before", region: "cn-hangzhou", cidr: "10.50.0.0/16" })).id as string;
    await until("the first VPC's router", () => routerExists(before));

    link.cut();
    await until("/readyz to say disconnected", async () => (await dataplane()).connected === false);
    const vpc = (await call("POST", "/api/v1/vpcs", { name: "during", region: "cn-hangzhou", cidr: "10.60.0.0/16" })).id as string;
    const subnet = (await call("POST", "/api/v1/subnets", { vpcId: vpc, cidr: "10.60.1.0/24" })).id as string;
    const ins = (await call("POST", "/api/v1/instances", { subnetId: subnet })).id as string;
    await until("a pass that failed on the connection", async () => ((await dataplane()).lastPass?.errors ?? []).some((e: string) => /not connected/.test(e)));
    const status = (await call("GET", `/api/v1/instances/${ins}`)).dataplane;
    expect(status).toMatchObject({ programmed: false, lastError: expect.stringMatching(/OVN northbound .* not connected/) });
    expect(await routerExists(vpc)).toBe(false);

    // Back: the client reconnects (backoff up to 4 s), takes a fresh snapshot, and the pass it wakes applies the VPC.
    link.resume();
    await until("the VPC's router after the reconnection", () => routerExists(vpc));
    await until("a clean pass", async () => {
      const d = await dataplane();
      return d.connected === true && d.lastPass?.errors.length === 0 && !d.busy;
    });
    expect((await call("GET", `/api/v1/instances/${ins}`)).dataplane).toMatchObject({ programmed: true, lastError: null });
    expect(await routerExists(before)).toBe(true);
  }, 90_000);

  it("runs as a separate `vpcpeer agent --dataplane ovn --lab D` beside a server without a data plane", async () => {
    const agentPrefix = testPrefix();
    const store = tempDir("vpcpeer-dpd-agent-");
    const other = JSON.parse((await runCli(["account", "create", "--name", "ag", "--data", store.path], { XDG_CONFIG_HOME: home.path })).stdout) as Acct;
    const plain = await startServer(["--data", store.path]); // --dataplane none
    const agent = spawn(process.execPath, [BIN, "agent", "--dataplane", "ovn", "--lab", labDir.path, "--data", store.path, "--netns-prefix", agentPrefix], { env: childEnv({ XDG_CONFIG_HOME: home.path }), stdio: "ignore" });
    try {
      const post = async (path: string, body: unknown) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        (await (await fetch(`${plain.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${other.token}`, "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as any;
      const vpc = await post("/api/v1/vpcs", { name: "by-agent", region: "cn-shenzhen", cidr: "10.99.0.0/16" });
      const subnet = await post("/api/v1/subnets", { vpcId: vpc.id, cidr: "10.99.1.0/24" });
      const ins = await post("/api/v1/instances", { subnetId: subnet.id });
      // The agent notices another process's write by polling the store and writes the rows under its prefix.
      await until("the VPC's router written by the agent", async () => (await nb.select("OVN_Northbound", "Logical_Router", [["name", "==", nbName(agentPrefix, "r", vpc.id)]])).length === 1);
      // Its reports reach the server's API through the store.
      await until("the instance reported programmed", async () => {
        const got = (await (await fetch(`${plain.url}/api/v1/instances/${ins.id}`, { headers: { authorization: `Bearer ${other.token}` } })).json()) as { dataplane: { programmed: boolean } | null };
        return got.dataplane?.programmed === true;
      });
    } finally {
      agent.kill("SIGTERM");
      await new Promise((r) => agent.once("exit", r));
      await plain.stop();
      store.remove();
    }
  }, 60_000);
});
