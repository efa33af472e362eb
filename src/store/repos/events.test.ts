/**
 * The events of one resource (GET /events?resourceId=…, which every detail page of the console
 * reads whole, again on each live update) come from an index range of that resource's events, not
 * from a walk over every event the account ever had: on both stores, the plan of the very
 * statement the repository sends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { defaultConfig } from "../../config.ts";
import { openRuntime, type Runtime } from "../../main.ts";
import { BACKENDS, TEST_MASTER_KEY, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { type SentStatement, rowsRead, sqlitePlan, watched } from "../../../test/support/plans.ts";
import type { Db } from "./common.ts";
import { Repos } from "./index.ts";

describe.each(BACKENDS)("the events of one resource on %s", (backend) => {
  let db: TestDb;
  let runtime: Runtime;
  let kysely: Db;
  const sent: SentStatement[] = [];

  beforeAll(async () => {
    db = await freshDb(backend);
    runtime = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    // The statements the repository sends (a test's look inside).
    kysely = watched((runtime.store as unknown as { db: Db }).db, sent);
  });
  afterAll(async () => {
    await runtime?.close();
    await db?.drop();
  });

  it("reads an index range of the resource's events", async () => {
    const repo = new Repos(kysely, runtime.store.caps).events;
    const account = (await runtime.services.accounts.create("historian")).accountId;
    const at = new Date().toISOString();
    // An account with a long history over many resources, one of which is asked about.
    const events = Array.from({ length: 4000 }, (_, i) => ({ id: `evt-${String(i).padStart(12, "0")}`, accountId: account, type: "vpc.updated", resourceId: `vpc-${String(i % 400).padStart(12, "0")}`, data: { message: "m" }, createdAt: at }));
    await runtime.store.transaction((r) => r.events.insertMany(events));
    if (backend === "postgres") await sql`analyze events`.execute(kysely);

    sent.length = 0;
    const mine = await repo.after(account, 0, 1000, { resourceId: "vpc-000000000007" });
    expect(mine).toHaveLength(10);
    const q = sent.find((s) => /from "events"/.test(s.sql))!;
    if (backend === "sqlite") {
      expect(await sqlitePlan(kysely, q)).toMatch(/USING (COVERING )?INDEX \S+ \(account_id=\? AND resource_id=\?/);
    } else {
      // Rows the scan itself read (kept and filtered out): about the resource's 10, not the account's 4000.
      expect((await rowsRead(kysely, q)).read("events")).toBeLessThanOrEqual(20);
    }
  });
});
