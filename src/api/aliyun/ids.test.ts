import { describe, expect, it } from "vitest";
import { aliText, fromAli, toAli } from "./ids.ts";

describe("Alibaba ids", () => {
  it("shows the cloud's prefixes and reads both its own and the native ones", () => {
    const cases = [
      ["vSwitch", "subnet-abcdefghij12", "vsw-abcdefghij12"],
      ["routeTable", "rtb-abcdefghij12", "vtb-abcdefghij12"],
      ["routeEntry", "rt-abcdefghij12", "rte-abcdefghij12"],
      ["peering", "pcx-abcdefghij12", "pcc-abcdefghij12"],
      ["instance", "ins-abcdefghij12", "i-abcdefghij12"],
      ["vRouter", "vpc-abcdefghij12", "vrt-abcdefghij12"],
      ["vpc", "vpc-abcdefghij12", "vpc-abcdefghij12"],
    ] as const;
    for (const [kind, native, ali] of cases) {
      expect(toAli(kind, native)).toBe(ali);
      expect(fromAli(kind, ali)).toBe(native);
      expect(fromAli(kind, native)).toBe(native);
    }
    expect(fromAli("vSwitch", "nonsense")).toBe("nonsense");
  });

  it("rewrites native ids inside messages", () => {
    expect(aliText("subnet subnet-abcdefghij12 of vpc-abcdefghij12 uses rtb-abcdefghij12; route rt-abcdefghij12 via pcx-abcdefghij12 and ins-abcdefghij12")).toBe(
      "subnet vsw-abcdefghij12 of vpc-abcdefghij12 uses vtb-abcdefghij12; route rte-abcdefghij12 via pcc-abcdefghij12 and i-abcdefghij12",
    );
  });
});
