/**
 * Fixed accounts through the front door: `serve --accounts FILE` creates them, a restart with the
 * same file finds them (the AWS SDK signs with the fixed key both times and sees the fixed id), a
 * difference stops the start naming the account and writes nothing, a bad file refuses to start,
 * and `account create --id/--access-key-id` refuses what another account holds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, runCli, startServer, tempDir } from "../support/process.ts";

const ALICE = { id: "123456789012", accessKeyId: "AKIAIOSFODNN7EXAMPLE", accessKeySecret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", token: `vpt_${"A1b2".repeat(11)}` };
const BOB = { id: "210987654321", accessKeyId: "LTAI5tBobFixedKey000001", accessKeySecret: "BobSecretBobSecretBobSecret123" };

describe("fixed accounts from an accounts file", () => {
  const dir = tempDir("vpcpeer-accounts-");
  const data = join(dir.path, "data");
  const file = join(dir.path, "accounts.yaml");
  let server: ServerProcess | undefined;
  const ec2 = (url: string, k: { accessKeyId: string; accessKeySecret: string }) =>
    new EC2Client({ endpoint: url, region: "us-east-1", credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.accessKeySecret }, maxAttempts: 1 });
  const write = (name: string, text: string) => {
    writeFileSync(join(dir.path, name), text);
    return join(dir.path, name);
  };

  beforeAll(() => {
    // YAML as a CI repository would hold it: bob's id unquoted, his token left to be generated.
    writeFileSync(
      file,
      `- name: alice\n  id: "${ALICE.id}"\n  accessKeyId: ${ALICE.accessKeyId}\n  accessKeySecret: ${ALICE.accessKeySecret}\n  token: ${ALICE.token}\n` +
        `- name: bob\n  id: ${BOB.id}\n  accessKeyId: ${BOB.accessKeyId}\n  accessKeySecret: ${BOB.accessKeySecret}\n`,
    );
  });
  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  it("creates the accounts, and a restart with the same file finds them: the AWS SDK signs with the fixed keys and sees the fixed ids", async () => {
    server = await startServer(["--data", data, "--accounts", file]);
    expect(server.startLog).toMatch(/accounts file .*accounts\.yaml: 2 created, 0 already there as given/);
    const vpc = await ec2(server.url, ALICE).send(new CreateVpcCommand({ CidrBlock: "10.1.0.0/16" }));
    expect(vpc.Vpc!.OwnerId).toBe(ALICE.id);
    await server.stop();

    server = await startServer(["--data", data, "--accounts", file]);
    expect(server.startLog).toMatch(/accounts file .*accounts\.yaml: 0 created, 2 already there as given/);
    for (const log of [server.startLog]) for (const secret of [ALICE.accessKeySecret, ALICE.token, BOB.accessKeySecret]) expect(log).not.toContain(secret);
    const seen = await ec2(server.url, ALICE).send(new DescribeVpcsCommand({ VpcIds: [vpc.Vpc!.VpcId!] }));
    expect(seen.Vpcs!.map((v) => [v.VpcId, v.OwnerId])).toEqual([[vpc.Vpc!.VpcId, ALICE.id]]);
    const bobs = await ec2(server.url, BOB).send(new CreateVpcCommand({ CidrBlock: "10.2.0.0/16" }));
    expect(bobs.Vpc!.OwnerId).toBe(BOB.id);
    // The native API takes the fixed token.
    const me = await fetch(`${server.url}/api/v1/account`, { headers: { authorization: `Bearer ${ALICE.token}` } });
    expect(await me.json()).toMatchObject({ id: ALICE.id, name: "alice", accessKeyId: ALICE.accessKeyId });
    await server.stop();
    server = undefined;
  });

  it("a file that differs from the store stops the start naming the account, and writes nothing; a bad file does not start", async () => {
    const differs = write("differs.yaml", `- name: carol\n- name: alice\n  accessKeyId: ${ALICE.accessKeyId}\n  accessKeySecret: ${"x".repeat(40)}\n`);
    const elsewhere = write("elsewhere.json", JSON.stringify([{ name: "dave", id: BOB.id }]));
    const bad = write("bad.json", JSON.stringify([{ name: "erin", id: "333333333333" }, { name: "frank", accessKeyId: ALICE.accessKeyId.toLowerCase(), accessKeySecret: ALICE.accessKeySecret, zone: "x" }]));
    const [a, b, c, created, taken] = await Promise.all([
      runCli(["serve", "--port", "0", "--dataplane", "none", "--data", data, "--accounts", differs]),
      runCli(["serve", "--port", "0", "--dataplane", "none", "--data", data, "--accounts", elsewhere]),
      runCli(["serve", "--port", "0", "--dataplane", "none", "--data", data, "--accounts", bad]),
      runCli(["account", "create", "--data", join(dir.path, "other"), "--name", "gina", "--id", "444444444444", "--access-key-id", "AKIAGINA000000000001", "--access-key-secret", ALICE.accessKeySecret]),
      // Run while the server-starts above may hold the store: a refused id, from the store's constraint.
      runCli(["account", "create", "--data", data, "--name", "hank", "--id", ALICE.id]),
    ]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(`account "alice": accessKeySecret differs from the store's; the accounts file never changes an account`);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain(`account "dave": id ${BOB.id} belongs to account "bob" in the store`);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain(`accounts file ${bad}: entry 2 ("frank"): zone: unknown field`);
    for (const r of [a, b, c]) expect(r.stderr + r.stdout).not.toContain("x".repeat(40));
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toEqual({ accountId: "444444444444", name: "gina", accessKeyId: "AKIAGINA000000000001", accessKeySecret: ALICE.accessKeySecret, token: expect.stringMatching(/^vpt_/) });
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain(`id: account id ${ALICE.id} already exists (account "alice")`);

    // Nothing of the refused files was written: not carol (listed before the difference), not erin.
    const list = await runCli(["account", "list", "--data", data, "-o", "json"]);
    expect((JSON.parse(list.stdout) as { items: { name: string }[] }).items.map((i) => i.name).sort()).toEqual(["alice", "bob"]);
  });
});
