import { describe, expect, it } from "vitest";
import { checkRequestedIp, firstFreeIp, gatewayIp, usableCount } from "./addressing.ts";
import { parseCidr } from "./cidr.ts";
import type { DomainError } from "./errors.ts";

const net = parseCidr("10.0.1.0/29", "cidr");
const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return "ok";
  } catch (e) {
    return (e as DomainError).code;
  }
};

describe("subnet addressing", () => {
  it("reserves network, gateway and broadcast", () => {
    expect(gatewayIp(net)).toBe("10.0.1.1");
    expect(usableCount(net)).toBe(5);
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.0", new Set()))).toBe("IpAddressReserved");
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.1", new Set()))).toBe("IpAddressReserved");
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.7", new Set()))).toBe("IpAddressReserved");
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.8", new Set()))).toBe("IpAddressNotInSubnet");
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1", new Set()))).toBe("InvalidIpAddress");
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.4", new Set(["10.0.1.4"])))).toBe("IpAddressInUse");
    expect(checkRequestedIp(net, "10.0.1.0/29", "10.0.1.6", new Set())).toBe("10.0.1.6");
  });
  it("allocates the lowest free address until the subnet is full", () => {
    const taken = new Set<string>();
    const got: string[] = [];
    for (let ip = firstFreeIp(net, taken); ip; ip = firstFreeIp(net, taken)) {
      taken.add(ip);
      got.push(ip);
    }
    expect(got).toEqual(["10.0.1.2", "10.0.1.3", "10.0.1.4", "10.0.1.5", "10.0.1.6"]);
  });
  it("keeps more addresses at the start when asked (AWS keeps four), both when allocating and when one is requested", () => {
    const taken = new Set<string>();
    const got: string[] = [];
    for (let ip = firstFreeIp(net, taken, 4); ip; ip = firstFreeIp(net, taken, 4)) {
      taken.add(ip);
      got.push(ip);
    }
    expect(got).toEqual(["10.0.1.4", "10.0.1.5", "10.0.1.6"]);
    expect(codeOf(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.3", new Set(), 4))).toBe("IpAddressReserved");
    expect(() => checkRequestedIp(net, "10.0.1.0/29", "10.0.1.2", new Set(), 4)).toThrow("privateIp: 10.0.1.2 is reserved in 10.0.1.0/29 (network, gateway 10.0.1.1, 10.0.1.2, 10.0.1.3 and broadcast addresses)");
    expect(checkRequestedIp(net, "10.0.1.0/29", "10.0.1.4", new Set(), 4)).toBe("10.0.1.4");
    // The default is unchanged: .2 and .3 are usable.
    expect(checkRequestedIp(net, "10.0.1.0/29", "10.0.1.2", new Set())).toBe("10.0.1.2");
  });
});
