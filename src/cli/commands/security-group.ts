/** Security group commands: groups (create, list, show, update, delete) and their rules (add, remove, replace). */
import { type Command, InvalidArgumentError, Option } from "commander";
import { SG_ACTIONS, SG_DIRECTIONS, SG_MAX_PRIORITY, SG_PROTOCOLS } from "../../domain/security-groups.ts";
import { type Column, printJson, printRecord, printTable } from "../output.ts";
import { count, integer, matching } from "../parse.ts";
import { type GlobalFlags, client, collect, listFlags, listParams, show, tagsOf, tenant } from "./common.ts";

export const GROUP_COLUMNS: Column[] = [
  ["ID", "id"],
  ["NAME", "name"],
  ["VPC", "vpcId"],
  ["DEFAULT", "isDefault"],
  ["INGRESS", "ingress"],
  ["EGRESS", "egress"],
  ["TAGS", "tags"],
];

export const RULE_COLUMNS: Column[] = [
  ["ID", "id"],
  ["DIRECTION", "direction"],
  ["PRIORITY", "priority"],
  ["ACTION", "action"],
  ["PROTOCOL", "protocol"],
  ["PORTS", "ports"],
  ["PEER", "peerText"],
  ["STALE", "staleText"],
  ["DESCRIPTION", "description"],
];

interface RuleView {
  id: string;
  direction: string;
  protocol: string;
  fromPort: number | null;
  toPort: number | null;
  icmpType: number | null;
  icmpCode: number | null;
  peer: { cidr?: string; securityGroupId?: string; accountId?: string };
  stale: boolean;
}
interface GroupView {
  id: string;
  accountId: string;
  rules: RuleView[];
}

/** `80`, `80-443`, `all` (every port), `type 8 code 0`, `any` (every ICMP message), `-` (protocol all). */
function portsText(r: RuleView): string {
  if (r.protocol === "tcp" || r.protocol === "udp") {
    if (r.fromPort === 1 && r.toPort === 65535) return "all";
    return r.fromPort === r.toPort ? String(r.fromPort) : `${r.fromPort}-${r.toPort}`;
  }
  if (r.protocol === "icmp") return r.icmpType === null ? "any" : `type ${r.icmpType}${r.icmpCode === null ? "" : ` code ${r.icmpCode}`}`;
  return "-";
}

/** A rule as a table row: its ports and its peer (another account's group as `account/sg-…`). */
function ruleRow(owner: string) {
  return (r: RuleView) => ({
    ...r,
    ports: portsText(r),
    peerText: r.peer.cidr ?? (r.peer.accountId && r.peer.accountId !== owner ? `${r.peer.accountId}/${r.peer.securityGroupId}` : r.peer.securityGroupId),
    staleText: r.stale ? "stale" : "",
  });
}

const groupRow = (g: GroupView) => ({ ...g, ingress: g.rules.filter((r) => r.direction === "ingress").length, egress: g.rules.filter((r) => r.direction === "egress").length });

/** A group as KEY: value lines, then its rules as a table. */
function printGroup(o: GlobalFlags, g: GroupView): void {
  if (o.output === "json") return printJson(g);
  const { rules, ...rest } = g;
  printRecord(rest);
  process.stdout.write("\nrules:\n");
  if (rules.length === 0) process.stdout.write("(none: every packet is dropped in both directions)\n");
  else printTable(rules.map(ruleRow(g.accountId)), RULE_COLUMNS);
}

/** `80` or `80-443`. */
export function portRange(value: string): [number, number] {
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(value);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || from < 1 || to > 65535 || from > to) throw new InvalidArgumentError("It must be a port (1-65535) or a range like 80-443.");
  return [from, to];
}

const SG_ID = matching(/^sg-[a-z0-9]{12}$/, "a security group id like sg-0123456789ab");
const ACCOUNT = matching(/^[1-9][0-9]{11,15}$/, "an account id (12-16 digits)");
const icmpNumber = integer(0, 255);

interface RuleFlags {
  direction?: string;
  protocol?: string;
  ports?: [number, number];
  icmpType?: number;
  icmpCode?: number;
  cidr?: string;
  peerGroup?: string;
  peerAccount?: string;
  action?: string;
  priority?: number;
  ruleDescription?: string;
}

