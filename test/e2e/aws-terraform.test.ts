/**
 * Terraform's AWS provider drives vpcpeer's AWS face unmodified (#14, #19): examples/terraform
 * applied as two accounts (cross-account peering, accepter, routes both ways, per-account tags),
 * together with security groups through the provider's four resources in the requester's account;
 * then one plan whose only changes are the intended ones (so every Read matches what was applied:
 * no drift, no other resource or attribute changes) — a tag change in place, a route target change
 * through ReplaceRoute, a security group rule's port changed in place by ModifySecurityGroupRules,
 * another's description by UpdateSecurityGroupRuleDescriptionsIngress;
 * the accepter moved to another region (cross-region peering, the peering replaced); and a destroy
 * that leaves nothing behind. Each step is checked through the native API or the services.
 *
 * One configuration, one cycle: every terraform command starts the (large) provider once for its
 * schema and once per provider configuration in each walk (validate, plan, apply), which is where
 * this test's time goes, so it runs as few commands as the steps need. The server runs in-process.
 *
 * Needs `terraform` on the PATH and the hashicorp/aws provider in a local filesystem mirror (see
 * test/support/terraform.ts; nothing is downloaded); without them the suite says why and is skipped.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SecurityGroup } from "../../src/domain/security-groups.ts";
import { type Harness, harness } from "../support/harness.ts";
import { type TfWorkspace, applyCounts as counts, tfOk as ok, tfSkipReason as skipReason, tfWorkspace } from "../support/terraform.ts";

const EXAMPLE = resolve(import.meta.dirname, "../../examples/terraform");

if (skipReason) console.log(`aws-terraform: skipped: ${skipReason}`);

/**
 * Security groups in the requester's account, in a VPC of their own: aws_security_group (inline
 * ingress and egress, self, tags; an empty group has AWS's default egress rule revoked on create),
 * aws_security_group_rule (a peer group, ICMP), aws_vpc_security_group_ingress_rule and
 * _egress_rule (one rule each, by rule id). `sshPort` and `pingNote` are what step 2 changes.
 */
