/**
 * The OVSDB client against a real ovsdb-server holding OVN's northbound schema, started by this
 * test in its own temporary directory (stopped by pid at the end): transact, monitor, typed
 * errors, the server's keep-alives, and a server restart survived by reconnecting.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { map, namedUuid, set, stringMap, uuid, uuidOf, uuidsOf } from "../../src/dataplane/ovn/atoms.ts";
import { OvsdbClosedError, OvsdbDisconnectedError, OvsdbRpcError, OvsdbTimeoutError, OvsdbTransactionError } from "../../src/dataplane/ovn/errors.ts";
import { type DaemonRecord, stopDaemon } from "../../src/dataplane/ovn/lab/daemons.ts";
import { type OvsdbServer, startOvsdbServer } from "../../src/dataplane/ovn/lab/ovsdb-server.ts";
import { NB_SCHEMA, missingTools } from "../../src/dataplane/ovn/lab/requirements.ts";
import { transactWithCfg, waitForCfg } from "../../src/dataplane/ovn/nb-sync.ts";
import { OvsdbClient } from "../../src/dataplane/ovn/ovsdb.ts";
import { replicate } from "../../src/dataplane/ovn/replica.ts";
import { tempDir } from "../support/process.ts";

const NB = "OVN_Northbound";
const haveOvsdb = missingTools(["ovsdb-server", "ovsdb-tool"]).length === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!haveOvsdb)("OVSDB client against ovsdb-server (OVN northbound schema)", () => {
  const dir = tempDir("vpcpeer-ovsdb-");
  const started: DaemonRecord[] = [];
  let server: OvsdbServer;
  let port: number;
  const clients: OvsdbClient[] = [];
  const start = async () => {
    const s = await startOvsdbServer({ name: "nb", dir: dir.path, stem: "nb", schema: NB_SCHEMA, tcpPort: port, remotes: [`db:${NB},NB_Global,connections`] });
    started.push(s.record);
    return s;
  };
  const open = async (endpoint: string, opts = {}) => {
    const c = await OvsdbClient.connect(endpoint, { backoffMs: { min: 20, max: 200 }, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    port = await freePort();
    server = await start();
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const d of started) await stopDaemon(d);
    dir.remove();
  });

  it("lists databases and reads the schema over the unix socket and TCP", async () => {
    const unix = await open(server.unix);
    const tcp = await open(server.tcp!);
    expect(await unix.listDbs()).toEqual(expect.arrayContaining([NB, "_Server"]));
    const schema = await tcp.getSchema(NB);
    expect(schema.name).toBe(NB);
    expect(Object.keys(schema.tables)).toEqual(expect.arrayContaining(["Logical_Router", "Logical_Router_Port", "Logical_Router_Static_Route"]));
    expect(await tcp.echo("hi", 1)).toEqual(["hi", 1]);
  });

  it("writes a router by transact and sees it arrive, change and leave through a monitor", async () => {
    const watcher = await open(server.unix);
    const writer = await open(server.tcp!);
    const { replica, cancel } = await replicate(watcher, NB, { Logical_Router: { columns: ["name", "external_ids", "ports", "static_routes"] } });
    const router = () => replica.rows("Logical_Router").find((r) => r.name === "lr-a");

    const results = await writer.transact(NB, [
      { op: "insert", table: "Logical_Router_Port", "uuid-name": "port", row: { name: "lrp-a", mac: "02:00:00:00:00:01", networks: set(["10.0.1.1/24"]) } },
      { op: "insert", table: "Logical_Router_Static_Route", "uuid-name": "route", row: { ip_prefix: "172.16.0.0/16", nexthop: "169.254.0.2", external_ids: map({ "vpcpeer:route": "r-1" }) } },
      { op: "insert", table: "Logical_Router", row: { name: "lr-a", ports: set([namedUuid("port")]), static_routes: set([namedUuid("route")]), external_ids: map({ "vpcpeer:vpc": "vpc-aaaa", "vpcpeer:generation": "1" }) } },
    ]);
    const lr = uuidOf(results[2]!.uuid);
    await replica.until(() => router() !== undefined, 5000, "lr-a in the monitor");
    expect(router()!._uuid).toBe(lr);
    expect(stringMap(router()!.external_ids)).toEqual({ "vpcpeer:vpc": "vpc-aaaa", "vpcpeer:generation": "1" });
    expect(uuidsOf(router()!.ports)).toEqual([uuidOf(results[0]!.uuid)]);

    const [upd] = await writer.transact(NB, [{ op: "update", table: "Logical_Router", where: [["_uuid", "==", uuid(lr)]], row: { external_ids: map({ "vpcpeer:vpc": "vpc-aaaa", "vpcpeer:generation": "2" }) } }]);
    expect(upd!.count).toBe(1);
    await replica.until(() => stringMap(router()!.external_ids)["vpcpeer:generation"] === "2", 5000, "the update");

    await writer.transact(NB, [{ op: "mutate", table: "Logical_Router", where: [["name", "==", "lr-a"]], mutations: [["external_ids", "insert", map({ owner: "test" })]] }]);
    await replica.until(() => stringMap(router()!.external_ids).owner === "test", 5000, "the mutation");

    const [del] = await writer.transact(NB, [{ op: "delete", table: "Logical_Router", where: [["_uuid", "==", uuid(lr)]] }]);
    expect(del!.count).toBe(1);
    await replica.until(() => router() === undefined, 5000, "the delete");
    // Ports and routes are not root rows: unreferenced, they went with the router.
    expect(await writer.select(NB, "Logical_Router_Port")).toEqual([]);
    expect(await writer.select(NB, "Logical_Router_Static_Route")).toEqual([]);
    await cancel();
  });

  it("applies a monitor's snapshot before the updates that follow it in the same read", async () => {
    const c = await open(server.unix);
    for (let i = 0; i < 5; i++) {
      // Sent back to back: the server answers the monitor, commits, and sends the update, often
      // in one write; an update applied before the snapshot would be wiped by it.
      const rows = new Map<string, unknown>();
      const m = c.monitor(NB, { Logical_Router: { columns: ["name"] } }, (u, kind) => {
        if (kind === "initial") rows.clear();
        for (const [id, ch] of Object.entries(u.Logical_Router ?? {})) ch.new ? rows.set(id, ch.new.name) : rows.delete(id);
      });
      const [, ins] = await Promise.all([m, c.transact(NB, [{ op: "insert", table: "Logical_Router", row: { name: `lr-order-${i}` } }])]);
      await new Promise((r) => setTimeout(r, 50));
      expect([...rows.values()]).toContain(`lr-order-${i}`);
      await (await m).cancel();
      await c.transact(NB, [{ op: "delete", table: "Logical_Router", where: [["_uuid", "==", ins[0]!.uuid!]] }]);
    }
  });

  it("refuses bad transactions with typed errors and applies nothing of them", async () => {
    const c = await open(server.unix);
    const port = (name: string, ref: string) => ({ op: "insert" as const, table: "Logical_Router_Port", "uuid-name": ref, row: { name, mac: "02:00:00:00:00:02", networks: set(["10.0.2.1/24"]) } });
    // Two ports with one name: the unique index on Logical_Router_Port.name fails the commit.
    const dup = await c.transact(NB, [port("dup", "p1"), port("dup", "p2"), { op: "insert", table: "Logical_Router", row: { name: "lr-dup", ports: set([namedUuid("p1"), namedUuid("p2")]) } }]).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(OvsdbTransactionError);
    expect((dup as OvsdbTransactionError).error).toBe("constraint violation");
    expect((dup as OvsdbTransactionError).opIndex).toBe(-1);
    expect(await c.select(NB, "Logical_Router", [["name", "==", "lr-dup"]])).toEqual([]);

    // A reference to a row that does not exist.
    const ghost = await c.transact(NB, [{ op: "insert", table: "Logical_Router", row: { name: "lr-ghost", ports: set([uuid("00000000-0000-4000-8000-000000000001")]) } }]).catch((e: unknown) => e);
    expect(ghost).toBeInstanceOf(OvsdbTransactionError);
    expect((ghost as OvsdbTransactionError).error).toBe("referential integrity violation");

    // A `wait` that cannot hold, at operation 1: the insert before it is rolled back.
    const waited = await c
      .transact(NB, [{ op: "insert", table: "Logical_Router", row: { name: "lr-wait" } }, { op: "wait", table: "Logical_Router", where: [["name", "==", "nobody"]], columns: ["name"], until: "==", rows: [{ name: "nobody" }], timeout: 0 }])
      .catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(OvsdbTransactionError);
    expect((waited as OvsdbTransactionError).opIndex).toBe(1);
    expect((waited as OvsdbTransactionError).error).toBe("timed out");
    expect(await c.select(NB, "Logical_Router", [["name", "==", "lr-wait"]])).toEqual([]);

    // A column the schema does not have, and a database the server does not hold.
    const bad = await c.transact(NB, [{ op: "insert", table: "Logical_Router", row: { no_such_column: "x" } }]).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OvsdbTransactionError);
    expect((bad as OvsdbTransactionError).opIndex).toBe(0);
    const unknownDb = await c.transact("Nope", [{ op: "comment", comment: "x" }]).catch((e: unknown) => e);
    expect(unknownDb).toBeInstanceOf(OvsdbRpcError);
    expect(String((unknownDb as Error).message)).toMatch(/unknown database/);
  });

  it("answers the server's keep-alive echoes and stays connected while idle", async () => {
    // A Connection row the server listens on with a 1 s inactivity probe: it sends `echo` after
    // 1 s of silence and drops a client that has not answered by the next probe.
    const probePort = await freePort();
    const admin = await open(server.unix);
    await admin.transact(NB, [
      { op: "insert", table: "Connection", "uuid-name": "conn", row: { target: `ptcp:${probePort}:127.0.0.1`, inactivity_probe: 1000 } },
      { op: "insert", table: "NB_Global", row: { connections: set([namedUuid("conn")]) } },
    ]);
    const c = await open(`tcp:127.0.0.1:${probePort}`, { probeIntervalMs: 0, connectTimeoutMs: 5000 });
    let echoes = 0;
    let drops = 0;
    c.on("echo", () => echoes++);
    c.on("disconnected", () => drops++);
    await new Promise((r) => setTimeout(r, 3500));
    expect(echoes).toBeGreaterThanOrEqual(2);
    expect(drops).toBe(0);
    expect(await c.listDbs()).toContain(NB);
    await admin.transact(NB, [{ op: "delete", table: "NB_Global", where: [] }]);
  });

  it("bumps nb_cfg in the same transaction, and waits for sb_cfg through a monitor within a bound", async () => {
    const c = await open(server.unix);
    // Without an NB_Global row there is nothing to count with: refused, nothing applied.
    const none = await transactWithCfg(c, [{ op: "insert", table: "Logical_Router", row: { name: "lr-cfg" } }]).catch((e: unknown) => e);
    expect((none as OvsdbTransactionError).opIndex).toBe(1);
    expect(await c.select(NB, "Logical_Router", [["name", "==", "lr-cfg"]])).toEqual([]);
    await c.transact(NB, [{ op: "insert", table: "NB_Global", row: {} }]);
    try {
      const first = await transactWithCfg(c, [{ op: "insert", table: "Logical_Router", row: { name: "lr-cfg" } }]);
      expect(first.results).toHaveLength(1);
      const bad = await transactWithCfg(c, [{ op: "insert", table: "Logical_Router", row: { no_such_column: 1 } }]).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(OvsdbTransactionError);
      const second = await transactWithCfg(c, []);
      expect(second.nbCfg).toBe(first.nbCfg + 1); // the failed one bumped nothing
      // No ovn-northd here: sb_cfg never moves, and the wait gives up on time.
      const t0 = Date.now();
      await expect(waitForCfg(c, "sb", second.nbCfg, 300)).rejects.toBeInstanceOf(OvsdbTimeoutError);
      expect(Date.now() - t0).toBeLessThan(2000);
      // Written as northd would, it is seen.
      const waiting = waitForCfg(c, "sb", second.nbCfg, 5000);
      await c.transact(NB, [{ op: "update", table: "NB_Global", where: [], row: { sb_cfg: second.nbCfg } }]);
      expect(await waiting).toBe(second.nbCfg);
    } finally {
      await c.transact(NB, [{ op: "delete", table: "NB_Global", where: [] }, { op: "delete", table: "Logical_Router", where: [["name", "==", "lr-cfg"]] }]);
    }
  });

  it("reconnects after the server restarts: monitors resynchronise and waiting requests go through", async () => {
    const unix = await open(server.unix);
    const tcp = await open(server.tcp!);
    await unix.transact(NB, [{ op: "insert", table: "Logical_Router", row: { name: "lr-kept", external_ids: map({ "vpcpeer:vpc": "vpc-kept" }) } }]);
    const { replica } = await replicate(tcp, NB, { Logical_Router: { columns: ["name", "external_ids"] } });
    expect(replica.rows("Logical_Router").map((r) => r.name)).toContain("lr-kept");
    const downs = [new Promise((r) => unix.once("disconnected", r)), new Promise((r) => tcp.once("disconnected", r))];

    await stopDaemon(server.record);
    await Promise.all(downs);
    expect(unix.connected).toBe(false);
    // Asked while the server is down: waits for the next connection.
    const waiting = unix.transact(NB, [{ op: "insert", table: "Logical_Router", row: { name: "lr-after" } }]);
    server = await start();

    await waiting;
    await replica.until((r) => r.snapshots >= 2 && r.rows("Logical_Router").some((x) => x.name === "lr-after"), 5000, "the monitor after the restart").catch((e: Error) => {
      throw new Error(`${e.message}: tcp connected ${tcp.connected}, snapshots ${replica.snapshots}, rows ${JSON.stringify(replica.rows("Logical_Router").map((r) => r.name))}`);
    });
    expect(replica.rows("Logical_Router").map((r) => r.name).sort()).toEqual(["lr-after", "lr-kept"]);
    expect(tcp.connected && unix.connected).toBe(true);
  });

  it("fails requests cut by a lost connection as disconnected, and every request after close as closed", async () => {
    const c = await open(server.unix, { reconnect: false });
    const inflight = c.transact(NB, [{ op: "wait", table: "Logical_Router", where: [["name", "==", "never"]], columns: ["name"], until: "==", rows: [{ name: "never" }] }]).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100)); // the wait (no timeout) is parked in the server
    await stopDaemon(server.record);
    expect(await inflight).toBeInstanceOf(OvsdbDisconnectedError);
    server = await start();
    const d = await open(server.unix);
    await d.close();
    await expect(d.listDbs()).rejects.toBeInstanceOf(OvsdbClosedError);
  });
});
