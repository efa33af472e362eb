/**
 * Issue #20's Terraform test: a configuration that carries fixed account ids, as CI
 * configurations written for moto or LocalStack do (`peer_owner_id = "210987654321"`), and reads
 * the accounts' default VPCs with `aws_default_vpc` and `aws_default_subnet`.
 *
 * The accounts come from an accounts file (two fixed ids and keys). The first server (a store
 * directory, default VPCs off as vitest sets them) has none, so the provider makes them
 * (CreateDefaultVpc; the default subnet is then found); `destroy` leaves them (no force_destroy)
 * and removes the rest. A second server — `--ephemeral`, the same file, default VPCs on — has the
 * same account ids and its own default VPCs, which the same configuration finds and uses, and a
 * plan afterwards has nothing to change.
 *
 * Needs `terraform` and the hashicorp/aws provider in a local filesystem mirror (see
 * test/support/terraform.ts); without them the suite says why and is skipped.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeAccountAttributesCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServer, tempDir } from "../support/process.ts";
import { type TfWorkspace, AWS_REQUIRED_PROVIDERS, applyCounts, awsProvider, tfOk, tfSkipReason, tfWorkspace } from "../support/terraform.ts";

if (tfSkipReason) console.log(`aws-terraform-defaults: skipped: ${tfSkipReason}`);

const ALICE = { name: "alice", id: "123456789012", accessKeyId: "AKIAIOSFODNN7EXAMPLE", accessKeySecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const BOB = { name: "bob", id: "210987654321", accessKeyId: "AKIAI44QH8DHBEXAMPLE", accessKeySecret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY" };
const REGION = "us-east-1";

const CONFIG = `${AWS_REQUIRED_PROVIDERS}
variable "endpoint" {
  type = string
}

${awsProvider({ alias: "alice", endpoint: "${var.endpoint}", region: REGION, accessKeyId: ALICE.accessKeyId, accessKeySecret: ALICE.accessKeySecret })}
${awsProvider({ alias: "bob", endpoint: "${var.endpoint}", region: REGION, accessKeyId: BOB.accessKeyId, accessKeySecret: BOB.accessKeySecret })}
resource "aws_default_vpc" "alice" {
  provider = aws.alice
}

resource "aws_default_subnet" "alice" {
  provider          = aws.alice
  availability_zone = "${REGION}a"
  # The default VPC first: where there is none, aws_default_vpc makes it.
  depends_on = [aws_default_vpc.alice]
}

resource "aws_default_vpc" "bob" {
  provider = aws.bob
}

resource "aws_vpc" "alice" {
  provider   = aws.alice
  cidr_block = "10.10.0.0/16"
}

resource "aws_vpc" "bob" {
  provider   = aws.bob
  cidr_block = "10.20.0.0/16"
}

resource "aws_vpc_peering_connection" "alice_bob" {
  provider      = aws.alice
  vpc_id        = aws_vpc.alice.id
  peer_vpc_id   = aws_vpc.bob.id
  peer_owner_id = "${BOB.id}"
}

resource "aws_vpc_peering_connection_accepter" "bob" {
  provider                  = aws.bob
  vpc_peering_connection_id = aws_vpc_peering_connection.alice_bob.id
  auto_accept               = true
}

output "alice_default_vpc" {
  value = {
    id       = aws_default_vpc.alice.id
    owner    = aws_default_vpc.alice.owner_id
    cidr     = aws_default_vpc.alice.cidr_block
    existing = aws_default_vpc.alice.existing_default_vpc
  }
}

output "alice_default_subnet" {
  value = {
    id       = aws_default_subnet.alice.id
    vpc      = aws_default_subnet.alice.vpc_id
    cidr     = aws_default_subnet.alice.cidr_block
    zone_id  = aws_default_subnet.alice.availability_zone_id
    existing = aws_default_subnet.alice.existing_default_subnet
  }
}

output "bob_default_vpc" {
  value = {
    id       = aws_default_vpc.bob.id
    owner    = aws_default_vpc.bob.owner_id
    existing = aws_default_vpc.bob.existing_default_vpc
  }
}

output "peering" {
  value = {
    status = aws_vpc_peering_connection_accepter.bob.accept_status
    # Each side's peer, as the provider reads it: the requester's is bob, the accepter's alice.
    owners = [aws_vpc.alice.owner_id, aws_vpc.bob.owner_id, aws_vpc_peering_connection.alice_bob.peer_owner_id, aws_vpc_peering_connection_accepter.bob.peer_owner_id]
  }
}
`;

describe.skipIf(tfSkipReason !== null)("Terraform: fixed accounts, aws_default_vpc and aws_default_subnet, on a restarted ephemeral server", () => {
  let work: TfWorkspace;
  const dir = tempDir("vpcpeer-tf-dflt-");
  let server: ServerProcess | undefined;
  const accounts = join(dir.path, "accounts.json");
  const clients: EC2Client[] = [];
  const ec2 = (url: string, k: typeof ALICE) => {
    const c = new EC2Client({ endpoint: url, region: REGION, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.accessKeySecret }, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const tf = (args: string[]) => work.run(args);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  /** The root module's outputs, from the state file (`terraform output` would be one more process). */
  const outputs = (): Record<string, any> =>
    Object.fromEntries(Object.entries((JSON.parse(readFileSync(join(work.dir, "terraform.tfstate"), "utf8")) as { outputs: Record<string, { value: unknown }> }).outputs).map(([k, v]) => [k, v.value]));
  const pointAt = (url: string) => writeFileSync(join(work.dir, "terraform.tfvars"), `endpoint = "${url}"\n`);

  beforeAll(async () => {
    writeFileSync(accounts, JSON.stringify({ accounts: [ALICE, BOB] }, null, 2));
    work = tfWorkspace("vpcpeer-tf-dflt-", "aws-terraform-defaults");
    writeFileSync(join(work.dir, "main.tf"), CONFIG);
    // init needs no server: it only installs the provider from the mirror.
    const [init, first] = await Promise.all([tf(["init"]), startServer(["--data", join(dir.path, "data"), "--accounts", accounts])]);
    tfOk(init);
    server = first;
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    for (const c of clients) c.destroy();
    work?.remove();
    dir.remove();
  });

  it("applies (making the default VPCs), destroys (keeping them), and applies again on an ephemeral server with the same ids, finding its defaults; then nothing to change", async () => {
    // 1. A server without default VPCs: aws_default_vpc makes them (CreateDefaultVpc, with a default
    // subnet per zone), aws_default_subnet finds its zone's.
    pointAt(server!.url);
    const first = await tf(["apply", "-auto-approve"]);
    tfOk(first);
    expect(applyCounts(first)).toEqual({ added: 7, changed: 0, destroyed: 0 });
    const o1 = outputs();
    expect(o1.alice_default_vpc).toMatchObject({ owner: ALICE.id, cidr: "172.31.0.0/16", existing: false });
    expect(o1.bob_default_vpc).toMatchObject({ owner: BOB.id, existing: false });
    expect(o1.alice_default_subnet).toEqual({ id: expect.stringMatching(/^subnet-/), vpc: o1.alice_default_vpc.id, cidr: "172.31.0.0/20", zone_id: "use1-az1", existing: true });
    expect(o1.peering).toEqual({ status: "active", owners: [ALICE.id, BOB.id, BOB.id, ALICE.id] });

    // 2. Destroy: the default VPCs stay (force_destroy is false), the rest goes. (No refresh first:
    // the apply read everything back, and a refresh walk is two more provider starts.)
    const gone = await tf(["destroy", "-auto-approve", "-refresh=false"]);
    tfOk(gone);
    expect(/Destroy complete! Resources: (\d+) destroyed/.exec(gone.out)?.[1]).toBe("7");
    const left = (await ec2(server!.url, ALICE).send(new DescribeVpcsCommand({}))).Vpcs!;
    expect(left.map((v) => [v.VpcId, v.IsDefault])).toEqual([[o1.alice_default_vpc.id, true]]);
    await server!.stop();

    // 3. An ephemeral server with the same accounts file, default VPCs on: same ids, new default
    // VPCs made with the accounts, which the configuration finds.
    server = await startServer(["--ephemeral", "--accounts", accounts], { VPCPEER_DEFAULT_VPCS: "on", VPCPEER_STATE_DIR: join(dir.path, "state") });
    pointAt(server.url);
    const second = await tf(["apply", "-auto-approve"]);
    tfOk(second);
    expect(applyCounts(second)).toEqual({ added: 7, changed: 0, destroyed: 0 });
    const o2 = outputs();
    expect(o2.alice_default_vpc).toMatchObject({ owner: ALICE.id, cidr: "172.31.0.0/16", existing: true });
    expect(o2.bob_default_vpc).toMatchObject({ owner: BOB.id, existing: true });
    expect(o2.alice_default_subnet).toMatchObject({ vpc: o2.alice_default_vpc.id, cidr: "172.31.0.0/20", zone_id: "use1-az1", existing: true });
    expect(o2.peering).toEqual({ status: "active", owners: [ALICE.id, BOB.id, BOB.id, ALICE.id] });
    // The server's own default VPC, as DescribeAccountAttributes names it.
    const attrs = await ec2(server.url, BOB).send(new DescribeAccountAttributesCommand({ AttributeNames: ["default-vpc"] }));
    expect(attrs.AccountAttributes![0]!.AttributeValues![0]!.AttributeValue).toBe(o2.bob_default_vpc.id);

    // 4. Every Read matches what was applied.
    const plan = await tf(["plan", "-detailed-exitcode"]);
    tfOk(plan);
    // Four terraform runs, each starting the provider a few times per account: seconds each on an
    // idle machine, minutes on a loaded one (9 min at a load of 30 on 2 cores; the API calls
    // themselves take milliseconds).
  }, 900_000);
});
