/**
 * OwnedRepo.search (offset windows and counts) and searchList (keyset pages) in SQL answer what
 * filtering every row in memory answers, on both stores: each criterion, their combinations,
 * windows past the end, and the keyset pages walked to the end.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../config.ts";
import type { Vpc } from "../../domain/resources.ts";
import { openRuntime, type Runtime } from "../../main.ts";
import { TEST_MASTER_KEY, type TestDb, freshDb } from "../../../test/support/harness.ts";
import type { OwnedSearch } from "./owned.ts";

/** What the search means, over every VPC in memory (creation order, as the store's). */
function oracle(all: Vpc[], s: OwnedSearch): Vpc[] {
  const column = (v: Vpc, c: string) => ({ id: v.id, region: v.region, cidr: v.cidr, name: v.name })[c]!;
  return all.filter(
    (v) =>
      Object.entries(s.columns ?? {}).every(([c, values]) => values === undefined || values.includes(column(v, c))) &&
      (s.nameContains === undefined || s.nameContains.some((n) => v.name.includes(n))) &&
      (s.tags ?? []).every((t) => Object.entries(v.tags).some(([k, val]) => (t.keys === undefined || t.keys.includes(k)) && (t.values === undefined || t.values.includes(val)))),
  );
}

describe.each(["sqlite", "postgres"] as const)("OwnedRepo.search on %s", (kind) => {
  let db: TestDb;
  let runtime: Runtime;
  let accountId: string;
  let all: Vpc[] = [];

  beforeAll(async () => {
    db = await freshDb(kind);
    runtime = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    accountId = (await runtime.services.accounts.create("searcher")).accountId;
    const other = (await runtime.services.accounts.create("other")).accountId;
    for (let i = 0; i < 30; i++) {
      const tags: Record<string, string> = i % 3 === 0 ? { env: "prod" } : i % 3 === 1 ? { env: "dev", team: `t${i % 2}` } : {};
      const region = i % 4 === 0 ? "ap-guangzhou" : "cn-hangzhou";
      all.push(await runtime.services.vpcs.create({ accountId }, { name: `net-${i % 5}-${i}`, region, cidr: `10.${i % 3}.0.0/16`, tags }));
    }
    // Another account's VPCs are never found, whatever the criteria.
    await runtime.services.vpcs.create({ accountId: other }, { name: "net-0-x", region: "cn-hangzhou", cidr: "10.0.0.0/16", tags: { env: "prod" } });
    all = (await runtime.services.vpcs.list({ accountId }, {}, { limit: 100 })).items;
  });
  afterAll(async () => {
    await runtime?.close();
    await db?.drop();
  });

  const searches = (): [string, OwnedSearch][] => [
    ["nothing", {}],
    ["one region", { columns: { region: ["cn-hangzhou"] } }],
    ["ids", { columns: { id: [all[3]!.id, all[7]!.id, "vpc-nothere"] } }],
    ["one id", { columns: { id: [all[5]!.id] } }],
    ["no ids", { columns: { id: [] } }],
    ["cidrs", { columns: { cidr: ["10.1.0.0/16", "10.2.0.0/16"] } }],
    ["name contains", { nameContains: ["-2-", "-4-"] }],
    ["exact name", { columns: { name: [all[4]!.name] } }],
    ["a tag's value", { tags: [{ keys: ["env"], values: ["prod"] }] }],
    ["any of keys", { tags: [{ keys: ["team", "nope"] }] }],
    ["a value under any key", { tags: [{ values: ["t1"] }] }],
    ["two tag criteria", { tags: [{ keys: ["env"], values: ["dev"] }, { keys: ["team"], values: ["t0"] }] }],
    ["all at once", { columns: { region: ["cn-hangzhou"], cidr: ["10.1.0.0/16"] }, nameContains: ["net"], tags: [{ keys: ["env"] }] }],
    ["NUL matches nothing", { nameContains: ["\u0000"] }],
  ];

  it("windows and counts as the filter over every row does", async () => {
    for (const [what, s] of searches()) {
      const expected = oracle(all, s);
      for (const window of [
        { offset: 0, limit: 7 },
        { offset: 5, limit: 4 },
        { offset: 28, limit: 10 },
        { offset: 40, limit: 5 },
      ]) {
        const found = await runtime.store.read.vpcs.search({ accountId }, s, window);
        expect(found.total, what).toBe(expected.length);
        expect(
          found.items.map((v) => v.id),
          `${what} ${JSON.stringify(window)}`,
        ).toEqual(expected.slice(window.offset, window.offset + window.limit).map((v) => v.id));
      }
    }
  });

  it("counts a region from the owner's scope or the criteria alike", async () => {
    const inRegion = all.filter((v) => v.region === "ap-guangzhou");
    expect((await runtime.store.read.vpcs.search({ accountId, region: "ap-guangzhou" }, {}, { offset: 0, limit: 100 })).total).toBe(inRegion.length);
    expect((await runtime.store.read.vpcs.search({ accountId }, { columns: { region: ["ap-guangzhou"] } }, { offset: 0, limit: 1 })).total).toBe(inRegion.length);
    // A scope and a criterion naming different regions: nothing.
    expect((await runtime.store.read.vpcs.search({ accountId, region: "ap-guangzhou" }, { columns: { region: ["cn-hangzhou"] } }, { offset: 0, limit: 100 })).total).toBe(0);
  });

  it("pages by keyset to the end, each row once, in creation order", async () => {
    for (const [what, s] of searches()) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await runtime.store.read.vpcs.searchList({ accountId }, s, { limit: 4, cursor });
        seen.push(...page.items.map((v) => v.id));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(seen, what).toEqual(oracle(all, s).map((v) => v.id));
    }
  });

  it("refuses a cursor of another search", async () => {
    const page = await runtime.store.read.vpcs.searchList({ accountId }, { columns: { cidr: ["10.1.0.0/16"] } }, { limit: 2 });
    expect(page.nextCursor).not.toBeNull();
    await expect(runtime.store.read.vpcs.searchList({ accountId }, { columns: { cidr: ["10.2.0.0/16"] } }, { limit: 2, cursor: page.nextCursor! })).rejects.toMatchObject({ code: "InvalidCursor" });
  });
});
