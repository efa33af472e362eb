/**
 * The OVN driver: the desired state compiled to northbound rows (compile.ts), observed through a
 * monitor replica of the tables we write (so a row changed or deleted by hand wakes a pass), the
 * difference sent as one transaction (nb-diff.ts) that also bumps nb_cfg, then a bounded wait
 * until every chassis has installed it (hv_cfg). A resource counts as programmed once that is so.
 *
 * Several vpcpeer processes may run this driver against one northbound database (N servers on
 * one PostgreSQL store). Each transaction is guarded: it starts with a `wait` that NB_Global's
 * external_ids are still what this process's replica shows, and bumps this deployment's serial
 * there (`vpcpeer-serial:<owner>`). Whoever commits second finds the serial moved, its whole
 * transaction is refused (nothing applied), and it diffs again once its replica shows the other's
 * rows, which usually leaves nothing to do. Two processes never interleave half-diffs.
 *
 * After a lost connection the replica is stale until the monitor's fresh snapshot arrives; a pass
 * meanwhile reports the disconnection as its error and the snapshot wakes the next one.
 */
import type { Logger } from "pino";
import type { DesiredRows } from "../../store/repos/dataplane.ts";
import { type Value, integerOf, map, set, stringMap } from "./atoms.ts";
import { resolveDesired } from "../desired.ts";
import type { DesiredState } from "../plan.ts";
import type { DataplaneDriver, DriverPass, ResourceStatus } from "../driver.ts";
import { compile } from "./compile.ts";
import { formatEndpoint } from "./endpoint.ts";
import { OvsdbTransactionError } from "./errors.ts";
import { diffNb } from "./nb-diff.ts";
import { EXT, nbName } from "./nb-names.ts";
import { type NbTable, externalIdsOf } from "./nb-plan.ts";
import { linkSlotsOf, nbMonitorRequests, observedOf } from "./nb-observed.ts";
import { transactWithCfg } from "./nb-sync.ts";
import { OvsdbClient } from "./ovsdb.ts";
import type { Operation, TableUpdates } from "./protocol.ts";
import { Replica } from "./replica.ts";

const NB = "OVN_Northbound";
const NO_LATENCY = { defaultMs: 0, pairs: {} };
/** Guarded transactions refused because another process wrote first, retried within one pass. */
const GUARD_ATTEMPTS = 3;

export interface OvnDriverOptions {
  /** Northbound connection string: tcp:HOST:PORT or unix:PATH. */
  nb: string;
  /** The deployment prefix: row names start with it and it is every row's `vpcpeer-owner`. */
  prefix: string;
  /** How long a pass waits for every chassis to install a change (default 10 s). */
  hvTimeoutMs?: number;
  /** How long start-up keeps trying to reach the database (default 10 s). */
  connectTimeoutMs?: number;
  logger?: Logger | undefined;
}

export class OvnDriver implements DataplaneDriver {
  readonly mode = "ovn";
  /** OVN keeps no per-peering byte counters we read: none are reported. */
  readonly counters = new Map();
  private readonly replica = new Replica();
  /** True from a disconnection until the monitor's next snapshot. */
  private stale = true;
  /** The nb_cfg of this process's last transaction: programmed once hv_cfg reaches it. */
  private wantCfg = 0;
  private wake: (() => void) | null = null;
  private readonly serialKey: string;

  private constructor(
    private readonly client: OvsdbClient,
    private readonly opts: OvnDriverOptions,
  ) {
    this.serialKey = `vpcpeer-serial:${opts.prefix}`;
  }

  static async open(opts: OvnDriverOptions): Promise<OvnDriver> {
    const client = await OvsdbClient.connect(opts.nb, { connectTimeoutMs: opts.connectTimeoutMs ?? 10_000 });
    const d = new OvnDriver(client, opts);
    client.on("disconnected", () => {
      d.stale = true;
      opts.logger?.warn({ nb: opts.nb }, "OVN northbound connection lost; reconnecting");
    });
    const requests = { ...nbMonitorRequests({ Logical_Switch_Port: ["up"] }), NB_Global: { columns: ["nb_cfg", "hv_cfg", "external_ids"] } };
    try {
      await client.monitor(NB, requests, (u, kind) => d.onUpdate(u, kind), (e) => opts.logger?.error({ err: e }, "OVN northbound monitor failed"));
    } catch (e) {
      await client.close();
      throw e;
    }
    return d;
  }

  watch(wake: () => void): void {
    this.wake = wake;
  }

  private onUpdate(updates: TableUpdates, kind: "initial" | "update"): void {
    this.replica.apply(updates, kind);
    if (kind === "initial") {
      this.stale = false;
      this.wake?.();
      return;
    }
    // Our rows moved (someone edited or deleted one, or a port came up): look again.
    const ours = (row: Record<string, Value> | undefined) => row !== undefined && externalIdsOf(row)[EXT.owner] === this.opts.prefix;
    for (const [table, rows] of Object.entries(updates)) {
      if (table === "NB_Global") continue;
      if (Object.values(rows).some((u) => ours(u.new) || ours(u.old))) return this.wake?.();
    }
  }

