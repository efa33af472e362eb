/**
 * Fuzzes the AWS face through the whole app (every dialect mounted, as a server runs): thousands of
 * EC2/STS Query requests, most of them validly signed with @smithy/signature-v4 (as the JS SDK,
 * or botocore without the payload hash) so that they reach the actions, carrying random and
 * garbled parameters: any action (and unknown ones), bad versions, list members with odd indexes,
 * huge values, characters XML cannot carry, real and fake ids, random filters; and requests whose
 * transport or signature is broken: wrong content types, GET and POST, broken Authorization
 * headers, wrong keys and secrets, old dates, a body changed after signing. Every answer is a 4xx
 * in EC2's XML error envelope with a Code (or a 200 EC2 response), never a 5xx. Fixed seeds.
 */
delete process.env.http_proxy;
delete process.env.https_proxy;

import { createHash } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EC2_ACTIONS } from "../../src/api/aws/actions/index.ts";
import { BACKENDS, type Harness, harness } from "../support/harness.ts";

type Acct = { id: string; token: string; accessKeyId: string; accessKeySecret: string };

const HOST = "127.0.0.1:8080";
const FORM = "application/x-www-form-urlencoded";
const EC2_VERSION = "2016-11-15";
const STS_VERSION = "2011-06-15";
const ACTIONS = Object.keys(EC2_ACTIONS);
const PARAMS = [...new Set(Object.values(EC2_ACTIONS).flatMap((a) => [...a.params]))];
/** The codes of a request refused before its action: these do not count as reaching the actions. */
const AUTH_CODES = new Set(["AuthFailure", "IncompleteSignature", "RequestExpired", "SignatureDoesNotMatch"]);

/** Fixed, so that a failure replays; AWS_FUZZ_SEED=<n> explores other requests. */
const SEED = Number(process.env.AWS_FUZZ_SEED ?? 20261206);

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: true });

