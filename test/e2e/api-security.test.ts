/** Authentication on every tenant route, and tenant isolation without existence leaks. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("authentication and isolation on %s", (backend) => {
  let h: Harness;
  let alice: { token: string; id: string };
  let bob: { token: string; id: string };
  let res: { vpc: any; subnet: any; rtb: any; vbr: any; instance: any; route: any };

  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account("alice");
    bob = await h.account("bob");
    const a = (m: "POST", u: string, b: unknown) => h.call(alice.token, m, u, b).then((r) => r.body);
    const vpc = await a("POST", "/api/v1/vpcs", { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const subnet = await a("POST", "/api/v1/subnets", { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    const rtb = await a("POST", "/api/v1/route-tables", { vpcId: vpc.id, name: "t" });
    const vbr = await a("POST", "/api/v1/vbrs", { name: "idc", region: "cn-hangzhou", onPremisesCidrs: ["192.168.0.0/24"] });
    const instance = await a("POST", "/api/v1/instances", { subnetId: subnet.id });
    const route = await a("POST", `/api/v1/route-tables/${rtb.id}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "vbr", id: vbr.id } });
    res = { vpc, subnet, rtb, vbr, instance, route };
  });
  afterAll(() => h?.close());

  it("requires a valid bearer token on every /api/v1 route in the OpenAPI document", async () => {
    const doc = (await h.app.inject({ url: "/openapi.json" })).json();
    const paths = Object.entries(doc.paths as Record<string, Record<string, unknown>>).filter(([p]) => p.startsWith("/api/v1"));
    expect(paths.length).toBeGreaterThan(10);
    for (const [path, ops] of paths) {
      const url = path.replace("{id}", res.vpc.id).replace("{routeId}", "local");
      for (const method of Object.keys(ops)) {
        for (const authorization of [undefined, "Bearer vpt_wrong", "Basic abc", `Bearer ${alice.token}x`]) {
          const r = await h.app.inject({ method: method.toUpperCase() as "GET", url, headers: authorization ? { authorization } : {} });
          expect({ method, path, authorization, status: r.statusCode }).toEqual({ method, path, authorization, status: 401 });
          expect(r.json().error.code).toBe("Unauthenticated");
          expect(r.headers["www-authenticate"]).toMatch(/Bearer/);
        }
      }
    }
  });

  it("answers another account's resources exactly like missing ones, for every verb", async () => {
    const missing = { vpc: "vpc-zzzzzzzzzzzz", subnet: "subnet-zzzzzzzzzzzz", rtb: "rtb-zzzzzzzzzzzz", vbr: "vbr-zzzzzzzzzzzz", instance: "ins-zzzzzzzzzzzz" };
    const probes: [string, "GET" | "PATCH" | "DELETE" | "PUT" | "POST", (id: string) => string, unknown?][] = [
      ["vpc", "GET", (id) => `/api/v1/vpcs/${id}`],
      ["vpc", "PATCH", (id) => `/api/v1/vpcs/${id}`, { name: "pwned" }],
      ["vpc", "DELETE", (id) => `/api/v1/vpcs/${id}`],
      ["subnet", "GET", (id) => `/api/v1/subnets/${id}`],
      ["subnet", "DELETE", (id) => `/api/v1/subnets/${id}`],
      ["subnet", "PUT", (id) => `/api/v1/subnets/${id}/route-table`, { routeTableId: "rtb-zzzzzzzzzzzz" }],
      ["rtb", "GET", (id) => `/api/v1/route-tables/${id}`],
      ["rtb", "GET", (id) => `/api/v1/route-tables/${id}/routes`],
      ["rtb", "POST", (id) => `/api/v1/route-tables/${id}/routes`, { destinationCidr: "192.168.9.0/24", target: { type: "vbr", id: "vbr-zzzzzzzzzzzz" } }],
      ["rtb", "DELETE", (id) => `/api/v1/route-tables/${id}`],
      ["vbr", "GET", (id) => `/api/v1/vbrs/${id}`],
      ["vbr", "DELETE", (id) => `/api/v1/vbrs/${id}`],
      ["instance", "GET", (id) => `/api/v1/instances/${id}`],
      ["instance", "DELETE", (id) => `/api/v1/instances/${id}`],
    ];
    for (const [kind, method, url, body] of probes) {
      const theirs = await h.call(bob.token, method, url(res[kind as keyof typeof res].id), body);
      const none = await h.call(bob.token, method, url(missing[kind as keyof typeof missing]), body);
      expect({ kind, method, status: theirs.status }).toEqual({ kind, method, status: none.status });
      const normalize = (b: any, id: string) => JSON.stringify(b).split(id).join("<id>");
      expect(normalize(theirs.body, res[kind as keyof typeof res].id)).toBe(normalize(none.body, missing[kind as keyof typeof missing]));
    }
    // Creating inside someone else's VPC or subnet, or routing via their VBR, is "not found" too.
    expect((await h.call(bob.token, "POST", "/api/v1/subnets", { vpcId: res.vpc.id, cidr: "10.0.9.0/24" })).status).toBe(404);
    expect((await h.call(bob.token, "POST", "/api/v1/route-tables", { vpcId: res.vpc.id, name: "x" })).status).toBe(404);
    expect((await h.call(bob.token, "POST", "/api/v1/instances", { subnetId: res.subnet.id })).status).toBe(404);
    const bobVpc = (await h.call(bob.token, "POST", "/api/v1/vpcs", { name: "b", region: "cn-hangzhou", cidr: "10.1.0.0/16" })).body;
    const viaAlice = await h.call(bob.token, "POST", `/api/v1/route-tables/${bobVpc.defaultRouteTableId}/routes`, { destinationCidr: "192.168.0.0/24", target: { type: "vbr", id: res.vbr.id } });
    expect(viaAlice.status).toBe(404);
  });

  it("lists only the caller's resources and leaves the owner's untouched", async () => {
    for (const path of ["vpcs", "subnets", "route-tables", "vbrs", "instances"]) {
      const items = (await h.call(bob.token, "GET", `/api/v1/${path}`)).body.items;
      expect(items.every((i: { accountId: string }) => i.accountId === bob.id)).toBe(true);
    }
    const still = await h.call(alice.token, "GET", `/api/v1/vpcs/${res.vpc.id}`);
    expect(still.body.name).toBe("a");
    expect((await h.call(alice.token, "GET", `/api/v1/route-tables/${res.rtb.id}/routes`)).body.items).toHaveLength(2);
  });

  it("never leaks secrets: the store holds no plaintext access key secret or token", async () => {
    const { accessKeySecret, token } = await h.account("carol");
    const rows = await h.runtime.store.repos.accounts.all();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(accessKeySecret);
    expect(dump).not.toContain(token);
    const byKey = await h.runtime.services.accounts.byAccessKey(rows.find((r) => r.name === "carol")!.accessKeyId);
    expect(byKey?.secret).toBe(accessKeySecret);
  });
});
