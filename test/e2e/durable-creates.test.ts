/**
 * Group commit keeps every acknowledged write durable: a server killed with SIGKILL in the middle
 * of a burst of creates has every VPC it answered 201 for after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config.ts";
import { openRuntime } from "../../src/main.ts";
import { TEST_MASTER_KEY, type TestDb, freshDb } from "../support/harness.ts";
import { type ServerProcess, startServer } from "../support/process.ts";

describe("durable creates on SQLite (group commit)", () => {
  let db: TestDb;
  let token: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await freshDb("sqlite");
    const rt = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    token = (await rt.services.accounts.create("burst")).token;
    await rt.close();
  });
  afterAll(async () => {
    await server?.kill();
    await db?.drop();
  });

  it("every create acknowledged before a SIGKILL is there after the restart", async () => {
    server = await startServer(["--data", db.dataDir!]);
    const { url } = server;
    const acked: string[] = [];
    let failed = 0;
    let killed = false;
    // 32 clients creating VPCs back to back, spread over regions (the default quota is 50 per region).
    const regions = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore"];
    let n = 0;
    const client = async () => {
      while (!killed) {
        const i = n++;
        try {
          const res = await fetch(`${url}/api/v1/vpcs`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: JSON.stringify({ name: `burst-${i}`, region: regions[i % regions.length], cidr: "10.0.0.0/16" }),
          });
          const body = (await res.json()) as { id?: string };
          if (res.status === 201) acked.push(body.id!);
          else failed++;
        } catch {
          failed++;
        }
      }
    };
    const clients = Array.from({ length: 32 }, client);
    // Kill while requests are in flight, once a good number have been acknowledged.
    while (acked.length < 150 && failed === 0) await new Promise((r) => setTimeout(r, 5));
    await server.kill();
    killed = true;
    await Promise.all(clients);
    expect(acked.length).toBeGreaterThanOrEqual(150);

    const rt = await openRuntime({ ...db, config: defaultConfig(), masterKey: TEST_MASTER_KEY });
    try {
      const account = (await rt.services.accounts.authenticate(token))!;
      const stored = new Set((await rt.store.read.vpcs.all(account.id, {})).map((v) => v.id));
      const missing = acked.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      // Each acknowledged VPC also has its default route table and its event (one transaction).
      const tables = new Set((await rt.store.read.routeTables.all(account.id, {})).map((t) => t.vpcId));
      expect(acked.filter((id) => !tables.has(id))).toEqual([]);
    } finally {
      await rt.close();
    }
  }, 60_000);
});
