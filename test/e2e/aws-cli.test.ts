/**
 * The AWS CLI (`aws ec2 … --endpoint-url`) drives the peering flow through vpcpeer's AWS face
 * (#14): two accounts' VPCs, the request with --peer-owner-id, `aws ec2 wait
 * vpc-peering-connection-exists`, the accepter's accept, describe parsed from `--output json`,
 * routes both ways, delete; and errors as the CLI reports them (exit code and the EC2 error code on
 * stderr). Runs whichever `aws` is on the PATH: Debian's awscli 2 (`.ci/run` installs it) or a pip
 * awscli 1; both honour --endpoint-url.
 */
for (const v of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[v];

import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness } from "../support/harness.ts";
import { tempDir } from "../support/process.ts";

const version = spawnSync("aws", ["--version"], { encoding: "utf8" });
const skipReason = version.status !== 0 ? "the AWS CLI (`aws`) is not on the PATH (.ci/run installs Debian's awscli)" : null;
if (skipReason) console.log(`aws-cli: skipped: ${skipReason}`);
/** awscli 1 exits 255 on a service error, awscli 2 exits 254. */
const SERVICE_ERROR_EXIT = [254, 255];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const cliName = `${version.stdout ?? ""}${version.stderr ?? ""}`.trim().split(" ")[0] || "aws";

interface Tenant {
  accountId: string;
  token: string;
  accessKeyId: string;
  accessKeySecret: string;
}

/**
 * Each `aws` run is a Python start of about a second of CPU, which is most of this file's time: runs
 * that do not depend on each other go side by side, and no run only repeats what another one
 * showed. The server runs in-process (a spawned one would be three more Node starts).
 */
