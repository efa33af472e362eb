/** EC2 Query parameters: form decoding, flattened lists, filters, tag specifications, refusals. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AwsError } from "./errors.ts";
import { type FilterSpec, Params, parseForm } from "./query.ts";

const P = (pairs: Record<string, string> | [string, string][]) => new Params(Array.isArray(pairs) ? pairs : Object.entries(pairs));

/** The AwsError a call throws (fails the test if it returns). */
function refusal(f: () => unknown): AwsError {
  try {
    f();
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
  throw new Error("expected an AwsError");
}

/** Form text as the SDKs write it: every key and value percent-encoded. */
const form = (pairs: [string, string][]) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");

describe("parseForm", () => {
  it("decodes percent escapes and '+' as a space, keeps order and empty values, skips empty pieces", () => {
    expect(parseForm("Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag%3AEnv&Filter.1.Value.1=a+b%2Bc&&Empty=&Bare", "request body")).toEqual([
      ["Action", "DescribeVpcs"],
      ["Version", "2016-11-15"],
      ["Filter.1.Name", "tag:Env"],
      ["Filter.1.Value.1", "a b+c"],
      ["Empty", ""],
      ["Bare", ""],
    ]);
    expect(parseForm("", "query string")).toEqual([]);
    expect(parseForm("K=%E2%9C%93%F0%9F%98%80", "query string")).toEqual([["K", "✓😀"]]);
  });

  it("a malformed escape (or an encoded lone surrogate) is InvalidParameterValue naming where it was", () => {
    for (const text of ["A=%ZZ", "A=%", "%E0%A4%A=1", "A=%ED%A0%80"]) {
      const e = refusal(() => parseForm(text, "request body"));
      expect(e).toMatchObject({ code: "InvalidParameterValue", status: 400 });
      expect(e.message).toMatch(/request body is not valid form encoding/);
    }
  });
});

describe("Params: names", () => {
  it("lowerCamel names (the API reference's samples) are read as the SDKs' capitalised ones", () => {
    const p = P({ action: "RejectVpcPeeringConnection", version: "2016-11-15", vpcPeeringConnectionId: "pcx-1a2b3c4d", dryRun: "true" });
    expect(p.action).toBe("RejectVpcPeeringConnection");
    expect(p.version).toBe("2016-11-15");
    expect(p.str("VpcPeeringConnectionId")).toBe("pcx-1a2b3c4d");
    expect(p.bool("DryRun")).toBe(true);
    expect(P({ "vpcId.1": "vpc-a", "VpcId.2": "vpc-b" }).list("VpcId")).toEqual(["vpc-a", "vpc-b"]);
  });

  it("a parameter given twice, in either spelling, is InvalidParameterCombination", () => {
    for (const pairs of [
      [["VpcId", "vpc-a"], ["VpcId", "vpc-b"]],
      [["vpcId", "vpc-a"], ["VpcId", "vpc-a"]],
      [["Filter.1.Name", "a"], ["filter.1.Name", "b"]],
    ] as [string, string][][]) {
      const e = refusal(() => P(pairs));
      expect(e).toMatchObject({ code: "InvalidParameterCombination", status: 400 });
      expect(e.message).toContain("is given more than once");
    }
  });

  it("a value with a NUL character is InvalidParameterValue naming the parameter (PostgreSQL cannot store one: tags with it were a 500)", () => {
    for (const [k, v] of [["TagSpecification.1.Tag.1.Key", "a\u0000b"], ["Tag.1.Value", "\u0000"], ["ClientToken", "x\u0000"]] as const) {
      const e = refusal(() => P({ Action: "CreateTags", [k]: v }));
      expect(e).toMatchObject({ code: "InvalidParameterValue", status: 400 });
      expect(e.message).toContain(`parameter ${k} is invalid`);
      expect(e.message).not.toContain("\u0000");
    }
  });

  it("a name longer than 256 characters is InvalidParameter, with a short message", () => {
    const e = refusal(() => P({ ["X".repeat(10_000)]: "1" }));
    expect(e).toMatchObject({ code: "InvalidParameter", status: 400 });
    expect(e.message.length).toBeLessThan(200);
  });

  it("checkKnown: Action/Version and known heads (with their dotted members) pass; anything else is UnknownParameter", () => {
    const known = new Set(["VpcId", "Filter", "AccepterPeeringConnectionOptions"]);
    P({ Action: "X", Version: "2016-11-15", VpcId: "v", "Filter.1.Name": "a", "AccepterPeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc": "true" }).checkKnown(known);
    for (const extra of ["Vpcid", "VpcIds", "DryRun", "Foo.1", "filterx"]) {
      const e = refusal(() => P({ Action: "X", Version: "2016-11-15", [extra]: "1" }).checkKnown(known));
      expect(e).toMatchObject({ code: "UnknownParameter", status: 400 });
      expect(e.message).toBe(`The parameter ${extra[0]!.toUpperCase()}${extra.slice(1)} is not recognized`);
    }
  });

  it("canonical: sorted, without the skipped names, the same whatever the order the client sent", () => {
    const a = P([["VpcId", "vpc-a"], ["ClientToken", "t"], ["TagSpecification.1.Tag.1.Key", "k k"], ["Action", "CreateRouteTable"]]);
    const b = P([["Action", "CreateRouteTable"], ["tagSpecification.1.Tag.1.Key", "k k"], ["vpcId", "vpc-a"]]);
    const skip = new Set(["ClientToken"]);
    expect(a.canonical(skip)).toBe(b.canonical(skip));
    expect(a.canonical(skip)).toBe("Action=CreateRouteTable&TagSpecification.1.Tag.1.Key=k%20k&VpcId=vpc-a");
    expect(a.canonical(new Set())).not.toBe(b.canonical(new Set()));
  });
});

describe("Params: scalars", () => {
  it("str/req: present, absent, empty, too long", () => {
    const p = P({ A: "abc", Empty: "", Long: "x".repeat(300) });
    expect(p.str("A")).toBe("abc");
    expect(p.str("Missing")).toBeUndefined();
    expect(p.str("Empty")).toBe("");
    expect(refusal(() => p.req("Missing"))).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter Missing" });
    expect(refusal(() => p.req("Empty"))).toMatchObject({ code: "MissingParameter" });
    expect(refusal(() => p.str("Long"))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("for parameter Long is invalid. Longer than 255 characters") });
    expect(p.str("Long", { max: 300 })).toHaveLength(300);
  });

  it("bool: true/false in any case; anything else names the parameter", () => {
    expect(P({ B: "TRUE" }).bool("B")).toBe(true);
    expect(P({ B: "False" }).bool("B")).toBe(false);
    expect(P({}).bool("B")).toBeUndefined();
    for (const v of ["1", "yes", "", "true "]) expect(refusal(() => P({ B: v }).bool("B"))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("parameter B") });
  });

  it("int: integers in range; other text, fractions, huge numbers and out-of-range values are refused with the given code", () => {
    expect(P({ N: "5" }).int("N", { min: 5, max: 1000 })).toBe(5);
    expect(P({ N: "-3" }).int("N", { min: -5, max: 0 })).toBe(-3);
    for (const v of ["4", "1001", "5.0", "1e3", "0x10", "", " 5", "9999999999999", "NaN"]) {
      expect(refusal(() => P({ MaxResults: v }).int("MaxResults", { min: 5, max: 1000 }, "InvalidMaxResults"))).toMatchObject({ code: "InvalidMaxResults", status: 400 });
    }
  });
});

