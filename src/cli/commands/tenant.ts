/** Tenant commands over the native API: configure, region, vpc, subnet, route-table, route, vbr, instance. */
import type { Command } from "commander";
import { type Column, printJson, printRecord, printTable } from "../output.ts";
import { count, url } from "../parse.ts";
import { DEFAULT_ENDPOINT, readProfiles, saveProfile } from "../profile.ts";
import { type GlobalFlags, client, collect, listFlags, listParams, show, tagsOf, tenant } from "./common.ts";
import { instanceExecCommand } from "./probe.ts";
import { type DryRunAnswer, type DryRunFlag, dryRunOption, printDryRun } from "./dry-run.ts";

interface ResourceSpec {
  /** CLI noun, e.g. "vpc". */
  noun: string;
  /** API collection path, e.g. /api/v1/vpcs. */
  path: string;
  columns: Column[];
  /** Query-string filters of `list`: flag → query parameter. */
  filters: [flag: string, param: string, help: string][];
  create: { flags: (cmd: Command) => Command; body: (o: Record<string, unknown>) => Record<string, unknown> };
  /** create, update and delete take --dry-run (the API's dryRun). */
  dryRun?: boolean;
  /** Flags `update` takes beyond --name, --description and --tag, and the body fields they give. */
  update?: { flags: (cmd: Command) => Command; body: (o: Record<string, unknown>) => Record<string, unknown> };
}

/** `sg-a,sg-b` → the ids, in order. */
const idList = (value: string) => value.split(",").map((v) => v.trim()).filter((v) => v !== "");

/** Prints an answer, or a dry run's answer (with `columns` for its object). */
function showOrDryRun(o: GlobalFlags & DryRunFlag, value: unknown, columns: Column[]): void {
  if (o.dryRun) printDryRun(o, value as DryRunAnswer, (x) => printTable([x], columns));
  else show(o, value, columns);
}

const base: Column[] = [["ID", "id"], ["NAME", "name"]];

const RESOURCES: ResourceSpec[] = [
  {
    noun: "vpc",
    path: "/api/v1/vpcs",
    columns: [...base, ["REGION", "region"], ["CIDR", "cidr"], ["STATE", "state"], ["DEFAULT", "isDefault"], ["DEFAULT ROUTE TABLE", "defaultRouteTableId"], ["TAGS", "tags"]],
    filters: [["--region <region>", "region", "only this region"], ["--name <name>", "name", "exact name"], ["--cidr <cidr>", "cidr", "exact CIDR"], ["--default <true|false>", "isDefault", "only default VPCs (true) or the others (false)"]],
    create: {
      flags: (c) => c.requiredOption("--name <name>", "VPC name").requiredOption("--region <region>", "region, e.g. cn-hangzhou").requiredOption("--cidr <cidr>", "IPv4 CIDR, /8 to /28, private"),
      body: (o) => ({ name: o.name, region: o.region, cidr: o.cidr }),
    },
  },
  {
    noun: "subnet",
    path: "/api/v1/subnets",
    columns: [...base, ["VPC", "vpcId"], ["ZONE", "zone"], ["CIDR", "cidr"], ["DEFAULT", "isDefault"], ["ROUTE TABLE", "routeTableId"], ["TAGS", "tags"]],
    filters: [
      ["--vpc <vpcId>", "vpcId", "only this VPC"],
      ["--zone <zone>", "zone", "only this zone"],
      ["--route-table <id>", "routeTableId", "only subnets using this table"],
      ["--default <true|false>", "isDefault", "only default subnets (true) or the others (false)"],
    ],
    create: {
      flags: (c) => c.requiredOption("--vpc <vpcId>", "VPC id").requiredOption("--cidr <cidr>", "CIDR inside the VPC's").option("--zone <zone>", "zone (default: the region's first)").option("--name <name>", "name"),
      body: (o) => ({ vpcId: o.vpc, cidr: o.cidr, zone: o.zone, name: o.name }),
    },
  },
  {
    noun: "route-table",
    path: "/api/v1/route-tables",
    columns: [...base, ["VPC", "vpcId"], ["DEFAULT", "isDefault"], ["TAGS", "tags"]],
    filters: [["--vpc <vpcId>", "vpcId", "only this VPC"]],
    create: {
      flags: (c) => c.requiredOption("--vpc <vpcId>", "VPC id").requiredOption("--name <name>", "name"),
      body: (o) => ({ vpcId: o.vpc, name: o.name }),
    },
    dryRun: true,
  },
  {
    noun: "vbr",
    path: "/api/v1/vbrs",
    columns: [...base, ["REGION", "region"], ["ON-PREMISES CIDRS", "onPremisesCidrs"], ["HOST", "host"], ["STATE", "state"]],
    filters: [["--region <region>", "region", "only this region"]],
    create: {
      flags: (c) =>
        c
          .requiredOption("--name <name>", "name")
          .requiredOption("--region <region>", "region")
          .requiredOption("--cidr <cidr>", "on-premises CIDR (repeat for several)", collect)
          .option("--host <name>", "host (chassis) its on-premises host runs on, one of `vpcpeer host list` (default: the host with the fewest instances and VBRs)"),
      body: (o) => ({ name: o.name, region: o.region, onPremisesCidrs: o.cidr, host: o.host }),
    },
  },
  {
    noun: "instance",
    path: "/api/v1/instances",
    columns: [...base, ["VPC", "vpcId"], ["SUBNET", "subnetId"], ["PRIVATE IP", "privateIp"], ["HOST", "host"], ["STATE", "state"], ["SECURITY GROUPS", "securityGroupIds"]],
    filters: [["--vpc <vpcId>", "vpcId", "only this VPC"], ["--subnet <subnetId>", "subnetId", "only this subnet"]],
    create: {
      flags: (c) =>
        c
          .requiredOption("--subnet <subnetId>", "subnet id")
          .option("--ip <address>", "private IP (default: lowest free)")
          .option("--host <name>", "host (chassis) to run on, one of `vpcpeer host list` (default: the host with the fewest instances and VBRs)")
          .option("--name <name>", "name")
          .option("--security-groups <ids>", "its security groups, comma-separated, in order (default: the VPC's default group)", idList),
      body: (o) => ({ subnetId: o.subnet, privateIp: o.ip, host: o.host, name: o.name, securityGroupIds: o.securityGroups }),
    },
    update: {
      flags: (c) => c.option("--security-groups <ids>", "replace its security groups: ids comma-separated, in order (sg-a,sg-b)", idList),
      body: (o) => ({ securityGroupIds: o.securityGroups }),
    },
  },
];

