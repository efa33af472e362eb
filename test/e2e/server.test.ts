/** The server process: durability across kill -9, OpenAPI and docs, health, readiness and metrics. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

describe("vpcpeer serve", () => {
  const data = tempDir("vpcpeer-serve-");
  const home = tempDir("vpcpeer-serve-home-");
  let server: ServerProcess;
  let token: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
  };

  beforeAll(async () => {
    token = JSON.parse((await runCli(["account", "create", "--name", "durable", "--data", data.path], { XDG_CONFIG_HOME: home.path })).stdout).token;
    server = await startServer(["--data", data.path]);
  });
  afterAll(async () => {
    await server?.stop();
    data.remove();
    home.remove();
  });

  it("keeps every acknowledged write across kill -9", async () => {
    const acked: string[] = [];
    // Writes in flight when the process dies may or may not land; every acknowledged one must.
    const writer = (async () => {
      for (let i = 0; i < 400; i++) {
        const r = await api("POST", "/api/v1/vpcs", { name: `d${i}`, region: "cn-hangzhou", cidr: "10.0.0.0/16" }).catch(() => null);
        if (!r) return;
        if (r.status === 201) acked.push(r.body.id);
      }
    })();
    while (acked.length < 20) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    await writer;
    server = await startServer(["--data", data.path]);
    const listed = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api("GET", `/api/v1/vpcs?limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      for (const v of page.body.items) listed.add(v.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(acked.length).toBeGreaterThanOrEqual(20);
    for (const id of acked) expect(listed.has(id)).toBe(true);
    // And every VPC that exists is whole: its default route table exists too.
    for (const id of listed) {
      const vpc = (await api("GET", `/api/v1/vpcs/${id}`)).body;
      expect((await api("GET", `/api/v1/route-tables/${vpc.defaultRouteTableId}`)).status).toBe(200);
    }
  });

  it("publishes a complete OpenAPI 3.1 document and renders it at /docs", async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    const paths = Object.keys(doc.paths);
    for (const p of ["/api/v1/vpcs", "/api/v1/vpcs/{id}", "/api/v1/subnets", "/api/v1/subnets/{id}/route-table", "/api/v1/route-tables/{id}/routes", "/api/v1/route-tables/{id}/routes/{routeId}", "/api/v1/vbrs", "/api/v1/instances", "/api/v1/regions"]) {
      expect(paths).toContain(p);
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Vpc", "Subnet", "Route", "RouteTable", "Vbr", "Instance", "Error"]));
    const create = doc.paths["/api/v1/vpcs"].post;
    expect(create.requestBody.content["application/json"].schema.required).toEqual(expect.arrayContaining(["name", "region", "cidr"]));
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "409"]));
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it("answers /healthz, /readyz and /metrics", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({ status: "ready", store: "sqlite" });
    await api("GET", "/api/v1/vpcs?limit=1");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/vpcpeer_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/vpcs",status="200"\} [1-9]/);
    expect(metrics).toMatch(/vpcpeer_process_resident_memory_bytes/);
    // The same list read again with nothing written in between is served by the read cache.
    await api("GET", "/api/v1/vpcs?limit=1");
    const after = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/^vpcpeer_read_cache_hits_total (\d+)$/m.exec(after)?.[1])).toBeGreaterThan(0);
    expect(after).toMatch(/^vpcpeer_read_cache_entries [1-9]/m);
  });

  it("serves, from two servers on one SQLite file, every read as of the last write through either", async () => {
    const other = await startServer(["--data", data.path]);
    try {
      const via = async (url: string, method: string, path: string, body?: unknown) => {
        const res = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
          ...(body ? { body: JSON.stringify(body) } : {}),
        });
        return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
      };
      const vpc = (await via(server.url, "POST", "/api/v1/vpcs", { name: "shared", region: "cn-hangzhou", cidr: "10.9.0.0/16" })).body;
      for (let i = 0; i < 5; i++) {
        // Read on both (so that both cache it), write through one, read on the other at once.
        const [writer, reader] = i % 2 ? [other.url, server.url] : [server.url, other.url];
        expect((await via(reader, "GET", `/api/v1/vpcs/${vpc.id}`)).body.tags).toEqual(i === 0 ? {} : { round: String(i - 1) });
        expect((await via(writer, "GET", `/api/v1/vpcs/${vpc.id}`)).status).toBe(200);
        expect((await via(writer, "PATCH", `/api/v1/vpcs/${vpc.id}`, { tags: { round: String(i) } })).status).toBe(200);
        expect((await via(reader, "GET", `/api/v1/vpcs/${vpc.id}`)).body.tags).toEqual({ round: String(i) });
        expect((await via(reader, "GET", `/api/v1/vpcs?tag=round=${i}`)).body.items.map((v: { id: string }) => v.id)).toEqual([vpc.id]);
      }
      expect((await via(other.url, "DELETE", `/api/v1/vpcs/${vpc.id}`)).status).toBe(204);
      expect((await via(server.url, "GET", `/api/v1/vpcs/${vpc.id}`)).status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it("refuses a process whose master key differs from the store's", async () => {
    const other = Buffer.alloc(32, 9).toString("base64");
    const r = await runCli(["account", "create", "--name", "intruder", "--data", data.path], { XDG_CONFIG_HOME: home.path, VPCPEER_MASTER_KEY: other });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/encrypted under master key [0-9a-f]{16}, but this process has key [0-9a-f]{16}/);
  });

  it("refuses a bad port or an unknown data plane mode with a clear message", async () => {
    const port = await runCli(["serve", "--port", "99999", "--data", data.path], { XDG_CONFIG_HOME: home.path });
    expect(port.code).toBe(1);
    expect(port.stderr).toMatch(/--port/);
    const dp = await runCli(["serve", "--dataplane", "bogus", "--data", data.path], { XDG_CONFIG_HOME: home.path });
    expect(dp.code).toBe(1);
    expect(dp.stderr).toMatch(/--dataplane/);
    const cache = await runCli(["serve", "--read-cache-mb", "lots", "--data", data.path], { XDG_CONFIG_HOME: home.path });
    expect(cache.code).toBe(1);
    expect(cache.stderr).toMatch(/option '--read-cache-mb <mb>' argument 'lots' is invalid. It must be a number of MB from 0 to 65536/);
  });
});