describe("Params: lists", () => {
  it("Name.N in numeric index order (10 after 9), gaps allowed, other names ignored", () => {
    const p = P([["VpcId.10", "j"], ["VpcId.2", "b"], ["VpcId.1", "a"], ["VpcId.9", "i"], ["VpcIdX", "no"], ["Other.1", "no"]]);
    expect(p.list("VpcId")).toEqual(["a", "b", "i", "j"]);
    expect(p.list("Missing")).toEqual([]);
  });

  it("malformed members are refused: index 0, leading zeros, letters, five digits, an empty index, a sub-member", () => {
    for (const key of ["VpcId.0", "VpcId.01", "VpcId.x", "VpcId.10000", "VpcId.", "VpcId.-1", "VpcId.1e2"]) {
      const e = refusal(() => P({ [key]: "vpc-a" }).list("VpcId"));
      expect(e, key).toMatchObject({ code: "InvalidParameterValue", status: 400 });
      expect(e.message).toContain(`The parameter ${key} is not a valid list member`);
    }
    expect(refusal(() => P({ "VpcId.1.Foo": "x" }).list("VpcId"))).toMatchObject({ code: "UnknownParameter", message: "The parameter VpcId.1.Foo is not recognized" });
  });

  it("a leading-zero index never reads as an absent member (it used to come back as undefined)", () => {
    const p = P({ "VpcId.01": "vpc-a" });
    expect(() => p.list("VpcId")).toThrow(AwsError);
    expect(refusal(() => P({ "Filter.1.Name": "vpc-id", "Filter.1.Value.01": "x" }).filters(() => true))).toMatchObject({ status: 400 });
    expect(refusal(() => P({ "Filter.01.Name": "vpc-id" }).filters(() => true))).toMatchObject({ code: "InvalidParameterValue" });
    expect(refusal(() => P({ "Tag.01.Key": "k" }).tagList())).toMatchObject({ code: "InvalidParameterValue" });
  });

  it("more items than allowed is InvalidParameterValue naming the list", () => {
    const pairs: [string, string][] = Array.from({ length: 6 }, (_, i) => [`ResourceId.${i + 1}`, `vpc-${i}`]);
    expect(refusal(() => P(pairs).list("ResourceId", 5))).toMatchObject({ code: "InvalidParameterValue", message: "The parameter ResourceId has 6 items; at most 5 are allowed." });
    expect(P(pairs).list("ResourceId", 6)).toHaveLength(6);
  });
});