describe.skipIf(skipReason !== null)(`the AWS CLI (${cliName}) against the AWS face`, () => {
  let h: Harness;
  let url: string;
  let alice: Tenant;
  let bob: Tenant;
  let home: { path: string; remove(): void };
  const region = "us-east-1";

  /** `aws <args> --endpoint-url <server> --output json` as `who`, in `region`. */
  function aws(who: Tenant, args: string[], inRegion = region): Promise<Run> {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^AWS_/.test(k)) env[k] = v;
    Object.assign(env, {
      HOME: home.path,
      AWS_ACCESS_KEY_ID: who.accessKeyId,
      AWS_SECRET_ACCESS_KEY: who.accessKeySecret,
      AWS_DEFAULT_REGION: inRegion,
      AWS_CONFIG_FILE: `${home.path}/.aws/config`,
      AWS_SHARED_CREDENTIALS_FILE: `${home.path}/.aws/credentials`,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_PAGER: "",
    });
    return new Promise((res) => {
      const p = spawn("aws", [...args, "--endpoint-url", url, "--output", "json"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      p.on("exit", (code) => res({ code, stdout, stderr }));
    });
  }
  /** The parsed JSON of a run that must have succeeded. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ok = (r: Run): any => {
    expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
    return r.stdout.trim() === "" ? undefined : JSON.parse(r.stdout);
  };
  /** The EC2 error code of a run that must have failed as a service error. */
  const failed = (r: Run, op: string): string => {
    expect(SERVICE_ERROR_EXIT).toContain(r.code);
    const m = new RegExp(`An error occurred \\(([\\w.]+)\\) when calling the ${op} operation`).exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    return m![1]!;
  };

  beforeAll(async () => {
    h = await harness("sqlite");
    await h.app.listen({ host: "127.0.0.1", port: 0 });
    url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
    const tenant = async (name: string): Promise<Tenant> => {
      const a = await h.account(name);
      return { accountId: a.id, token: a.token, accessKeyId: a.accessKeyId, accessKeySecret: a.accessKeySecret };
    };
    alice = await tenant("alice");
    bob = await tenant("bob");
    home = tempDir("vpcpeer-awscli-home-");
  });
  afterAll(async () => {
    await h?.close();
    home?.remove();
  });

  it("runs the peering flow across two accounts: create, wait, accept, describe, routes both ways, delete", async () => {
    const [createdA, createdB] = await Promise.all([
      aws(alice, ["ec2", "create-vpc", "--cidr-block", "10.1.0.0/16", "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=alice-app}]"]),
      aws(bob, ["ec2", "create-vpc", "--cidr-block", "10.2.0.0/16"]),
    ]);
    const vpcA = ok(createdA).Vpc;
    const vpcB = ok(createdB).Vpc;
    expect(vpcA).toMatchObject({ CidrBlock: "10.1.0.0/16", OwnerId: alice.accountId, VpcId: expect.stringMatching(/^vpc-/) });
    expect(vpcA.Tags).toEqual([{ Key: "Name", Value: "alice-app" }]);
    expect(vpcB.OwnerId).toBe(bob.accountId);

    // The requester asks; the peering is visible to both accounts.
    const created = ok(
      await aws(alice, ["ec2", "create-vpc-peering-connection", "--vpc-id", vpcA.VpcId, "--peer-vpc-id", vpcB.VpcId, "--peer-owner-id", bob.accountId]),
    ).VpcPeeringConnection;
    const pcx: string = created.VpcPeeringConnectionId;
    expect(pcx).toMatch(/^pcx-/);
    expect(["initiating-request", "pending-acceptance"]).toContain(created.Status.Code);
    expect(created.RequesterVpcInfo).toMatchObject({ VpcId: vpcA.VpcId, OwnerId: alice.accountId, Region: region });
    expect(created.AccepterVpcInfo).toMatchObject({ VpcId: vpcB.VpcId, OwnerId: bob.accountId, Region: region });

    // The accepter's waiter finds it at once: its first poll (the CLI's debug log names each call it
    // makes) saw the request, no second one 15 s later was needed.
    const waited = await aws(bob, ["ec2", "wait", "vpc-peering-connection-exists", "--vpc-peering-connection-ids", pcx, "--debug"]);
    expect(waited.code, waited.stderr.slice(-2000)).toBe(0);
    expect(waited.stderr.match(/Making request for OperationModel\(name=DescribeVpcPeeringConnections\)/g)).toHaveLength(1);
    // Only the accepter accepts (the requester's attempt changes nothing, so the accepter's
    // describe beside it still finds the request pending).
    const [pendingRun, byRequester] = await Promise.all([
      aws(bob, ["ec2", "describe-vpc-peering-connections", "--filters", "Name=status-code,Values=pending-acceptance"]),
      aws(alice, ["ec2", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx]),
    ]);
    const pending = ok(pendingRun).VpcPeeringConnections;
    expect(pending.map((p: { VpcPeeringConnectionId: string }) => p.VpcPeeringConnectionId)).toEqual([pcx]);
    expect(pending[0].ExpirationTime).toBeDefined();
    expect(failed(byRequester, "AcceptVpcPeeringConnection")).toBe("OperationNotPermitted");
    const accepted = ok(await aws(bob, ["ec2", "accept-vpc-peering-connection", "--vpc-peering-connection-id", pcx])).VpcPeeringConnection;
    expect(["provisioning", "active"]).toContain(accepted.Status.Code);

    // The peering as the requester sees it, and each VPC's main route table (routes both ways go there).
    const mainTable = async (who: Tenant, vpcId: string) => {
      const tables = ok(await aws(who, ["ec2", "describe-route-tables", "--filters", `Name=vpc-id,Values=${vpcId}`, "Name=association.main,Values=true"])).RouteTables;
      expect(tables).toHaveLength(1);
      return tables[0] as { RouteTableId: string; Routes: { DestinationCidrBlock?: string }[] };
    };
    const [describedRun, tableA, tableB] = await Promise.all([
      aws(alice, ["ec2", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", pcx]),
      mainTable(alice, vpcA.VpcId),
      mainTable(bob, vpcB.VpcId),
    ]);
    const described = ok(describedRun).VpcPeeringConnections;
    expect(described).toHaveLength(1);
    expect(described[0]).toMatchObject({
      VpcPeeringConnectionId: pcx,
      Status: { Code: "active" },
      RequesterVpcInfo: { VpcId: vpcA.VpcId, OwnerId: alice.accountId, CidrBlock: "10.1.0.0/16" },
      AccepterVpcInfo: { VpcId: vpcB.VpcId, OwnerId: bob.accountId, CidrBlock: "10.2.0.0/16" },
    });
    expect(described[0].ExpirationTime).toBeUndefined();
    expect(tableA.Routes.find((r) => r.DestinationCidrBlock === "10.1.0.0/16")).toMatchObject({ GatewayId: "local", State: "active" });
    const rtbA = tableA.RouteTableId;
    const rtbB = tableB.RouteTableId;

    const routes = await Promise.all([
      aws(alice, ["ec2", "create-route", "--route-table-id", rtbA, "--destination-cidr-block", "10.2.0.0/16", "--vpc-peering-connection-id", pcx]),
      aws(bob, ["ec2", "create-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.1.0.0/16", "--vpc-peering-connection-id", pcx]),
    ]);
    expect(routes.map(ok)).toEqual([{ Return: true }, { Return: true }]);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const routeVia = async (who: Tenant, rtb: string, cidr: string): Promise<any> => {
      const [table] = ok(await aws(who, ["ec2", "describe-route-tables", "--route-table-ids", rtb])).RouteTables;
      return table.Routes.find((r: { DestinationCidrBlock?: string }) => r.DestinationCidrBlock === cidr);
    };
    const [viaA, viaB] = await Promise.all([routeVia(alice, rtbA, "10.2.0.0/16"), routeVia(bob, rtbB, "10.1.0.0/16")]);
    expect(viaA).toMatchObject({ VpcPeeringConnectionId: pcx, State: "active", Origin: "CreateRoute" });
    expect(viaB).toMatchObject({ VpcPeeringConnectionId: pcx, State: "active", Origin: "CreateRoute" });
    // The same peering, through the native API.
    expect((await h.call(bob.token, "GET", `/api/v1/peerings/${pcx}`)).body).toMatchObject({ state: "active", requester: { vpcId: vpcA.VpcId }, accepter: { vpcId: vpcB.VpcId } });

    // Delete: the peering is deleted for both, and the routes over it go blackhole. Deleting it
    // again is a state error, worded as Terraform expects.
    expect(ok(await aws(bob, ["ec2", "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx]))).toEqual({ Return: true });
    ok(await aws(alice, ["ec2", "wait", "vpc-peering-connection-deleted", "--vpc-peering-connection-ids", pcx]));
    const [afterRun, blackA, blackB, again] = await Promise.all([
      aws(alice, ["ec2", "describe-vpc-peering-connections", "--filters", `Name=vpc-peering-connection-id,Values=${pcx}`]),
      routeVia(alice, rtbA, "10.2.0.0/16"),
      routeVia(bob, rtbB, "10.1.0.0/16"),
      aws(alice, ["ec2", "delete-vpc-peering-connection", "--vpc-peering-connection-id", pcx]),
    ]);
    expect(ok(afterRun).VpcPeeringConnections.map((p: { Status: { Code: string } }) => p.Status.Code)).toEqual(["deleted"]);
    expect(blackA).toMatchObject({ VpcPeeringConnectionId: pcx, State: "blackhole" });
    expect(blackB).toMatchObject({ VpcPeeringConnectionId: pcx, State: "blackhole" });
    expect(failed(again, "DeleteVpcPeeringConnection")).toBe("InvalidStateTransition");
    expect(again.stderr).toContain("to deleting");

    // Clean up with the CLI too, each account on its own: routes, then VPCs.
    await Promise.all([
      (async () => {
        ok(await aws(alice, ["ec2", "delete-route", "--route-table-id", rtbA, "--destination-cidr-block", "10.2.0.0/16"]));
        ok(await aws(alice, ["ec2", "delete-vpc", "--vpc-id", vpcA.VpcId]));
        expect(ok(await aws(alice, ["ec2", "describe-vpcs", "--filters", `Name=vpc-id,Values=${vpcA.VpcId}`])).Vpcs).toEqual([]);
      })(),
      (async () => {
        ok(await aws(bob, ["ec2", "delete-route", "--route-table-id", rtbB, "--destination-cidr-block", "10.1.0.0/16"]));
        ok(await aws(bob, ["ec2", "delete-vpc", "--vpc-id", vpcB.VpcId]));
      })(),
    ]);
  }, 300_000);

  it("reports EC2 errors as the CLI does: exit code and the error code on stderr", async () => {
    const [unknown, badCidr, forged] = await Promise.all([
      aws(alice, ["ec2", "describe-vpc-peering-connections", "--vpc-peering-connection-ids", "pcx-0000aaaa0000"]),
      aws(alice, ["ec2", "create-vpc", "--cidr-block", "10.0.0.0/33"]),
      // A secret that does not match the key: the signature check fails.
      aws({ ...alice, accessKeySecret: `${alice.accessKeySecret}x` }, ["ec2", "describe-vpcs"]),
    ]);
    expect(failed(unknown, "DescribeVpcPeeringConnections")).toBe("InvalidVpcPeeringConnectionID.NotFound");
    expect(unknown.stdout).toBe("");
    expect(failed(badCidr, "CreateVpc")).toMatch(/^Invalid/);
    expect(failed(forged, "DescribeVpcs")).toBe("AuthFailure");
  });
});