/** The flags that describe one rule; `required`: --direction and --protocol must be given. */
function ruleFlags(cmd: Command, required: boolean): Command {
  const direction = new Option("--direction <direction>", "ingress (traffic arriving at the members) or egress (leaving them)").choices(SG_DIRECTIONS);
  const protocol = new Option("--protocol <protocol>", "tcp, udp, icmp or all").choices(SG_PROTOCOLS);
  return cmd
    .addOption(required ? direction.makeOptionMandatory() : direction)
    .addOption(required ? protocol.makeOptionMandatory() : protocol)
    .option("--ports <ports>", "tcp/udp: a port (80) or a range (80-443); default every port", portRange)
    .option("--icmp-type <type>", "icmp: the ICMP type (0-255); default any", icmpNumber)
    .option("--icmp-code <code>", "icmp, with --icmp-type: the ICMP code (0-255); default any", icmpNumber)
    .option("--cidr <cidr>", "the peer: an IPv4 CIDR such as 10.0.0.0/16 (0.0.0.0/0: anywhere)")
    .option("--peer-group <sg>", "the peer: a security group's members (this VPC's, or across an active peering in the same region)", SG_ID)
    .option("--peer-account <accountId>", "with --peer-group: the group's owner (default: yours)", ACCOUNT)
    .addOption(new Option("--action <action>", "accept (default) or drop").choices(SG_ACTIONS))
    .option("--priority <n>", `1 (evaluated first, the default) to ${SG_MAX_PRIORITY}; a drop goes before an accept of the same priority`, integer(1, SG_MAX_PRIORITY))
    .option("--rule-description <text>", "the rule's description");
}

/** The rule the flags describe (the API checks it; the CLI only refuses what it cannot put in a body). */
function ruleOf(o: RuleFlags): Record<string, unknown> {
  if ((o.cidr === undefined) === (o.peerGroup === undefined)) throw new Error("give exactly one peer: --cidr or --peer-group");
  if (o.peerAccount !== undefined && o.peerGroup === undefined) throw new Error("--peer-account goes with --peer-group");
  const peer = o.cidr !== undefined ? { cidr: o.cidr } : { securityGroupId: o.peerGroup, accountId: o.peerAccount };
  return JSON.parse(
    JSON.stringify({
      direction: o.direction,
      protocol: o.protocol,
      fromPort: o.ports?.[0],
      toPort: o.ports?.[1],
      icmpType: o.icmpType,
      icmpCode: o.icmpCode,
      peer,
      action: o.action,
      priority: o.priority,
      description: o.ruleDescription,
    }),
  );
}

const path = (id: string) => `/api/v1/security-groups/${encodeURIComponent(id)}`;

