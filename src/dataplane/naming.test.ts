import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { links, nsName, parseLinkName, parseNsName } from "./naming.ts";

const suffix = fc.stringMatching(/^[a-z0-9]{12}$/);

describe("data plane names", () => {
  it("round-trips namespace names and refuses names it does not own", () => {
    fc.assert(
      fc.property(suffix, fc.constantFrom("router", "instance", "vbr") as fc.Arbitrary<"router" | "instance" | "vbr">, (s, kind) => {
        const id = `${{ router: "vpc", instance: "ins", vbr: "vbr" }[kind]}-${s}`;
        expect(parseNsName("vpcpeer", nsName("vpcpeer", kind, id))).toEqual({ kind, id });
        expect(parseNsName("other", nsName("vpcpeer", kind, id))).toBeNull();
      }),
    );
    expect(parseNsName("vpcpeer", "vpcpeer-h-0123456789ab")).toEqual({ kind: "host", id: "vbr-0123456789ab" });
    for (const foreign of ["docker0", "vpcpeer-x-0123456789ab", "vpcpeer-r-0123", "cni-1234", "vpcpeer-r-0123456789ab-extra"]) {
      expect(parseNsName("vpcpeer", foreign)).toBeNull();
    }
  });
  it("keeps link names within the kernel's 15 characters and parses them back", () => {
    fc.assert(
      fc.property(suffix, (s) => {
        for (const [kind, name] of [["subnet", links.subnet(`subnet-${s}`)], ["instance", links.instance(`ins-${s}`)], ["peering", links.peering(`pcx-${s}`)], ["host", links.host(`vbr-${s}`)]] as const) {
          expect(name.length).toBeLessThanOrEqual(15);
          expect(parseLinkName(name)).toEqual({ kind, suffix: s });
        }
      }),
    );
    expect(parseLinkName("eth0")).toBeNull();
    expect(() => links.subnet("subnet-short")).toThrow();
  });
});
