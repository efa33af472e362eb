/** The helpers the AWS actions share: EC2's filters and their wildcards. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyFilters, globMatcher, sqlFilters } from "./context.ts";

/** `*` and `?` as a regular expression: the meaning, for comparison on small inputs only. */
const byRegExp = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`);

describe("EC2 filter wildcards", () => {
  it("* is any run, ? one character, everything else itself", () => {
    const m = (p: string, s: string) => globMatcher(p)(s);
    expect(m("vpc-*", "vpc-abc")).toBe(true);
    expect(m("vpc-*", "subnet-abc")).toBe(false);
    expect(m("10.?.0.0/16", "10.1.0.0/16")).toBe(true);
    expect(m("10.?.0.0/16", "10.12.0.0/16")).toBe(false);
    expect(m("*", "")).toBe(true);
    expect(m("?", "")).toBe(false);
    expect(m("a*b*c", "aXbYbZc")).toBe(true);
    expect(m("a*b*c", "aXbYbZ")).toBe(false);
    expect(m("[.]+(x)", "[.]+(x)")).toBe(true);
    expect(m("a.c*", "abc")).toBe(false);
  });

  it("property: the same answers as the regular expression for any pattern and text", () => {
    const text = fc.string({ unit: fc.constantFrom("a", "b", ".", "\\", "😀"), maxLength: 12 });
    const pattern = fc.string({ unit: fc.constantFrom("a", "b", "*", "?", ".", "\\"), maxLength: 10 });
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        expect(globMatcher(p)(s)).toBe(byRegExp(p).test(s));
      }),
      { seed: 1415, numRuns: 3000 },
    );
  });

  it("patterns that make a backtracking regular expression take minutes answer at once", () => {
    const t0 = performance.now();
    // With a RegExp, each of these two took about 7 s (and every character more multiplies it).
    expect(globMatcher(`${"*?".repeat(12)}#`)("ec2.ap-southeast-1.amazonaws.com")).toBe(false);
    const rows = [{ id: "vpc-1", tags: { Name: "a".repeat(40) } }];
    expect(applyFilters(rows, [{ name: "tag:Name", values: [`${"*a".repeat(8)}*b`] }], {})).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(1_000);
    // Long patterns on long values stay within pattern × text steps.
    expect(globMatcher(`${"*a".repeat(200)}*b`)("a".repeat(256))).toBe(false);
    expect(globMatcher(`${"*a".repeat(100)}*`)("a".repeat(256))).toBe(true);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });
});

describe("applyFilters", () => {
  const rows = [
    { id: "vpc-1", tags: { Name: "web", env: "prod" } as Record<string, string> },
    { id: "vpc-2", tags: { __proto__x: "p" } as Record<string, string> },
    { id: "vpc-3", tags: JSON.parse('{"__proto__":"odd","constructor":"c"}') as Record<string, string> },
  ];
  const ids = (name: string, values: string[]) => applyFilters(rows, [{ name, values }], { "vpc-id": (r) => r.id }).map((r) => r.id);

  it("tag:<key> matches only resources that carry that key, also for keys an object inherits (constructor, __proto__, toString)", () => {
    expect(ids("tag:Name", ["*"])).toEqual(["vpc-1"]);
    expect(ids("tag:constructor", ["*"])).toEqual(["vpc-3"]);
    expect(ids("tag:__proto__", ["*"])).toEqual(["vpc-3"]);
    expect(ids("tag:toString", ["*"])).toEqual([]);
    expect(ids("tag:hasOwnProperty", ["[object Object]", "*"])).toEqual([]);
  });

  it("filters are ANDed, a filter's values ORed; tag-key and tag-value read every tag", () => {
    expect(applyFilters(rows, [{ name: "tag-key", values: ["env", "__proto__"] }], {}).map((r) => r.id)).toEqual(["vpc-1", "vpc-3"]);
    expect(applyFilters(rows, [{ name: "tag-value", values: ["p*"] }, { name: "vpc-id", values: ["vpc-1", "vpc-2"] }], { "vpc-id": (r) => r.id }).map((r) => r.id)).toEqual(["vpc-1", "vpc-2"]);
  });
});

