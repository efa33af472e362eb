/**
 * Group commit on the SQLite store (group-commit.ts): concurrent transactions share a COMMIT, a
 * failing one takes only its own writes with it, and every outcome is told after the commit.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestDb, freshDb } from "../../test/support/harness.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { Store } from "./store.ts";

type Kind = "ok" | "throws" | "violates";

const account = { id: "100000000001", name: "a", accessKeyId: "AK1", secretCiphertext: "x", tokenHash: "h1", createdAt: "2026-01-01T00:00:00.000Z" };

describe("group commit (SQLite)", () => {
  let db: TestDb;
  let store: Store;

  beforeAll(async () => {
    db = await freshDb("sqlite");
    store = await Store.open(db);
    await store.repos.meta.setOnce("taken", "1");
    await store.repos.accounts.insert(account);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A transaction writing `keys`, then succeeding, throwing, or hitting a unique violation. */
  const logical = (kind: Kind, keys: string[]) =>
    store.transaction(async (r) => {
      for (const key of keys) await r.meta.setOnce(key, kind);
      if (kind === "throws") throw new Error("refused");
      // An account that exists already: the statement fails with a unique violation.
      if (kind === "violates") await r.accounts.insert(account);
      return keys;
    });

  it("concurrent transactions share commits; a failing one leaves the others' writes intact", async () => {
    const before = store.groupCommitStats()!;
    const kinds: Kind[] = Array.from({ length: 60 }, (_, i) => (i % 7 === 3 ? "violates" : i % 5 === 1 ? "throws" : "ok"));
    const results = await Promise.allSettled(kinds.map((kind, i) => logical(kind, [`a${i}-1`, `a${i}-2`])));
    results.forEach((r, i) => {
      expect(r.status).toBe(kinds[i] === "ok" ? "fulfilled" : "rejected");
      if (kinds[i] === "violates") expect(isUniqueViolation((r as PromiseRejectedResult).reason)).toBe(true);
    });
    const after = store.groupCommitStats()!;
    // 60 transactions started in one turn of the event loop: far fewer commits than transactions.
    expect(after.transactions - before.transactions).toBe(60);
    expect(after.commits - before.commits).toBeLessThan(10);
    expect(after.largest).toBeGreaterThan(1);
    for (const [i, kind] of kinds.entries()) {
      expect(await store.read.meta.get(`a${i}-1`)).toBe(kind === "ok" ? "ok" : null);
      expect(await store.read.meta.get(`a${i}-2`)).toBe(kind === "ok" ? "ok" : null);
    }
  });

  it("a transaction is acknowledged only once its batch is committed (another connection sees it)", async () => {
    // store.read is SQLite's read-only connection: it sees committed data only.
    const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => logical("ok", [`c${i}`]).then(() => store.read.meta.get(`c${i}`))));
    expect(seen).toEqual(Array.from({ length: 20 }, () => "ok"));
  });

  it("a statement outside any transaction commits the open batch first (it sees no uncommitted write)", async () => {
    const pending = logical("ok", ["d1"]);
    // Queued behind the transaction on the writer; runs after it, once its batch is committed.
    const value = await store.repos.meta.get("d1");
    expect(value).toBe("ok");
    await pending;
    expect(await store.read.meta.get("d1")).toBe("ok");
  });

  it("dry runs (rolled back) inside batches never leave writes behind", async () => {
    const { rolledBack } = await import("../service/preview.ts");
    const [dry, wet] = await Promise.all([rolledBack(store, async (r) => r.meta.setOnce("e-dry", "x")), logical("ok", ["e-wet"])]);
    expect(dry).toBe("x");
    expect(wet).toEqual(["e-wet"]);
    expect(await store.read.meta.get("e-dry")).toBeNull();
    expect(await store.read.meta.get("e-wet")).toBe("ok");
  });

  it("any mix of outcomes in a burst: exactly the successful transactions' writes survive a reopen", async () => {
    let run = 0;
    const expected = new Map<string, string | null>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom<Kind>("ok", "throws", "violates"), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 40 }), async (ops) => {
        run++;
        const keysOf = (i: number, n: number) => Array.from({ length: n }, (_, k) => `p${run}-${i}-${k}`);
        const settled = await Promise.allSettled(ops.map(([kind, n], i) => logical(kind, keysOf(i, n))));
        ops.forEach(([kind, n], i) => {
          expect(settled[i]!.status).toBe(kind === "ok" ? "fulfilled" : "rejected");
          for (const key of keysOf(i, n)) expected.set(key, kind === "ok" ? "ok" : null);
        });
      }),
      { numRuns: 30 },
    );
    // Reopened from disk: what was acknowledged is there, nothing else is.
    await store.close();
    store = await Store.open(db);
    for (const [key, value] of expected) expect(await store.read.meta.get(key)).toBe(value);
  });
});
