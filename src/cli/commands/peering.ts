/** Peering, router-interface, billing and event commands, with live waiting for peering states. */
import { type Command, Option } from "commander";
import type { ApiClient } from "../client.ts";
import { type Column, printJson, printRecord, printTable } from "../output.ts";
import { PEERING_LIFECYCLES, PEERING_STATES } from "../../domain/peering.ts";
import { bandwidth, bandwidthOrUnlimited, boolean, period, position, seconds, url } from "../parse.ts";
import { type GlobalFlags, client, collect, listFlags, listParams, show, tagsOf, tenant } from "./common.ts";
import { type DryRunAnswer, type DryRunFlag, dryRunOption, printDryRun } from "./dry-run.ts";

export const PEERING_COLUMNS: Column[] = [
  ["ID", "id"],
  ["STATE", "state"],
  ["REQUESTER", "requester.vpcId"],
  ["ACCEPTER", "accepter.vpcId"],
  ["ACCEPTER ACCOUNT", "accepter.accountId"],
  ["REGIONS", "regions"],
  ["BANDWIDTH", "bandwidth"],
  ["CHARGE", "chargeType"],
];

interface PeeringView {
  id: string;
  state: string;
  stateReason: { code: string; message: string } | null;
  requester: { accountId: string; vpcId: string | null; vbrId: string | null; region: string };
  accepter: { accountId: string; vpcId: string | null; region: string };
  bandwidthMbps: number | null;
  expiresAt: string | null;
  /** The change on its way to the network (provisioning, deleting…), null once applied. */
  transition?: string | null;
  dataplane?: { lastError: string | null } | null;
}

/** Still on its way to active: waiting for the accepter, or for the network to carry it. */
const becoming = (p: PeeringView) => p.state === "pending-acceptance" || (p.state === "active" && !!p.transition);

/** `active`, or `active (provisioning)` while the network has not caught up. */
const stateText = (p: PeeringView) => (p.transition ? `${p.state} (${p.transition})` : p.state);

const decorate = (p: PeeringView) => ({
  ...p,
  state: stateText(p),
  requester: { ...p.requester, vpcId: p.requester.vpcId ?? p.requester.vbrId },
  regions: p.requester.region === p.accepter.region ? p.requester.region : `${p.requester.region}→${p.accepter.region}`,
  bandwidth: p.bandwidthMbps === null ? "unlimited" : `${p.bandwidthMbps} Mbit/s`,
});

function showPeering(o: GlobalFlags, p: PeeringView): void {
  if (o.output === "json") printJson(p);
  else printTable([decorate(p)], PEERING_COLUMNS);
}

function showPeeringOrDryRun(o: GlobalFlags & DryRunFlag, p: PeeringView): void {
  if (o.dryRun) printDryRun(o, p as unknown as DryRunAnswer<PeeringView>, (x) => printTable([decorate(x)], PEERING_COLUMNS));
  else showPeering(o, p);
}

const SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";

/**
 * Polls a peering until it is active or can no longer become active, with a live status line on
 * a terminal (plain lines otherwise). Resolves with the last view; rejects on timeout.
 */
