/** Pieces every tenant command shares: credential and output flags, the client, tags, output. */
import { type Command, Option } from "commander";
import { LIST_SORTS } from "../../domain/resources.ts";
import { ApiClient } from "../client.ts";
import { url } from "../parse.ts";
import { type Column, printJson, printTable } from "../output.ts";
import { type CredentialFlags, resolveCredentials } from "../profile.ts";

export interface GlobalFlags extends CredentialFlags {
  output: "table" | "json";
}

/** Adds the credential and output flags every tenant command takes (also accepted before its name: globalOptions). */
export function tenant(cmd: Command): Command {
  return cmd
    .option("--endpoint <url>", "server URL (env VPCPEER_ENDPOINT; default http://127.0.0.1:8080)", url)
    .option("--token <token>", "bearer token (env VPCPEER_TOKEN)")
    .option("--profile <name>", "profile from the profiles file (env VPCPEER_PROFILE)")
    .addOption(new Option("-o, --output <format>", "output format: table (default) or json").choices(["table", "json"]));
}

/** The search and order flags of every resource list (`--search`, `--sort`): the API's `q` and `sort`. */
export function listFlags(cmd: Command): Command {
  return cmd
    .option("--search <text>", "only items whose id or name contains this text (A-Z in either case)")
    .addOption(new Option("--sort <order>", "order: createdAt (default, oldest first), -createdAt, name or -name").choices(LIST_SORTS));
}

/** Puts the listFlags given into a list's query. */
export function listParams(q: URLSearchParams, flags: object): URLSearchParams {
  const o = flags as { search?: unknown; sort?: unknown };
  if (typeof o.search === "string") q.set("q", o.search);
  if (typeof o.sort === "string") q.set("sort", o.sort);
  return q;
}

const GLOBAL_KEYS = ["endpoint", "token", "profile", "output"] as const;

/**
 * Makes the credential and output flags global, as `aws --profile` is: `vpcpeer --profile alice
 * whoami` and `vpcpeer whoami --profile alice` mean the same (a flag after the command name wins).
 * Program options are read only before the command name, so they never swallow a command's own.
 */
export function globalOptions(program: Command): void {
  tenant(program).enablePositionalOptions();
  program.hook("preAction", (root, action) => {
    for (const key of GLOBAL_KEYS) {
      if (!action.options.some((opt) => opt.attributeName() === key)) continue;
      const source = action.getOptionValueSource(key);
      const global = root.getOptionValue(key) as string | undefined;
      if ((source === undefined || source === "default") && global !== undefined) action.setOptionValueWithSource(key, global, "cli");
    }
    if (action.options.some((opt) => opt.attributeName() === "output") && action.getOptionValue("output") === undefined) action.setOptionValue("output", "table");
  });
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