  private global(): { nbCfg: number; hvCfg: number; externalIds: Value } {
    const g = this.replica.rows("NB_Global")[0];
    const num = (v: Value | undefined) => (v === undefined ? 0 : integerOf(v));
    return { nbCfg: num(g?.nb_cfg), hvCfg: num(g?.hv_cfg), externalIds: g?.external_ids ?? map({}) };
  }

  async pass(rows: DesiredRows): Promise<DriverPass> {
    return this.passDesired(resolveDesired(rows, { netem: false }, NO_LATENCY));
  }

  /** One pass towards a desired state already resolved (pass() resolves the store's rows; benchmarks give one directly). */
  async passDesired(desired: DesiredState): Promise<DriverPass> {
    let commands = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.stale || !this.client.connected) throw new Error(`OVN northbound ${formatEndpoint(this.client.endpoint)}: not connected (reconnecting; the next pass rereads it)`);
      const observed = observedOf(this.replica.tables);
      const plan = compile(desired, { prefix: this.opts.prefix, linkSlots: linkSlotsOf(observed, this.opts.prefix) });
      const ops = diffNb(plan, observed);
      if (ops.length === 0) break;
      const before = this.global();
      try {
        const { nbCfg } = await transactWithCfg(this.client, [...this.guard(before), ...ops]);
        commands += ops.length;
        this.wantCfg = nbCfg;
        // The monitor delivers a transaction's rows with its nb_cfg: the replica then shows them.
        await this.replica.until((r) => r.rows("NB_Global").some((g) => integerOf(g.nb_cfg!) >= nbCfg), 5000, "the monitor to show the transaction");
        break;
      } catch (e) {
        if (!(e instanceof OvsdbTransactionError && e.opIndex === 0) || attempt >= GUARD_ATTEMPTS) throw e;
        // Another process wrote first: wait for its rows, then diff again.
        this.opts.logger?.debug({ attempt }, "OVN: another writer changed the northbound database first; diffing again");
        await this.replica.until((r) => JSON.stringify(r.rows("NB_Global")[0]?.external_ids) !== JSON.stringify(before.externalIds), 2000, "the other writer's transaction").catch(() => undefined);
      }
    }
    const want = this.wantCfg;
    const timeout = this.opts.hvTimeoutMs ?? 10_000;
    if (want > 0 && this.global().hvCfg < want) {
      await this.replica.until((r) => r.rows("NB_Global").some((g) => g.hv_cfg !== undefined && integerOf(g.hv_cfg) >= want), timeout, "hv_cfg").catch(() => {
        throw new Error(`OVN: the chassis have not installed northbound change ${want} within ${timeout} ms (hv_cfg ${this.global().hvCfg}); is every ovn-controller connected?`);
      });
    }
    return { commands, errors: [] };
  }

  /** Refuses the transaction if NB_Global's external_ids moved since the replica saw them; bumps our serial there. */
  private guard(g: { externalIds: Value }): Operation[] {
    const serial = Number(stringMap(g.externalIds)[this.serialKey] ?? "0");
    return [
      { op: "wait", table: "NB_Global", where: [], columns: ["external_ids"], until: "==", rows: [{ external_ids: g.externalIds }], timeout: 0 },
      { op: "mutate", table: "NB_Global", where: [], mutations: [["external_ids", "delete", set([this.serialKey])], ["external_ids", "insert", map({ [this.serialKey]: String(serial + 1) })]] },
    ];
  }

  statuses(rows: DesiredRows, { errors }: DriverPass): ResourceStatus[] {
    const error = errors[0] ?? null;
    const programmed = error === null;
    const out: ResourceStatus[] = [];
    const counterNote = "per-peering traffic counters are not collected on OVN";
    for (const p of rows.peerings) {
      const note = p.a.region !== p.b.region ? `${counterNote}; cross-region latency is not emulated` : counterNote;
      out.push({ resourceId: p.id, programmed, generation: p.generation, error, note, counters: null });
    }
    for (const v of rows.vpcs) out.push({ resourceId: v.id, programmed, generation: 0, error, note: null, counters: null });
    const up = new Map(this.replica.rows("Logical_Switch_Port" satisfies NbTable).map((r) => [r.name, r.up]));
    for (const i of rows.instances) {
      const port = nbName(this.opts.prefix, "i", i.id);
      const note = up.get(port) === true ? null : `logical port ${port} is not bound on any chassis yet (a VM or the agent binds it by iface-id)`;
      out.push({ resourceId: i.id, programmed, generation: 0, error, note, counters: null });
    }
    return out;
  }

  describe(): Record<string, unknown> {
    const g = this.global();
    return {
      ovnNb: formatEndpoint(this.client.endpoint),
      connected: this.client.connected && !this.stale,
      owner: this.opts.prefix,
      nbCfg: g.nbCfg,
      hvCfg: g.hvCfg,
      note: "per-peering traffic counters are not collected on OVN (vpcpeer_peering_bytes is absent); cross-region latency is not emulated",
    };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