export async function waitForPeering(api: ApiClient, id: string, timeoutS: number): Promise<PeeringView> {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let lastState = "";
  let frame = 0;
  for (;;) {
    const p = await api.get<PeeringView>(`/api/v1/peerings/${encodeURIComponent(id)}`);
    const elapsed = Math.round((Date.now() - started) / 1000);
    const waitingFor =
      p.state === "pending-acceptance" ? ` — waiting for account ${p.accepter.accountId} to accept (expires ${p.expiresAt})` : becoming(p) ? ` — waiting for the network to carry it${p.dataplane?.lastError ? ` (data plane: ${p.dataplane.lastError})` : ""}` : "";
    const line = `${p.id} ${stateText(p)} (${elapsed}s)${waitingFor}`;
    if (tty) process.stderr.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${line}`);
    else if (stateText(p) !== lastState) process.stderr.write(`${line}\n`);
    lastState = stateText(p);
    if (!becoming(p)) {
      if (tty) process.stderr.write(`\r\x1b[2K${p.state === "active" ? "✔" : "✖"} ${p.id} ${p.state}${p.stateReason ? `: ${p.stateReason.message}` : ""}\n`);
      return p;
    }
    if (Date.now() - started > timeoutS * 1000) {
      if (tty) process.stderr.write("\n");
      throw new Error(`timed out after ${timeoutS}s waiting for ${id} (still ${stateText(p)}); run \`vpcpeer peering wait ${id}\` to keep waiting`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function waitFlags(cmd: Command): Command {
  return cmd
    .option("--wait", "wait until the peering is active (or can no longer become active), with a live status line", true)
    .option("--no-wait", "return at once")
    .option("--timeout <seconds>", "how long --wait waits", seconds, 300);
}

/** After a command that changed a peering: wait (if asked), print, and fail unless it ended active. A dry run only prints. */
async function finish(o: GlobalFlags & DryRunFlag & { wait: boolean; timeout: number }, api: ApiClient, p: PeeringView, wantActive: boolean): Promise<void> {
  if (o.dryRun) return printDryRun(o, p as unknown as DryRunAnswer<PeeringView>, (x) => printTable([decorate(x)], PEERING_COLUMNS));
  const final = o.wait && becoming(p) && wantActive ? await waitForPeering(api, p.id, o.timeout) : p;
  showPeering(o, final);
  if (o.wait && wantActive && final.state !== "active") process.exitCode = 1;
}

export function peeringCommands(program: Command): void {
  const peering = program.command("peering").description("peering connections (request, accept, reject, delete, renew)");

  const create = waitFlags(
    tenant(
      peering
        .command("create")
        .description("request a peering from your VPC to a peer VPC (same account: active at once)")
        .requiredOption("--vpc <vpcId>", "your VPC")
        .requiredOption("--peer-vpc <vpcId>", "the peer VPC")
        .option("--peer-account <accountId>", "the peer's account id (default: yours)")
        .option("--peer-region <region>", "the peer VPC's region (default: yours)")
        .option("--bandwidth <mbps>", "bandwidth cap in Mbit/s, 1-10000 (required across regions; none: no cap)", bandwidth)
        .option("--name <name>", "name")
        .addOption(new Option("--charge-type <type>", "billing").choices(["pay-as-you-go", "subscription"]))
        .option("--period <months>", "subscription validity: 1-9, 12, 24 or 36 months", period)
        .option("--auto-renew", "renew the subscription automatically")
        .option("--route-table <rtbId>", "a route table of your VPC that gets a route to the peer VPC through the peering once it is active (repeat)", collect)
        .option("--tag <key=value>", "tag (repeat)", collect),
    ),
  );
  dryRunOption(create).action(async (o: GlobalFlags & Record<string, any>) => {
    const api = client(o);
    const body = JSON.parse(
      JSON.stringify({
        vpcId: o.vpc,
        peerVpcId: o.peerVpc,
        peerAccountId: o.peerAccount,
        peerRegion: o.peerRegion,
        bandwidthMbps: o.bandwidth,
        name: o.name,
        chargeType: o.chargeType,
        period: o.period,
        autoRenew: o.autoRenew,
        tags: tagsOf(o.tag),
        routeTableIds: o.routeTable,
        dryRun: o.dryRun,
      }),
    );
    await finish(o as never, api, await api.request<PeeringView>("POST", "/api/v1/peerings", body), true);
  });

  const list = listFlags(tenant(peering.command("list").description("list peerings you are party to")))
    .addOption(new Option("--state <state>", "only this state").choices(PEERING_STATES))
    .addOption(new Option("--lifecycle <lifecycle>", "live (pending, active, inactive, suspended) or ended (the rest)").choices(PEERING_LIFECYCLES))
    .option("--vpc <vpcId>", "only peerings of this VPC")
    .addOption(new Option("--role <role>", "only as requester or accepter").choices(["requester", "accepter"]));
  list.action(async (o: GlobalFlags & { state?: string; lifecycle?: string; vpc?: string; role?: string; search?: string; sort?: string }) => {
    const q = listParams(new URLSearchParams({ limit: "1000" }), o);
    if (o.state) q.set("state", o.state);
    if (o.lifecycle) q.set("lifecycle", o.lifecycle);
    if (o.vpc) q.set("vpcId", o.vpc);
    if (o.role) q.set("role", o.role);
    const items = await client(o).listAll<PeeringView>("/api/v1/peerings", q);
    if (o.output === "json") printJson({ items });
    else printTable(items.map(decorate), PEERING_COLUMNS);
  });

  tenant(peering.command("get").description("show a peering").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    const p = await client(o).get<Record<string, unknown>>(`/api/v1/peerings/${encodeURIComponent(id)}`);
    if (o.output === "json") printJson(p);
    else printRecord({ ...p, requester: undefined, accepter: undefined, ...flatten("requester", p.requester), ...flatten("accepter", p.accepter), stateReason: (p.stateReason as { message?: string } | null)?.message ?? null });
  });

  for (const [action, describe, wantActive] of [
    ["accept", "accept a request (accepter)", true],
    ["reject", "reject a request (accepter)", false],
  ] as const) {
    const cmd = tenant(peering.command(action).description(describe).argument("<id>"));
    if (action === "accept") cmd.option("--route-table <rtbId>", "a route table of your VPC that gets a route to the requester's VPC through the peering (repeat)", collect);
    dryRunOption(waitFlags(cmd)).action(async (id: string, o: GlobalFlags & DryRunFlag & { wait: boolean; timeout: number; routeTable?: string[] }) => {
      const api = client(o);
      const body = o.routeTable || o.dryRun ? JSON.parse(JSON.stringify({ routeTableIds: o.routeTable, dryRun: o.dryRun })) : undefined;
      await finish(o, api, await api.request<PeeringView>("POST", `/api/v1/peerings/${encodeURIComponent(id)}/${action}`, body), wantActive);
    });
  }

  tenant(peering.command("wait").description("wait until a peering is active (or can no longer become active)").argument("<id>").option("--timeout <seconds>", "give up after", seconds, 300)).action(
    async (id: string, o: GlobalFlags & { timeout: number }) => {
      const p = await waitForPeering(client(o), id, o.timeout);
      showPeering(o, p);
      if (p.state !== "active") process.exitCode = 1;
    },
  );

  dryRunOption(
    tenant(
      peering
        .command("delete")
        .description("cancel a request or delete a peering (its routes go too); --purge cleans up a finished record")
        .argument("<id>")
        .option("--purge", "remove a rejected, expired, failed or deleted record"),
    ),
  ).action(async (id: string, o: GlobalFlags & DryRunFlag & { purge?: boolean }) => {
    type Deleted = { peering?: PeeringView; removedRoutes?: { id: string; routeTableId: string; destinationCidr: string }[]; purged?: string };
    const q = new URLSearchParams();
    if (o.purge) q.set("purge", "true");
    if (o.dryRun) q.set("dryRun", "true");
    const res = await client(o).request<Deleted>("DELETE", `/api/v1/peerings/${encodeURIComponent(id)}${q.size ? `?${q}` : ""}`);
    if (o.dryRun) {
      return printDryRun(o, res as unknown as DryRunAnswer<Deleted>, (x) => {
        if (x.purged) process.stdout.write(`${x.purged} would be cleaned up\n`);
        else if (x.peering) printTable([decorate(x.peering)], PEERING_COLUMNS);
      });
    }
    if (o.output === "json") return printJson(res);
    if (res.purged) return void process.stdout.write(`cleaned up ${res.purged}\n`);
    process.stdout.write(`${id} is ${res.peering?.state}\n`);
    for (const r of res.removedRoutes ?? []) process.stdout.write(`removed route ${r.id} (${r.destinationCidr}) from ${r.routeTableId}\n`);
  });

  dryRunOption(
    tenant(peering.command("renew").description("renew a subscription (restores a suspended peering)").argument("<id>").option("--period <months>", "1-9, 12, 24 or 36 months (default: the current period)", period)),
  ).action(async (id: string, o: GlobalFlags & DryRunFlag & { period?: number }) => {
    const body = JSON.parse(JSON.stringify({ period: o.period, dryRun: o.dryRun }));
    showPeeringOrDryRun(o, await client(o).request<PeeringView>("POST", `/api/v1/peerings/${encodeURIComponent(id)}/renew`, body));
  });

  dryRunOption(
    tenant(
      peering
        .command("update")
        .description("change a peering (requester: name, bandwidth, auto renew; either party: tags)")
        .argument("<id>")
        .option("--name <name>", "new name")
        .option("--bandwidth <mbps>", "new bandwidth in Mbit/s (1-10000), or 'unlimited' to remove the cap (intra-region)", bandwidthOrUnlimited)
        .option("--auto-renew <bool>", "auto renew: true or false", boolean)
        .option("--tag <key=value>", "replace your tags (repeat)", collect),
    ),
  ).action(async (id: string, o: GlobalFlags & DryRunFlag & { name?: string; bandwidth?: number | "unlimited"; autoRenew?: boolean; tag?: string[] }) => {
    const body = JSON.parse(JSON.stringify({ name: o.name, autoRenew: o.autoRenew, tags: tagsOf(o.tag), dryRun: o.dryRun }));
    if (o.bandwidth !== undefined) body.bandwidthMbps = o.bandwidth === "unlimited" ? null : o.bandwidth;
    showPeeringOrDryRun(o, await client(o).request<PeeringView>("PATCH", `/api/v1/peerings/${encodeURIComponent(id)}`, body));
  });

  billingAndEvents(program);
}

function flatten(prefix: string, side: unknown): Record<string, unknown> {
  const s = side as Record<string, unknown>;
  return { [`${prefix}Account`]: s.accountId, [`${prefix}Router`]: s.vpcId ?? s.vbrId, [`${prefix}Region`]: s.region, [`${prefix}Cidrs`]: s.cidrs };
}

function billingAndEvents(program: Command): void {
  const billing = program.command("billing").description("what your peerings cost");
  tenant(billing.command("ledger").description("ledger entries and the total").option("--peering <id>", "only this peering")).action(async (o: GlobalFlags & { peering?: string }) => {
    const q = new URLSearchParams({ limit: "1000" });
    if (o.peering) q.set("peeringId", o.peering);
    const res = await client(o).get<{ items: { amount: number }[]; total: number; currency: string }>(`/api/v1/billing/ledger?${q.toString()}`);
    if (o.output === "json") return printJson(res);
    const money = (n: number) => `${(n / 100).toFixed(2)} ${res.currency}`;
    printTable(
      res.items.map((e) => ({ ...e, money: money(e.amount) })),
      [["PEERING", "peeringId"], ["KIND", "kind"], ["FROM", "periodStart"], ["TO", "periodEnd"], ["AMOUNT", "money"], ["DESCRIPTION", "description"]],
    );
    process.stdout.write(`total ${money(res.total)}\n`);
  });

  const events = program.command("events").description("what happened to your resources (e.g. peering requests waiting for you)");
  const cols: Column[] = [["SEQ", "seq"], ["TIME", "createdAt"], ["TYPE", "type"], ["RESOURCE", "resourceId"], ["MESSAGE", "data.message"]];
  tenant(events.command("list").description("list events").option("--after <seq>", "only after this position", position).option("--type <type>", "only this type")).action(
    async (o: GlobalFlags & { after?: number; type?: string }) => {
      const q = new URLSearchParams({ limit: "1000" });
      if (o.after !== undefined) q.set("after", String(o.after));
      if (o.type) q.set("type", o.type);
      show(o, await client(o).get(`/api/v1/events?${q.toString()}`), cols);
    },
  );
  const webhook = program.command("webhook").description("receive your events as signed HTTP POSTs");
  const whCols: Column[] = [["ID", "id"], ["URL", "url"], ["EVENTS", "eventTypes"], ["DELIVERED", "delivered"], ["FAILING", "attempts"], ["LAST ERROR", "lastError"]];
  tenant(webhook.command("create").description("register a URL (the signing secret is printed once)").requiredOption("--url <url>", "http(s) URL", url).option("--event <type>", "only this event type (repeat)", collect)).action(
    async (o: GlobalFlags & { url: string; event?: string[] }) => {
      const res = await client(o).request<{ secret: string }>("POST", "/api/v1/webhooks", JSON.parse(JSON.stringify({ url: o.url, eventTypes: o.event })));
      if (o.output === "json") printJson(res);
      else printRecord(res as unknown as Record<string, unknown>);
    },
  );
  tenant(webhook.command("list").description("list webhooks and their delivery state")).action(async (o: GlobalFlags) => show(o, await client(o).get("/api/v1/webhooks"), whCols));
  tenant(webhook.command("delete").description("delete a webhook").argument("<id>")).action(async (id: string, o: GlobalFlags) => {
    await client(o).request("DELETE", `/api/v1/webhooks/${encodeURIComponent(id)}`);
    process.stdout.write(`deleted ${id}\n`);
  });

  tenant(events.command("watch").description("print new events as they happen (Ctrl-C to stop)").option("--after <seq>", "start after this position", position)).action(
    async (o: GlobalFlags & { after?: number }) => {
      const api = client(o);
      const q = o.after !== undefined ? `?after=${o.after}` : "";
      for await (const e of api.stream(`/api/v1/events/stream${q}`)) {
        const ev = e as { seq: number; createdAt: string; type: string; resourceId: string; data: { message?: string } };
        if (o.output === "json") process.stdout.write(`${JSON.stringify(ev)}\n`);
        else process.stdout.write(`${ev.seq}  ${ev.createdAt}  ${ev.type}  ${ev.resourceId}  ${ev.data.message ?? ""}\n`);
      }
    },
  );
}
