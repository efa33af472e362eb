import { describe, expect, it } from "vitest";
import { VpcFacts } from "./vpc-facts.ts";

const fact = (id: string, accountId = "100000000001", region = "cn-hangzhou") => ({ id, accountId, region, cidr: "10.0.0.0/16", defaultRouteTableId: `rtb-${id}` });

describe("VpcFacts", () => {
  it("answers a remembered VPC only to its account, and to a regional call only in its region", () => {
    const facts = new VpcFacts();
    facts.remember({ ...fact("vpc-a"), name: "not kept" } as ReturnType<typeof fact>);
    expect(facts.of({ accountId: "100000000001" }, "vpc-a")).toEqual(fact("vpc-a"));
    expect(facts.of({ accountId: "100000000001", region: "cn-hangzhou" }, "vpc-a")).toEqual(fact("vpc-a"));
    expect(facts.of({ accountId: "100000000002" }, "vpc-a")).toBeUndefined();
    expect(facts.of({ accountId: "100000000001", region: "cn-shanghai" }, "vpc-a")).toBeUndefined();
    facts.forget("vpc-a");
    expect(facts.of({ accountId: "100000000001" }, "vpc-a")).toBeUndefined();
  });

  it("keeps at most its bound, forgetting the least recently used", () => {
    const facts = new VpcFacts(3);
    for (const id of ["vpc-1", "vpc-2", "vpc-3"]) facts.remember(fact(id));
    facts.of({ accountId: "100000000001" }, "vpc-1");
    facts.remember(fact("vpc-4"));
    const kept = ["vpc-1", "vpc-2", "vpc-3", "vpc-4"].filter((id) => facts.of({ accountId: "100000000001" }, id) !== undefined);
    expect(kept).toEqual(["vpc-1", "vpc-3", "vpc-4"]);
  });
});
