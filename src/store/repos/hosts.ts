/**
 * Hosts instances are placed on (see docs/concepts.md, "Hosts"): registered by whatever runs on
 * them — the Linux data plane registers its one host, each OVN chassis's `vpcpeer agent` its
 * chassis — and kept fresh by their heartbeats. System access only.
 */
import type { HostLoad } from "../../domain/hosts.ts";
import type { Capabilities, Db } from "./common.ts";
import { HEARTBEAT_FRESH_MS } from "./dataplane.ts";

export interface HostRecord {
  name: string;
  dataplane: "linux" | "ovn";
  prefix: string;
  registeredAt: string;
  seenAt: string;
}

export class HostsRepo {
  constructor(
    private readonly db: Db,
    private readonly caps: Capabilities,
  ) {}

  /** Registers a host, or records that it is still there (its data plane and prefix as given now). */
  async register(h: { name: string; dataplane: "linux" | "ovn"; prefix: string }, at: string): Promise<void> {
    await this.db
      .insertInto("hosts")
      .values({ name: h.name, dataplane: h.dataplane, prefix: h.prefix, registered_at: at, seen_at: at })
      .onConflict((oc) => oc.column("name").doUpdateSet({ dataplane: h.dataplane, prefix: h.prefix, seen_at: at }))
      .execute();
  }

  async list(): Promise<HostRecord[]> {
    const rows = await this.db.selectFrom("hosts").selectAll().orderBy("name").execute();
    return rows.map((r) => ({ name: r.name, dataplane: r.dataplane as HostRecord["dataplane"], prefix: r.prefix, registeredAt: r.registered_at, seenAt: r.seen_at }));
  }

  /**
   * The instances placed on `host`, with their subnet's CIDR and whether some route goes through
   * them (then they forward, like the Linux driver's next-hop instances): what its agent plugs.
   */
  async instancesOn(host: string): Promise<{ id: string; privateIp: string; subnetCidr: string; forwards: boolean }[]> {
    const rows = await this.db
      .selectFrom("instances as i")
      .innerJoin("subnets as s", "s.id", "i.subnet_id")
      .select((eb) => [
        "i.id as id",
        "i.private_ip as ip",
        "s.cidr as cidr",
        eb.exists(eb.selectFrom("routes as r").select("r.id").where("r.target_type", "=", "instance").whereRef("r.target_id", "=", "i.id")).as("forwards"),
      ])
      .where("i.host", "=", host)
      .orderBy("i.id")
      .execute();
    return rows.map((r) => ({ id: r.id, privateIp: r.ip, subnetCidr: r.cidr, forwards: Boolean(Number(r.forwards)) }));
  }

  /**
   * The VBRs whose on-premises host is placed on `host`, with their on-premises CIDRs: what its
   * agent plugs besides instances.
   */
  async vbrsOn(host: string): Promise<{ id: string; onPremisesCidrs: string[] }[]> {
    const rows = await this.db.selectFrom("vbrs").select(["id", "on_premises_cidrs"]).where("host", "=", host).orderBy("id").execute();
    return rows.map((r) => ({ id: r.id, onPremisesCidrs: JSON.parse(r.on_premises_cidrs) as string[] }));
  }

  /**
   * Every host with its number of instances and VBRs and whether it beat within HEARTBEAT_FRESH_MS
   * of `now`, for placing one more. Call it in the creating
   * transaction: on PostgreSQL the host rows are locked first, so concurrent creates take turns
   * and each counts the others' instances and VBRs (SQLite's write transactions are serial already).
   */
  async loadsForPlacement(now: string): Promise<HostLoad[]> {
    if (this.caps.rowLocks) await this.db.selectFrom("hosts").select("name").orderBy("name").forUpdate().execute();
    const rows = await this.db
      .selectFrom("hosts as h")
      .select((eb) => [
        "h.name as name",
        "h.seen_at as seen",
        eb.selectFrom("instances as i").select(eb.fn.countAll<number | string>().as("n")).whereRef("i.host", "=", "h.name").as("ni"),
        eb.selectFrom("vbrs as v").select(eb.fn.countAll<number | string>().as("n")).whereRef("v.host", "=", "h.name").as("nv"),
      ])
      .orderBy("h.name")
      .execute();
    const fresh = Date.parse(now) - HEARTBEAT_FRESH_MS;
    return rows.map((r) => ({ name: r.name, instances: Number(r.ni ?? 0) + Number(r.nv ?? 0), live: Date.parse(r.seen) >= fresh }));
  }
}
