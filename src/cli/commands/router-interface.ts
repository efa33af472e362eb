/** Router-interface commands: the Alibaba Express Connect flow (initiator/acceptor, connect, activate). */
import { type Command, Option } from "commander";
import { type Column, printJson, printRecord, printTable } from "../output.ts";
import { ROUTER_INTERFACE_STATUSES } from "../../domain/resources.ts";
import { bandwidth, period } from "../parse.ts";
import { type GlobalFlags, client, collect, listFlags, listParams, show, tagsOf, tenant } from "./common.ts";
import { type DryRunAnswer, type DryRunFlag, dryRunOption, printDryRun } from "./dry-run.ts";

const COLUMNS: Column[] = [
  ["ID", "id"],
  ["ROLE", "role"],
  ["ROUTER", "routerId"],
  ["STATUS", "status"],
  ["SPEC", "spec"],
  ["OPPOSITE ROUTER", "opposite.routerId"],
  ["OPPOSITE INTERFACE", "opposite.interfaceId"],
  ["PEERING", "peeringId"],
];

export function routerInterfaceCommands(program: Command): void {
  const ri = program.command("router-interface").description("router interfaces (Express Connect): initiator and acceptor ends of a connection");

  tenant(
    ri
      .command("create")
      .description("create an initiator or an acceptor (--with-acceptor: both ends in your account, connected)")
      .addOption(new Option("--role <role>", "initiator or acceptor").choices(["initiator", "acceptor"]).makeOptionMandatory())
      .addOption(new Option("--router-type <type>", "your router type").choices(["vpc", "vbr"]).default("vpc"))
      .requiredOption("--router <id>", "your VPC or VBR id")
      .option("--spec <spec>", "initiator bandwidth spec, e.g. Mini.2, Small.1, Middle.1")
      .option("--bandwidth <mbps>", "initiator bandwidth in Mbit/s, 1-10000 (instead of --spec)", bandwidth)
      .requiredOption("--opposite-router <id>", "the other end's VPC (or VBR) id")
      .addOption(new Option("--opposite-router-type <type>", "the other end's router type").choices(["vpc", "vbr"]).default("vpc"))
      .option("--opposite-account <accountId>", "the other end's account (default: yours)")
      .option("--opposite-region <region>", "the other end's region (default: yours)")
      .option("--opposite-interface <riId>", "the other end's router interface, if it exists")
      .option("--with-acceptor", "also create the acceptor on your opposite VPC and connect (same account)")
      .addOption(new Option("--charge-type <type>", "billing").choices(["pay-as-you-go", "subscription"]))
      .option("--period <months>", "subscription validity: 1-9, 12, 24 or 36 months", period)
      .option("--auto-renew", "renew automatically")
      .option("--name <name>", "name")
      .option("--tag <key=value>", "tag (repeat)", collect),
  ).action(async (o: GlobalFlags & Record<string, any>) => {
    const body = JSON.parse(
      JSON.stringify({
        role: o.role,
        routerType: o.routerType,
        routerId: o.router,
        spec: o.spec,
        bandwidthMbps: o.bandwidth,
        opposite: { routerType: o.oppositeRouterType, routerId: o.oppositeRouter, accountId: o.oppositeAccount, region: o.oppositeRegion, interfaceId: o.oppositeInterface },
        withAcceptor: o.withAcceptor,
        chargeType: o.chargeType,
        period: o.period,
        autoRenew: o.autoRenew,
        name: o.name,
        tags: tagsOf(o.tag),
      }),
    );
    show(o, await client(o).request("POST", "/api/v1/router-interfaces", body), COLUMNS);
  });

  const list = listFlags(tenant(ri.command("list").description("list router interfaces")))
    .option("--router <id>", "only this VPC or VBR")
    .addOption(new Option("--status <status>", "only this status").choices(ROUTER_INTERFACE_STATUSES));
  list.action(async (o: GlobalFlags & { router?: string; status?: string; search?: string; sort?: string }) => {
    const q = listParams(new URLSearchParams({ limit: "1000" }), o);
    if (o.router) q.set("routerId", o.router);
    if (o.status) q.set("status", o.status);
    show(o, { items: await client(o).listAll("/api/v1/router-interfaces", q) }, COLUMNS);
  });

  tenant(ri.command("get").description("show a router interface").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    const v = await client(o).get<Record<string, unknown>>(`/api/v1/router-interfaces/${encodeURIComponent(id)}`);
    if (o.output === "json") printJson(v);
    else {
      const o = v.opposite as Record<string, unknown>;
      printRecord({ ...v, opposite: undefined, oppositeAccountId: o.accountId, oppositeRegion: o.region, oppositeRouterType: o.routerType, oppositeRouterId: o.routerId, oppositeInterfaceId: o.interfaceId });
    }
  });

  tenant(
    ri
      .command("set-opposite")
      .description("name the other end (while Idle): each end must name the other before connecting")
      .argument("<id>")
      .option("--interface <riId>", "the opposite router interface")
      .option("--router <id>", "the opposite router")
      .option("--account <accountId>", "the opposite account")
      .option("--region <region>", "the opposite region"),
  ).action(async (id: string, o: GlobalFlags & { interface?: string; router?: string; account?: string; region?: string }) => {
    const opposite = JSON.parse(JSON.stringify({ interfaceId: o.interface, routerId: o.router, accountId: o.account, region: o.region }));
    show(o, await client(o).request("PATCH", `/api/v1/router-interfaces/${encodeURIComponent(id)}`, { opposite }), COLUMNS);
  });

  tenant(ri.command("set-spec").description("change the initiator's bandwidth spec").argument("<id>").requiredOption("--spec <spec>", "e.g. Small.2")).action(
    async (id: string, o: GlobalFlags & { spec: string }) => {
      show(o, await client(o).request("PUT", `/api/v1/router-interfaces/${encodeURIComponent(id)}/spec`, { spec: o.spec }), COLUMNS);
    },
  );

  for (const [action, describe] of [
    ["connect", "connect an Idle initiator to its acceptor"],
    ["activate", "activate an Inactive connection"],
    ["deactivate", "deactivate an Active connection (traffic stops)"],
  ] as const) {
    dryRunOption(tenant(ri.command(action).description(describe).argument("<id>"))).action(async (id: string, o: GlobalFlags & DryRunFlag) => {
      const answer = await client(o).request("POST", `/api/v1/router-interfaces/${encodeURIComponent(id)}/${action}`, o.dryRun ? { dryRun: true } : undefined);
      if (o.dryRun) printDryRun(o, answer as DryRunAnswer, (x) => printTable([x], COLUMNS));
      else show(o, answer, COLUMNS);
    });
  }

  tenant(ri.command("delete").description("delete an Idle or Inactive interface").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    await client(o).request("DELETE", `/api/v1/router-interfaces/${encodeURIComponent(id)}`);
    if (o.output === "json") printJson({ id, deleted: true });
    else process.stdout.write(`deleted ${id}\n`);
  });
}
