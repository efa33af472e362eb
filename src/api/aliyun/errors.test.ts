import { describe, expect, it } from "vitest";
import { DomainError, ERROR_CODES, type ErrorCode } from "../../domain/errors.ts";
import { toTencentError } from "../tencent/errors.ts";
import { aliMessage, toAliyun } from "./errors.ts";

const clientErrors = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c] !== "Internal" && ERROR_CODES[c] !== "Unavailable");

describe("dialect error mappings", () => {
  it("answers every client error of the catalog as a 4xx on Alibaba, never as InternalError", () => {
    for (const code of clientErrors) {
      const e = toAliyun(new DomainError(code, "m", {}));
      expect({ code, status: e.status < 500, name: e.code }).toMatchObject({ code, status: true });
      expect(e.code).not.toBe("InternalError");
    }
  });

  it("answers every client error of the catalog with a code other than InternalError on Tencent", () => {
    for (const code of clientErrors) expect({ code, mapped: toTencentError(new DomainError(code, "m", {})).code }).not.toMatchObject({ mapped: "InternalError" });
  });
});

describe("default VPC errors (#20)", () => {
  it("answer in each face's codes, naming its parameters", () => {
    const ali = (code: ErrorCode, message: string) => {
      const e = toAliyun(new DomainError(code, message, {}));
      return [e.code, e.status, e.message];
    };
    expect(ali("DefaultVpcAlreadyExists", "region: the account has a default VPC in cn-hangzhou already: vpc-1")).toEqual(["DefaultVpc.Existed", 403, "RegionId: the account has a default VPC in cn-hangzhou already: vpc-1"]);
    expect(ali("DefaultSubnetAlreadyExists", "zone: the default VPC has a default subnet in cn-hangzhou-b already: subnet-1")).toEqual([
      "DefaultVswitch.Existed",
      403,
      "ZoneId: the default VPC has a default vSwitch in cn-hangzhou-b already: subnet-1",
    ]);
    expect(ali("DefaultVpcNotFound", "region: no default VPC in cn-hangzhou")).toEqual(["ResourceNotFound.VPC", 404, "RegionId: no default VPC in cn-hangzhou"]);
    expect(ali("DefaultSubnetCidrUnavailable", "zone: no free /20")[0]).toBe("InvalidCidrBlock.Overlapped");
    const tc = (code: ErrorCode) => toTencentError(new DomainError(code, "zone: m", {}), "CreateDefaultVpc");
    expect(tc("DefaultSubnetCidrUnavailable")).toMatchObject({ code: "ResourceInsufficient.CidrBlock", message: "Zone: m" });
    expect(tc("DefaultVpcNotFound").code).toBe("ResourceNotFound");
  });
});

describe("Alibaba messages", () => {
  it("speak of Alibaba's parameters, never of native fields, routes or flags", () => {
    const said = (code: ErrorCode, message: string) => toAliyun(new DomainError(code, message, {})).message;
    expect(said("InvalidPeeringState", "peering pcx-abcdefghij12 is already rejected; to remove the record, DELETE with ?purge=true")).toBe("peer connection pcx-abcdefghij12 is already Rejected");
    expect(said("RouterInterfaceMismatch", "router interface ri-x: its opposite interface is not set (PATCH opposite.interfaceId)")).toBe(
      "router interface ri-x: its opposite interface is not set (set OppositeInterfaceId with ModifyRouterInterfaceAttribute)",
    );
    expect(said("InvalidPeeringState", "peering pcx-abcdefghij12 is pending-acceptance; it cannot be modified")).toBe("peer connection pcx-abcdefghij12 is Accepting; it cannot be modified");
    expect(said("PeeringSelf", "peerVpcId: a VPC cannot peer with itself (vpc-1)")).toBe("AcceptingVpcId: a VPC cannot peer with itself (vpc-1)");
    expect(said("CidrOverlap", "cidr: 10.0.1.0/25 is already used by another subnet of vpc-1")).toBe("CidrBlock: 10.0.1.0/25 is already used by another vSwitch of vpc-1");
    expect(said("InvalidRequest", "opposite.routerType: an initiator connects to a VPC")).toBe("OppositeRouterType: an initiator connects to a VPC");
  });

  it("keeps native ids intact for the id rewriting that follows (subnet-… is not a word)", () => {
    expect(aliMessage("subnet subnet-abcdefghij12 does not exist")).toBe("vSwitch subnet-abcdefghij12 does not exist");
  });
});
