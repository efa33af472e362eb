/** Pieces every tenant command shares: credential and output flags, the client, tags, output. */
import { type Command, Option } from "commander";
import { ApiClient } from "../client.ts";
import { type Column, printJson, printTable } from "../output.ts";
import { type CredentialFlags, resolveCredentials } from "../profile.ts";

export interface GlobalFlags extends CredentialFlags {
  output: "table" | "json";
}

/** Adds the credential and output flags every tenant command takes. */
export function tenant(cmd: Command): Command {
  return cmd
    .option("--endpoint <url>", "server URL (env VPCPEER_ENDPOINT; default http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (env VPCPEER_TOKEN)")
    .option("--profile <name>", "profile from the profiles file (env VPCPEER_PROFILE)")
    .addOption(new Option("-o, --output <format>", "output format").choices(["table", "json"]).default("table"));
}

export function client(flags: CredentialFlags): ApiClient {
  const { endpoint, token } = resolveCredentials(flags);
  return new ApiClient(endpoint, token);
}

export const collect = (value: string, prev: string[] = []) => [...prev, value];

/** `--tag k=v` flags → a tags object. */
export function tagsOf(list: string[] | undefined): Record<string, string> | undefined {
  if (!list) return undefined;
  const out: Record<string, string> = {};
  for (const t of list) {
    const eq = t.indexOf("=");
    if (eq <= 0) throw new Error(`--tag: "${t}" must be key=value`);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

export function show(flags: GlobalFlags, value: unknown, columns: Column[]): void {
  if (flags.output === "json") printJson(value);
  else if (value && typeof value === "object" && "items" in value) printTable((value as { items: unknown[] }).items, columns);
  else printTable([value], columns);
}