function resourceCommands(program: Command, spec: ResourceSpec): Command {
  const group = program.command(spec.noun).description(`manage ${spec.noun}s`);
  const withTags = (c: Command) => c.option("--tag <key=value>", "tag (repeat for several)", collect).option("--description <text>", "description");

  const dry = (c: Command) => (spec.dryRun ? dryRunOption(c) : c);
  dry(tenant(withTags(spec.create.flags(group.command("create").description(`create a ${spec.noun}`))))).action(async (o: GlobalFlags & DryRunFlag & Record<string, unknown>) => {
    const body = { ...spec.create.body(o), description: o.description, tags: tagsOf(o.tag as string[] | undefined), dryRun: o.dryRun };
    showOrDryRun(o, await client(o).request("POST", spec.path, JSON.parse(JSON.stringify(body))), spec.columns);
  });

  const list = listFlags(tenant(group.command("list").description(`list ${spec.noun}s`)))
    .option("--tag <key[=value]>", "only resources with this tag (repeat to AND)", collect)
    .option("--limit <n>", "at most this many", count, 1000);
  for (const [flag, , help] of spec.filters) list.option(flag, help);
  list.action(async (o: GlobalFlags & Record<string, unknown>) => {
    const limit = o.limit as number;
    const q = listParams(new URLSearchParams({ limit: String(Math.min(limit, 1000)) }), o);
    for (const [flag, param] of spec.filters) {
      const key = flag.slice(2, flag.indexOf(" ")).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (typeof o[key] === "string") q.set(param, o[key] as string);
    }
    for (const t of (o.tag as string[] | undefined) ?? []) q.append("tag", t);
    const items = await client(o).listAll(spec.path, q, limit);
    show(o, { items }, spec.columns);
  });

  tenant(group.command("get").description(`show one ${spec.noun}`).argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    const value = await client(o).get<Record<string, unknown>>(`${spec.path}/${encodeURIComponent(id)}`);
    if (o.output === "json") printJson(value);
    else {
      const { routes, ...rest } = value;
      printRecord(rest);
      // A route table's routes read best as a table of their own.
      if (Array.isArray(routes)) {
        process.stdout.write("\nroutes:\n");
        printTable(routes, ROUTE_COLUMNS);
      }
    }
  });

  const update = dry(
    tenant(
      group
        .command("update")
        .description(`rename, describe or retag a ${spec.noun}${spec.update ? " (or set its security groups)" : ""}`)
        .argument("<id>")
        .option("--name <name>", "new name")
        .option("--description <text>", "new description")
        .option("--tag <key=value>", "replace all tags with these (repeat)", collect),
    ),
  );
  spec.update?.flags(update);
  update.action(async (id: string, o: GlobalFlags & DryRunFlag & { name?: string; description?: string; tag?: string[] } & Record<string, unknown>) => {
    const body = JSON.parse(JSON.stringify({ name: o.name, description: o.description, tags: tagsOf(o.tag), dryRun: o.dryRun, ...spec.update?.body(o) }));
    showOrDryRun(o, await client(o).request("PATCH", `${spec.path}/${encodeURIComponent(id)}`, body), spec.columns);
  });

  dry(tenant(group.command("delete").description(`delete a ${spec.noun}`).argument("<id>"))).action(async (id: string, o: GlobalFlags & DryRunFlag) => {
    const answer = await client(o).request("DELETE", `${spec.path}/${encodeURIComponent(id)}${o.dryRun ? "?dryRun=true" : ""}`);
    if (o.dryRun) return showOrDryRun(o, answer, spec.columns);
    if (o.output === "json") printJson({ id, deleted: true });
    else process.stdout.write(`deleted ${id}\n`);
  });
  return group;
}

