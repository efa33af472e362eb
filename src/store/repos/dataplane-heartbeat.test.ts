/** The data plane's heartbeat, on both stores: absent, written, replaced, cleared. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type TestDb, freshDb } from "../../../test/support/harness.ts";
import { Store } from "../store.ts";

describe.each(BACKENDS)("data plane heartbeat on %s", (backend) => {
  let db: TestDb;
  let store: Store;

  beforeAll(async () => {
    db = await freshDb(backend);
    store = await Store.open(db);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("reads null until a data plane beats, the last beat after each one, and null once it stopped", async () => {
    expect(await store.read.dataplane.lastBeat()).toBeNull();
    await store.transaction((r) => r.dataplane.beat("2026-01-01T00:00:00.000Z"), { notify: false });
    expect(await store.read.dataplane.lastBeat()).toBe("2026-01-01T00:00:00.000Z");
    await store.transaction((r) => r.dataplane.beat("2026-01-01T00:00:02.000Z"), { notify: false });
    expect(await store.read.dataplane.lastBeat()).toBe("2026-01-01T00:00:02.000Z");
    await store.transaction((r) => r.dataplane.beat(null), { notify: false });
    expect(await store.read.dataplane.lastBeat()).toBeNull();
  });
});