describe("Params: filters", () => {
  const names = ["vpc-id", "status-code", "accepter-vpc-info.owner-id", "tag:"];

  it("Filter.N.Name / Filter.N.Value.M → [{name, values}] in index order, values in numeric order", () => {
    const p = P([
      ["Filter.2.Name", "tag:Env"],
      ["Filter.2.Value.1", "prod"],
      ["Filter.1.Name", "status-code"],
      ["Filter.1.Value.10", "j"],
      ["Filter.1.Value.2", "pending-acceptance"],
      ["Filter.1.Value.1", "active"],
    ]);
    expect(p.filters(names)).toEqual([
      { name: "status-code", values: ["active", "pending-acceptance", "j"] },
      { name: "tag:Env", values: ["prod"] },
    ]);
    expect(P({}).filters(names)).toEqual([]);
    // A filter without values is kept with none (it then matches nothing).
    expect(P({ "Filter.1.Name": "vpc-id" }).filters(names)).toEqual([{ name: "vpc-id", values: [] }]);
  });

  it("the allowed names: a list (with tag: admitting any tag key) or a predicate; others are InvalidParameterValue naming the filter", () => {
    expect(P({ "Filter.1.Name": "tag:Name with space", "Filter.1.Value.1": "x" }).filters(names)).toEqual([{ name: "tag:Name with space", values: ["x"] }]);
    expect(refusal(() => P({ "Filter.1.Name": "tag:x" }).filters(["vpc-id"]))).toMatchObject({ code: "InvalidParameterValue", message: "The filter 'tag:x' is invalid" });
    expect(refusal(() => P({ "Filter.1.Name": "Vpc-Id" }).filters(names))).toMatchObject({ code: "InvalidParameterValue", message: "The filter 'Vpc-Id' is invalid" });
    expect(P({ "Filter.1.Name": "anything" }).filters((n) => n.startsWith("any"))).toHaveLength(1);
  });

  it("a filter without a name, with an empty name, or with an unknown member is refused", () => {
    expect(refusal(() => P({ "Filter.1.Value.1": "x" }).filters(names))).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter Filter.1.Name" });
    expect(refusal(() => P({ "Filter.3.Name": "" }).filters(names))).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter Filter.3.Name" });
    for (const key of ["Filter.1.Values.1", "Filter.1.Value", "Filter.1.Value.1.X", "Filter.1.name", "Filter.1"]) {
      expect(refusal(() => P({ "Filter.1.Name": "vpc-id", [key]: "x" }).filters(names)), key).toMatchObject({ code: "UnknownParameter", status: 400 });
    }
  });

  it("at most 200 filters and 1000 values per filter", () => {
    const many: [string, string][] = Array.from({ length: 201 }, (_, i) => [`Filter.${i + 1}.Name`, "vpc-id"]);
    expect(refusal(() => P(many).filters(names))).toMatchObject({ code: "InvalidParameterValue", message: "The request has 201 filters; at most 200 are allowed." });
    expect(P(many.slice(0, 200)).filters(names)).toHaveLength(200);
    const values: [string, string][] = [["Filter.1.Name", "vpc-id"], ...Array.from({ length: 1001 }, (_, i): [string, string] => [`Filter.1.Value.${i + 1}`, "x"])];
    expect(refusal(() => P(values).filters(names))).toMatchObject({ code: "InvalidParameterValue", message: expect.stringContaining("Filter.1.Value has 1001 items") });
  });

  it("a 650 kB request of 200 filters × 150 values is read in one pass, not one scan per filter", () => {
    const pairs: [string, string][] = [];
    for (let i = 1; i <= 200; i++) {
      pairs.push([`Filter.${i}.Name`, "vpc-id"]);
      for (let j = 1; j <= 150; j++) pairs.push([`Filter.${i}.Value.${j}`, `vpc-${j}`]);
    }
    const t0 = performance.now();
    const out = P(pairs).filters(names);
    // It took 6 s before (each filter rescanned and resorted all 30,000 keys).
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(out).toHaveLength(200);
    expect(out[199]!.values[149]).toBe("vpc-150");
  });

  it("property: any filter list written as Filter.N.Name/Value.M (any order, any text, any casing of the first letter) reads back the same", () => {
    const filterList = fc.array(
      fc.record({ name: fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), values: fc.array(fc.string({ maxLength: 30, unit: "grapheme" }), { maxLength: 12 }) }),
      { maxLength: 25 },
    );
    fc.assert(
      fc.property(filterList, fc.array(fc.nat(), { maxLength: 400 }), fc.boolean(), (filters: FilterSpec[], order, lower) => {
        const pairs: [string, string][] = [];
        filters.forEach((f, i) => {
          pairs.push([`${lower ? "filter" : "Filter"}.${i + 1}.Name`, f.name]);
          f.values.forEach((v, j) => pairs.push([`Filter.${i + 1}.Value.${j + 1}`, v]));
        });
        // Shuffle by the random keys: the server must not depend on the order of the pairs.
        const shuffled = pairs.map((p, i) => [order[i] ?? i, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
        const read = new Params(parseForm(form(shuffled), "request body")).filters(() => true);
        expect(read).toEqual(filters);
      }),
      { seed: 1414, numRuns: 300 },
    );
  });
});

describe("Params: tag specifications and tag lists", () => {
  it("TagSpecification.N of the action's resource type → tags (several specifications merge)", () => {
    const p = P({
      "TagSpecification.1.ResourceType": "vpc-peering-connection",
      "TagSpecification.1.Tag.1.Key": "Name",
      "TagSpecification.1.Tag.1.Value": "p1",
      "TagSpecification.1.Tag.2.Key": "Env",
      "TagSpecification.1.Tag.2.Value": "",
      "TagSpecification.2.ResourceType": "vpc-peering-connection",
      "TagSpecification.2.Tag.1.Key": "Side",
      "TagSpecification.2.Tag.1.Value": "Requester",
    });
    expect(p.tagSpecs("vpc-peering-connection")).toEqual({ Name: "p1", Env: "", Side: "Requester" });
    expect(P({}).tagSpecs("vpc")).toEqual({});
  });

  it("another resource type, a missing type, a missing key or value, or an unknown member is refused", () => {
    const base = { "TagSpecification.1.ResourceType": "vpc", "TagSpecification.1.Tag.1.Key": "k", "TagSpecification.1.Tag.1.Value": "v" };
    expect(refusal(() => P(base).tagSpecs("subnet"))).toMatchObject({ code: "InvalidParameterValue", message: "'vpc' is not a valid taggable resource type for this operation." });
    const { "TagSpecification.1.ResourceType": _t, ...noType } = base;
    expect(refusal(() => P(noType).tagSpecs("vpc"))).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter TagSpecification.1.ResourceType" });
    const { "TagSpecification.1.Tag.1.Value": _v, ...noValue } = base;
    expect(refusal(() => P(noValue).tagSpecs("vpc"))).toMatchObject({ code: "MissingParameter", message: expect.stringContaining("value for key 'k'") });
    const { "TagSpecification.1.Tag.1.Key": _k, ...noKey } = base;
    expect(refusal(() => P(noKey).tagSpecs("vpc"))).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter TagSpecification.1.Tag.1.Key" });
    for (const key of ["TagSpecification.1.Tags.1.Key", "TagSpecification.1.Tag.1.Name", "TagSpecification.1.Type"]) {
      expect(refusal(() => P({ ...base, [key]: "x" }).tagSpecs("vpc")), key).toMatchObject({ code: "UnknownParameter" });
    }
  });

  it("a key that is empty or starts with aws: (any case) is InvalidTagKey.Malformed for every resource type, as CreateTags answers", () => {
    for (const type of ["vpc", "subnet", "route-table", "instance", "vpc-peering-connection"]) {
      for (const key of ["aws:owner", "AWS:x", ""]) {
        const e = refusal(() => P({ "TagSpecification.1.ResourceType": type, "TagSpecification.1.Tag.1.Key": key, "TagSpecification.1.Tag.1.Value": "v" }).tagSpecs(type));
        expect(e, `${type} '${key}'`).toMatchObject({ code: "InvalidTagKey.Malformed", status: 400, message: expect.stringContaining("TagSpecification.1.Tag") });
      }
    }
    expect(P({ "TagSpecification.1.ResourceType": "vpc", "TagSpecification.1.Tag.1.Key": "awsx:ok", "TagSpecification.1.Tag.1.Value": "v" }).tagSpecs("vpc")).toEqual({ "awsx:ok": "v" });
  });

  it("a key named like an Object member (__proto__, constructor) is a tag like any other; a later specification's value wins", () => {
    const tags = P({
      "TagSpecification.1.ResourceType": "vpc",
      "TagSpecification.1.Tag.1.Key": "__proto__",
      "TagSpecification.1.Tag.1.Value": "p",
      "TagSpecification.1.Tag.2.Key": "constructor",
      "TagSpecification.1.Tag.2.Value": "c",
      "TagSpecification.2.ResourceType": "vpc",
      "TagSpecification.2.Tag.1.Key": "constructor",
      "TagSpecification.2.Tag.1.Value": "c2",
    }).tagSpecs("vpc");
    expect(Object.entries(tags)).toEqual([["__proto__", "p"], ["constructor", "c2"]]);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
  });

  it("thousands of TagSpecification members are refused at once (each used to rescan the whole request: minutes of CPU)", () => {
    const pairs: [string, string][] = [];
    for (let i = 1; i <= 5000; i++) pairs.push([`TagSpecification.${i}.ResourceType`, "vpc"], [`TagSpecification.${i}.Tag.1.Key`, `k${i}`], [`TagSpecification.${i}.Tag.1.Value`, "v"]);
    const t0 = performance.now();
    expect(refusal(() => P(pairs).tagSpecs("vpc"))).toMatchObject({ code: "InvalidParameterValue", message: "The request has 5000 tag specifications; at most 50 are allowed." });
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("tagList: Tag.N.Key with an optional Value; no Key or another member is refused", () => {
    expect(P({ "Tag.2.Key": "b", "Tag.1.Key": "a", "Tag.1.Value": "1" }).tagList()).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: undefined },
    ]);
    expect(refusal(() => P({ "Tag.1.Value": "1" }).tagList())).toMatchObject({ code: "MissingParameter", message: "The request must contain the parameter Tag.1.Key" });
    expect(refusal(() => P({ "Tag.1.Key": "a", "Tag.1.Val": "1" }).tagList())).toMatchObject({ code: "UnknownParameter", message: "The parameter Tag.1.Val is not recognized" });
    const many: [string, string][] = Array.from({ length: 3000 }, (_, i) => [`Tag.${i + 1}.Key`, `k${i}`]);
    const t0 = performance.now();
    expect(P(many).tagList()).toHaveLength(3000);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});
