/** `vpcpeer explain`: why one of your instances (or VBRs) does or does not reach an address (POST /api/v1/analyses). */
import { Option, type Command } from "commander";
import { formatTable, printJson } from "../output.ts";
import { port } from "../parse.ts";
import { type GlobalFlags, client, tenant } from "./common.ts";

interface HopView {
  type: string;
  resourceId: string | null;
  route?: { routeId: string | null; destinationCidr: string; target: string };
  detail: string;
}

interface AnalysisView {
  reachable: boolean;
  source: { ip: string; resourceId: string };
  destination: { ip: string; resourceId: string | null };
  protocol: string;
  port: number | null;
  forward: HopView[];
  return: HopView[];
  reasons: { code: string; severity: string; message: string; resource: string | null }[];
  probe?: { reachable: boolean; rttMs: number | null; error?: string };
}

/** The hops as table rows: step, what, id, the matching route, detail. */
function hopRows(hops: HopView[]) {
  return hops.map((h, i) => ({
    step: String(i + 1),
    type: h.type,
    id: h.resourceId ?? "(not visible)",
    route: h.route ? `${h.route.destinationCidr} → ${h.route.target}${h.route.routeId ? ` (${h.route.routeId})` : ""}` : "",
    detail: h.detail,
  }));
}

const HOP_COLUMNS: [string, string][] = [
  ["#", "step"],
  ["HOP", "type"],
  ["RESOURCE", "id"],
  ["ROUTE", "route"],
  ["DETAIL", "detail"],
];

/** The readable form: verdict, both paths, the reasons (and the probe's answer with --verify). */
export function formatAnalysis(a: AnalysisView): string {
  const out: string[] = [];
  const what = `${a.protocol}${a.port !== null ? `/${a.port}` : ""}`;
  out.push(`${a.reachable ? "REACHABLE" : "NOT REACHABLE"}: ${a.source.resourceId} (${a.source.ip}) → ${a.destination.ip} ${what}`);
  out.push("", "Forward path:", a.forward.length ? formatTable(hopRows(a.forward), HOP_COLUMNS) : "  (none)");
  out.push("", "Return path:", a.return.length ? formatTable(hopRows(a.return), HOP_COLUMNS) : "  (not walked: the packets do not get there)");
  if (a.reasons.length) {
    out.push("", "Reasons:");
    for (const r of a.reasons) out.push(`  ${r.severity === "warning" ? "warning " : ""}${r.code}${r.resource ? ` [${r.resource}]` : ""}: ${r.message}`);
  }
  if (a.probe) out.push("", `Probe: ${a.probe.reachable ? `reachable${a.probe.rttMs !== null ? ` (${a.probe.rttMs.toFixed(2)} ms)` : ""}` : `not reachable${a.probe.error ? ` (${a.probe.error})` : ""}`}`);
  return out.join("\n");
}

export function explainCommands(program: Command): void {
  tenant(
    program
      .command("explain")
      .description("explain whether one of your instances (or VBRs) reaches an address: the hops each way, the matching routes, and why not")
      .requiredOption("--from <id>", "source: your instance (ins-…) or VBR (vbr-…, from its on-premises host)")
      .requiredOption("--to <ip>", "destination address")
      .option("--port <port>", "TCP or UDP port, 1-65535 (default 80)", port)
      .addOption(new Option("--protocol <protocol>", "tcp, udp or icmp").choices(["tcp", "udp", "icmp"]).default("tcp"))
      .option("--verify", "also send a real probe and report any disagreement (needs a data plane)"),
  ).action(async (o: GlobalFlags & { from: string; to: string; port?: number; protocol: string; verify?: boolean }) => {
    const body = {
      ...(o.from.startsWith("vbr-") ? { fromVbrId: o.from } : { fromInstanceId: o.from }),
      toIp: o.to,
      protocol: o.protocol,
      ...(o.port !== undefined ? { port: o.port } : {}),
      ...(o.verify ? { verify: true } : {}),
    };
    const res = await client(o).request<AnalysisView>("POST", "/api/v1/analyses", body);
    if (o.output === "json") printJson(res);
    else process.stdout.write(formatAnalysis(res) + "\n");
    // As `probe`: 2 when it does not reach (scripts can test it), 3 when model and packets disagree.
    if (res.reasons.some((r) => r.code === "MODEL_DATAPLANE_MISMATCH")) process.exitCode = 3;
    else if (!res.reachable) process.exitCode = 2;
  });
}