describe("sqlFilters", () => {
  const COLUMNS = { "vpc-id": "vpc_id", cidr: "cidr", "cidr-block": "cidr" };
  it("sends exact column and tag filters to SQL and leaves wildcards, unknown names and repeats in memory", () => {
    const { search, rest } = sqlFilters(
      [
        { name: "vpc-id", values: ["vpc-a", "vpc-b"] },
        { name: "cidr", values: ["10.0.0.0/16"] },
        // A second filter on the same column: both must hold, so the second is tested in memory.
        { name: "cidr-block", values: ["10.1.0.0/16"] },
        { name: "tag:env", values: ["prod"] },
        { name: "tag-key", values: ["team", "owner"] },
        { name: "tag-value", values: ["blue"] },
        { name: "tag:name", values: ["web-*"] },
        { name: "state", values: ["available"] },
      ],
      COLUMNS,
      { id: ["vpc-x"] },
    );
    expect(search).toEqual({
      columns: { id: ["vpc-x"], vpc_id: ["vpc-a", "vpc-b"], cidr: ["10.0.0.0/16"] },
      tags: [{ keys: ["env"], values: ["prod"] }, { keys: ["team", "owner"] }, { values: ["blue"] }],
    });
    expect(rest.map((f) => f.name)).toEqual(["cidr-block", "tag:name", "state"]);
  });

  it("a filter on a column the call already constrains stays in memory", () => {
    const { search, rest } = sqlFilters([{ name: "vpc-id", values: ["vpc-a"] }], { "vpc-id": "id" }, { id: ["vpc-b"] });
    expect(search.columns).toEqual({ id: ["vpc-b"] });
    expect(rest).toEqual([{ name: "vpc-id", values: ["vpc-a"] }]);
  });

  it("tags: false leaves the tag filters in memory (a resource shown without tags)", () => {
    const filters = [
      { name: "tag:env", values: ["prod"] },
      { name: "tag-key", values: ["a"] },
      { name: "vpc-id", values: ["vpc-a"] },
    ];
    const { search, rest } = sqlFilters(filters, { "vpc-id": "vpc_id" }, {}, { tags: false });
    expect(search).toEqual({ columns: { vpc_id: ["vpc-a"] }, tags: [] });
    expect(rest.map((f) => f.name)).toEqual(["tag:env", "tag-key"]);
  });

  it("SQL's part and memory's together keep what applyFilters alone keeps", () => {
    type Item = { id: string; cidr: string; tags: Record<string, string> };
    const item = fc.record({ id: fc.constantFrom("a", "b", "c"), cidr: fc.constantFrom("x", "y"), tags: fc.dictionary(fc.constantFrom("k", "l"), fc.constantFrom("1", "2", "1*")) });
    const value = fc.constantFrom("a", "b", "x", "y", "k", "l", "1", "2", "*", "1*", "?");
    const filter = fc.record({ name: fc.constantFrom("id", "cidr", "tag:k", "tag-key", "tag-value"), values: fc.array(value, { minLength: 1, maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 8 }), fc.array(filter, { maxLength: 4 }), (items: Item[], filters) => {
        const fields = { id: (i: Item) => i.id, cidr: (i: Item) => i.cidr };
        const { search, rest } = sqlFilters(filters, { id: "id", cidr: "cidr" });
        // What the store's search keeps (OwnedRepo.search), in memory.
        const bySql = items.filter(
          (i) =>
            Object.entries(search.columns ?? {}).every(([c, vs]) => vs === undefined || vs.includes(c === "id" ? i.id : i.cidr)) &&
            (search.tags ?? []).every((t) => Object.entries(i.tags).some(([k, v]) => (t.keys === undefined || t.keys.includes(k)) && (t.values === undefined || t.values.includes(v)))),
        );
        expect(applyFilters(bySql, rest, fields)).toEqual(applyFilters(items, filters, fields));
      }),
    );
  });
});
