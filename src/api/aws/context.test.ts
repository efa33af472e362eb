/** The helpers the AWS actions share: EC2's filters and their wildcards. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyFilters, globMatcher } from "./context.ts";

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
