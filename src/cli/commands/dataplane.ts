/**
 * `vpcpeer dataplane list|down` (operator, on the host, as root): the namespaces this deployment's
 * data plane made, found by the names it owns (src/dataplane/naming.ts: `<prefix>-r|i|b|h-<id>`),
 * and their removal. Every bridge, veth, route and qdisc vpcpeer made lives inside those
 * namespaces, so deleting them removes it all; nothing else on the host is touched.
 */
import type { Command } from "commander";
import { listNamespaces, run } from "../../dataplane/kernel.ts";
import { printJson } from "../output.ts";
import { netnsPrefix } from "../parse.ts";

/** The namespaces of a deployment: the ones the reconciler owns, plus its host probe's scratch one. */
async function owned(prefix: string): Promise<string[]> {
  const all = await run("ip", ["-j", "netns", "list"]).catch((e: Error) => {
    throw new Error(`cannot run ip: ${e.message} (the data plane needs iproute2)`);
  });
  const scratch = `${prefix}-probe-netem`;
  const hasScratch = (all.stdout.trim() ? (JSON.parse(all.stdout) as { name: string }[]) : []).some((n) => n.name === scratch);
  return [...(await listNamespaces(prefix)), ...(hasScratch ? [scratch] : [])].sort();
}

export function dataplaneCommands(program: Command): void {
  const dp = program.command("dataplane").description("the data plane on this host (operator, root): list or remove the namespaces vpcpeer made");
  const prefixFlag = (c: Command) => c.option("--netns-prefix <prefix>", "the deployment's namespace prefix (serve --netns-prefix)", netnsPrefix, "vpcpeer");

  prefixFlag(dp.command("list").description("list the namespaces this deployment's data plane made").option("-o, --output <format>", "table or json", "table")).action(
    async (o: { netnsPrefix: string; output: string }) => {
      const names = await owned(o.netnsPrefix);
      if (o.output === "json") printJson({ namespaces: names });
      else for (const n of names) process.stdout.write(`${n}\n`);
    },
  );

  prefixFlag(
    dp
      .command("down")
      .alias("teardown")
      .description("remove every namespace (with its links, routes and shaping) this deployment's data plane made; stop `serve`/`agent` first or they rebuild it")
      .option("--dry-run", "only print what would be removed"),
  ).action(async (o: { netnsPrefix: string; dryRun?: boolean }) => {
    const names = await owned(o.netnsPrefix);
    if (o.dryRun || names.length === 0) {
      for (const n of names) process.stdout.write(`would remove ${n}\n`);
      if (names.length === 0) process.stdout.write(`no namespaces of prefix "${o.netnsPrefix}" on this host\n`);
      return;
    }
    const r = await run("ip", ["-force", "-batch", "-"], names.map((n) => `netns del ${n}\n`).join(""));
    const left = new Set(await owned(o.netnsPrefix));
    for (const n of names) if (!left.has(n)) process.stdout.write(`removed ${n}\n`);
    if (left.size > 0) throw new Error(`could not remove ${[...left].join(", ")}${r.stderr.trim() ? `: ${r.stderr.trim().split("\n")[0]}` : ""} (run as root)`);
  });
}
