/**
 * Security groups on OVN (`npx tsx bench/security-groups-ovn.ts [--reps N]`, root): 1,000 rules in
 * 100 groups over 200 instances (each instance in 2 groups; 10 VPCs of 2 subnets of 10 instances)
 * programmed through the OVN driver, as a ratio to one raw `ovn-nbctl` transaction writing the same
 * rows (the same port groups with the same ports, ACLs with the same priority, direction, match,
 * action, name and external_ids, address sets with the same addresses), in the same run.
 *
 * Setup: a 1-host lab (NB, SB, ovn-northd, one ovn-controller) and the driver (OvnDriver.open)
 * with the topology (routers, switches, the 200 instance ports) already programmed. Then per rep:
 *
 *   driver         OvnDriver.passDesired(the state with the groups): compile, diff against its
 *                  replica, one transaction, and its wait until every chassis installed it (hv_cfg)
 *   nbctl --wait=hv  one `ovn-nbctl --db=… --wait=hv -- …` process with the same rows (waits as
 *                  the driver does)
 *   nbctl --no-wait  the same without waiting (only the northbound write)
 *   driver steps, no wait  what the driver does before its wait, timed alone: compile, diff against
 *                  a monitor's replica, one transaction (compare with nbctl --no-wait)
 *
 * Between two measurements the driver's pass without groups removes the rows again (the nbctl rows
 * carry the driver's external_ids, so they are its rows). The ACL, port group and address set
 * counts are checked after each write. Median of --reps (default 3); the ratio is the median of
 * the reps' ratios (a rep's measurements follow each other within seconds, under the same load).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { labDown, labUp } from "../src/dataplane/ovn/lab/lab.ts";
import { tool } from "../src/dataplane/ovn/lab/daemons.ts";
import { OvnDriver } from "../src/dataplane/ovn/driver.ts";
import { compile } from "../src/dataplane/ovn/compile.ts";
import { OvsdbClient } from "../src/dataplane/ovn/ovsdb.ts";
import type { NbRow } from "../src/dataplane/ovn/nb-plan.ts";
import { diffNb } from "../src/dataplane/ovn/nb-diff.ts";
import { linkSlotsOf, nbMonitorRequests, observedOf } from "../src/dataplane/ovn/nb-observed.ts";
import { transactWithCfg } from "../src/dataplane/ovn/nb-sync.ts";
import { replicate } from "../src/dataplane/ovn/replica.ts";
import type { ResolvedSgRule } from "../src/domain/security-groups.ts";
import type { DesiredState } from "../src/dataplane/plan.ts";
import { tempDir } from "../test/support/process.ts";
import { commit, load, log, runPrefix } from "./ovn-support.ts";

const reps = Number(process.argv[process.argv.indexOf("--reps") + 1]) || 3;
const NB = "OVN_Northbound";
const VPCS = 10;
const SUBNETS = 2;
const PER_SUBNET = 10;
const GROUPS = 100;
const RULES_PER_GROUP = 10;

const sid = (kind: string, n: number) => `${kind}-${n.toString(36).padStart(12, "0")}`;

function desiredState(withGroups: boolean): DesiredState {
  const vpcs = Array.from({ length: VPCS }, (_, v) => ({ id: sid("vpc", v), cidr: `10.${v}.0.0/16` }));
  const subnets = vpcs.flatMap((vpc, v) => Array.from({ length: SUBNETS }, (_, s) => ({ id: sid("subnet", v * SUBNETS + s), vpcId: vpc.id, cidr: `10.${v}.${s}.0/24`, routeTableId: sid("rtb", v) })));
  // Groups 10v … 10v+9 belong to VPC v; instance k of a VPC is in groups 10v + k%10 and 10v + (k+1)%10.
  const groupOf = (v: number, k: number) => [sid("sg", v * 10 + (k % 10)), sid("sg", v * 10 + ((k + 1) % 10))];
  const instances = subnets.flatMap((s, si) =>
    Array.from({ length: PER_SUBNET }, (_, i) => {
      const v = Math.floor(si / SUBNETS);
      const k = (si % SUBNETS) * PER_SUBNET + i;
      return { id: sid("ins", si * PER_SUBNET + i), subnetId: s.id, privateIp: `10.${v}.${si % SUBNETS}.${10 + i}`, host: "h1", ...(withGroups ? { securityGroupIds: groupOf(v, k) } : {}) };
    }),
  );
  const members = (g: string) => instances.filter((i) => i.securityGroupIds?.includes(g)).map((i) => `${i.privateIp}/32`).sort();
  const securityGroups = withGroups
    ? Array.from({ length: GROUPS }, (_, n) => {
        const id = sid("sg", n);
        const rules: ResolvedSgRule[] = [];
        const rule = (k: number, over: Partial<ResolvedSgRule>) =>
          rules.push({ id: sid("sgr", n * RULES_PER_GROUP + k), securityGroupId: id, direction: "ingress", protocol: "tcp", fromPort: null, toPort: null, icmpType: null, icmpCode: null, action: "accept", priority: 10, cidrs: [], peerGroupId: null, stale: false, ...over });
        const peer = (g: string) => ({ peerGroupId: g, cidrs: members(g) });
        for (let k = 0; k < 5; k++) rule(k, { fromPort: 8000 + k, toPort: 8000 + k, cidrs: [`10.${k}.0.0/16`] });
        rule(5, { fromPort: 5432, toPort: 5432, ...peer(sid("sg", n % 10 === 9 ? n - 9 : n + 1)) });
        rule(6, { protocol: "udp", fromPort: 1000, toPort: 2000, priority: 20, ...peer(id) });
        rule(7, { protocol: "icmp", icmpType: 8, cidrs: ["10.0.0.0/8"] });
        rule(8, { protocol: "all", action: "drop", priority: 1, cidrs: ["192.168.0.0/16"] });
        rule(9, { direction: "egress", protocol: "all", priority: 100, cidrs: ["0.0.0.0/0"] });
        return { id, vpcId: sid("vpc", Math.floor(n / 10)), rules };
      })
    : [];
  return { vpcs, subnets, routeTables: vpcs.map((v, i) => ({ id: sid("rtb", i), vpcId: v.id, routes: [] })), instances, securityGroups, vbrs: [], peerings: [] };
}

/** The nbctl commands that write the plan's security group rows (same columns as the driver's). */
function nbctlCommands(plan: NbRow[], nameOf: (key: string) => string): string[][] {
  const q = (s: string | number) => JSON.stringify(String(s));
  const map = (m: Record<string, string | number>) => Object.entries(m).map(([k, v]) => `external_ids:${q(k)}=${q(v)}`);
  const cmds: string[][] = [];
  const aclId = new Map<string, string>();
  let n = 0;
  for (const r of plan.filter((x) => x.table === "ACL")) {
    const c = r.columns;
    const id = `@a${n++}`;
    aclId.set(r.key, id);
    cmds.push([`--id=${id}`, "create", "ACL", `priority=${c.priority}`, `direction=${c.direction}`, `match=${q(c.match as string)}`, `action=${c.action}`, `name=${q((c.name as string[])[0]!)}`, ...map(c.external_ids as Record<string, string>)]);
  }
  for (const r of plan.filter((x) => x.table === "Address_Set")) {
    const c = r.columns;
    cmds.push(["create", "Address_Set", `name=${q(c.name as string)}`, `addresses=[${(c.addresses as string[]).map(q).join(",")}]`, ...map(c.external_ids as Record<string, string>)]);
  }
  for (const r of plan.filter((x) => x.table === "Port_Group")) {
    const c = r.columns;
    cmds.push(["pg-add", c.name as string, ...(r.children?.ports ?? []).map(nameOf)]);
    cmds.push(["set", "Port_Group", c.name as string, ...map(c.external_ids as Record<string, string>)]);
    const acls = (r.children?.acls ?? []).map((k) => aclId.get(k)!);
    if (acls.length) cmds.push(["add", "Port_Group", c.name as string, "acls", ...acls]);
  }
  return cmds;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const prefix = runPrefix("s");
const labDir = tempDir("vpcpeer-sgbench-lab-");
let driver: OvnDriver | undefined;
let client: OvsdbClient | undefined;
try {
  log(`lab up (load ${load()})`);
  const lab = await labUp(labDir.path, { hosts: 1 });
  driver = await OvnDriver.open({ nb: lab.nb, prefix, hvTimeoutMs: 120_000 });
  client = await OvsdbClient.connect(lab.nb);
  const base = desiredState(false);
  const full = desiredState(true);
  const plan = compile(full, { prefix });
  const sgRows = [...plan.rows.values()].filter((r) => ["ACL", "Port_Group", "Address_Set"].includes(r.table));
  const want = { ACL: sgRows.filter((r) => r.table === "ACL").length, Port_Group: GROUPS, Address_Set: sgRows.filter((r) => r.table === "Address_Set").length };
  const cmds = nbctlCommands(sgRows, (k) => plan.rows.get(k)!.columns.name as string);
  const count = async () => {
    const out: Record<string, number> = {};
    for (const t of Object.keys(want)) out[t] = (await client!.select(NB, t, [], ["_uuid", "external_ids"])).filter((x) => JSON.stringify(x.external_ids).includes(`"vpcpeer-owner","${prefix}"`)).length;
    return out;
  };
  const check = async (what: string, expected: Record<string, number>) => {
    const got = await count();
    if (JSON.stringify(got) !== JSON.stringify(expected)) throw new Error(`${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  };
  const none = { ACL: 0, Port_Group: 0, Address_Set: 0 };
  const reset = async () => {
    const p = await driver!.passDesired(base);
    if (p.errors.length) throw new Error(p.errors.join("; "));
    await check("after removing the groups", none);
  };
  await reset();
  log(`topology programmed; ${want.ACL} ACLs, ${want.Port_Group} port groups, ${want.Address_Set} address sets, ${cmds.length} nbctl commands`);

  const { replica } = await replicate(client, NB, { ...nbMonitorRequests(), NB_Global: { columns: ["nb_cfg"] } });
  /** Until the driver's replica (and ours) show what was written out of band: a bump of nb_cfg they must see after it. */
  const caughtUp = async () => {
    const { nbCfg } = await transactWithCfg(client!, []);
    for (const deadline = Date.now() + 10_000; Number(driver!.describe().nbCfg) < nbCfg; await new Promise((r) => setTimeout(r, 5))) if (Date.now() > deadline) throw new Error("the driver's replica did not catch up");
    await replica.until((x) => x.rows("NB_Global").some((g) => Number(g.nb_cfg) >= nbCfg), 10_000, "our replica to catch up");
  };

  const runs: Record<string, number[]> = { driver: [], "nbctl --wait=hv": [], "nbctl --no-wait": [], "driver steps, no wait": [] };
  for (let rep = 0; rep < reps; rep++) {
    let t0 = process.hrtime.bigint();
    await driver.passDesired(full);
    runs.driver!.push(ms(t0));
    await check("driver", want);
    await reset();
    await caughtUp();
    t0 = process.hrtime.bigint();
    const observed = observedOf(replica.tables);
    await transactWithCfg(client, diffNb(compile(full, { prefix, linkSlots: linkSlotsOf(observed, prefix) }), observed));
    runs["driver steps, no wait"]!.push(ms(t0));
    await check("driver steps", want);
    await caughtUp();
    await reset();
    for (const wait of ["--wait=hv", "--no-wait"] as const) {
      t0 = process.hrtime.bigint();
      await tool("ovn-nbctl", [`--db=${lab.nb}`, wait, "--timeout=120", ...cmds.flatMap((c) => ["--", ...c])]);
      runs[`nbctl ${wait}`]!.push(ms(t0));
      await check(`nbctl ${wait}`, want);
      await caughtUp();
      // The driver sees the same rows as its own: its next pass with the groups sends nothing.
      const again = await driver.passDesired(full);
      if (again.commands !== 0) throw new Error(`nbctl ${wait}: the driver found ${again.commands} operations to do on the rows nbctl wrote`);
      await reset();
    }
    log(`rep ${rep + 1}: ${Object.entries(runs).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)} ms`).join(", ")}`);
  }
  const m = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  console.log(`security groups on OVN, ${new Date().toISOString().slice(0, 10)}, commit ${await commit()}, load ${load()}: ${GROUPS * RULES_PER_GROUP} rules in ${GROUPS} groups over ${full.instances.length} instances (${want.ACL} ACLs incl. 4 per group, ${want.Address_Set} address sets), median of ${reps}`);
  // The machine's load moves both sides of a rep together: the verdict is the median of the per-rep ratios.
  const line = (what: string, d: string, n: string) => {
    const ratios = runs[d]!.map((x, i) => x / runs[n]![i]!);
    console.log(`| ${what} | ${d}: ${m[d]!.toFixed(0)} ms (${runs[d]!.map((x) => x.toFixed(0)).join(", ")}) | ${n}: ${m[n]!.toFixed(0)} ms (${runs[n]!.map((x) => x.toFixed(0)).join(", ")}) | **${median(ratios).toFixed(2)}** (${ratios.map((x) => x.toFixed(2)).join(", ")}) |`);
  };
  console.log("| until | driver, median (runs) | raw ovn-nbctl, one transaction | driver ÷ raw, median of the reps' ratios |");
  console.log("|---|---|---|---|");
  line("every chassis installed it (hv_cfg)", "driver", "nbctl --wait=hv");
  line("the northbound database holds it", "driver steps, no wait", "nbctl --no-wait");
} finally {
  await client?.close();
  await driver?.close();
  if (existsSync(join(labDir.path, "lab.json"))) await labDown(labDir.path).catch((e: Error) => log(`lab down: ${e.message}`));
  labDir.remove();
}
