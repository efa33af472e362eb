/**
 * An unanswered request past its deadline frees its VPC pair and its quota slot at once, even
 * before the expiry timer has run: a new request for the same pair is accepted, and the old one
 * is recorded as expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../config.ts";
import { TestClock } from "../../test/support/clock.ts";
import { BACKENDS, type Harness, harness } from "../../test/support/harness.ts";

describe.each(BACKENDS)("lapsed requests (%s)", (backend) => {
  let h: Harness;
  const clock = new TestClock();
  beforeAll(async () => {
    h = await harness(backend, { config: defaultConfig(), clock });
  });
  afterAll(() => h?.close());

  it("a lapsed request no longer holds the pair: the same pair can be requested again without the timer", async () => {
    const s = h.runtime.services;
    const alice = await h.account();
    const bob = await h.account();
    const a = await s.vpcs.create({ accountId: alice.id }, { name: "a", region: "cn-hangzhou", cidr: "10.0.0.0/16" });
    const b = await s.vpcs.create({ accountId: bob.id }, { name: "b", region: "cn-hangzhou", cidr: "10.1.0.0/16" });
    const first = await s.peerings.create({ accountId: alice.id }, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    expect(first.state).toBe("pending-acceptance");
    await expect(s.peerings.create({ accountId: alice.id }, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id })).rejects.toMatchObject({ code: "PeeringExists" });
    clock.advanceHours(24 * 7 + 1);
    // No sweep: the create itself expires the lapsed request.
    const second = await s.peerings.create({ accountId: alice.id }, { vpcId: a.id, peerVpcId: b.id, peerAccountId: bob.id });
    expect(second.state).toBe("pending-acceptance");
    const old = await h.runtime.services.deps.store.read.peerings.getAny(first.id);
    expect(old?.state).toBe("expired");
    expect(old?.stateReason?.code).toBe("RequestExpired");
  });
});
