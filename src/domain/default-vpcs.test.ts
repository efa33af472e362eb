import { describe, expect, it } from "vitest";
import { chooseDefaultSubnetCidr, defaultSubnetCidr, firstFreeSlash20 } from "./default-vpcs.ts";
import { DomainError } from "./errors.ts";

describe("default subnet CIDRs", () => {
  it("gives the zone at index i the i-th /20 of the VPC, none past the last", () => {
    expect(defaultSubnetCidr("172.31.0.0/16", 0)).toBe("172.31.0.0/20");
    expect(defaultSubnetCidr("172.31.0.0/16", 1)).toBe("172.31.16.0/20");
    expect(defaultSubnetCidr("172.31.0.0/16", 2)).toBe("172.31.32.0/20");
    expect(defaultSubnetCidr("172.31.0.0/16", 15)).toBe("172.31.240.0/20");
    expect(defaultSubnetCidr("172.31.0.0/16", 16)).toBeNull();
    expect(defaultSubnetCidr("10.8.0.0/16", 3)).toBe("10.8.48.0/20");
  });

  it("finds the first /20 that overlaps nothing taken", () => {
    expect(firstFreeSlash20("172.31.0.0/16", [])).toBe("172.31.0.0/20");
    expect(firstFreeSlash20("172.31.0.0/16", ["172.31.0.0/20", "172.31.20.0/24"])).toBe("172.31.32.0/20");
    expect(firstFreeSlash20("172.31.0.0/16", ["172.31.0.0/16"])).toBeNull();
  });

  it("uses the zone's own /20 when free, else the first free one, else refuses naming the subnets in the way", () => {
    const vpc = { id: "vpc-1", cidr: "172.31.0.0/16" };
    expect(chooseDefaultSubnetCidr(vpc, "z-b", 1, [{ id: "subnet-a", cidr: "172.31.0.0/20" }])).toBe("172.31.16.0/20");
    expect(chooseDefaultSubnetCidr(vpc, "z-b", 1, [{ id: "subnet-x", cidr: "172.31.17.0/24" }])).toBe("172.31.0.0/20");
    let error: unknown;
    try {
      chooseDefaultSubnetCidr(vpc, "z-b", 1, [{ id: "subnet-all", cidr: "172.31.0.0/16" }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("DefaultSubnetCidrUnavailable");
    expect((error as DomainError).kind).toBe("Conflict");
    expect((error as DomainError).message).toContain("172.31.16.0/20 overlaps 172.31.0.0/16 of subnet subnet-all");
  });
});
