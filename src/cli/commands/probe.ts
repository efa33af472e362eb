/** `vpcpeer probe` (real packets, through the API) and `vpcpeer instance exec` (operator, on the host). */
import { spawn } from "node:child_process";
import { type Command, Option } from "commander";
import { nsName } from "../../dataplane/naming.ts";
import { printJson, printRecord } from "../output.ts";
import { integer, netnsPrefix, port } from "../parse.ts";
import { type GlobalFlags, client, tenant } from "./common.ts";

export function probeCommands(program: Command): void {
  tenant(
    program
      .command("probe")
      .description("send real packets from one of your instances to an address (a responder answers there for the probe)")
      .requiredOption("--from <instanceId>", "source instance")
      .requiredOption("--to <ip>", "destination address")
      .option("--port <port>", "TCP or UDP port, 1-65535 (default 80; 5201 with --throughput)", port)
      .addOption(new Option("--protocol <protocol>", "tcp, udp or icmp").choices(["tcp", "udp", "icmp"]).default("tcp"))
      .option("--throughput", "measure TCP throughput instead of reachability")
      .option("--seconds <n>", "how long to measure throughput, 1-30", integer(1, 30, "seconds"), 3),
  ).action(async (o: GlobalFlags & { from: string; to: string; port?: number; protocol: string; throughput?: boolean; seconds: number }) => {
    const body = {
      fromInstanceId: o.from,
      toIp: o.to,
      protocol: o.protocol,
      ...(o.protocol !== "icmp" ? { port: o.port ?? 80 } : {}),
      ...(o.throughput ? { throughputSeconds: o.seconds, port: o.port ?? 5201 } : {}),
    };
    const res = await client(o).request<Record<string, unknown>>("POST", "/api/v1/probes", body);
    if (o.output === "json") printJson(res);
    else printRecord(res);
    if (!o.throughput && res.reachable !== true) process.exitCode = 2;
  });

}

/** Adds `instance exec` to the `instance` group (operator only: runs on this host, as root). */
export function instanceExecCommand(instance: Command): void {
  instance
    .command("exec")
    .description("run a command inside an instance's network namespace on this host (root; the server's --netns-prefix)")
    .argument("<instanceId>")
    .argument("<command...>", "the command and its arguments (after --)")
    .option("--netns-prefix <prefix>", "the data plane's namespace prefix", netnsPrefix, "vpcpeer")
    .action(async (id: string, command: string[], o: { netnsPrefix: string }) => {
      const ns = nsName(o.netnsPrefix, "instance", id);
      const code = await new Promise<number>((resolve, reject) => {
        const p = spawn("ip", ["netns", "exec", ns, ...command], { stdio: "inherit" });
        p.on("error", reject);
        p.on("exit", (c) => resolve(c ?? 1));
      });
      process.exitCode = code;
    });
}
