/**
 * Two `vpcpeer serve` processes on one store: the database, not the process, decides races.
 * PostgreSQL is the scale-out configuration; two processes on one SQLite file must hold too.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { openRuntime } from "../../src/main.ts";
import { BACKENDS, TEST_MASTER_KEY, type TestDb, freshDb } from "../support/harness.ts";
import { type ServerProcess, startServer } from "../support/process.ts";

async function call(url: string, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

describe.each(BACKENDS)("two server processes on one %s store", (backend) => {
  let db: TestDb;
  let servers: ServerProcess[] = [];
  let token: string;

  beforeAll(async () => {
    db = await freshDb(backend);
    const rt = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    token = (await rt.services.accounts.create("racer")).token;
    await rt.close();
    const storeArgs = db.databaseUrl ? ["--database", db.databaseUrl] : ["--data", db.dataDir!];
    servers = await Promise.all([startServer(storeArgs), startServer(storeArgs)]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await db?.drop();
  });

  it("overlapping subnets sent to both servers at once: exactly one succeeds", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const vpc = (await call(a, token, "POST", "/api/v1/vpcs", { name: "m", region: "cn-hangzhou", cidr: "10.0.0.0/16" })).body;
    for (let round = 0; round < 3; round++) {
      const cidrs = ["/24", "/25", "/23", "/26", "/22", "/24"].map((p) => `10.0.${round * 8}.0${p}`);
      const results = await Promise.all(cidrs.map((cidr, i) => call(i % 2 ? b : a, token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr })));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status !== 201).map((r) => r.body.error.code)).toEqual(Array(5).fill("CidrOverlap"));
    }
    expect((await call(b, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}`)).body.items).toHaveLength(3);
  });

  it("more subnets than a VPC's quota asked of both servers at once: exactly the quota is created", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const limit = defaultConfig().limits.subnetsPerVpc;
    const vpc = (await call(a, token, "POST", "/api/v1/vpcs", { name: "sq", region: "cn-shanghai", cidr: "10.8.0.0/16" })).body;
    // Distinct /28s: only the quota can refuse them.
    const results = await Promise.all(
      Array.from({ length: limit + 10 }, (_, i) => call(i % 2 ? b : a, token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: `10.8.${i >> 4}.${(i & 15) * 16}/28` })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(limit);
    expect(results.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error.code, r.body.error.details.current])).toEqual(Array(10).fill([409, "LimitExceeded", limit]));
    const listed = await call(b, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}&limit=${limit}`);
    expect([listed.body.items.length, listed.body.nextCursor]).toEqual([limit, null]);
  });

  it("a subnet asked of one server in a VPC the other server deleted answers like a missing VPC", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    // Made through a, which remembers it for the subnets that follow; deleted through b.
    const vpc = (await call(a, token, "POST", "/api/v1/vpcs", { name: "gone", region: "cn-beijing", cidr: "10.9.0.0/16" })).body;
    expect((await call(a, token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.9.0.0/24" })).status).toBe(201);
    const first = (await call(a, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}`)).body.items[0];
    expect((await call(b, token, "DELETE", `/api/v1/subnets/${first.id}`)).status).toBe(204);
    expect((await call(b, token, "DELETE", `/api/v1/vpcs/${vpc.id}`)).status).toBe(204);
    const late = await call(a, token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.9.1.0/24" });
    expect([late.status, late.body.error.code, late.body.error.details.field]).toEqual([404, "ResourceNotFound", "vpcId"]);
  });

  it("60 VPCs asked of both servers at once in one region: exactly the quota of 50 is created", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const limit = defaultConfig().limits.vpcsPerRegion;
    const results = await Promise.all(
      Array.from({ length: limit + 10 }, (_, i) => call(i % 2 ? b : a, token, "POST", "/api/v1/vpcs", { name: `q${i}`, region: "us-west-2", cidr: "10.2.0.0/16" })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(limit);
    expect(results.filter((r) => r.status !== 201).map((r) => [r.status, r.body.error.code])).toEqual(Array(10).fill([409, "LimitExceeded"]));
    expect((await call(b, token, "GET", "/api/v1/vpcs?region=us-west-2&limit=100")).body.items).toHaveLength(limit);
  });

  it("one Idempotency-Key sent to both servers at once creates one VPC", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const body = { name: "same", region: "ap-singapore", cidr: "10.1.0.0/16" };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? b : a, token, "POST", "/api/v1/vpcs", body, { "idempotency-key": "two-servers" })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect((await call(a, token, "GET", "/api/v1/vpcs?region=ap-singapore")).body.items).toHaveLength(1);
  });

  it("50 concurrent accept/reject/delete calls on one pending peering end in one consistent outcome", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const rt = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    const accepter = await rt.services.accounts.create(`acc-${Date.now()}`);
    await rt.close();
    for (let round = 0; round < 2; round++) {
      const v1 = (await call(a, token, "POST", "/api/v1/vpcs", { name: "r", region: "cn-shanghai", cidr: `10.${100 + round}.0.0/16` })).body;
      const v2 = (await call(b, accepter.token, "POST", "/api/v1/vpcs", { name: "r", region: "cn-shanghai", cidr: `172.${16 + round}.0.0/16` })).body;
      const p = (await call(a, token, "POST", "/api/v1/peerings", { vpcId: v1.id, peerVpcId: v2.id, peerAccountId: accepter.accountId })).body;
      const calls = Array.from({ length: 50 }, (_, i) => {
        const url = i % 2 ? a : b;
        if (i % 5 === 4) return call(url, token, "DELETE", `/api/v1/peerings/${p.id}`).then((r) => ({ op: "delete", ...r }));
        const op = i % 5 < 2 ? "accept" : "reject";
        return call(url, accepter.token, "POST", `/api/v1/peerings/${p.id}/${op}`).then((r) => ({ op, ...r }));
      });
      const results = await Promise.all(calls);
      const odd = results.filter((r) => !(r.status === 200 || (r.status === 409 && r.body.error.code === "InvalidPeeringState")));
      expect(odd.map((r) => [r.op, r.status, r.body.error?.code])).toEqual([]);
      const wins = results.filter((r) => r.status === 200);
      const answers = wins.filter((r) => r.op !== "delete" || r.body.peering.stateReason.code === "Cancelled");
      expect(results.filter((r) => r.status >= 500)).toEqual([]);
      expect(answers).toHaveLength(1); // exactly one of accept, reject or cancel decided the request
      const final = (await call(a, token, "GET", `/api/v1/peerings/${p.id}`)).body.state;
      const winner = answers[0]!;
      const deletesAfter = wins.filter((r) => r !== winner);
      if (winner.op === "accept") expect(final).toBe(deletesAfter.length ? "deleted" : "active");
      else expect(final).toBe(winner.op === "reject" ? "rejected" : "deleted");
      expect(deletesAfter.length).toBeLessThanOrEqual(1);
      // One event per transition for the requester: what happened is what was recorded.
      const events = (await call(a, token, "GET", `/api/v1/events?resourceId=${p.id}`)).body.items.map((e: { type: string }) => e.type);
      expect(events).toEqual(["peering.requested", `peering.${winner.op === "accept" ? "active" : winner.op === "reject" ? "rejected" : "deleted"}`, ...deletesAfter.map(() => "peering.deleted")]);
    }
  });

  it("a change through one server is seen by a GET on the other as soon as the first has answered (read caches)", async () => {
    const [a, b] = servers.map((s) => s.url) as [string, string];
    const hits = async (url: string) => Number(/^vpcpeer_read_cache_hits_total (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1] ?? NaN);
    const before = await Promise.all([hits(a), hits(b)]);
    const vpc = (await call(a, token, "POST", "/api/v1/vpcs", { name: "seen", region: "cn-beijing", cidr: "10.7.0.0/16" })).body;
    const subnet = (await call(b, token, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.7.1.0/24", name: "s" })).body;
    for (let i = 0; i < 6; i++) {
      // Both have it cached (read twice), then one writes and the other reads at once.
      const [writer, reader] = i % 2 ? [b, a] : [a, b];
      for (const url of [reader, writer, reader]) expect((await call(url, token, "GET", `/api/v1/vpcs/${vpc.id}`)).status).toBe(200);
      await call(reader, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}`);
      expect((await call(writer, token, "PATCH", `/api/v1/vpcs/${vpc.id}`, { name: `n${i}`, tags: { round: String(i) } })).status).toBe(200);
      const got = (await call(reader, token, "GET", `/api/v1/vpcs/${vpc.id}`)).body;
      expect([got.name, got.tags]).toEqual([`n${i}`, { round: String(i) }]);
      expect((await call(reader, token, "GET", `/api/v1/vpcs?region=cn-beijing&tag=round=${i}`)).body.items.map((v: { id: string }) => v.id)).toEqual([vpc.id]);
      expect((await call(writer, token, "PATCH", `/api/v1/subnets/${subnet.id}`, { name: `s${i}` })).status).toBe(200);
      expect((await call(reader, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}`)).body.items.map((s: { name: string }) => s.name)).toEqual([`s${i}`]);
    }
    expect((await call(a, token, "DELETE", `/api/v1/subnets/${subnet.id}`)).status).toBe(204);
    expect((await call(b, token, "GET", `/api/v1/subnets/${subnet.id}`)).status).toBe(404);
    expect((await call(b, token, "GET", `/api/v1/subnets?vpcId=${vpc.id}`)).body.items).toEqual([]);
    // Both caches served reads (the repeated GETs above), so what was checked is the cache's freshness.
    const after = await Promise.all([hits(a), hits(b)]);
    expect(after[0]).toBeGreaterThan(before[0]!);
    expect(after[1]).toBeGreaterThan(before[1]!);
  });

  it("serves /readyz and stops cleanly on SIGTERM", async () => {
    const ready = await fetch(`${servers[0]!.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", store: backend });
    expect(await servers[1]!.stop()).toBe(0);
  });
});