export function securityGroupCommands(program: Command): void {
  const sg = program.command("security-group").description("security groups: stateful firewalls of instances, and their rules");

  tenant(
    sg
      .command("create")
      .description("create a security group in a VPC (with one egress rule allowing everything, unless --no-rules)")
      .requiredOption("--vpc <vpcId>", "VPC id")
      .requiredOption("--name <name>", "name")
      .option("--description <text>", "description")
      .option("--no-rules", "start with no rules at all (every packet dropped until rules are added)")
      .option("--tag <key=value>", "tag (repeat)", collect),
  ).action(async (o: GlobalFlags & { vpc: string; name: string; description?: string; rules: boolean; tag?: string[] }) => {
    const body = JSON.parse(JSON.stringify({ vpcId: o.vpc, name: o.name, description: o.description, tags: tagsOf(o.tag), rules: o.rules ? undefined : [] }));
    const g = await client(o).request<GroupView>("POST", "/api/v1/security-groups", body);
    printGroup(o, g);
  });

  listFlags(tenant(sg.command("list").description("list security groups")))
    .option("--vpc <vpcId>", "only this VPC's")
    .option("--name <name>", "only this exact name")
    .option("--default", "only default groups")
    .option("--tag <key[=value]>", "only groups with this tag (repeat to AND)", collect)
    .option("--limit <n>", "at most this many", count, 1000)
    .action(async (o: GlobalFlags & { vpc?: string; name?: string; default?: boolean; tag?: string[]; limit: number }) => {
      const q = listParams(new URLSearchParams({ limit: String(Math.min(o.limit, 1000)) }), o);
      if (o.vpc) q.set("vpcId", o.vpc);
      if (o.name) q.set("name", o.name);
      if (o.default) q.set("isDefault", "true");
      for (const t of o.tag ?? []) q.append("tag", t);
      const items = await client(o).listAll<GroupView>("/api/v1/security-groups", q, o.limit);
      if (o.output === "json") printJson({ items });
      else printTable(items.map(groupRow), GROUP_COLUMNS);
    });

  tenant(sg.command("show").alias("get").description("show a security group and its rules (in evaluation order)").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    printGroup(o, await client(o).get<GroupView>(path(id)));
  });

  tenant(
    sg
      .command("update")
      .description("rename, describe or retag a security group")
      .argument("<id>")
      .option("--name <name>", "new name")
      .option("--description <text>", "new description")
      .option("--tag <key=value>", "replace all tags with these (repeat)", collect),
  ).action(async (id: string, o: GlobalFlags & { name?: string; description?: string; tag?: string[] }) => {
    const body = JSON.parse(JSON.stringify({ name: o.name, description: o.description, tags: tagsOf(o.tag) }));
    const g = await client(o).request<GroupView>("PATCH", path(id), body);
    if (o.output === "json") printJson(g);
    else printTable([groupRow(g)], GROUP_COLUMNS);
  });

  tenant(sg.command("delete").description("delete a security group (not a default one, nor one with members or referenced by other groups' rules)").argument("<id>")).action(
    async (id: string, o: GlobalFlags) => {
      await client(o).request("DELETE", path(id));
      if (o.output === "json") printJson({ id, deleted: true });
      else process.stdout.write(`deleted ${id}\n`);
    },
  );

  tenant(sg.command("references").description("groups in peered VPCs whose rules name this group").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    show(o, await client(o).get(`${path(id)}/references`), [["GROUP", "securityGroupId"], ["REFERENCING VPC", "referencingVpcId"], ["PEERING", "peeringId"]]);
  });

  tenant(sg.command("stale").description("a VPC's groups holding stale rules (a peer group whose peering is gone or not active), with those rules").requiredOption("--vpc <vpcId>", "VPC id")).action(
    async (o: GlobalFlags & { vpc: string }) => {
      const answer = await client(o).get<{ items: GroupView[] }>(`/api/v1/vpcs/${encodeURIComponent(o.vpc)}/stale-security-groups`);
      if (o.output === "json") return printJson(answer);
      const rows = answer.items.flatMap((g) => g.rules.map((r) => ({ group: g.id, ...ruleRow(g.accountId)(r) })));
      printTable(rows, [["GROUP", "group"], ...RULE_COLUMNS]);
    },
  );

  const rule = sg.command("rule").description("a security group's rules");

  tenant(ruleFlags(rule.command("add").description("add a rule: --direction, --protocol and one peer (--cidr or --peer-group)").argument("<groupId>"), true)).action(
    async (id: string, o: GlobalFlags & RuleFlags) => {
      const answer = await client(o).request<{ group: GroupView; added: RuleView[] }>("POST", `${path(id)}/rules`, { rules: [ruleOf(o)] });
      if (o.output === "json") printJson(answer);
      else printTable(answer.added.map(ruleRow(answer.group.accountId)), RULE_COLUMNS);
    },
  );

  tenant(
    ruleFlags(
      rule
        .command("remove")
        .description("remove rules by id (sgr-…), or the rule with the content the flags describe")
        .argument("<groupId>")
        .argument("[ruleIds...]"),
      false,
    ),
  ).action(async (id: string, ruleIds: string[], o: GlobalFlags & RuleFlags) => {
    const byContent = o.direction !== undefined || o.protocol !== undefined || o.cidr !== undefined || o.peerGroup !== undefined;
    if (ruleIds.length > 0 && byContent) throw new Error("give rule ids or a rule's flags, not both");
    if (ruleIds.length === 0 && !byContent) throw new Error("give the rule ids to remove, or the rule's --direction, --protocol and peer");
    if (byContent && (o.direction === undefined || o.protocol === undefined)) throw new Error("a rule given by content needs --direction and --protocol");
    const body = ruleIds.length > 0 ? { ruleIds } : { rules: [ruleOf(o)] };
    printGroup(o, await client(o).request<GroupView>("POST", `${path(id)}/rules/remove`, body));
  });

  tenant(
    ruleFlags(rule.command("replace").description("replace a rule's content, keeping its id (give the whole new rule)").argument("<groupId>").argument("<ruleId>"), true),
  ).action(async (id: string, ruleId: string, o: GlobalFlags & RuleFlags) => {
    printGroup(o, await client(o).request<GroupView>("PUT", `${path(id)}/rules/${encodeURIComponent(ruleId)}`, { rule: ruleOf(o) }));
  });

  tenant(rule.command("list").description("list a group's rules, in evaluation order").argument("<groupId>")).action(async (id: string, o: GlobalFlags) => {
    const g = await client(o).get<GroupView>(path(id));
    if (o.output === "json") printJson({ items: g.rules });
    else printTable(g.rules.map(ruleRow(g.accountId)), RULE_COLUMNS);
  });
}
