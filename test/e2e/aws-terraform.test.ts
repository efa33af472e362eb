/**
 * Terraform's AWS provider drives vpcpeer's AWS face unmodified (#14): examples/terraform applied
 * as two accounts (cross-account peering, accepter, routes both ways, per-account tags), then a plan
 * with no changes, a tag change in place with a route target change through ReplaceRoute, the accepter
 * moved to another region (cross-region peering), and a destroy that leaves nothing behind, checked
 * through the native API.
 *
 * Needs `terraform` on the PATH and the hashicorp/aws provider in a local filesystem mirror (nothing
 * is downloaded); without them the suite says why and is skipped.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness } from "../support/harness.ts";
import { tempDir } from "../support/process.ts";
import { type Tenant, type TwoTenants, twoTenants } from "../support/tenants.ts";

const EXAMPLE = resolve(import.meta.dirname, "../../examples/terraform");

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
const mirror = findMirror();
const skipReason =
  terraformVersion.status !== 0
    ? "terraform is not on the PATH"
    : mirror === null
      ? "no filesystem mirror with the hashicorp/aws 5.x provider (set VPCPEER_TF_MIRROR to one)"
      : null;
if (skipReason) console.log(`aws-terraform: skipped: ${skipReason}`);

interface Run {
  code: number | null;
  out: string;
}

describe.skipIf(skipReason !== null)("Terraform's AWS provider against the AWS face", () => {
  let t: TwoTenants;
  let work: { path: string; remove(): void };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const region = "us-east-1";
  const peerRegion = "us-west-2";

  /** Runs terraform in the configuration's copy; `log` also writes the provider's debug log there. */
  function tf(args: string[], log?: string): Promise<Run> {
    const extra = log ? { TF_LOG: "DEBUG", TF_LOG_PATH: join(work.path, log) } : {};
    return new Promise((res) => {
      const input = ["init", "plan", "apply", "destroy"].includes(args[0]!) ? ["-input=false"] : [];
      const p = spawn("terraform", [...args, "-no-color", ...input], { cwd: dir, env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.stderr.on("data", (c: Buffer) => (out += c.toString()));
      const t0 = Date.now();
      p.on("exit", (code) => {
        console.log(`aws-terraform: terraform ${args.join(" ")}: exit ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        res({ code, out });
      });
    });
  }
  const ok = (r: Run) => expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  /** The "Apply complete! Resources: …" counts. */
  const counts = (r: Run) => {
    const m = /Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(r.out);
    return m ? { added: Number(m[1]), changed: Number(m[2]), destroyed: Number(m[3]) } : null;
  };
  const outputs = async (): Promise<Record<string, string>> => {
    const r = await tf(["output", "-json"]);
    ok(r);
    return Object.fromEntries(Object.entries(JSON.parse(r.out) as Record<string, { value: string }>).map(([k, v]) => [k, v.value]));
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const native = (who: Tenant, path: string): Promise<any> => t.api(who, "GET", `/api/v1${path}`);
  const vpcIds = async (who: Tenant) => ((await native(who, "/vpcs?limit=100")).items as { id: string }[]).map((v) => v.id).sort();
  const livePeerings = async (who: Tenant) =>
    ((await native(who, "/peerings?limit=100")).items as { id: string; state: string }[]).filter((p) => !["deleted", "rejected", "failed", "expired"].includes(p.state));
  let before: { alice: string[]; bob: string[] };

  beforeAll(async () => {
    t = await twoTenants("aws-tf");
    work = tempDir("vpcpeer-tf-");
    dir = join(work.path, "config");
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/\.terraform|terraform\.tfstate|\.tfvars$/.test(src) });
    writeFileSync(
      join(dir, "terraform.tfvars"),
      [
        `endpoint = "${t.server.url}"`,
        `region = "${region}"`,
        `peer_region = "${peerRegion}"`,
        `requester_access_key = "${t.alice.accessKeyId}"`,
        `requester_secret_key = "${t.alice.accessKeySecret}"`,
        `accepter_access_key = "${t.bob.accessKeyId}"`,
        `accepter_secret_key = "${t.bob.accessKeySecret}"`,
        "",
      ].join("\n"),
    );
    const cli = join(work.path, "cli.tfrc");
    writeFileSync(
      cli,
      `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n` +
        `  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`,
    );
    env = { ...process.env, HOME: work.path, TF_CLI_CONFIG_FILE: cli, TF_DATA_DIR: join(work.path, "tf-data"), TF_PLUGIN_CACHE_DIR: "", TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    for (const k of Object.keys(env)) if (/^(AWS_|TF_VAR_|TF_LOG)/.test(k)) delete env[k];
    ok(await tf(["init"]));
    before = { alice: await vpcIds(t.alice), bob: await vpcIds(t.bob) };
  }, 120_000);

  afterAll(async () => {
    // A failed step leaves resources behind; the server and its store go with the temp dirs anyway.
    await t?.close();
    work?.remove();
  });

  it("applies, plans clean, updates tags in place, replaces a route's target, goes cross-region and destroys everything", async () => {
    // 1. Cross-account, same region.
    const first = await tf(["apply", "-auto-approve"]);
    ok(first);
    expect(counts(first)).toEqual({ added: 12, changed: 0, destroyed: 0 });
    const o = await outputs();
    expect(o.peering_status).toBe("active");
    expect(o.accepter_account_id).toBe(t.bob.accountId);
    const pcx = o.vpc_peering_connection_id!;
    const seen = await native(t.bob, `/peerings/${pcx}`);
    expect(seen).toMatchObject({ state: "active", crossRegion: false, requester: { accountId: t.alice.accountId, vpcId: o.requester_vpc_id }, accepter: { accountId: t.bob.accountId, vpcId: o.accepter_vpc_id } });
    // Each account's tags on the peering are its own.
    expect(seen.tags).toMatchObject({ Side: "Accepter", Name: "accepter-of-requester" });
    expect((await native(t.alice, `/peerings/${pcx}`)).tags).toMatchObject({ Side: "Requester", Name: "requester-to-accepter" });

    // 2. Nothing to change: every Read matches what was applied (tags per account included).
    const plan = await tf(["plan", "-detailed-exitcode"]);
    expect({ code: plan.code, out: plan.code === 0 ? "" : plan.out }).toEqual({ code: 0, out: "" });

    // 3. One apply changes the tags (in place on the 8 tagged resources: VPCs, subnets, route
    // tables, peering, accepter) and moves the requester's route to the accepter's CIDR to another
    // peering (to a VPC of alice's with the same CIDR), which Terraform does in place with ReplaceRoute.
    writeFileSync(
      join(dir, "alternate.tf"),
      `resource "aws_vpc" "alternate" {\n  provider   = aws.requester\n  cidr_block = var.accepter_cidr\n}\n\n` +
        `resource "aws_vpc_peering_connection" "alternate" {\n  provider    = aws.requester\n  vpc_id      = module.requester.vpc_id\n  peer_vpc_id = aws_vpc.alternate.id\n  auto_accept = true\n}\n\n` +
        `output "alternate_peering_id" {\n  value = aws_vpc_peering_connection.alternate.id\n}\n`,
    );
    writeFileSync(join(dir, "alternate_override.tf"), `resource "aws_route" "requester_to_accepter" {\n  vpc_peering_connection_id = aws_vpc_peering_connection.alternate.id\n}\n`);
    const tablesOf = async (vpcId: string) => (await native(t.alice, `/route-tables?vpcId=${vpcId}`)).items as { id: string; isDefault: boolean }[];
    const custom = (await tablesOf(o.requester_vpc_id!)).find((r) => !r.isDefault)!;
    const routeTo = async (cidr: string) =>
      ((await native(t.alice, `/route-tables/${custom.id}`)).routes as { id: string; destinationCidr: string; target: { type: string; id: string }; state: string }[]).find((r) => r.destinationCidr === cidr);
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: pcx }, state: "active" });
    const changed = await tf(["apply", "-auto-approve", "-var", 'tags={Project="vpcpeer-example",Stage="two"}'], "change.log");
    ok(changed);
    expect(counts(changed)).toEqual({ added: 2, changed: 9, destroyed: 0 });
    expect(changed.out).toMatch(/aws_route\.requester_to_accepter: Modifying\.\.\./);
    expect(changed.out).toMatch(/aws_vpc_peering_connection_accepter\.same_region\[0\]: Modifying\.\.\./);
    expect((await native(t.alice, `/vpcs/${o.requester_vpc_id}`)).tags).toMatchObject({ Stage: "two", Name: "requester" });
    expect((await native(t.bob, `/peerings/${pcx}`)).tags).toMatchObject({ Stage: "two", Side: "Accepter" });
    expect((await native(t.alice, `/peerings/${pcx}`)).tags).toMatchObject({ Stage: "two", Side: "Requester" });
    const alt = (await outputs()).alternate_peering_id!;
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: alt }, state: "active" });
    // The provider's debug log names every EC2 call: the route was replaced, not deleted and re-created.
    const actions = [...readFileSync(join(work.path, "change.log"), "utf8").matchAll(/rpc\.method=(\w+)/g)].map((m) => m[1]!);
    expect(actions).toContain("ReplaceRoute");
    expect(actions).toContain("CreateTags");
    expect(actions.filter((a) => a === "DeleteRoute" || a === "CreateRoute")).toEqual([]);
    rmSync(join(work.path, "change.log"));

    // 5. Cross-region: the accepter's side moves to peer_region (the alternate peering goes), so the
    // peering is replaced by one from us-east-1 to us-west-2, accepted in us-west-2.
    rmSync(join(dir, "alternate.tf"));
    rmSync(join(dir, "alternate_override.tf"));
    const moved = await tf(["apply", "-auto-approve", "-var", "cross_region=true"]);
    ok(moved);
    const o2 = await outputs();
    expect(o2.peering_status).toBe("active");
    expect(o2.vpc_peering_connection_id).not.toBe(pcx);
    expect(await native(t.bob, `/peerings/${o2.vpc_peering_connection_id}`)).toMatchObject({
      state: "active",
      crossRegion: true,
      requester: { accountId: t.alice.accountId, region, vpcId: o2.requester_vpc_id },
      accepter: { accountId: t.bob.accountId, region: peerRegion, vpcId: o2.accepter_vpc_id },
    });
    expect((await native(t.bob, `/vpcs/${o2.accepter_vpc_id}`)).region).toBe(peerRegion);
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: o2.vpc_peering_connection_id }, state: "active" });

    // 6. Destroy: no VPC and no live peering is left in either account.
    const gone = await tf(["destroy", "-auto-approve", "-var", "cross_region=true"]);
    ok(gone);
    expect(/Destroy complete! Resources: (\d+) destroyed/.exec(gone.out)?.[1]).toBe("12");
    expect(await vpcIds(t.alice)).toEqual(before.alice);
    expect(await vpcIds(t.bob)).toEqual(before.bob);
    expect(await livePeerings(t.alice)).toEqual([]);
    expect(await livePeerings(t.bob)).toEqual([]);
  }, 540_000);
});

/**
 * Security groups (#19) through the provider's four resources: aws_security_group (inline ingress
 * and egress, self, tags; an empty group has AWS's default egress rule revoked on create),
 * aws_security_group_rule (a peer group, ICMP), aws_vpc_security_group_ingress_rule and
 * _egress_rule (one rule each, by rule id; a port change is ModifySecurityGroupRules in place):
 * apply, an update in place that changes nothing else, and a destroy that leaves no group behind.
 * One account, the server in-process.
 */
describe.skipIf(skipReason !== null)("Terraform's AWS provider: security groups", () => {
  let h: Harness;
  let work: { path: string; remove(): void };
  let env: NodeJS.ProcessEnv;
  let acct: { id: string; accessKeyId: string; accessKeySecret: string };
  const actor = () => ({ accountId: acct.id, region: "us-east-1" });

  const tf = (args: string[], log?: string): Promise<Run> =>
    new Promise((res) => {
      const input = ["init", "plan", "apply", "destroy"].includes(args[0]!) ? ["-input=false"] : [];
      const extra = log ? { TF_LOG: "DEBUG", TF_LOG_PATH: join(work.path, log) } : {};
      const p = spawn("terraform", [...args, "-no-color", ...input], { cwd: join(work.path, "config"), env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      p.stdout.on("data", (c: Buffer) => (out += c.toString()));
      p.stderr.on("data", (c: Buffer) => (out += c.toString()));
      p.on("exit", (code) => res({ code, out }));
    });
  const ok = (r: Run) => expect({ code: r.code, out: r.code === 0 ? "" : r.out }).toEqual({ code: 0, out: "" });
  const rules = (port: number) => `
resource "aws_vpc" "main" {
  cidr_block = "10.50.0.0/16"
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "web servers"
  vpc_id      = aws_vpc.main.id
  ingress {
    description = "https"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0", "10.0.0.0/8"]
  }
  ingress {
    from_port = 0
    to_port   = 0
    protocol  = "-1"
    self      = true
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = { Name = "web" }
}

resource "aws_security_group" "db" {
  name        = "db"
  description = "databases"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "db_from_web" {
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  security_group_id        = aws_security_group.db.id
  source_security_group_id = aws_security_group.web.id
}

resource "aws_security_group_rule" "db_ping" {
  type              = "ingress"
  from_port         = 8
  to_port           = -1
  protocol          = "icmp"
  cidr_blocks       = ["10.50.0.0/16"]
  security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_ingress_rule" "db_ssh" {
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "10.0.0.0/8"
  ip_protocol       = "tcp"
  from_port         = ${port}
  to_port           = ${port}
  description       = "ssh"
}

resource "aws_vpc_security_group_ingress_rule" "db_from_web_all" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.web.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_egress_rule" "db_out" {
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "10.50.0.0/16"
  ip_protocol       = "udp"
  from_port         = 1024
  to_port           = 65535
}

output "web" {
  value = aws_security_group.web.id
}

output "db" {
  value = aws_security_group.db.id
}

output "ssh_rule" {
  value = aws_vpc_security_group_ingress_rule.db_ssh.id
}
`;

  beforeAll(async () => {
    h = await harness("sqlite");
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    acct = await h.account();
    work = tempDir("vpcpeer-tf-sg-");
    const dir = join(work.path, "config");
    mkdirSync(dir);
    const endpoint = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    writeFileSync(
      join(dir, "providers.tf"),
      `terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n      version = ">= 5.0, < 6.0"\n    }\n  }\n}\n\n` +
        `provider "aws" {\n  region                  = "us-east-1"\n  access_key              = "${acct.accessKeyId}"\n  secret_key              = "${acct.accessKeySecret}"\n` +
        `  skip_region_validation  = true\n  skip_metadata_api_check = true\n  endpoints {\n    ec2 = "${endpoint}"\n    sts = "${endpoint}"\n  }\n}\n`,
    );
    writeFileSync(join(dir, "main.tf"), rules(22));
    const cli = join(work.path, "cli.tfrc");
    writeFileSync(cli, `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
    env = { ...process.env, HOME: work.path, TF_CLI_CONFIG_FILE: cli, TF_DATA_DIR: join(work.path, "tf-data"), TF_PLUGIN_CACHE_DIR: "", TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1" };
    for (const k of Object.keys(env)) if (/^(AWS_|TF_VAR_|TF_LOG)/.test(k)) delete env[k];
    ok(await tf(["init"]));
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    work?.remove();
  });

  it("applies aws_security_group, aws_security_group_rule and aws_vpc_security_group_ingress_rule/egress_rule, modifies one rule in place (nothing else changes) and destroys", async () => {
    const sg = () => h.runtime.services.securityGroups;
    ok(await tf(["apply", "-auto-approve"]));
    const o = JSON.parse((await tf(["output", "-json"])).out) as Record<string, { value: string }>;
    const web = await sg().get(actor(), o.web!.value);
    const db = await sg().get(actor(), o.db!.value);
    const shape = (g: typeof web) =>
      g.rules.map((r) => `${r.direction} ${r.protocol} ${r.fromPort ?? r.icmpType ?? ""}-${r.toPort ?? r.icmpCode ?? ""} ${"cidr" in r.peer ? r.peer.cidr : r.peer.securityGroupId === g.id ? "self" : r.peer.securityGroupId === web.id ? "web" : "?"}`).sort();
    expect({ web: shape(web), tags: web.tags }).toEqual({
      web: ["egress all - 0.0.0.0/0", "ingress all - self", "ingress tcp 443-443 0.0.0.0/0", "ingress tcp 443-443 10.0.0.0/8"],
      tags: { Name: "web" },
    });
    // The empty group's default egress rule was revoked by the provider; the rule resources added theirs.
    expect(shape(db)).toEqual(["egress udp 1024-65535 10.50.0.0/16", "ingress all - web", "ingress icmp 8- 10.50.0.0/16", "ingress tcp 22-22 10.0.0.0/8", "ingress tcp 5432-5432 web"]);

    // A port change on aws_vpc_security_group_ingress_rule: in place, the rule keeps its id. That
    // exactly this one resource changes also shows every other Read matching what was applied
    // (a separate `plan` would cost another provider start).
    writeFileSync(join(work.path, "config", "main.tf"), rules(2222));
    const changed = await tf(["apply", "-auto-approve"], "change.log");
    ok(changed);
    expect(/Resources: (\d+) added, (\d+) changed, (\d+) destroyed/.exec(changed.out)?.slice(1)).toEqual(["0", "1", "0"]);
    expect([...readFileSync(join(work.path, "change.log"), "utf8").matchAll(/rpc\.method=(\w+)/g)].map((m) => m[1]!)).toContain("ModifySecurityGroupRules");
    const after = await sg().get(actor(), o.db!.value);
    expect(after.rules.find((r) => r.id === o.ssh_rule!.value)).toMatchObject({ fromPort: 2222, toPort: 2222 });

    const gone = await tf(["destroy", "-auto-approve"]);
    ok(gone);
    const left = await h.runtime.services.securityGroups.list(actor(), {}, { limit: 10 });
    expect(left.items).toEqual([]);
  }, 540_000);
});