/** RFC 3986 as SigV4 encodes; lone surrogates (which no client can send) become U+FFFD first. */
const wellFormed = (s: string) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
const enc = (s: string) => encodeURIComponent(wellFormed(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const formOf = (pairs: [string, string][]) => pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");

type Auth =
  | { kind: "valid"; checksum: boolean }
  | { kind: "badSecret" }
  | { kind: "unknownKey" }
  | { kind: "expired"; minutes: number }
  | { kind: "tamperedBody" }
  | { kind: "tamperedHash" }
  | { kind: "wrongService"; service: string }
  | { kind: "wrongRegion"; region: string }
  | { kind: "broken"; how: number; junk: string }
  | { kind: "none" }
  | { kind: "presigned" }
  | { kind: "sessionToken" };

interface Fuzz {
  method: "GET" | "POST";
  contentType: string | null;
  action: string | null;
  version: string | null;
  params: [string, string][];
  auth: Auth;
  region: string;
  /** Parameters go in the query string even for a POST. */
  inQuery: boolean;
}

describe.each(BACKENDS)("AWS face fuzz on %s", (backend) => {
  let h: Harness;
  let alice: Acct;
  let bob: Acct;
  const ids: string[] = [];
  /** Real ids by kind (alice's and bob's, both regions): what templated requests name. */
  const pool: Record<"vpc" | "subnet" | "rtb" | "assoc" | "pcx" | "account", string[]> = { vpc: [], subnet: [], rtb: [], assoc: [], pcx: [], account: [] };

  beforeAll(async () => {
    h = await harness(backend);
    alice = await h.account();
    bob = await h.account();
    // Real resources, so that random requests naming them reach deep into the actions.
    const s = h.runtime.services;
    for (const [who, region, cidr] of [[alice, "us-east-1", "10.1.0.0/16"], [alice, "us-east-1", "10.2.0.0/16"], [bob, "us-west-2", "10.3.0.0/16"], [alice, "us-west-2", "10.1.0.0/16"]] as const) {
      const vpc = await s.vpcs.create({ accountId: who.id }, { name: "f", region, cidr });
      ids.push(vpc.id, vpc.defaultRouteTableId);
      const subnet = await s.subnets.create({ accountId: who.id }, { vpcId: vpc.id, name: "f", cidr: cidr.replace("0.0/16", "1.0/24"), zone: `${region}a` });
      ids.push(subnet.id, `rtbassoc-${subnet.id.slice(7)}`);
      const table = await s.routeTables.create({ accountId: who.id }, { vpcId: vpc.id, name: "f" });
      await s.subnets.setRouteTable({ accountId: who.id }, subnet.id, table.id, { explicit: true });
      pool.vpc.push(vpc.id);
      pool.subnet.push(subnet.id);
      pool.rtb.push(vpc.defaultRouteTableId, table.id);
      pool.assoc.push(`rtbassoc-${subnet.id.slice(7)}`, `rtbassoc-${vpc.defaultRouteTableId.slice(4)}`);
    }
    pool.account.push(alice.id, bob.id, "000000000000");
    const p = await s.peerings.create({ accountId: alice.id }, { vpcId: ids[0]!, peerVpcId: ids[4]!, requireAcceptance: true });
    ids.push(p.id);
    const q = await s.peerings.create({ accountId: alice.id }, { vpcId: ids[0]!, peerVpcId: ids[8]!, peerAccountId: bob.id, peerRegion: "us-west-2", bandwidthMbps: 100 });
    ids.push(q.id);
    pool.pcx.push(p.id, q.id, "pcx-000000000000");
  });
  afterAll(() => h?.close());

  // ---- generators ------------------------------------------------------------------------------

  const idValue = () =>
    fc.oneof(
      fc.constantFrom(...(ids.length ? ids : ["vpc-000000000000"])),
      fc.constantFrom("vpc-", "vpc-zzzzzzzzzzzz", "pcx-000000000000", "subnet-x", "rtb-ZZZZZZZZZZZZ", "i-000000000000", "ins-000000000000", "rtbassoc-", "rtbassoc-000000000000", "ami-12345678", "igw-1", "local"),
      fc.stringMatching(/^(vpc|subnet|rtb|pcx|i|rtbassoc)-[a-z0-9]{0,20}$/),
    );
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 24 }) },
    { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 24 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  );
  const value = fc.oneof(
    { weight: 4, arbitrary: idValue() },
    { weight: 3, arbitrary: text },
    { weight: 2, arbitrary: fc.constantFrom("", "true", "false", "TRUE", "yes", "0", "-1", "5", "1000", "1001", "1e3", "99999999999999999999", "NaN", "5.5", " 5") },
    { weight: 2, arbitrary: fc.constantFrom("10.0.0.0/16", "10.1.0.0/16", "10.1.2.0/24", "10.2.0.0/28", "0.0.0.0/0", "10.0.0.0/33", "10.0.0/16", "300.1.1.1/16", "::/0", "10.1.0.5", "172.16.0.0/12") },
    { weight: 2, arbitrary: fc.constantFrom("us-east-1", "us-west-2", "us-east-1a", "us-west-2b", "use1-az1", "mars-north-1", "cn-hangzhou", "ap-guangzhou-3") },
    { weight: 1, arbitrary: fc.constantFrom("vpc-id", "status-code", "tag:Name", "tag-key", "tag-value", "accepter-vpc-info.owner-id", "requester-vpc-info.vpc-id", "expiration-time", "route.vpc-peering-connection-id", "association.main", "cidr", "state", "owner-id", "no-such-filter", "") },
    { weight: 1, arbitrary: fc.constantFrom("vpc", "subnet", "route-table", "vpc-peering-connection", "instance", "image", "enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics", "t3.micro") },
    { weight: 2, arbitrary: fc.constantFrom("<x>&\"'", "]]>", "<![CDATA[", "&#0;", "\u0000", "\u0001\u001f", "\r\n", "\ufffe\uffff", "😀✓", "\u202e", "%", "+", "*", "?", "\\", "a*b?c") },
    { weight: 1, arbitrary: fc.constantFrom("x".repeat(300), "y".repeat(5_000), "z".repeat(70_000)) },
    { weight: 1, arbitrary: fc.constant("") },
  );
  const index = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 4 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom("0", "01", "10", "9999", "10000", "-1", "x", "", "1.5", "99999999999") });
  const suffix = fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    { weight: 3, arbitrary: index.map((i) => `.${i}`) },
    { weight: 3, arbitrary: fc.tuple(index, fc.constantFrom("Name", "Key", "Value", "ResourceType")).map(([i, m]) => `.${i}.${m}`) },
    { weight: 3, arbitrary: fc.tuple(index, index).map(([i, j]) => `.${i}.Value.${j}`) },
    { weight: 2, arbitrary: fc.tuple(index, index, fc.constantFrom("Key", "Value", "Name")).map(([i, j, m]) => `.${i}.Tag.${j}.${m}`) },
    { weight: 1, arbitrary: fc.constantFrom(".AllowDnsResolutionFromRemoteVpc", ".AllowEgressFromLocalClassicLinkToRemoteVpc", ".Value", ".AvailabilityZone", ".1.Values.1", ".") },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => `.${s}`) },
  );
  /** A parameter name: mostly the action's own members (with list suffixes), sometimes any model member or junk. */
  const paramName = (action: string | null) => {
    const own = action !== null && Object.hasOwn(EC2_ACTIONS, action) ? [...EC2_ACTIONS[action]!.params, "DryRun", "ClientToken"] : PARAMS;
    return fc.oneof(
      { weight: 20, arbitrary: fc.tuple(fc.constantFrom(...own), suffix).map(([n, s]) => n + s) },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...PARAMS), suffix).map(([n, s]) => n + s) },
      { weight: 3, arbitrary: fc.constantFrom("DryRun", "ClientToken", "MaxResults", "NextToken", "Filter.1.Name", "Filter.1.Value.1", "Filter.2.Name", "Filter.1.Value.2", "VpcId", "vpcId", "dryRun") },
      { weight: 1, arbitrary: fc.constantFrom("Action", "Version", "X-Amz-Signature", "AWSAccessKeyId", "Signature", "__proto__", "constructor", "toString", "hasOwnProperty") },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    );
  };
  /** Parameters for an action: a few, from its own members mostly; rarely a name over 256 characters. */
  const paramsFor = (action: string | null) =>
    fc.tuple(fc.array(fc.tuple(paramName(action), value), { maxLength: 7 }), fc.integer({ min: 0, max: 99 })).map(([ps, r]) => (r === 0 ? [...ps, ["P".repeat(300), "1"] as [string, string]] : ps));
  const auth: fc.Arbitrary<Auth> = fc.oneof(
    { weight: 30, arbitrary: fc.boolean().map((checksum): Auth => ({ kind: "valid", checksum })) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "badSecret" }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "unknownKey" }) },
    { weight: 1, arbitrary: fc.constantFrom(-60, -16, 16, 60 * 24 * 400).map((minutes): Auth => ({ kind: "expired", minutes })) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "tamperedBody" }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "tamperedHash" }) },
    { weight: 1, arbitrary: fc.constantFrom("sts", "s3", "iam", "").map((service): Auth => ({ kind: "wrongService", service })) },
    { weight: 1, arbitrary: fc.constantFrom("xx-fake-1", "cn-hangzhou", "eu-west-1").map((region): Auth => ({ kind: "wrongRegion", region })) },
    { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 0, max: 15 }), fc.string({ maxLength: 40 })).map(([how, junk]): Auth => ({ kind: "broken", how, junk })) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "none" }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "presigned" }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: "sessionToken" }) },
  );
  /**
   * A well-formed request for each action, naming real resources (picked by `n`), so that a few
   * mutations on top of it reach the action's own checks: states, owners, regions, quotas.
   */
  function template(action: string, n: number[]): [string, string][] {
    const pick = (kind: keyof typeof pool, i: number) => pool[kind][n[i]! % pool[kind].length]!;
    const cidr = `10.${n[0]! % 4}.${n[1]! % 256}.0/${[16, 24, 28][n[2]! % 3]}`;
    const filter: [string, string][] = [["Filter.1.Name", ["vpc-id", "tag:Name", "tag-key", "state", "status-code", "owner-id", "association.main"][n[3]! % 7]!], ["Filter.1.Value.1", ["*", pick("vpc", 4), "available", "active", "true", alice.id][n[5]! % 6]!]];
    const t: Record<string, [string, string][]> = {
      CreateVpc: [["CidrBlock", cidr], ["TagSpecification.1.ResourceType", "vpc"], ["TagSpecification.1.Tag.1.Key", "Name"], ["TagSpecification.1.Tag.1.Value", "f"]],
      DescribeVpcs: [["VpcId.1", pick("vpc", 0)], ...filter, ["MaxResults", "5"]],
      DeleteVpc: [["VpcId", pick("vpc", 0)]],
      DescribeVpcAttribute: [["VpcId", pick("vpc", 0)], ["Attribute", ["enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics"][n[1]! % 3]!]],
      ModifyVpcAttribute: [["VpcId", pick("vpc", 0)], [["EnableDnsSupport.Value", "EnableDnsHostnames.Value", "EnableNetworkAddressUsageMetrics.Value"][n[1]! % 3]!, n[2]! % 2 ? "true" : "false"]],
      CreateSubnet: [["VpcId", pick("vpc", 0)], ["CidrBlock", cidr], ["AvailabilityZone", ["us-east-1a", "us-west-2b", "us-east-1f"][n[1]! % 3]!]],
      DescribeSubnets: [["SubnetId.1", pick("subnet", 0)], ...filter],
      DeleteSubnet: [["SubnetId", pick("subnet", 0)]],
      ModifySubnetAttribute: [["SubnetId", pick("subnet", 0)], ["MapPublicIpOnLaunch.Value", "true"]],
      CreateRouteTable: [["VpcId", pick("vpc", 0)], ["ClientToken", `t${n[1]! % 5}`]],
      DescribeRouteTables: [["RouteTableId.1", pick("rtb", 0)], ...filter],
      DeleteRouteTable: [["RouteTableId", pick("rtb", 0)]],
      AssociateRouteTable: [["RouteTableId", pick("rtb", 0)], ["SubnetId", pick("subnet", 1)]],
      DisassociateRouteTable: [["AssociationId", pick("assoc", 0)]],
      ReplaceRouteTableAssociation: [["AssociationId", pick("assoc", 0)], ["RouteTableId", pick("rtb", 1)]],
      CreateRoute: [["RouteTableId", pick("rtb", 0)], ["DestinationCidrBlock", cidr], [["VpcPeeringConnectionId", "GatewayId", "InstanceId"][n[3]! % 3]!, [pick("pcx", 1), "local", "i-000000000000"][n[3]! % 3]!]],
      ReplaceRoute: [["RouteTableId", pick("rtb", 0)], ["DestinationCidrBlock", cidr], ["VpcPeeringConnectionId", pick("pcx", 1)]],
      DeleteRoute: [["RouteTableId", pick("rtb", 0)], ["DestinationCidrBlock", cidr]],
      CreateVpcPeeringConnection: [["VpcId", pick("vpc", 0)], ["PeerVpcId", pick("vpc", 1)], ["PeerOwnerId", pick("account", 2)], ["PeerRegion", ["us-east-1", "us-west-2"][n[3]! % 2]!]],
      AcceptVpcPeeringConnection: [["VpcPeeringConnectionId", pick("pcx", 0)]],
      RejectVpcPeeringConnection: [["VpcPeeringConnectionId", pick("pcx", 0)]],
      DeleteVpcPeeringConnection: [["VpcPeeringConnectionId", pick("pcx", 0)]],
      DescribeVpcPeeringConnections: [["VpcPeeringConnectionId.1", pick("pcx", 0)], ...filter, ["MaxResults", String(5 + (n[1]! % 10))]],
      ModifyVpcPeeringConnectionOptions: [["VpcPeeringConnectionId", pick("pcx", 0)], [`${n[1]! % 2 ? "Accepter" : "Requester"}PeeringConnectionOptions.AllowDnsResolutionFromRemoteVpc`, "true"]],
      RunInstances: [["ImageId", "ami-12345678"], ["MinCount", "1"], ["MaxCount", "1"], ["SubnetId", pick("subnet", 0)]],
      DescribeInstances: [...filter],
      TerminateInstances: [["InstanceId.1", "i-000000000000"]],
      CreateTags: [["ResourceId.1", [pick("vpc", 0), pick("pcx", 1), pick("rtb", 2), pick("subnet", 3)][n[4]! % 4]!], ["Tag.1.Key", "k"], ["Tag.1.Value", "v"]],
      DeleteTags: [["ResourceId.1", pick("vpc", 0)], ["Tag.1.Key", "k"]],
      DescribeTags: [...filter],
      DescribeRegions: [["RegionName.1", "us-east-1"]],
      DescribeAvailabilityZones: [["ZoneName.1", "us-east-1a"]],
      DescribeAccountAttributes: [["AttributeName.1", ["supported-platforms", "default-vpc"][n[1]! % 2]!]],
      CreateDefaultSubnet: [["AvailabilityZone", ["us-east-1a", "us-east-1b", "us-west-2b"][n[1]! % 3]!]],
    };
    return t[action] ?? [];
  }

  /** A template's parameters with a few of them replaced, removed or added. */
  const mutated = (action: string) =>
    fc
      .tuple(fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat(), paramName(action), value), { maxLength: 3 }))
      .map(([n, changes]) => {
        const ps = template(action, n);
        for (const [how, at, name, v] of changes) {
          if (how === 0 && ps.length) ps[at % ps.length] = [ps[at % ps.length]![0], v];
          else if (how === 1 && ps.length) ps.splice(at % ps.length, 1);
          else ps.push([name, v]);
        }
        return ps;
      });

  const actionArb = fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom(...ACTIONS) },
    { weight: 1, arbitrary: fc.constantFrom("GetCallerIdentity", "DescribeInstancesX", "describeVpcs", "DescribeVPCs", "RunInstances ", "", "CreateVpcPeeringConnection\u0000", "AssumeRole", "__proto__", "constructor") },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constant(null) },
  );
  const fuzz: () => fc.Arbitrary<Fuzz> = () =>
    actionArb.chain((action) => fc.record({
      action: fc.constant(action),
      params: action !== null && Object.hasOwn(EC2_ACTIONS, action) ? fc.oneof(mutated(action), paramsFor(action)) : paramsFor(action),
      method: fc.constantFrom<"GET" | "POST">("POST", "POST", "POST", "GET"),
      contentType: fc.oneof(
        { weight: 10, arbitrary: fc.constant(FORM) },
        { weight: 2, arbitrary: fc.constant(`${FORM}; charset=utf-8`) },
        { weight: 1, arbitrary: fc.constantFrom("application/json", "text/xml", "text/plain", "multipart/form-data; boundary=x", "application/x-amz-json-1.1", "", "application/octet-stream") },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
      version: fc.oneof({ weight: 14, arbitrary: fc.constant(EC2_VERSION) }, { weight: 1, arbitrary: fc.constantFrom(STS_VERSION, "2016-11-16", "2016-04-28", "2017-03-12", "", "latest", "2016-11-15 ", "__proto__") }, { weight: 1, arbitrary: fc.constant(null) }),
      auth,
      region: fc.constantFrom("us-east-1", "us-east-1", "us-west-2"),
      // Half of the POSTs carry their parameters in the query string instead of the body.
      inQuery: fc.boolean(),
    }));

  // ---- sending --------------------------------------------------------------------------------

  async function send(f: Fuzz) {
    const who = f.auth.kind === "unknownKey" ? { ...alice, accessKeyId: "AKIAUNKNOWN000000000" } : alice;
    const secret = f.auth.kind === "badSecret" ? `${alice.accessKeySecret}x` : alice.accessKeySecret;
    const pairs: [string, string][] = [...(f.action !== null ? [["Action", f.action] as [string, string]] : []), ...(f.version !== null ? [["Version", f.version] as [string, string]] : []), ...f.params];
    const encoded = formOf(pairs);
    const get = f.method === "GET";
    const presigned = f.auth.kind === "presigned" ? [`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${alice.accessKeyId}%2F20261206%2Fus-east-1%2Fec2%2Faws4_request&X-Amz-Signature=${"0".repeat(64)}`] : [];
    const rawQuery = [...(get || f.inQuery ? [encoded] : []), ...presigned].filter((q) => q !== "").join("&");
    const body = get || f.inQuery ? "" : encoded;
    const headers: Record<string, string> = { host: HOST };
    if (f.contentType !== null && (!get || f.contentType !== FORM)) headers["content-type"] = f.contentType;
    if (f.auth.kind === "sessionToken") headers["x-amz-security-token"] = "FQoGZXIvYXdzEBYaDH";
    let url = rawQuery ? `/?${rawQuery}` : "/";
    if (f.auth.kind !== "none" && f.auth.kind !== "presigned") {
      const signer = new SignatureV4({
        credentials: { accessKeyId: who.accessKeyId, secretAccessKey: secret },
        region: f.auth.kind === "wrongRegion" ? f.auth.region : f.region,
        service: f.auth.kind === "wrongService" ? f.auth.service || "ec2" : f.version === STS_VERSION ? "sts" : "ec2",
        sha256: Hash.bind(null, "sha256"),
        applyChecksum: f.auth.kind === "valid" ? f.auth.checksum : true,
        uriEscapePath: true,
      });
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(rawQuery)) query[k] = k in query ? [...([] as string[]).concat(query[k]!), v] : v;
      const when = new Date(Date.now() + (f.auth.kind === "expired" ? f.auth.minutes * 60_000 : 0));
      const signed = await signer.sign({ method: f.method, protocol: "http:", hostname: "127.0.0.1", port: 8080, path: "/", query, headers: { ...headers }, body }, { signingDate: when });
      for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
      if (f.auth.kind === "tamperedHash") headers["x-amz-content-sha256"] = createHash("sha256").update("other").digest("hex");
      if (f.auth.kind === "broken") headers.authorization = broken(headers.authorization!, f.auth.how, f.auth.junk, headers);
    }
    let payload = body;
    if (f.auth.kind === "tamperedBody") payload = body ? `${body}&DryRun=true` : "Action=DeleteVpc";
    if (payload && get) url = `${url}${rawQuery ? "&" : "?"}Extra=1`; // a GET never has a body: tamper with the query instead
    const res = await h.app.inject({ method: f.method, url, headers, ...(payload && !get ? { payload } : {}) });
    return { status: res.statusCode, body: res.body, contentType: String(res.headers["content-type"] ?? "") };
  }

  /** An Authorization header broken in one of several ways (the rest of the request stays signed). */
  function broken(authz: string, how: number, junk: string, headers: Record<string, string>): string {
    const [scheme, ...rest] = authz.split(" ");
    const fields = rest.join(" ");
    switch (how) {
      case 0:
        return authz.replace(/Credential=[^,]*, /, "");
      case 1:
        return authz.replace(/SignedHeaders=[^,]*, /, "");
      case 2:
        return authz.replace(/, Signature=.*$/, "");
      case 3:
        return authz.replace(/Signature=([0-9a-f]{64})/, (_, s: string) => `Signature=${s.slice(1)}`);
      case 4:
        return authz.replace(/Signature=([0-9a-f]{64})/, (_, s: string) => `Signature=${s.toUpperCase()}`);
      case 5:
        return authz.replace(/\/aws4_request/, "");
      case 6:
        return authz.replace(/Credential=([^/]*)\/(\d{8})/, (_, k: string) => `Credential=${k}/19700101`);
      case 7:
        return authz.replace(/SignedHeaders=[^,]*/, "SignedHeaders=content-type;x-amz-date");
      case 8:
        return authz.replace(/SignedHeaders=([^,]*)/, (_, s: string) => `SignedHeaders=${s};x-not-sent`);
      case 9:
        delete headers["x-amz-date"];
        return authz;
      case 10:
        headers["x-amz-date"] = junk.replace(/[^\x20-\x7e]/g, "") || "2026-12-06T17:30:00Z";
        return authz;
      case 11:
        return `${scheme} ${junk.replace(/[^\x20-\x7e]/g, "")}`;
      case 12:
        return `AWS4-ECDSA-P256-SHA256 ${fields}`;
      case 13:
        return `${scheme} ${fields.replace(/, /g, ",").replace(/Signature=/, "Signature=,")}`;
      case 14:
        return `Basic ${Buffer.from("user:pass").toString("base64")}`;
      default:
        return authz.replace(/Credential=[^/]*/, `Credential=${"A".repeat(5000)}`);
    }
  }

  /**
   * Whether anything in the request says it is AWS's: an AWS4- Authorization, a presigned query,
   * or an EC2/STS Version where the server reads parameters (query; form body). A request with
   * none of these is no cloud's, and `/` answers it with the native 404 EndpointNotFound.
   */
  function recognisable(f: Fuzz): boolean {
    if (f.auth.kind === "presigned") return true;
    if (f.auth.kind !== "none" && !(f.auth.kind === "broken" && f.auth.how === 14)) return true;
    if (f.version !== EC2_VERSION && f.version !== STS_VERSION) return false;
    const form = f.contentType === null || f.contentType === "" || f.contentType.startsWith(FORM);
    return f.method === "GET" || f.inQuery || form;
  }

  /** What every answer must be: no 5xx; a 4xx carries EC2's (or STS's) XML error envelope with a Code. */
  function problem(f: Fuzz, r: { status: number; body: string; contentType: string }): string | null {
    if (r.status >= 500) return `5xx ${r.status}`;
    if (!recognisable(f) && r.status === 404 && r.contentType.startsWith("application/json") && JSON.parse(r.body).error?.code === "EndpointNotFound") return null;
    if (XMLValidator.validate(r.body) !== true) return `not well-formed XML (${r.status})`;
    if (!r.contentType.startsWith("text/xml")) return `content-type ${r.contentType}`;
    const doc = parser.parse(r.body);
    if (r.status === 200) {
      const root = Object.keys(doc).find((k) => k !== "?xml");
      return root === `${f.action}Response` ? null : `200 with root ${root}`;
    }
    if (r.status < 400) return `status ${r.status}`;
    const code = doc.Response?.Errors?.Error?.Code ?? doc.ErrorResponse?.Error?.Code;
    if (typeof code !== "string" || code === "") return `no error Code in ${r.body.slice(0, 200)}`;
    if (doc.Response && typeof doc.Response.RequestID !== "string") return "no RequestID";
    return null;
  }

  it("2,000+ random and malformed requests: never a 5xx, every refusal a 4xx in EC2's envelope with a Code", { timeout: 120_000 }, async () => {
    const samples = fc.sample(fuzz(), { seed: SEED, numRuns: backend === "sqlite" ? 3000 : 1200 });
    const problems: string[] = [];
    const codes = new Map<string, number>();
    let reached = 0;
    let ok = 0;
    const t0 = performance.now();
    for (const f of samples) {
      const r = await send(f);
      const p = problem(f, r);
      if (p) problems.push(`${p}: ${f.method} ${f.contentType} auth=${JSON.stringify(f.auth)} Action=${JSON.stringify(f.action)} Version=${JSON.stringify(f.version)} params=${JSON.stringify(f.params.map(([k, v]) => [k.slice(0, 40), v.slice(0, 40)]))} → ${r.status} ${r.body.slice(0, 300)}`);
      if (r.status === 200) ok++;
      const code = /<Code>([^<]*)<\/Code>/.exec(r.body)?.[1] ?? String(r.status);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (f.auth.kind === "valid" && !AUTH_CODES.has(code)) reached++;
    }
    const took = performance.now() - t0;
    console.log(`${backend} (seed ${SEED}): ${samples.length} requests in ${(took / 1000).toFixed(1)} s; ${ok} answered 200, ${reached} validly signed ones got past the signature; codes: ${[...codes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(", ")}`);
    expect(problems, problems.slice(0, 10).join("\n")).toEqual([]);
    // Most requests reach the actions (their parameters, not the signature, decide the answer).
    expect(reached).toBeGreaterThan(samples.length / 2);
    expect(codes.size).toBeGreaterThan(20);
  });

  it("transport-level refusals answer in EC2's envelope: an unknown method or path, a body over 1 MiB, a malformed form, a presigned URL", async () => {
    const cases: { method: "GET" | "POST" | "PUT" | "DELETE"; url: string; payload?: string; headers?: Record<string, string>; code: string; status: number }[] = [
      { method: "PUT", url: "/?Action=DescribeVpcs&Version=2016-11-15", code: "InvalidAction", status: 400 },
      { method: "DELETE", url: "/?Action=DescribeVpcs&Version=2016-11-15", code: "InvalidAction", status: 400 },
      { method: "POST", url: "/", payload: `Action=DescribeVpcs&Version=2016-11-15&X=${"a".repeat(1_100_000)}`, headers: { "content-type": FORM, authorization: `AWS4-HMAC-SHA256 Credential=AKIA/20261206/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}` }, code: "RequestEntityTooLarge", status: 413 },
      { method: "POST", url: "/", payload: "Action=DescribeVpcs&Version=2016-11-15&A=%ZZ", headers: { "content-type": FORM, authorization: "AWS4-HMAC-SHA256 x" }, code: "IncompleteSignature", status: 400 },
      { method: "GET", url: "/?Action=DescribeVpcs&Version=2016-11-15&X-Amz-Signature=abc&X-Amz-Credential=x", code: "AuthFailure", status: 401 },
      { method: "POST", url: "/", payload: "Action=DescribeVpcs&Version=2016-11-15", headers: { "content-type": FORM }, code: "MissingParameter", status: 400 },
    ];
    for (const c of cases) {
      const res = await h.app.inject({ method: c.method, url: c.url, headers: c.headers ?? {}, ...(c.payload ? { payload: c.payload } : {}) });
      expect(res.statusCode, c.url.slice(0, 60)).toBe(c.status);
      expect(parser.parse(res.body).Response.Errors.Error.Code, c.url.slice(0, 60)).toBe(c.code);
    }
  });
});
