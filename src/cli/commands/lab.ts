/** `vpcpeer lab up|down`: an OVN lab (central + N emulated chassis) on this machine, for development and tests. */
import { resolve } from "node:path";
import type { Command } from "commander";
import { MAX_HOSTS } from "../../dataplane/ovn/lab/layout.ts";
import { printJson } from "../output.ts";
import { integer, netnsPrefix } from "../parse.ts";

export function labCommands(program: Command): void {
  const lab = program
    .command("lab")
    .description("an OVN lab on this machine: OVN central and N emulated hosts (chassis) in network namespaces, joined by Geneve (root; Debian packages openvswitch-switch ovn-central ovn-host)");

  lab
    .command("up")
    .description("start OVN central (NB, SB, ovn-northd) and --hosts chassis, each in its own namespace with ovsdb-server, ovs-vswitchd (userspace datapath) and ovn-controller; prints the connection strings and hosts as JSON")
    .requiredOption("--dir <dir>", "directory of the lab's databases, sockets, logs and record (lab.json); names derive from it")
    .option("--hosts <n>", `number of emulated hosts (1 to ${MAX_HOSTS})`, integer(1, MAX_HOSTS, "hosts"), 2)
    .option("--data <dir>", "also start each host's agent (vpcpeer agent --host) on this SQLite store, the servers' --data")
    .option("--database <url>", "also start each host's agent on this PostgreSQL store (postgres://…)")
    .option("--netns-prefix <prefix>", "with --data or --database: the deployment prefix the servers use", netnsPrefix, "vpcpeer")
    .addHelpText(
      "after",
      `
Output: {"nb": "tcp:127.0.0.1:PORT", "sb": …, "nbSocket": "unix:DIR/central/nb.sock", "sbSocket": …,
         "hosts": [{"name", "namespace", "chassis", "encapIp", "ovs"}, …],
         "agents": [{"host", "command", "pid"}, …] (pid null: not started; run the command), …}
Stop it with: vpcpeer lab down --dir DIR`,
    )
    .action(async (o: { dir: string; hosts: number; data?: string; database?: string; netnsPrefix: string }) => {
      const { labUp } = await import("../../dataplane/ovn/lab/lab.ts");
      if (o.data !== undefined && o.database !== undefined) throw new Error("give --data or --database, not both");
      const store = o.database !== undefined ? ["--database", o.database] : o.data !== undefined ? ["--data", resolve(o.data)] : null;
      printJson(await labUp(o.dir, { hosts: o.hosts, ...(store ? { agents: { bin: process.argv[1]!, store, prefix: o.netnsPrefix } } : {}) }));
    });

  lab
    .command("down")
    .description("stop every process the lab in --dir started (by pid: its agents first) and delete every namespace it made (by name), with the links in them, and the namespaces of instances plugged into its hosts; nothing else is touched")
    .requiredOption("--dir <dir>", "the directory given to lab up")
    .action(async (o: { dir: string }) => {
      const { labDown } = await import("../../dataplane/ovn/lab/lab.ts");
      const report = await labDown(o.dir);
      if (report) printJson(report);
      else process.stderr.write(`no lab in ${o.dir} (no lab.json): nothing to stop\n`);
    });
}