const ROUTE_COLUMNS: Column[] = [["ID", "id"], ["DESTINATION", "destinationCidr"], ["TARGET TYPE", "target.type"], ["TARGET", "target.id"], ["STATE", "state"], ["ORIGIN", "origin"], ["MANAGED BY", "managedBy"]];

export function tenantCommands(program: Command): void {
  program
    .command("configure")
    .description("save an endpoint and token in a profile (the endpoint: the one given, else the profile's, else the default)")
    .option("--profile <name>", "profile name (default: default)")
    .option("--endpoint <url>", `server URL (default ${DEFAULT_ENDPOINT})`, url)
    .option("--token <token>", "bearer token")
    .action((o: { profile?: string; endpoint?: string; token?: string }) => {
      const name = o.profile ?? "default";
      const endpoint = o.endpoint ?? readProfiles()[name]?.endpoint ?? DEFAULT_ENDPOINT;
      const file = saveProfile(name, JSON.parse(JSON.stringify({ endpoint, token: o.token })));
      process.stdout.write(`saved profile "${name}" (endpoint ${endpoint}) in ${file}\n`);
    });

  tenant(program.command("whoami").description("show the account the credentials belong to")).action(async (o: GlobalFlags) => {
    show(o, await client(o).get("/api/v1/account"), [["ACCOUNT ID", "id"], ["NAME", "name"], ["ACCESS KEY ID", "accessKeyId"]]);
  });

  const host = program.command("host").description("the hosts instances are placed on");
  tenant(host.command("list").description("list the hosts of this deployment (the Linux data plane's one host, or OVN chassis with a running agent)")).action(async (o: GlobalFlags) => {
    show(o, await client(o).get("/api/v1/hosts"), [["HOST", "name"], ["DATA PLANE", "dataplane"], ["SEEN", "seenAt"]]);
  });

  const region = program.command("region").description("the region catalog");
  tenant(region.command("list").description("list regions and their zones")).action(async (o: GlobalFlags) => {
    show(o, await client(o).get("/api/v1/regions"), [["REGION", "id"], ["NAME", "name"], ["ZONES", "zones"]]);
  });
  tenant(region.command("zones").description("list a region's zones: name, id and local name").argument("<region>")).action(async (id: string, o: GlobalFlags) => {
    show(o, await client(o).get(`/api/v1/regions/${encodeURIComponent(id)}/zones`), [["ZONE", "name"], ["ID", "id"], ["LOCAL NAME", "localName"]]);
  });

  for (const spec of RESOURCES) {
    const group = resourceCommands(program, spec);
    if (spec.noun === "instance") instanceExecCommand(group);
    if (spec.noun === "vpc") {
      tenant(
        group
          .command("create-default")
          .description("create the account's default VPC of a region (refused while it has one), with a default /20 subnet per zone")
          .requiredOption("--region <region>", "region, e.g. us-east-1")
          .option("--no-subnets", "make the VPC only, no default subnets"),
      ).action(async (o: GlobalFlags & { region: string; subnets: boolean }) => {
        const answer = await client(o).request<{ vpc: Record<string, unknown>; subnets: Record<string, unknown>[] }>("POST", "/api/v1/default-vpcs", { region: o.region, withSubnets: o.subnets });
        if (o.output === "json") return printJson(answer);
        printTable([answer.vpc], spec.columns);
        if (answer.subnets.length > 0) {
          process.stdout.write("\nsubnets:\n");
          printTable(answer.subnets, RESOURCES.find((r) => r.noun === "subnet")!.columns);
        }
      });
    }
    if (spec.noun === "subnet") {
      tenant(
        group
          .command("create-default")
          .description("create the default subnet of a zone in the region's default VPC (its /20, else the first free /20)")
          .requiredOption("--region <region>", "region of the default VPC")
          .option("--zone <zone>", "zone (default: the region's first zone without a default subnet)"),
      ).action(async (o: GlobalFlags & { region: string; zone?: string }) => {
        show(o, await client(o).request("POST", "/api/v1/default-subnets", JSON.parse(JSON.stringify({ region: o.region, zone: o.zone }))), spec.columns);
      });
      dryRunOption(tenant(group.command("associate").description("use a route table for this subnet").argument("<subnetId>").requiredOption("--route-table <id>", "route table of the same VPC"))).action(
        async (id: string, o: GlobalFlags & DryRunFlag & { routeTable: string }) => {
          const body = JSON.parse(JSON.stringify({ routeTableId: o.routeTable, dryRun: o.dryRun }));
          showOrDryRun(o, await client(o).request("PUT", `/api/v1/subnets/${encodeURIComponent(id)}/route-table`, body), spec.columns);
        },
      );
      dryRunOption(tenant(group.command("disassociate").description("return this subnet to its VPC's default route table").argument("<subnetId>"))).action(
        async (id: string, o: GlobalFlags & DryRunFlag) => {
          showOrDryRun(o, await client(o).request("DELETE", `/api/v1/subnets/${encodeURIComponent(id)}/route-table${o.dryRun ? "?dryRun=true" : ""}`), spec.columns);
        },
      );
    }
  }

  const route = program.command("route").description("routes of a route table");
  tenant(route.command("list").description("list a route table's routes (local route first)").argument("<routeTableId>")).action(async (rtb: string, o: GlobalFlags) => {
    show(o, await client(o).get(`/api/v1/route-tables/${encodeURIComponent(rtb)}/routes`), ROUTE_COLUMNS);
  });
  dryRunOption(tenant(
    route
      .command("add")
      .description("add a route: --destination CIDR and one of --peering, --router-interface, --vbr, --instance")
      .argument("<routeTableId>")
      .requiredOption("--destination <cidr>", "destination CIDR")
      .option("--peering <pcxId>", "next hop: a peering connection")
      .option("--router-interface <riId>", "next hop: a router interface")
      .option("--vbr <vbrId>", "next hop: a VBR")
      .option("--instance <insId>", "next hop: an instance of the table's VPC (an appliance; its id or private IP)")
      .option("--description <text>", "description"),
  )).action(async (rtb: string, o: GlobalFlags & DryRunFlag & { destination: string; peering?: string; routerInterface?: string; vbr?: string; instance?: string; description?: string }) => {
    const targets = [
      o.peering && { type: "peering", id: o.peering },
      o.routerInterface && { type: "router-interface", id: o.routerInterface },
      o.vbr && { type: "vbr", id: o.vbr },
      o.instance && { type: "instance", id: o.instance },
    ].filter(Boolean);
    if (targets.length !== 1) throw new Error("give exactly one next hop: --peering, --router-interface, --vbr or --instance");
    const body = JSON.parse(JSON.stringify({ destinationCidr: o.destination, target: targets[0], description: o.description, dryRun: o.dryRun }));
    showOrDryRun(o, await client(o).request("POST", `/api/v1/route-tables/${encodeURIComponent(rtb)}/routes`, body), ROUTE_COLUMNS);
  });
  dryRunOption(tenant(route.command("delete").description("remove a route").argument("<routeTableId>").argument("<routeId>"))).action(async (rtb: string, id: string, o: GlobalFlags & DryRunFlag) => {
    const answer = await client(o).request("DELETE", `/api/v1/route-tables/${encodeURIComponent(rtb)}/routes/${encodeURIComponent(id)}${o.dryRun ? "?dryRun=true" : ""}`);
    if (o.dryRun) return showOrDryRun(o, answer, ROUTE_COLUMNS);
    if (o.output === "json") printJson({ id, deleted: true });
    else process.stdout.write(`deleted route ${id} from ${rtb}\n`);
  });
}
