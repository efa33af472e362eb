/**
 * An actor limited to a region (a cloud dialect's request) sees and changes only that region's
 * resources: reads, row-locked writes (PostgreSQL's `for update` path too), lists and counts. The
 * answer for another region's resource is the answer for a missing one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { DomainError } from "../domain/errors.ts";

/** The error a call fails with, as code and message with the id replaced (so two ids compare). */
async function failure(p: Promise<unknown>, id: string): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    return { code: e.code, message: e.message.replaceAll(id, "<id>") };
  }
  throw new Error("expected the call to fail");
}

describe.each(BACKENDS)("region-scoped actors on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  it("answers another region's VPC, subnet and route table like missing ones, and changes nothing", async () => {
    const s = h.runtime.services;
    const { id: accountId } = await h.account();
    const native = { accountId };
    const hz = { accountId, region: "cn-hangzhou" };
    const sz = { accountId, region: "cn-shenzhen" };
    const vpc = await s.vpcs.create(hz, { name: "v", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const subnet = await s.subnets.create(hz, { vpcId: vpc.id, cidr: "10.0.1.0/24" });
    const table = await s.routeTables.create(hz, { vpcId: vpc.id, name: "t" });
    const ghost = { vpc: "vpc-zzzzzzzzzzzz", subnet: "subnet-zzzzzzzzzzzz", table: "rtb-zzzzzzzzzzzz" };

    expect(await failure(s.vpcs.get(sz, vpc.id), vpc.id)).toEqual(await failure(s.vpcs.get(sz, ghost.vpc), ghost.vpc));
    expect(await failure(s.subnets.delete(sz, subnet.id), subnet.id)).toEqual(await failure(s.subnets.delete(sz, ghost.subnet), ghost.subnet));
    expect(await failure(s.subnets.create(sz, { vpcId: vpc.id, cidr: "10.0.2.0/24" }), vpc.id)).toEqual(
      await failure(s.subnets.create(sz, { vpcId: ghost.vpc, cidr: "10.0.2.0/24" }), ghost.vpc),
    );
    expect(await failure(s.routeTables.update(sz, table.id, { name: "x" }), table.id)).toEqual(await failure(s.routeTables.update(sz, ghost.table, { name: "x" }), ghost.table));
    expect(await failure(s.subnets.setRouteTable(sz, subnet.id, table.id), subnet.id)).toMatchObject({ code: "ResourceNotFound" });
    expect(await failure(s.vpcs.delete(sz, vpc.id), vpc.id)).toMatchObject({ code: "ResourceNotFound" });
    expect((await s.subnets.list(sz, { vpcId: vpc.id }, { limit: 10 })).items).toEqual([]);
    expect((await s.vpcs.list(sz, {}, { limit: 10 })).items).toEqual([]);

    // The resources' own region and the unscoped (native) actor see them, unchanged.
    expect((await s.subnets.list(hz, { vpcId: vpc.id }, { limit: 10 })).items.map((x) => x.id)).toEqual([subnet.id]);
    expect((await s.routeTables.get(native, table.id)).name).toBe("t");
    expect((await s.subnets.get(native, subnet.id)).routeTableId).toBe(vpc.defaultRouteTableId);
  });
});
