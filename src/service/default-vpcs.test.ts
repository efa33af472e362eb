/**
 * Default VPCs (#20) through the services: made with the account in every region (a /20 default
 * subnet per zone), not counted in the quotas, recreated on request with the stable conflicts,
 * and the start pass; on PostgreSQL, two servers creating the same default at once: exactly one.
 */
import SqliteDatabase from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, defaultConfig } from "../config.ts";
import { DomainError } from "../domain/errors.ts";
import { type Runtime, openRuntime } from "../main.ts";
import { TEST_MASTER_KEY, type TestDb, freshDb } from "../../test/support/harness.ts";

function config(defaultVpcs: boolean): Config {
  const c = defaultConfig();
  c.regions = c.regions.filter((r) => r.id === "cn-hangzhou" || r.id === "us-west-1");
  c.regions[1] = { ...c.regions[1]!, defaultVpcCidr: "10.200.0.0/16" };
  c.defaultVpcs = defaultVpcs;
  c.limits.vpcsPerRegion = 2;
  c.limits.subnetsPerVpc = 1;
  return c;
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  return { code: "none" };
};

describe("default VPCs on sqlite", () => {
  let db: TestDb;
  let rt: Runtime;
  const s = () => rt.services;
  beforeAll(async () => {
    db = await freshDb("sqlite");
    rt = await openRuntime({ ...db, config: config(true), settleMs: 0, masterKey: TEST_MASTER_KEY });
  });
  afterAll(async () => {
    await rt?.close();
    await db?.drop();
  });

  it("gives a new account a default VPC per region with a /20 default subnet per zone, outside the quotas", async () => {
    const { accountId } = await s().accounts.create("dv-a");
    const a = { accountId };
    const vpcs = (await s().vpcs.list(a, {}, { limit: 100 })).items;
    expect(vpcs.map((v) => [v.region, v.cidr, v.isDefault, v.name]).sort()).toEqual([
      ["cn-hangzhou", "172.31.0.0/16", true, "default"],
      ["us-west-1", "10.200.0.0/16", true, "default"],
    ]);
    const hz = vpcs.find((v) => v.region === "cn-hangzhou")!;
    const subnets = (await s().subnets.list(a, { vpcId: hz.id }, { limit: 100 })).items;
    expect(subnets.map((x) => [x.zone, x.cidr, x.isDefault, x.routeTableId]).sort()).toEqual(
      rt.services.regions.zones("cn-hangzhou").map((z, i) => [z.name, `172.31.${16 * i}.0/20`, true, hz.defaultRouteTableId]),
    );
    expect((await s().vpcs.list(a, { isDefault: false }, { limit: 100 })).items).toEqual([]);
    expect((await s().subnets.list(a, { isDefault: true }, { limit: 100 })).items).toHaveLength(6 + 2);
    // vpcsPerRegion 2: two VPCs besides the default, then the limit; subnetsPerVpc 1: one besides six defaults.
    await s().vpcs.create(a, { name: "c1", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    await s().vpcs.create(a, { name: "c2", region: "cn-hangzhou", cidr: "10.2.0.0/16" });
    expect((await codeOf(s().vpcs.create(a, { name: "c3", region: "cn-hangzhou", cidr: "10.3.0.0/16" }))).code).toBe("LimitExceeded");
    await s().subnets.create(a, { vpcId: hz.id, cidr: "172.31.200.0/24" });
    expect((await codeOf(s().subnets.create(a, { vpcId: hz.id, cidr: "172.31.201.0/24" }))).code).toBe("LimitExceeded");
  });

  it("refuses a second default VPC naming it, recreates one after its delete, and its subnets per zone", async () => {
    const a = { accountId: (await s().accounts.create("dv-b")).accountId };
    const old = (await s().defaultVpcs.defaultVpc(a, "us-west-1"))!;
    const again = await codeOf(s().defaultVpcs.createDefaultVpc(a, "us-west-1"));
    expect(again).toMatchObject({ code: "DefaultVpcAlreadyExists", details: { field: "region", region: "us-west-1", vpcId: old.id } });
    expect(again.message).toContain(old.id);
    expect((await codeOf(s().defaultVpcs.createDefaultSubnet(a, "us-west-1", "us-west-1a"))).code).toBe("DefaultSubnetAlreadyExists");
    expect((await codeOf(s().defaultVpcs.createDefaultSubnet(a, "us-west-1", undefined))).code).toBe("DefaultSubnetAlreadyExists");
    expect((await codeOf(s().defaultVpcs.createDefaultSubnet(a, "us-west-1", "us-west-1z"))).code).toBe("InvalidZone");
    for (const sn of (await s().subnets.list(a, { vpcId: old.id }, { limit: 10 })).items) await s().subnets.delete(a, sn.id);
    await s().vpcs.delete(a, old.id);
    expect(await s().defaultVpcs.defaultVpc(a, "us-west-1")).toBeNull();
    expect((await codeOf(s().defaultVpcs.createDefaultSubnet(a, "us-west-1", undefined))).code).toBe("DefaultVpcNotFound");
    const made = await s().defaultVpcs.createDefaultVpc(a, "us-west-1", { withSubnets: false });
    expect(made.vpc).toMatchObject({ isDefault: true, cidr: "10.200.0.0/16" });
    expect(made.subnets).toEqual([]);
    // A subnet of the user's on us-west-1c's /20: that zone's default goes to the first free /20.
    await s().subnets.create(a, { vpcId: made.vpc.id, cidr: "10.200.16.0/24", zone: "us-west-1c" });
    const first = await s().defaultVpcs.createDefaultSubnet(a, "us-west-1", undefined);
    expect([first.zone, first.cidr, first.isDefault]).toEqual(["us-west-1a", "10.200.0.0/20", true]);
    const second = await s().defaultVpcs.createDefaultSubnet(a, "us-west-1", "us-west-1c");
    expect([second.zone, second.cidr]).toEqual(["us-west-1c", "10.200.32.0/20"]);
    // Tencent's ensureDefault finds both.
    const ensured = await s().defaultVpcs.ensureDefault(a, "us-west-1", "us-west-1c");
    expect([ensured.vpc.id, ensured.subnet.id, ensured.created]).toEqual([made.vpc.id, second.id, false]);
  });

  it("defaultSubnet: the zone's default subnet, else the first zone's that has one; none without a default VPC", async () => {
    const a = { accountId: (await s().accounts.create("dv-pick")).accountId };
    const zones = rt.services.regions.zones("us-west-1").map((z) => z.name);
    const vpc = (await s().defaultVpcs.defaultVpc(a, "us-west-1"))!;
    const pick = async (zone?: string) => {
      const { vpc: v, subnet } = await s().defaultVpcs.defaultSubnet(a, "us-west-1", zone);
      return [v?.id ?? null, subnet ? [subnet.zone, subnet.isDefault] : null];
    };
    expect(await pick()).toEqual([vpc.id, [zones[0], true]]);
    expect(await pick(zones[1])).toEqual([vpc.id, [zones[1], true]]);
    // A subnet of the user's in the first zone is not a default one: the next zone's default is chosen.
    const first = (await s().subnets.list(a, { vpcId: vpc.id, zone: zones[0] }, { limit: 10 })).items[0]!;
    await s().subnets.delete(a, first.id);
    await s().subnets.create(a, { vpcId: vpc.id, cidr: first.cidr, zone: zones[0] });
    expect(await pick()).toEqual([vpc.id, [zones[1], true]]);
    expect(await pick(zones[0])).toEqual([vpc.id, null]);
    for (const sn of (await s().subnets.list(a, { vpcId: vpc.id }, { limit: 10 })).items) await s().subnets.delete(a, sn.id);
    expect(await pick()).toEqual([vpc.id, null]);
    await s().vpcs.delete(a, vpc.id);
    expect(await pick()).toEqual([null, null]);
  });

  it("a create that meets a unique violation twice answers the default's own conflict, naming the field", async () => {
    const a = { accountId: (await s().accounts.create("dv-race")).accountId };
    const old = (await s().defaultVpcs.defaultVpc(a, "us-west-1"))!;
    for (const sn of (await s().subnets.list(a, { vpcId: old.id }, { limit: 10 })).items) await s().subnets.delete(a, sn.id);
    // Stands for another server making (and removing) the same default at every try: each insert
    // of this account's VPCs, then subnets, meets a real unique violation (the account's key).
    const file = new SqliteDatabase(rt.store.location);
    const dup = (table: string) => `create trigger dv_dup before insert on ${table} when new.account_id = '${a.accountId}' begin insert into accounts select * from accounts where id = new.account_id; end`;
    try {
      file.exec(dup("subnets"));
      expect(await codeOf(s().defaultVpcs.createDefaultSubnet(a, "us-west-1", "us-west-1c"))).toMatchObject({ code: "DefaultSubnetAlreadyExists", details: { field: "zone", zone: "us-west-1c", subnetId: null } });
      expect(await codeOf(s().defaultVpcs.ensureDefault(a, "us-west-1", "us-west-1a"))).toMatchObject({ code: "DefaultSubnetAlreadyExists", details: { field: "zone", zone: "us-west-1a" } });
      file.exec("drop trigger dv_dup");
      await s().vpcs.delete(a, old.id);
      file.exec(dup("vpcs"));
      const twice = await codeOf(s().defaultVpcs.createDefaultVpc(a, "us-west-1"));
      expect(twice).toMatchObject({ code: "DefaultVpcAlreadyExists", details: { field: "region", region: "us-west-1", vpcId: null } });
      expect(twice.message).toMatch(/^region: /);
    } finally {
      file.exec("drop trigger if exists dv_dup");
      file.close();
    }
  });

  it("start pass: an account that fails is reported and left for the next pass; the others get theirs", async () => {
    const off = await openRuntime({ ...db, config: config(false), settleMs: 0, masterKey: TEST_MASTER_KEY });
    let bad: string, good: string;
    try {
      bad = (await off.services.accounts.create("dv-fail")).accountId;
      good = (await off.services.accounts.create("dv-fine")).accountId;
    } finally {
      await off.close();
    }
    // A real failure of the store, for one account only: a trigger refuses its VPC rows.
    const file = new SqliteDatabase(rt.store.location);
    try {
      file.exec(`create trigger dv_injected before insert on vpcs when new.account_id = '${bad}' begin select raise(abort, 'injected failure'); end`);
      const aborted = new AbortController();
      aborted.abort();
      expect(await s().defaultVpcs.provisionPending({ signal: aborted.signal })).toEqual({ provisioned: 0, failed: 0 });
      const failed: string[] = [];
      expect(await s().defaultVpcs.provisionPending({ onError: (id, e) => failed.push(`${id}: ${(e as Error).message}`) })).toEqual({ provisioned: 1, failed: 1 });
      expect(failed).toEqual([expect.stringMatching(new RegExp(`^${bad}: .*injected failure`))]);
      expect((await s().vpcs.list({ accountId: good }, {}, { limit: 10 })).items).toHaveLength(2);
      expect((await s().vpcs.list({ accountId: bad }, {}, { limit: 10 })).items).toEqual([]);
      // Without onError the pass stops with the error.
      await expect(s().defaultVpcs.provisionPending()).rejects.toThrow(/injected failure/);
      file.exec("drop trigger dv_injected");
    } finally {
      file.close();
    }
    // Left unmarked: the next pass makes them.
    expect(await s().defaultVpcs.provisionPending()).toEqual({ provisioned: 1, failed: 0 });
    expect((await s().vpcs.list({ accountId: bad }, {}, { limit: 10 })).items).toHaveLength(2);
  });

  it("start pass: an account made with the switch off gets its defaults once; a deleted one is not made again", async () => {
    const off = await openRuntime({ ...db, config: config(false), settleMs: 0, masterKey: TEST_MASTER_KEY });
    let a: { accountId: string };
    try {
      a = { accountId: (await off.services.accounts.create("dv-off")).accountId };
      expect((await off.services.vpcs.list(a, {}, { limit: 10 })).items).toEqual([]);
      expect(await off.services.defaultVpcs.provisionPending()).toEqual({ provisioned: 0, failed: 0 });
      // Made explicitly while off: the pass leaves that region's alone.
      await off.services.defaultVpcs.ensureDefault(a, "us-west-1", undefined);
    } finally {
      await off.close();
    }
    expect(await s().defaultVpcs.provisionPending()).toEqual({ provisioned: 1, failed: 0 });
    const vpcs = (await s().vpcs.list(a, {}, { limit: 10 })).items;
    expect(vpcs.map((v) => v.region).sort()).toEqual(["cn-hangzhou", "us-west-1"]);
    const hz = vpcs.find((v) => v.region === "cn-hangzhou")!;
    for (const sn of (await s().subnets.list(a, { vpcId: hz.id }, { limit: 10 })).items) await s().subnets.delete(a, sn.id);
    await s().vpcs.delete(a, hz.id);
    expect(await s().defaultVpcs.provisionPending()).toEqual({ provisioned: 0, failed: 0 });
    expect(await s().defaultVpcs.defaultVpc(a, "cn-hangzhou")).toBeNull();
  });
});

describe("default VPCs on postgres: two servers", () => {
  let db: TestDb;
  let rt1: Runtime;
  let rt2: Runtime;
  beforeAll(async () => {
    db = await freshDb("postgres");
    const opts = { ...db, config: config(false), settleMs: 0, masterKey: TEST_MASTER_KEY };
    rt1 = await openRuntime(opts);
    rt2 = await openRuntime(opts);
  });
  afterAll(async () => {
    await rt2?.close();
    await rt1?.close();
    await db?.drop();
  });

  it("of two concurrent CreateDefaultVpc exactly one succeeds, the other is DefaultVpcAlreadyExists", async () => {
    const a = { accountId: (await rt1.services.accounts.create("dv-pg")).accountId };
    const results = await Promise.allSettled([rt1, rt2, rt1, rt2].map((rt) => rt.services.defaultVpcs.createDefaultVpc(a, "cn-hangzhou")));
    const ok = results.filter((r) => r.status === "fulfilled");
    expect(ok).toHaveLength(1);
    const id = (ok[0] as PromiseFulfilledResult<{ vpc: { id: string } }>).value.vpc.id;
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === "rejected")) {
      expect(r.reason).toBeInstanceOf(DomainError);
      expect((r.reason as DomainError).details).toEqual({ field: "region", region: "cn-hangzhou", vpcId: id });
    }
    expect((await rt1.services.vpcs.list(a, {}, { limit: 10 })).items).toHaveLength(1);
  });

  it("the default VPC is not counted in vpcsPerRegion (one counting statement on PostgreSQL), with deletes of it alongside", async () => {
    const a = { accountId: (await rt1.services.accounts.create("dv-pg-quota")).accountId };
    const own = await rt1.services.vpcs.create(a, { name: "own1", region: "us-west-1", cidr: "10.1.0.0/16" });
    // At the limit (2) less one, with the default: the second of the account's own always fits,
    // whatever a concurrent delete of the default does between the create's reads.
    for (let i = 0; i < 6; i++) {
      const { vpc } = await rt2.services.defaultVpcs.createDefaultVpc(a, "us-west-1", { withSubnets: false });
      const [created] = await Promise.all([rt1.services.vpcs.create(a, { name: "own2", region: "us-west-1", cidr: "10.2.0.0/16" }), rt2.services.vpcs.delete(a, vpc.id)]);
      await rt1.services.vpcs.delete(a, created.id);
    }
    await rt2.services.defaultVpcs.createDefaultVpc(a, "us-west-1", { withSubnets: false });
    await rt1.services.vpcs.create(a, { name: "own2", region: "us-west-1", cidr: "10.2.0.0/16" });
    expect((await codeOf(rt1.services.vpcs.create(a, { name: "own3", region: "us-west-1", cidr: "10.3.0.0/16" }))).code).toBe("LimitExceeded");
    expect((await rt1.services.vpcs.list(a, { isDefault: false }, { limit: 10 })).items.map((v) => v.id)).toContain(own.id);
  });
});
