import { describe, expect, it } from "vitest";
import { apiQuery, ariaSort, nextSort, rangeText, readState, splitHash, writeState } from "./list-query.ts";

describe("a list's state in the hash", () => {
  const defaults = { state: "", role: "", lifecycle: "live" };

  it("splits the route from the query", () => {
    expect(splitHash("#/peerings?state=active&sort=-createdAt")).toMatchObject({ path: "/peerings" });
    expect(splitHash("#/peerings?state=active").params.get("state")).toBe("active");
    expect(splitHash("").path).toBe("/");
    expect(splitHash("#/vpcs/vpc-1").path).toBe("/vpcs/vpc-1");
  });

  it("reads defaults for what the address leaves out, and its own prefixed keys only", () => {
    const { params } = splitHash("#/vpcs/vpc-1?subnets.q=web&q=other&subnets.pages=a,b");
    expect(readState(params, "subnets.", { zone: "" })).toEqual({ q: "web", sort: "", filters: { zone: "" }, pages: ["a", "b"] });
    expect(readState(new URLSearchParams(), "", defaults).filters).toEqual({ state: "", role: "", lifecycle: "live" });
  });

  it("writes only what differs from the defaults, and starts over at page 1 when the query changes", () => {
    const start = new URLSearchParams("other.q=x");
    const s = readState(start, "", defaults);
    const filtered = writeState(start, "", defaults, { ...s, filters: { ...s.filters, state: "active" }, sort: "-createdAt" });
    expect(filtered.toString()).toBe("other.q=x&sort=-createdAt&state=active");
    const paged = writeState(filtered, "", defaults, { ...readState(filtered, "", defaults), pages: ["c1", "c2"] });
    expect(readState(paged, "", defaults).pages).toEqual(["c1", "c2"]);
    const searched = writeState(paged, "", defaults, { ...readState(paged, "", defaults), q: "prod" });
    expect(readState(searched, "", defaults)).toMatchObject({ q: "prod", pages: [] });
    const ended = writeState(searched, "", defaults, { ...readState(searched, "", defaults), filters: { state: "active", role: "", lifecycle: "ended" } });
    expect(ended.get("lifecycle")).toBe("ended");
    const live = writeState(ended, "", defaults, { ...readState(ended, "", defaults), filters: { state: "active", role: "", lifecycle: "live" } });
    expect(live.has("lifecycle")).toBe(false);
  });

  it("asks the API for the page: fixed parameters, non-empty filters, trimmed search, sort, the last cursor", () => {
    const q = apiQuery({ q: " web ", sort: "-name", filters: { state: "", lifecycle: "live" }, pages: ["c1", "c2"] }, { vpcId: "vpc-1" }, 50);
    expect(Object.fromEntries(q)).toEqual({ limit: "50", vpcId: "vpc-1", lifecycle: "live", q: "web", sort: "-name", cursor: "c2" });
    expect(apiQuery({ q: "", sort: "", filters: {}, pages: ["7"] }, {}, 50, "after").get("after")).toBe("7");
  });

  it("says which records are shown", () => {
    expect(rangeText(1, 50, 50, true)).toBe("Showing 51–100");
    expect(rangeText(2, 50, 37, false)).toBe("Showing 101–137 (the last)");
    expect(rangeText(0, 50, 3, false)).toBe("Showing 1–3 (all 3)");
    expect(rangeText(0, 50, 0, false)).toBe("Nothing matches");
  });

  it("sorts by a column ascending, then descending; aria-sort follows (createdAt by default)", () => {
    expect(nextSort("", "name")).toBe("name");
    expect(nextSort("name", "name")).toBe("-name");
    expect(nextSort("-name", "name")).toBe("name");
    expect(ariaSort("", "createdAt")).toBe("ascending");
    expect(ariaSort("-createdAt", "createdAt")).toBe("descending");
    expect(ariaSort("-createdAt", "name")).toBe("none");
  });
});
