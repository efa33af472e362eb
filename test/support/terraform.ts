/**
 * Terraform runs for the AWS face's tests, offline: the hashicorp/aws provider comes from a local
 * filesystem mirror (nothing is downloaded), each workspace has its own HOME, CLI config and data
 * dir, and no AWS_/TF_VAR_/TF_LOG variable of the caller's environment leaks in. Without terraform
 * or the mirror, `tfSkipReason` says why (the suites skip).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { tempDir } from "./process.ts";

/** A filesystem mirror holding registry.terraform.io/hashicorp/aws, or null. */
function findMirror(): string | null {
  const candidates = [
    process.env.VPCPEER_TF_MIRROR,
    "/opt/tf-plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
    join(homedir(), ".terraform.d/plugins"),
    join(homedir(), ".local/share/terraform/plugins"),
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    const aws = join(dir, "registry.terraform.io/hashicorp/aws");
    if (existsSync(aws) && readdirSync(aws).some((v) => v.startsWith("5."))) return dir;
  }
  return null;
}

const terraformVersion = spawnSync("terraform", ["version", "-json"], { encoding: "utf8", env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
export const tfMirror = findMirror();
export const tfSkipReason =
  terraformVersion.status !== 0
    ? "terraform is not on the PATH"
    : tfMirror === null
      ? "no filesystem mirror with the hashicorp/aws 5.x provider (set VPCPEER_TF_MIRROR to one)"
      : null;

export interface TfRun {
  code: number | null;
  out: string;
}

export interface TfWorkspace {
  /** The temporary directory (logs go here). */
  path: string;
  /** The configuration's directory (`<path>/config`, made empty). */
  dir: string;
  /** Runs terraform in `dir`; `log` also writes the provider's debug log to `<path>/<log>`. */
  run(args: string[], log?: string): Promise<TfRun>;
  remove(): void;
}

/** A fresh workspace; `label` prefixes the timing line each run prints (none: no line). */
export function tfWorkspace(prefix: string, label?: string): TfWorkspace {
  const work = tempDir(prefix);
  const dir = join(work.path, "config");
  mkdirSync(dir);
  const cli = join(work.path, "cli.tfrc");
  writeFileSync(
    cli,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${tfMirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n` +
      `  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
  );
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: work.path, TF_CLI_CONFIG_FILE: cli, TF_DATA_DIR: join(work.path, "tf-data"), TF_PLUGIN_CACHE_DIR: "", TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
  for (const k of Object.keys(env)) if (/^(AWS_|TF_VAR_|TF_LOG)/.test(k)) delete env[k];
  // Every terraform command starts the ~700 MB provider once for its schema and once per provider
  // configuration in each of its walks (validate, plan, apply), and most of a start is garbage
  // collection while the provider builds its schemas: a lazier collector (GOGC=400, a few hundred
  // MB more per process) about halves the CPU time of a run.
  env.GOGC ??= "400";
  return {
    path: work.path,
    dir,
    run(args, log) {
      const extra = log ? { TF_LOG: "DEBUG", TF_LOG_PATH: join(work.path, log) } : {};
      return new Promise((res) => {
        const input = ["init", "plan", "apply", "destroy"].includes(args[0]!) ? ["-input=false"] : [];
        // The flags go right after the subcommand: a positional argument (`apply <planfile>`,
        // `show -json <planfile>`) ends flag parsing.
        const p = spawn("terraform", [args[0]!, "-no-color", ...input, ...args.slice(1)], { cwd: dir, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        p.stdout.on("data", (c: Buffer) => (out += c.toString()));
        p.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const t0 = Date.now();
        p.on("exit", (code) => {
          if (label) console.log(`${label}: terraform ${args.join(" ")}: exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          res({ code, out });
        });
      });
    },
    remove: () => work.remove(),
  };
}

/** Expects a run to have succeeded (its output shown when it did not); a `plan -detailed-exitcode` exits 2 when it has changes. */
export const tfOk = (r: TfRun) => expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });

/** The "Apply complete! Resources: …" counts. */
export function applyCounts(r: TfRun): { added: number; changed: number; destroyed: number } | null {
  const m = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(r.out);
  return m ? { added: Number(m[1]), changed: Number(m[2]), destroyed: Number(m[3]) } : null;
}

/** An aws provider block for an endpoint (EC2 and STS), region and access key. */
export function awsProvider(opts: { alias?: string; endpoint: string; region: string; accessKeyId: string; accessKeySecret: string }): string {
  return (
    `provider "aws" {\n${opts.alias ? `  alias                   = "${opts.alias}"\n` : ""}  region                  = "${opts.region}"\n  access_key              = "${opts.accessKeyId}"\n  secret_key              = "${opts.accessKeySecret}"\n` +
    `  skip_region_validation  = true\n  skip_metadata_api_check = true\n  endpoints {\n    ec2 = "${opts.endpoint}"\n    sts = "${opts.endpoint}"\n  }\n}\n`
  );
}

/** The terraform block pinning hashicorp/aws 5.x. */
export const AWS_REQUIRED_PROVIDERS = `terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.0, < 6.0"\n    }\n  }\n}\n`;
