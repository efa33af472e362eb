/** `--dry-run`: the would-be object and what the call would change (the API's `dryRun` answer, service/preview.ts). */
import type { Command } from "commander";
import { type Column, printJson, printTable } from "../output.ts";
import type { GlobalFlags } from "./common.ts";

export interface DryRunAnswer<T = unknown> {
  dryRun: true;
  result: T;
  effects: {
    routes: { routeTableId: string; routeId: string | null; destinationCidr: string; before: string; after: string; target: { type: string; id: string } }[];
    quota: { name: string; resourceId: string; used: number; limit: number }[];
    analyses: { fromInstanceId: string; toInstanceId: string; toIp: string; before: boolean | null; after: boolean | null; reasons: string[] }[];
    analysesChecked: number;
    analysesTruncated: boolean;
  };
}

export interface DryRunFlag {
  dryRun?: boolean;
}

export function dryRunOption(cmd: Command): Command {
  return cmd.option("--dry-run", "check the call and show what it would do (the resulting object, routes, quotas, reachability) without changing anything");
}

const verdict = (v: boolean | null) => (v === null ? "-" : v ? "reachable" : "unreachable");

/** Prints a dry run's answer: all of it as JSON, or the object as `showResult` prints it and the effects as tables. */
export function printDryRun<T>(o: GlobalFlags, answer: DryRunAnswer<T>, showResult: (result: T) => void): void {
  if (o.output === "json") return printJson(answer);
  process.stdout.write("dry run: nothing was changed; the call would succeed and give:\n\n");
  showResult(answer.result);
  const e = answer.effects;
  const section = (title: string, rows: unknown[], columns: Column[]) => {
    process.stdout.write(`\n${title}:\n`);
    if (rows.length === 0) process.stdout.write("  (none)\n");
    else printTable(rows, columns);
  };
  section(
    "routes that would change",
    e.routes.map((r) => ({ ...r, routeId: r.routeId ?? "(new)", target: `${r.target.type} ${r.target.id}` })),
    [["ROUTE TABLE", "routeTableId"], ["ROUTE", "routeId"], ["DESTINATION", "destinationCidr"], ["BEFORE", "before"], ["AFTER", "after"], ["TARGET", "target"]],
  );
  section("quotas after the call", e.quota.map((q) => ({ ...q, use: `${q.used}/${q.limit}` })), [["QUOTA", "name"], ["RESOURCE", "resourceId"], ["USED/LIMIT", "use"]]);
  const checked = `${e.analysesChecked} ordered pair${e.analysesChecked === 1 ? "" : "s"} of your instances checked${e.analysesTruncated ? "; more were not (the bound is 200)" : ""}`;
  section(
    `reachability that would change (${checked})`,
    e.analyses.map((a) => ({ ...a, before: verdict(a.before), after: verdict(a.after) })),
    [["FROM", "fromInstanceId"], ["TO", "toInstanceId"], ["TO IP", "toIp"], ["BEFORE", "before"], ["AFTER", "after"], ["WHY (AFTER)", "reasons"]],
  );
}
