/**
 * Instances get a host (#13 item 4), through the native API on both stores: by default the host
 * with the fewest instances (ties by name), decided in the creating transaction so that
 * concurrent creates spread; a named host must be known (400 InvalidHost naming the known hosts);
 * on an OVN host the instance shows its logical port (iface-id) and MAC; with no host registered,
 * none (null). A VBR's on-premises host is placed by the same rule, counted with the instances.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

describe.each(BACKENDS)("instance hosts on %s", (backend) => {
  let h: Harness;
  let t: string;
  let subnetId: string;
  let vpcId: string;
  const post = (body: Record<string, unknown>) => h.call(t, "POST", "/api/v1/instances", { subnetId, ...body });
  let vbrs = 0;
  const postVbr = (body: Record<string, unknown>) => h.call(t, "POST", "/api/v1/vbrs", { name: "idc", region: "cn-hangzhou", onPremisesCidrs: [`192.168.${vbrs++}.0/24`], ...body });
  const register = (name: string, dataplane: "linux" | "ovn" = "ovn", at = new Date()) =>
    h.runtime.store.transaction((r) => r.hosts.register({ name, dataplane, prefix: "vpt" }, at.toISOString()), { notify: false });
  /** h1 and h2 beat now (as their agents would every 2 s). */
  const beat = async () => {
    await register("h1");
    await register("h2");
  };

  beforeAll(async () => {
    h = await harness(backend);
    t = (await h.account()).token;
    const vpc = await h.call(t, "POST", "/api/v1/vpcs", { name: "v", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const subnet = await h.call(t, "POST", "/api/v1/subnets", { vpcId: vpc.body.id, cidr: "10.0.0.0/20" });
    subnetId = subnet.body.id;
    vpcId = vpc.body.id;
  });
  afterAll(() => h?.close());

  it("places nowhere while no host is known, and refuses a host by name then", async () => {
    const none = await post({});
    expect(none.status).toBe(201);
    expect(none.body.host).toBeNull();
    expect(none.body).not.toHaveProperty("interfaceId");
    const asked = await post({ host: "h1" });
    expect(asked.status).toBe(400);
    expect(asked.body.error).toMatchObject({ code: "InvalidHost", message: 'host: "h1" is not a host of this deployment (it knows no host yet: none has registered)' });
    // A VBR's on-premises host likewise.
    const vbr = await postVbr({});
    expect(vbr.status).toBe(201);
    expect(vbr.body.host).toBeNull();
    const vbrAsked = await postVbr({ host: "h1" });
    expect(vbrAsked.status).toBe(400);
    expect(vbrAsked.body.error).toMatchObject({ code: "InvalidHost", message: 'host: "h1" is not a host of this deployment (it knows no host yet: none has registered)' });
  });

  it("takes the host with the fewest instances, ties by name; a known host on request; never an unknown one", async () => {
    await beat();
    expect((await h.call(t, "GET", "/api/v1/hosts")).body.items.map((x: { name: string }) => x.name)).toEqual(["h1", "h2"]);
    const first = await post({});
    expect(first.body.host).toBe("h1"); // 0 and 0: by name
    const second = await post({});
    expect(second.body.host).toBe("h2");
    const pinned = await post({ host: "h2" });
    expect(pinned.body.host).toBe("h2");
    expect((await post({})).body.host).toBe("h1"); // h1 1, h2 2
    const bad = await post({ host: "h9" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "InvalidHost", message: 'host: "h9" is not a host of this deployment (known hosts: h1, h2)' });
    expect(bad.body.error.details).toMatchObject({ field: "host", knownHosts: ["h1", "h2"] });
    expect((await post({ host: "" })).status).toBe(400);
  });

  it("shows an OVN host's logical port and MAC on every read", async () => {
    const made = await post({ host: "h1", privateIp: "10.0.1.7" });
    const suffix = made.body.id.slice("ins-".length);
    expect(made.body).toMatchObject({ host: "h1", interfaceId: `vpt-i-${suffix}`, mac: "0a:00:0a:00:01:07" });
    expect((await h.call(t, "GET", `/api/v1/instances/${made.body.id}`)).body).toMatchObject({ interfaceId: `vpt-i-${suffix}`, mac: "0a:00:0a:00:01:07" });
    const listed = (await h.call(t, "GET", `/api/v1/instances?subnetId=${subnetId}`)).body.items.find((i: { id: string }) => i.id === made.body.id);
    expect(listed).toMatchObject({ host: "h1", interfaceId: `vpt-i-${suffix}` });
  });

  it("spreads concurrent creates: each sees the others' choices", async () => {
    // Even out first: 10 concurrent creates must then land 5 and 5.
    const count = async () => {
      const items = (await h.call(t, "GET", `/api/v1/instances?limit=1000`)).body.items as { host: string | null }[];
      return { h1: items.filter((i) => i.host === "h1").length, h2: items.filter((i) => i.host === "h2").length };
    };
    await beat();
    let c = await count();
    while (c.h1 !== c.h2) {
      await post({ host: c.h1 < c.h2 ? "h1" : "h2" });
      c = await count();
    }
    // In ten subnets: the subnet's lock does not serialize them, only the hosts' does.
    const subnets = [];
    for (let k = 0; k < 10; k++) subnets.push((await h.call(t, "POST", "/api/v1/subnets", { vpcId: vpcId, cidr: `10.0.${16 + k}.0/24` })).body.id as string);
    const made = await Promise.all(subnets.map((s) => h.call(t, "POST", "/api/v1/instances", { subnetId: s })));
    expect(made.map((m) => m.status)).toEqual(Array(10).fill(201));
    const after = await count();
    expect(after.h1 - c.h1).toBe(5);
    expect(after.h2 - c.h2).toBe(5);
  });

  it("places by default only on hosts that beat recently, while one does; a silent host by name still", async () => {
    await beat();
    await register("h0", "ovn", new Date(Date.now() - 60_000)); // silent for a minute, and empty
    for (let k = 0; k < 2; k++) expect((await post({})).body.host).not.toBe("h0");
    expect((await post({ host: "h0" })).body.host).toBe("h0");
  });

  it("the Linux data plane's host shows no logical port", async () => {
    await register("local", "linux");
    const made = await post({ host: "local" });
    expect(made.body.host).toBe("local");
    expect(made.body).not.toHaveProperty("interfaceId");
    expect(made.body).not.toHaveProperty("mac");
  });

  it("places VBRs like instances and counts them together; a VBR shows its host on every read", async () => {
    await beat();
    await register("local", "linux");
    const live = ["h1", "h2", "local"];
    const count = async () => {
      const placed = [...(await h.call(t, "GET", "/api/v1/instances?limit=1000")).body.items, ...(await h.call(t, "GET", "/api/v1/vbrs?limit=1000")).body.items] as { host: string | null }[];
      return live.map((n) => placed.filter((x) => x.host === n).length);
    };
    // Even the three live hosts out with pinned instances.
    for (let c = await count(); Math.min(...c) !== Math.max(...c); c = await count()) await post({ host: live[c.indexOf(Math.min(...c))] });
    // One VBR on h1 and one on h2: the emptiest is then "local", not h1 (as by name if VBRs did not count).
    expect((await postVbr({ host: "h1" })).body.host).toBe("h1");
    expect((await postVbr({ host: "h2" })).body.host).toBe("h2");
    expect((await post({})).body.host).toBe("local");
    // Even again: a VBR by default goes by name.
    const made = await postVbr({});
    expect(made.status).toBe(201);
    expect(made.body.host).toBe("h1");
    expect((await h.call(t, "GET", `/api/v1/vbrs/${made.body.id}`)).body).toMatchObject({ id: made.body.id, host: "h1" });
    expect((await h.call(t, "GET", "/api/v1/vbrs")).body.items.find((v: { id: string }) => v.id === made.body.id)).toMatchObject({ host: "h1" });
    const bad = await postVbr({ host: "h9" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: "InvalidHost", details: { field: "host" } });
  });
});
