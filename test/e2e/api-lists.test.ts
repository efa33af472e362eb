/**
 * The native lists through the front door, on both stores: `q`, `sort`, the filters of each list
 * and keyset pages (docs/api.md "Lists"). Every answer is checked against the whole list filtered
 * and sorted in memory.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { LIST_SORTS } from "../../src/domain/resources.ts";
import { TestClock } from "../support/clock.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";
import { type ListPage, type Listed, readAllPages, sortedIds } from "../support/lists.ts";

type Acct = { id: string; token: string };
type Item = Listed & Record<string, unknown>;

const REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing"];
/** VPC names: LIKE's wildcards, case pairs, shared names (ties by id), non-ASCII. */
const vpcName = (i: number) => ["web-%d", "Web_%d", "100%-%d", "100x-%d", "a_b", "axb", "DB %d", "dB %d", "été-%d", "Zeta"][i % 10]!.replace("%d", String(i % 7));

describe.each(BACKENDS)("native lists on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  const clock = new TestClock();
  const call = (a: Acct, method: "GET" | "POST" | "PATCH" | "DELETE", url: string, body?: unknown) => h.call(a.token, method, url, body);
  const ok = async (a: Acct, method: "POST" | "GET", url: string, body?: unknown) => {
    const r = await call(a, method, url, body);
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    return r.body;
  };
  const vpcs: Item[] = [];

  /** A whole list (one page of up to 1000), in the default order. */
  const everything = async (a: Acct, path: string, query = ""): Promise<Item[]> => {
    const r = await call(a, "GET", `${path}?limit=1000${query}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.nextCursor).toBeNull();
    return r.body.items;
  };
  /** Every page of a list with this query, limit per page. */
  const pages = (a: Acct, path: string, query: string, limit: number) =>
    readAllPages(async (cursor) => {
      const r = await call(a, "GET", `${path}?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body as ListPage;
    }, limit);
  const qs = (params: Record<string, string | undefined>) =>
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `&${k}=${encodeURIComponent(v!)}`)
      .join("");
  /**
   * The list with `filters` answers, for each sort and `q`, what the whole list filtered by `keep`
   * (the filters' meaning) and `q`, sorted in memory, holds; read in pages of `limit`.
   */
  const check = async (a: Acct, path: string, filters: Record<string, string>, keep: (item: Item) => boolean, qs_: (string | undefined)[], limit = 7) => {
    const all = await everything(a, path);
    const kept = all.filter(keep);
    for (const sort of LIST_SORTS) {
      for (const q of qs_) {
        const got = await pages(a, path, qs({ ...filters, sort, q }), limit);
        expect(got, `${path} ${JSON.stringify({ ...filters, sort, q })}`).toEqual(sortedIds(kept, sort, q));
      }
    }
    return kept;
  };

  beforeAll(async () => {
    const config = defaultConfig();
    config.limits.vpcsPerRegion = 100;
    config.limits.pendingPeeringsPerAccount = 100;
    h = await harness(backend, { config, clock });
    alice = await h.account();
    bob = await h.account();
    // 156 VPCs in three regions, created a dozen at a time (shared creation times: ties by id).
    for (let i = 0; i < 156; i += 12) {
      const batch = Array.from({ length: 12 }, (_, j) => i + j);
      vpcs.push(...(await Promise.all(batch.map((k) => ok(alice, "POST", "/api/v1/vpcs", { name: vpcName(k), region: REGIONS[k % 3], cidr: `10.${k}.0.0/16` })))));
    }
    await ok(bob, "POST", "/api/v1/vpcs", { name: "web-1", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
  }, 120_000);
  afterAll(() => h?.close());

  it.each(LIST_SORTS)("pages through 156 VPCs and their 156 route tables sorted by %s, 7 at a time, each once and in order", async (sort) => {
    const all = await everything(alice, "/api/v1/vpcs");
    expect(all).toHaveLength(156);
    expect(await pages(alice, "/api/v1/vpcs", `&sort=${sort}`, 7)).toEqual(sortedIds(all, sort));
    const tables = await everything(alice, "/api/v1/route-tables");
    expect(tables).toHaveLength(156);
    expect(await pages(alice, "/api/v1/route-tables", `&sort=${sort}`, 7)).toEqual(sortedIds(tables, sort));
  });

  it("keeps today's order without sort: oldest first, ties by id", async () => {
    expect((await everything(alice, "/api/v1/vpcs")).map((v) => v.id)).toEqual(sortedIds(vpcs, "createdAt"));
  });

  it("searches VPCs by name or id, `%` and `_` meaning themselves, A-Z in either case; filters by region", async () => {
    const names = async (q: string) => (await everything(alice, "/api/v1/vpcs", qs({ q }))).map((v) => v.name);
    expect(new Set(await names("100%"))).toEqual(new Set(vpcs.filter((v) => v.name.startsWith("100%")).map((v) => v.name)));
    expect(await names("100%")).not.toContain("100x-0");
    expect(new Set(await names("a_b"))).toEqual(new Set(["a_b"]));
    expect(new Set(await names("WEB_"))).toEqual(new Set(vpcs.filter((v) => v.name.startsWith("Web_")).map((v) => v.name)));
    expect(new Set(await names("db "))).toEqual(new Set(vpcs.filter((v) => /^db /i.test(v.name)).map((v) => v.name)));
    // Non-ASCII letters match only as written.
    expect((await names("ÉTÉ")).length).toBe(0);
    expect((await names("été")).length).toBeGreaterThan(0);
    const one = vpcs[40]!;
    expect((await everything(alice, "/api/v1/vpcs", qs({ q: one.id.toUpperCase() }))).map((v) => v.id)).toEqual([one.id]);
    // Never another account's.
    expect((await everything(bob, "/api/v1/vpcs", qs({ q: "web" }))).map((v) => v.name)).toEqual(["web-1"]);
    await check(alice, "/api/v1/vpcs", { region: "cn-shanghai" }, (v) => v.region === "cn-shanghai", [undefined, "web", "_", "%"]);
  });

  it("refuses a cursor sent with another sort, q or filter: 400 InvalidCursor naming cursor", async () => {
    const first = (await call(alice, "GET", "/api/v1/vpcs?limit=7&sort=-name")).body;
    const cursor = encodeURIComponent(first.nextCursor);
    expect((await call(alice, "GET", `/api/v1/vpcs?limit=3&sort=-name&cursor=${cursor}`)).status).toBe(200);
    for (const query of ["sort=name", "", "sort=-createdAt", "sort=-name&q=web", "sort=-name&region=cn-hangzhou", "sort=-name&tag=env"]) {
      const r = await call(alice, "GET", `/api/v1/vpcs?limit=7&${query}&cursor=${cursor}`);
      expect({ query, status: r.status, code: r.body.error?.code, field: r.body.error?.details?.field }).toEqual({ query, status: 400, code: "InvalidCursor", field: "cursor" });
      expect(r.body.error.message).toMatch(/^cursor: /);
    }
    const other = await call(alice, "GET", `/api/v1/route-tables?limit=7&sort=-name&cursor=${cursor}`);
    expect(other.body.error.code).toBe("InvalidCursor");
    expect((await call(alice, "GET", "/api/v1/vpcs?cursor=zzz")).body.error).toMatchObject({ code: "InvalidCursor", details: { field: "cursor" } });
  });

  // The OpenAPI document does not depend on the store: checked once.
  it.runIf(backend === "sqlite")("documents q, sort and each list's filters in /openapi.json", async () => {
    const doc = (await h.app.inject({ method: "GET", url: "/openapi.json" })).json();
    const params = (path: string) => Object.fromEntries((doc.paths[path].get.parameters as { name: string; description?: string; schema: unknown }[]).map((p) => [p.name, p]));
    for (const path of ["/api/v1/vpcs", "/api/v1/vbrs", "/api/v1/subnets", "/api/v1/route-tables", "/api/v1/instances", "/api/v1/peerings", "/api/v1/router-interfaces"]) {
      const p = params(path);
      expect(p.q?.description, path).toMatch(/id or name contains/);
      expect(p.sort?.description, path).toMatch(/-createdAt/);
      expect(p.cursor?.description, path).toMatch(/nextCursor/);
    }
    expect(params("/api/v1/peerings").lifecycle?.description).toMatch(/^live: /);
    expect(params("/api/v1/peerings").region?.description).toMatch(/Either side/);
    expect(Object.keys(params("/api/v1/router-interfaces"))).toEqual(expect.arrayContaining(["region", "status", "role", "routerId"]));
    expect(Object.keys(params("/api/v1/vbrs"))).toContain("region");
  });

  // Query validation happens before any SQL: checked once.
  it.runIf(backend === "sqlite")("validates q, sort and lifecycle, naming the field", async () => {
    const cases: [string, RegExp][] = [
      ["/api/v1/vpcs?q=", /querystring\.q/],
      [`/api/v1/vpcs?q=${"x".repeat(129)}`, /querystring\.q/],
      ["/api/v1/subnets?sort=size", /querystring\.sort must be one of "createdAt", "-createdAt", "name" or "-name" \(got "size"\)/],
      ["/api/v1/peerings?lifecycle=dead", /querystring\.lifecycle must be one of "live" or "ended"/],
      ["/api/v1/router-interfaces?status=Up", /querystring\.status/],
      // An empty region is refused by every list that filters by region, not read as "any".
      ...["vpcs", "vbrs", "peerings", "router-interfaces"].map((l): [string, RegExp] => [`/api/v1/${l}?region=`, /querystring\.region/]),
    ];
    for (const [url, message] of cases) {
      const r = await call(alice, "GET", url);
      expect({ url, status: r.status, code: r.body.error.code }).toEqual({ url, status: 400, code: "InvalidRequest" });
      expect(r.body.error.message).toMatch(message);
    }
    expect((await call(alice, "GET", `/api/v1/vpcs?q=${"x".repeat(128)}`)).status).toBe(200);
  });

  it("searches, sorts and filters subnets, route tables, instances and VBRs", async () => {
    const [v0, v1] = [vpcs.find((v) => v.region === "cn-hangzhou")!, vpcs.filter((v) => v.region === "cn-hangzhou")[1]!];
    for (let i = 0; i < 10; i++) {
      const vpc = i % 2 ? v1 : v0;
      const cidr = (vpc.cidr as string).replace(/\.0\.0\/16$/, `.${i}.0/24`);
      await ok(alice, "POST", "/api/v1/subnets", { vpcId: vpc.id, cidr, name: ["app_1", "App-2", "db%", ""][i % 4] });
    }
    await ok(alice, "POST", "/api/v1/route-tables", { vpcId: v0.id, name: "custom_A" });
    await ok(alice, "POST", "/api/v1/route-tables", { vpcId: v0.id, name: "Custom-b" });
    await check(alice, "/api/v1/subnets", { vpcId: v0.id as string }, (s) => s.vpcId === v0.id, [undefined, "APP", "%", "subnet-"], 2);
    await check(alice, "/api/v1/route-tables", { vpcId: v0.id as string }, (t) => t.vpcId === v0.id, [undefined, "custom_", "rtb"], 2);
    const subnet = (await everything(alice, "/api/v1/subnets", qs({ vpcId: v0.id as string })))[0]!;
    for (const name of ["i-one", "I_two", "three", "", "one%"]) await ok(alice, "POST", "/api/v1/instances", { subnetId: subnet.id, name });
    await check(alice, "/api/v1/instances", {}, () => true, [undefined, "ONE", "_", "ins-"], 2);
    let n = 0;
    for (const region of REGIONS) {
      for (const name of ["edge", "Edge_2", "dc%"]) await ok(alice, "POST", "/api/v1/vbrs", { region, name, onPremisesCidrs: [`192.168.${n++}.0/24`] });
    }
    await check(alice, "/api/v1/vbrs", { region: "cn-beijing" }, (v) => v.region === "cn-beijing", [undefined, "edge", "%"], 2);
    await check(alice, "/api/v1/vbrs", {}, () => true, ["E"], 4);
  });

  it("filters router interfaces by status, role, routerId and region, with q and every sort", async () => {
    const hz = vpcs.filter((v) => v.region === "cn-hangzhou");
    const sh = vpcs.filter((v) => v.region === "cn-shanghai");
    // Connected pairs (Active initiator and acceptor) and lone initiators (Idle), in two regions.
    const pairs: [Item, Item][] = [
      [hz[2]!, hz[3]!],
      [sh[2]!, sh[3]!],
      [hz[4]!, sh[4]!],
    ];
    for (const [i, [a, b]] of pairs.entries()) {
      await ok(alice, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", withAcceptor: true, opposite: { routerType: "vpc", routerId: b.id, region: b.region }, name: `pair_${i}` });
      await ok(alice, "POST", "/api/v1/router-interfaces", { role: "initiator", routerType: "vpc", routerId: a.id, spec: "Small.1", opposite: { routerType: "vpc", routerId: hz[5]!.id }, name: `Lone%${i}` });
    }
    const all = await everything(alice, "/api/v1/router-interfaces");
    expect(new Set(all.map((r) => r.status))).toEqual(new Set(["Active", "Idle"]));
    await check(alice, "/api/v1/router-interfaces", { status: "Active" }, (r) => r.status === "Active", [undefined, "PAIR"], 2);
    await check(alice, "/api/v1/router-interfaces", { role: "acceptor" }, (r) => r.role === "acceptor", [undefined, "ri-"], 2);
    await check(alice, "/api/v1/router-interfaces", { routerId: hz[2]!.id as string }, (r) => r.routerId === hz[2]!.id, [undefined, "%"], 1);
    await check(alice, "/api/v1/router-interfaces", { region: "cn-shanghai", status: "Idle" }, (r) => r.region === "cn-shanghai" && r.status === "Idle", [undefined], 1);
  });

  it("filters peerings by region (either side), role and lifecycle; live and ended make up the whole list", async () => {
    const hz = vpcs.filter((v) => v.region === "cn-hangzhou");
    const sh = vpcs.filter((v) => v.region === "cn-shanghai");
    const bv: Item[] = [];
    for (let k = 0; k < 6; k++) bv.push(await ok(bob, "POST", "/api/v1/vpcs", { name: `b-${k}`, region: REGIONS[k % 2], cidr: `172.16.${k}.0/24` }));
    const peer = (from: Acct, vpc: Item, to: Item, toAccount: Acct, name: string) =>
      ok(from, "POST", "/api/v1/peerings", { vpcId: vpc.id, peerVpcId: to.id, peerAccountId: toAccount.id, peerRegion: to.region, name, ...(vpc.region === to.region ? {} : { bandwidthMbps: 10 }) });
    const names = ["Core%", "core_x", "edge"];
    // Requests to bob that he leaves unanswered past their expiry.
    const early: Item[] = [];
    for (let i = 0; i < 4; i++) early.push(await peer(alice, hz[10 + i]!, bv[i]!, bob, `old_${i}`));
    clock.advanceHours(24 * 8);
    // Requests bob accepts, rejects, or alice withdraws; peerings within alice's account (active at once); requests from bob.
    const fresh: Item[] = [];
    for (let i = 0; i < 6; i++) fresh.push(await peer(alice, sh[10 + i]!, bv[i]!, bob, names[i % 3]!));
    await ok(bob, "POST", `/api/v1/peerings/${fresh[0]!.id}/accept`);
    await ok(bob, "POST", `/api/v1/peerings/${fresh[1]!.id}/accept`);
    await ok(bob, "POST", `/api/v1/peerings/${fresh[2]!.id}/reject`);
    expect((await call(alice, "DELETE", `/api/v1/peerings/${fresh[3]!.id}`)).status).toBe(200);
    for (let i = 0; i < 4; i++) await peer(alice, hz[30 + i]!, i % 2 ? sh[30 + i]! : hz[34 + i]!, alice, names[(i + 1) % 3]!);
    const fromBob: Item[] = [];
    for (let i = 0; i < 3; i++) fromBob.push(await peer(bob, bv[i]!, hz[40 + i]!, alice, `from-bob ${i}`));
    await ok(alice, "POST", `/api/v1/peerings/${fromBob[0]!.id}/accept`);

    const all = await everything(alice, "/api/v1/peerings");
    // 17, and the three the connected router interfaces made (the test before).
    expect(all).toHaveLength(20);
    const isLive = (p: Item) => ["pending-acceptance", "active", "inactive", "suspended"].includes(p.state as string);
    expect(all.filter((p) => early.some((e) => e.id === p.id)).map((p) => p.state)).toEqual(["expired", "expired", "expired", "expired"]);
    expect(new Set(all.map((p) => p.state))).toEqual(new Set(["expired", "active", "rejected", "deleted", "pending-acceptance"]));
    const live = await check(alice, "/api/v1/peerings", { lifecycle: "live" }, isLive, [undefined, "core"], 3);
    const ended = await check(alice, "/api/v1/peerings", { lifecycle: "ended" }, (p) => !isLive(p), [undefined, "_"], 3);
    expect([...live, ...ended].map((p) => p.id).sort()).toEqual(all.map((p) => p.id).sort());
    expect(ended.map((p) => p.id).sort()).toEqual([...early.map((e) => e.id), fresh[2]!.id, fresh[3]!.id].sort());
    await check(alice, "/api/v1/peerings", { region: "cn-shanghai" }, (p) => [(p.requester as Item).region, (p.accepter as Item).region].includes("cn-shanghai"), [undefined, "%"], 4);
    await check(alice, "/api/v1/peerings", { role: "accepter", lifecycle: "live" }, (p) => (p.accepter as Item).accountId === alice.id && isLive(p), [undefined], 2);
    await check(alice, "/api/v1/peerings", { state: "expired" }, (p) => p.state === "expired", [undefined], 2);
    await check(alice, "/api/v1/peerings", { vpcId: bv[0]!.id as string, lifecycle: "ended" }, (p) => [(p.requester as Item).vpcId, (p.accepter as Item).vpcId].includes(bv[0]!.id) && !isLive(p), [undefined], 1);
    // Bob sees the peerings he is party to, whichever side.
    await check(bob, "/api/v1/peerings", {}, () => true, [undefined, "FROM-BOB"], 1);
    await check(bob, "/api/v1/peerings", { role: "requester" }, (p) => (p.requester as Item).accountId === bob.id, [undefined], 2);
  });

  it("pages by name through the longest names, whatever their characters (the cursor carries the name)", async () => {
    const long = ["\u0001".repeat(128), '"'.repeat(128), "😀".repeat(64), "\\".repeat(128)];
    for (const [i, name] of long.entries()) await ok(alice, "POST", "/api/v1/vpcs", { name, region: "cn-beijing", cidr: `10.${200 + i}.0.0/16` });
    const all = await everything(alice, "/api/v1/vpcs", "&region=cn-beijing");
    for (const sort of ["name", "-name"] as const) expect(await pages(alice, "/api/v1/vpcs", `&region=cn-beijing&sort=${sort}`, 1)).toEqual(sortedIds(all, sort));
  });
});
