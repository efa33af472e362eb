import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NB_NAME_CODES, type NbNameCode, externalIds, instanceMac, keyOfExternalIds, nbName, parseNbName, routerPortMac, rowKey } from "./nb-names.ts";

const suffix = fc.stringMatching(/^[a-z0-9]{12}$/);
const codes = Object.keys(NB_NAME_CODES) as NbNameCode[];

describe("northbound names", () => {
  it("round-trips every name and refuses names another deployment or nobody owns", () => {
    fc.assert(
      fc.property(suffix, fc.constantFrom(...codes), (s, code) => {
        const id = `${NB_NAME_CODES[code].idPrefix}-${s}`;
        expect(parseNbName("vpcpeer", nbName("vpcpeer", code, id))).toEqual({ code, id });
        expect(parseNbName("vpcpeer2", nbName("vpcpeer", code, id))).toBeNull();
      }),
    );
    for (const foreign of ["ls0", "vpcpeer-x-0123456789ab", "vpcpeer-r-0123", "neutron-0123456789ab", "vpcpeer-r-0123456789ab-x"]) expect(parseNbName("vpcpeer", foreign)).toBeNull();
    expect(() => nbName("vpcpeer", "r", "subnet-0123456789ab")).toThrow(/vpc- id/);
  });

  it("derives MACs from addresses: locally administered unicast, instances and router ports apart", () => {
    expect(instanceMac("10.0.1.2")).toBe("0a:00:0a:00:01:02");
    expect(routerPortMac("10.0.1.1")).toBe("0e:00:0a:00:01:01");
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), (x, y) => {
        if (x !== y) expect(instanceMac(x)).not.toBe(instanceMac(y));
        expect(instanceMac(x)).not.toBe(routerPortMac(y));
        expect(parseInt(instanceMac(x).slice(0, 2), 16) & 3).toBe(2);
      }),
    );
  });

  it("reads a row's identity back from its external_ids, only under its owner", () => {
    const ext = externalIds("o1", "peering", "pcx-0123456789ab", "a");
    expect(keyOfExternalIds("QoS", "o1", ext)).toBe(rowKey("QoS", "peering", "pcx-0123456789ab", "a"));
    expect(keyOfExternalIds("QoS", "o2", ext)).toBeNull();
    expect(keyOfExternalIds("QoS", "o1", { ...ext, "vpcpeer-kind": "bogus" })).toBeNull();
  });
});