const securityGroups = (sshPort: number, pingNote: string) => `
resource "aws_vpc" "main" {
  provider   = aws.requester
  cidr_block = "10.50.0.0/16"
}

resource "aws_security_group" "web" {
  provider    = aws.requester
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
  provider    = aws.requester
  name        = "db"
  description = "databases"
  vpc_id      = aws_vpc.main.id
}

resource "aws_security_group_rule" "db_from_web" {
  provider                 = aws.requester
  type                     = "ingress"
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  security_group_id        = aws_security_group.db.id
  source_security_group_id = aws_security_group.web.id
}

resource "aws_security_group_rule" "db_ping" {
  provider          = aws.requester
  type              = "ingress"
  from_port         = 8
  to_port           = -1
  protocol          = "icmp"
  cidr_blocks       = ["10.50.0.0/16"]
  description       = "${pingNote}"
  security_group_id = aws_security_group.db.id
}

resource "aws_vpc_security_group_ingress_rule" "db_ssh" {
  provider          = aws.requester
  security_group_id = aws_security_group.db.id
  cidr_ipv4         = "10.0.0.0/8"
  ip_protocol       = "tcp"
  from_port         = ${sshPort}
  to_port           = ${sshPort}
  description       = "ssh"
}

resource "aws_vpc_security_group_ingress_rule" "db_from_web_all" {
  provider                     = aws.requester
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.web.id
  ip_protocol                  = "-1"
}

resource "aws_vpc_security_group_egress_rule" "db_out" {
  provider          = aws.requester
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

/** The example's 12 resources plus the 8 of securityGroups(). */
const RESOURCES = 20;

interface Account {
  id: string;
  token: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/** A resource's planned change in `terraform show -json <plan>`. */
interface PlannedChange {
  address: string;
  mode: string;
  change: { actions: string[]; before: Record<string, unknown> | null; after: Record<string, unknown> | null; after_unknown: Record<string, unknown> };
}

describe.skipIf(skipReason !== null)("Terraform's AWS provider against the AWS face", () => {
  let h: Harness;
  let alice: Account;
  let bob: Account;
  let work: TfWorkspace;
  let dir: string;
  const region = "us-east-1";
  const peerRegion = "us-west-2";
  const tf = (args: string[], log?: string) => work.run(args, log);
  /** The root module's outputs, from the state file (`terraform output` would be one more process). */
  const outputs = (): Record<string, string> =>
    Object.fromEntries(Object.entries((JSON.parse(readFileSync(join(dir, "terraform.tfstate"), "utf8")) as { outputs: Record<string, { value: string }> }).outputs).map(([k, v]) => [k, v.value]));
  /** The EC2 calls (rpc.method) a run's provider debug log names. */
  const calls = (log: string) => [...readFileSync(join(work.path, log), "utf8").matchAll(/rpc\.method=(\w+)/g)].map((m) => m[1]!);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const native = async (who: Account, path: string): Promise<any> => {
    const r = await h.call(who.token, "GET", `/api/v1${path}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };
  const vpcIds = async (who: Account) => ((await native(who, "/vpcs?limit=100")).items as { id: string }[]).map((v) => v.id).sort();
  const livePeerings = async (who: Account) =>
    ((await native(who, "/peerings?limit=100")).items as { id: string; state: string }[]).filter((p) => !["deleted", "rejected", "failed", "expired"].includes(p.state));
  const groups = () => h.runtime.services.securityGroups;
  const asAlice = () => ({ accountId: alice.id, region });
  let before: { alice: string[]; bob: string[] };

  beforeAll(async () => {
    h = await harness("sqlite");
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    alice = await h.account("alice");
    bob = await h.account("bob");
    work = tfWorkspace("vpcpeer-tf-", "aws-terraform");
    dir = work.dir;
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !/\.terraform|terraform\.tfstate|\.tfvars$/.test(src) });
    writeFileSync(
      join(dir, "terraform.tfvars"),
      [
        `endpoint = "http://127.0.0.1:${(h.app.server.address() as { port: number }).port}"`,
        `region = "${region}"`,
        `peer_region = "${peerRegion}"`,
        `requester_access_key = "${alice.accessKeyId}"`,
        `requester_secret_key = "${alice.accessKeySecret}"`,
        `accepter_access_key = "${bob.accessKeyId}"`,
        `accepter_secret_key = "${bob.accessKeySecret}"`,
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "security_groups.tf"), securityGroups(22, "ping from the VPC"));
    ok(await tf(["init"]));
    before = { alice: await vpcIds(alice), bob: await vpcIds(bob) };
  }, 120_000);

  afterAll(async () => {
    // A failed step leaves resources behind; the store goes with the harness anyway.
    await h?.close();
    work?.remove();
  });

  it("applies, plans only the intended changes, updates tags and a rule in place, replaces a route's target, goes cross-region and destroys everything", async () => {
    // 1. Cross-account, same region; security groups beside it.
    const first = await tf(["apply", "-auto-approve"]);
    ok(first);
    expect(counts(first)).toEqual({ added: RESOURCES, changed: 0, destroyed: 0 });
    const o = outputs();
    expect(o.peering_status).toBe("active");
    expect(o.accepter_account_id).toBe(bob.id);
    const pcx = o.vpc_peering_connection_id!;
    const seen = await native(bob, `/peerings/${pcx}`);
    expect(seen).toMatchObject({ state: "active", crossRegion: false, requester: { accountId: alice.id, vpcId: o.requester_vpc_id }, accepter: { accountId: bob.id, vpcId: o.accepter_vpc_id } });
    // Each account's tags on the peering are its own.
    expect(seen.tags).toMatchObject({ Side: "Accepter", Name: "accepter-of-requester" });
    expect((await native(alice, `/peerings/${pcx}`)).tags).toMatchObject({ Side: "Requester", Name: "requester-to-accepter" });

    const web = await groups().get(asAlice(), o.web!);
    const shape = (g: SecurityGroup) =>
      g.rules.map((r) => `${r.direction} ${r.protocol} ${r.fromPort ?? r.icmpType ?? ""}-${r.toPort ?? r.icmpCode ?? ""} ${"cidr" in r.peer ? r.peer.cidr : r.peer.securityGroupId === g.id ? "self" : r.peer.securityGroupId === web.id ? "web" : "?"}`).sort();
    expect({ web: shape(web), tags: web.tags }).toEqual({
      web: ["egress all - 0.0.0.0/0", "ingress all - self", "ingress tcp 443-443 0.0.0.0/0", "ingress tcp 443-443 10.0.0.0/8"],
      tags: { Name: "web" },
    });
    // The empty group's default egress rule was revoked by the provider; the rule resources added theirs.
    expect(shape(await groups().get(asAlice(), o.db!))).toEqual(["egress udp 1024-65535 10.50.0.0/16", "ingress all - web", "ingress icmp 8- 10.50.0.0/16", "ingress tcp 22-22 10.0.0.0/8", "ingress tcp 5432-5432 web"]);
    const ping = (await groups().get(asAlice(), o.db!)).rules.find((r) => r.protocol === "icmp")!;
    expect(ping.description).toBe("ping from the VPC");

    // 2. One plan changes the tags (in place on the 8 tagged resources: VPCs, subnets, route
    // tables, peering, accepter), moves the requester's route to the accepter's CIDR to another
    // peering (to a VPC of alice's with the same CIDR), which Terraform does in place with
    // ReplaceRoute, and changes the ssh rule's port (in place, the rule keeps its id).
    writeFileSync(
      join(dir, "alternate.tf"),
      `resource "aws_vpc" "alternate" {\n  provider   = aws.requester\n  cidr_block = var.accepter_cidr\n}\n\n` +
        `resource "aws_vpc_peering_connection" "alternate" {\n  provider    = aws.requester\n  vpc_id      = module.requester.vpc_id\n  peer_vpc_id = aws_vpc.alternate.id\n  auto_accept = true\n}\n\n` +
        `output "alternate_peering_id" {\n  value = aws_vpc_peering_connection.alternate.id\n}\n`,
    );
    writeFileSync(join(dir, "alternate_override.tf"), `resource "aws_route" "requester_to_accepter" {\n  vpc_peering_connection_id = aws_vpc_peering_connection.alternate.id\n}\n`);
    writeFileSync(join(dir, "security_groups.tf"), securityGroups(2222, "ping from anywhere in the VPC"));
    const planned = await tf(["plan", "-detailed-exitcode", "-out=change.tfplan", "-var", 'tags={Project="vpcpeer-example",Stage="two"}']);
    expect({ code: planned.code, out: planned.code === 2 ? "" : planned.out }).toEqual({ code: 2, out: "" });
    const shown = await tf(["show", "-json", "change.tfplan"]);
    ok(shown);
    const plan = JSON.parse(shown.out) as { resource_drift?: PlannedChange[]; resource_changes: PlannedChange[] };
    // This plan stands for a clean one: only the intended attributes of the intended resources
    // change — a Read that did not match the configuration would show as one more change (a planned
    // update of an attribute that was not edited) — and the old tags are what step 1 applied.
    const tagged = ["module.requester.aws_vpc.this", "module.requester.aws_subnet.this", "module.requester.aws_route_table.this", "module.accepter[0].aws_vpc.this", "module.accepter[0].aws_subnet.this", "module.accepter[0].aws_route_table.this", "aws_vpc_peering_connection.this", "aws_vpc_peering_connection_accepter.same_region[0]"];
    // An attribute changes when it is unknown until applied or its value differs (null and empty the same).
    const value = (v: unknown) => JSON.stringify(v === undefined || (typeof v === "object" && (v === null || Object.keys(v).length === 0)) ? null : v);
    const changedAttributes = (c: PlannedChange["change"]) =>
      [...new Set([...Object.keys(c.before ?? {}), ...Object.keys(c.after ?? {}), ...Object.keys(c.after_unknown)])]
        .filter((k) => c.after_unknown[k] === true || value(c.before?.[k]) !== value(c.after?.[k]))
        .sort();
    // What the refresh found changed since the apply saved each resource is what other resources
    // did to it, as on AWS: the rule resources' rules in the db group, the aws_route resources'
    // routes in the route tables, the accepter's accept (status, and the options of both sides)
    // in the peering.
    const drift = Object.fromEntries((plan.resource_drift ?? []).map((r) => [r.address, changedAttributes(r.change)] as const).filter(([, a]) => a.length > 0));
    expect(drift).toEqual({
      "aws_security_group.db": ["egress", "ingress"],
      "aws_vpc_peering_connection.this": ["accept_status", "accepter", "requester"],
      "module.accepter[0].aws_route_table.this": ["route"],
      "module.requester.aws_route_table.this": ["route"],
    });
    const changes = Object.fromEntries(
      plan.resource_changes
        .filter((r) => r.mode === "managed" && r.change.actions.join() !== "no-op")
        .map((r) => [r.address, r.change.actions.join() === "update" ? changedAttributes(r.change) : r.change.actions.join()]),
    );
    expect.soft(changes).toEqual({
      ...Object.fromEntries(tagged.map((a) => [a, ["tags", "tags_all"]])),
      "aws_route.requester_to_accepter": ["vpc_peering_connection_id"],
      "aws_vpc_security_group_ingress_rule.db_ssh": ["from_port", "to_port"],
      "aws_security_group_rule.db_ping": ["description"],
      "aws_vpc.alternate": "create",
      "aws_vpc_peering_connection.alternate": "create",
    });
    for (const r of plan.resource_changes.filter((r) => tagged.includes(r.address))) {
      const { Stage, ...old } = r.change.after!.tags as Record<string, string>;
      expect({ address: r.address, Stage, before: r.change.before!.tags }).toEqual({ address: r.address, Stage: "two", before: old });
    }
    expect(plan.resource_changes.filter((r) => r.mode === "managed")).toHaveLength(RESOURCES + 2);

    const tablesOf = async (vpcId: string) => (await native(alice, `/route-tables?vpcId=${vpcId}`)).items as { id: string; isDefault: boolean }[];
    const custom = (await tablesOf(o.requester_vpc_id!)).find((r) => !r.isDefault)!;
    const routeTo = async (cidr: string) =>
      ((await native(alice, `/route-tables/${custom.id}`)).routes as { id: string; destinationCidr: string; target: { type: string; id: string }; state: string }[]).find((r) => r.destinationCidr === cidr);
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: pcx }, state: "active" });
    const changed = await tf(["apply", "change.tfplan"], "change.log");
    ok(changed);
    expect(counts(changed)).toEqual({ added: 2, changed: 11, destroyed: 0 });
    expect(changed.out).toMatch(/aws_route\.requester_to_accepter: Modifying\.\.\./);
    expect(changed.out).toMatch(/aws_vpc_peering_connection_accepter\.same_region\[0\]: Modifying\.\.\./);
    expect(changed.out).toMatch(/aws_vpc_security_group_ingress_rule\.db_ssh: Modifying\.\.\./);
    expect((await native(alice, `/vpcs/${o.requester_vpc_id}`)).tags).toMatchObject({ Stage: "two", Name: "requester" });
    expect((await native(bob, `/peerings/${pcx}`)).tags).toMatchObject({ Stage: "two", Side: "Accepter" });
    expect((await native(alice, `/peerings/${pcx}`)).tags).toMatchObject({ Stage: "two", Side: "Requester" });
    const alt = outputs().alternate_peering_id!;
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: alt }, state: "active" });
    expect((await groups().get(asAlice(), o.db!)).rules.find((r) => r.id === o.ssh_rule!)).toMatchObject({ fromPort: 2222, toPort: 2222 });
    // The ping rule's description changed in place: the same rule, nothing else of it changed.
    expect((await groups().get(asAlice(), o.db!)).rules.find((r) => r.id === ping.id)).toEqual({ ...ping, description: "ping from anywhere in the VPC" });
    // The provider's debug log names every EC2 call: the route was replaced and the rule modified,
    // not deleted and re-created.
    const actions = calls("change.log");
    expect(actions).toContain("ReplaceRoute");
    expect(actions).toContain("CreateTags");
    expect(actions).toContain("ModifySecurityGroupRules");
    expect(actions).toContain("UpdateSecurityGroupRuleDescriptionsIngress");
    expect(actions.filter((a) => ["DeleteRoute", "CreateRoute", "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress"].includes(a))).toEqual([]);
    rmSync(join(work.path, "change.log"));

    // 3. Cross-region: the accepter's side moves to peer_region (the alternate peering goes), so the
    // peering is replaced by one from us-east-1 to us-west-2, accepted in us-west-2.
    rmSync(join(dir, "alternate.tf"));
    rmSync(join(dir, "alternate_override.tf"));
    const moved = await tf(["apply", "-auto-approve", "-var", "cross_region=true"]);
    ok(moved);
    const o2 = outputs();
    expect(o2.peering_status).toBe("active");
    expect(o2.vpc_peering_connection_id).not.toBe(pcx);
    expect(await native(bob, `/peerings/${o2.vpc_peering_connection_id}`)).toMatchObject({
      state: "active",
      crossRegion: true,
      requester: { accountId: alice.id, region, vpcId: o2.requester_vpc_id },
      accepter: { accountId: bob.id, region: peerRegion, vpcId: o2.accepter_vpc_id },
    });
    expect((await native(bob, `/vpcs/${o2.accepter_vpc_id}`)).region).toBe(peerRegion);
    expect(await routeTo("10.20.0.0/16")).toMatchObject({ target: { type: "peering", id: o2.vpc_peering_connection_id }, state: "active" });

    // 4. Destroy: no VPC, no live peering and no security group is left in either account. (No
    // refresh first: step 3's apply read everything back, and a refresh walk is three more
    // provider starts.)
    const gone = await tf(["destroy", "-auto-approve", "-refresh=false", "-var", "cross_region=true"]);
    ok(gone);
    expect(/Destroy complete! Resources: (\d+) destroyed/.exec(gone.out)?.[1]).toBe(String(RESOURCES));
    expect(await vpcIds(alice)).toEqual(before.alice);
    expect(await vpcIds(bob)).toEqual(before.bob);
    expect(await livePeerings(alice)).toEqual([]);
    expect(await livePeerings(bob)).toEqual([]);
    expect((await groups().list(asAlice(), {}, { limit: 10 })).items).toEqual([]);
  }, 900_000);
});
