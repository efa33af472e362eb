/** Flattened parameters: lists, tags, filters, numbers and booleans, and their errors. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AliyunError } from "./errors.ts";
import { Params, paged } from "./params.ts";
import { ourRouter, vRouterIdOf } from "./ids.ts";

const p = (o: Record<string, string>) => new Params(Object.entries(o));
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as AliyunError).code;
  }
  return "ok";
};

describe("Alibaba parameters", () => {
  it("reads lists, tags and filters", () => {
    const q = p({ "Tag.2.Key": "b", "Tag.1.Key": "a", "Tag.1.Value": "1", "Filter.1.Key": "Status", "Filter.1.Value.1": "Idle", "Filter.1.Value.2": "Active", "Filter.2.Key": "Name", "Filter.2.Value.1": "x", "Id.1": "i", "Id.2": "j" });
    expect(q.tags("Tag")).toEqual({ a: "1", b: "" });
    expect(q.filters("Filter", ["Status", "Name"])).toEqual(new Map([["Status", ["Idle", "Active"]], ["Name", ["x"]]]));
    expect(q.list("Id")).toEqual(["i", "j"]);
  });

  it("answers MissingParameter / InvalidParameter for malformed values", () => {
    expect(codeOf(() => p({}).req("VpcId"))).toBe("MissingParameter");
    expect(codeOf(() => p({ PageSize: "abc" }).page())).toBe("InvalidParameter");
    expect(codeOf(() => p({ PageSize: "51" }).page())).toBe("InvalidParameter");
    expect(codeOf(() => p({ DryRun: "yes" }).bool("DryRun"))).toBe("InvalidParameter");
    expect(codeOf(() => p({ "Tag.x.Key": "a" }).tags("Tag"))).toBe("InvalidParameter");
    expect(codeOf(() => p({ "Tag.1.Value": "a" }).tags("Tag"))).toBe("MissingParameter");
    expect(codeOf(() => p({ "Filter.1.Key": "Nope", "Filter.1.Value.1": "a" }).filters("Filter", ["Status"]))).toBe("InvalidParameter");
    expect(codeOf(() => p({ VpcId: "vpc-1; drop" }).id("VpcId"))).toBe("InvalidParameter");
    expect(codeOf(() => new Params([["A", "1"], ["A", "2"]]))).toBe("InvalidParameter");
  });

  it("never throws anything but a parameter error, whatever the input", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 })), (o) => {
        const q = new Params(Object.entries(o));
        for (const f of [() => q.tags("Tag"), () => q.filters("Filter", ["Status"]), () => q.page(), () => q.int("Period", 1, 9), () => q.bool("AutoPay"), () => q.list("VpcId")]) {
          const code = codeOf(f);
          expect(["ok", "MissingParameter", "InvalidParameter"]).toContain(code);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("maps vRouter ids to VPC ids and back, and pages", () => {
    expect(vRouterIdOf("vpc-abc123abc123")).toBe("vrt-abc123abc123");
    expect(ourRouter("VRouter", "vrt-abc123abc123", "RouterId")).toEqual({ type: "vpc", id: "vpc-abc123abc123" });
    expect(ourRouter(undefined, "vbr-abc123abc123", "RouterId")).toEqual({ type: "vbr", id: "vbr-abc123abc123" });
    expect(codeOf(() => ourRouter("VBR", "vrt-1", "RouterId"))).toBe("InvalidParameter");
    expect(paged([1, 2, 3], { number: 2, size: 2 })).toEqual({ items: [3], PageNumber: 2, PageSize: 2, TotalCount: 3 });
  });
});
