/**
 * TagService.modify: one read-modify-write under the resource's lock. Concurrent changes adding
 * different keys all land (a get-then-set from two transactions would lose some); a peering's
 * tags stay per party; the quota and the key rules apply to the merged set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";
import { DomainError } from "../domain/errors.ts";

async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe.each(BACKENDS)("TagService on %s", (backend) => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness(backend);
  });
  afterAll(() => h?.close());

  it("keeps every one of many concurrent merges into one resource's tags", async () => {
    const s = h.runtime.services;
    const me = { accountId: (await h.account()).id, region: "us-east-1" };
    const vpc = await s.vpcs.create(me, { name: "v", region: "us-east-1", cidr: "10.0.0.0/16", tags: { keep: "1" } });
    await Promise.all(Array.from({ length: 12 }, (_, i) => s.tags.modify(me, "vpc", vpc.id, (t) => ({ ...t, [`k${i}`]: String(i) }))));
    const after = await s.vpcs.get(me, vpc.id);
    expect(Object.keys(after.tags).sort()).toEqual(["k0", "k1", "k10", "k11", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "keep"]);
  });

  it("changes only the caller's own tags on a peering, and applies the quota and key rules to the result", async () => {
    const s = h.runtime.services;
    const a = { accountId: (await h.account()).id, region: "us-east-1" };
    const b = { accountId: (await h.account()).id, region: "us-east-1" };
    const va = await s.vpcs.create(a, { name: "a", region: "us-east-1", cidr: "10.1.0.0/16" });
    const vb = await s.vpcs.create(b, { name: "b", region: "us-east-1", cidr: "10.2.0.0/16" });
    const p = await s.peerings.create(a, { vpcId: va.id, peerVpcId: vb.id, peerAccountId: b.accountId, tags: { Side: "Requester" } });
    await s.tags.modify(b, "peering", p.id, (t) => ({ ...t, Side: "Accepter" }));
    expect((await s.peerings.get(a, p.id)).tags).toEqual({ Side: "Requester" });
    expect((await s.peerings.get(b, p.id)).tags).toEqual({ Side: "Accepter" });

    const limit = h.runtime.services.deps.config.limits.tagsPerResource;
    const tooMany = await failure(s.tags.modify(a, "peering", p.id, (t) => ({ ...t, ...Object.fromEntries(Array.from({ length: limit }, (_, i) => [`x${i}`, ""])) })));
    expect(tooMany).toMatchObject({ code: "LimitExceeded", details: { quota: "tagsPerResource" } });
    expect((await s.peerings.get(a, p.id)).tags).toEqual({ Side: "Requester" });

    const reserved = await failure(s.tags.modify(a, "vpc", va.id, () => ({ "vpcpeer:x": "y" })));
    expect(reserved.code).toBe("InvalidRequest");
  });

  it("answers ResourceNotFound for another account's or another region's resource, and changes nothing", async () => {
    const s = h.runtime.services;
    const a = { accountId: (await h.account()).id, region: "us-east-1" };
    const b = { accountId: (await h.account()).id, region: "us-east-1" };
    const vpc = await s.vpcs.create(a, { name: "v", region: "us-east-1", cidr: "10.3.0.0/16", tags: { n: "1" } });
    expect(await failure(s.tags.modify(b, "vpc", vpc.id, () => ({ stolen: "1" })))).toMatchObject({ code: "ResourceNotFound", details: { resource: "vpc", id: vpc.id } });
    expect(await failure(s.tags.modify({ ...a, region: "us-west-2" }, "vpc", vpc.id, () => ({})))).toMatchObject({ code: "ResourceNotFound" });
    expect((await s.vpcs.get(a, vpc.id)).tags).toEqual({ n: "1" });
  });
});
