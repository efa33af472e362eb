/**
 * SigV4 verification against what the three kinds of clients send: the JS SDK v3 (signed by
 * @smithy/signature-v4, with x-amz-content-sha256), botocore/awscli (content-type;host;x-amz-date)
 * and aws-sdk-go-v2/Terraform (amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;
 * host;x-amz-date). The last two are signed here by an independent implementation of the
 * algorithm (node:crypto only), and AWS's published test-suite vectors pin both down.
 */
import { createHash, createHmac } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { describe, expect, it } from "vitest";
import { AwsError } from "./errors.ts";
import { type SignedRequest, expectedSignature, parseAmzDate, parseAuthorization, sameSignature } from "./sigv4.ts";

const AKID = "AKIAVPCPEERTEST00001";
const SECRET = "s3cr3t/Key+with/chars0123456789abcdefABCD";
const AMZ_DATE = "20261206T173000Z";
const HOST = "127.0.0.1:18090";
const BODY = "Action=DescribeVpcPeeringConnections&Version=2016-11-15&Filter.1.Name=status-code&Filter.1.Value.1=pending-acceptance&MaxResults=5";
const FORM = "application/x-www-form-urlencoded";

const sha256 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface Plain {
  method: string;
  path: string;
  query?: [string, string][];
  headers: Record<string, string>;
  body: string;
  signed: string[];
  secret?: string;
  akid?: string;
  region?: string;
  service?: string;
}

/** SigV4 written out from the specification, as botocore's SigV4Auth and the Go signer compute it. */
function independentSign(r: Plain): string {
  const amzDate = r.headers["x-amz-date"]!;
  const scope = `${amzDate.slice(0, 8)}/${r.region ?? "us-east-1"}/${r.service ?? "ec2"}/aws4_request`;
  const signed = [...r.signed].sort();
  const canonicalQuery = (r.query ?? [])
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonicalHeaders = signed.map((h) => `${h}:${r.headers[h]!.trim().replace(/\s+/g, " ")}\n`).join("");
  const creq = [r.method, r.path, canonicalQuery, canonicalHeaders, signed.join(";"), sha256(r.body)].join("\n");
  const sts = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(creq)].join("\n");
  const [d, region, service] = scope.split("/") as [string, string, string];
  const key = hmac(hmac(hmac(hmac(`AWS4${r.secret ?? SECRET}`, d), region), service), "aws4_request");
  return `AWS4-HMAC-SHA256 Credential=${r.akid ?? AKID}/${scope}, SignedHeaders=${signed.join(";")}, Signature=${createHmac("sha256", key).update(sts).digest("hex")}`;
}

/** The server's check: parse the header, re-sign with `secret`, compare. */
async function verifies(authorization: string, secret: string, req: SignedRequest): Promise<boolean> {
  const auth = parseAuthorization(authorization);
  const when = parseAmzDate(req.headers["x-amz-date"] ?? "");
  if (!when) throw new Error("no x-amz-date");
  return sameSignature(await expectedSignature(auth, secret, req, when), auth.signature);
}

const asRequest = (r: Plain): SignedRequest => ({
  method: r.method,
  path: r.path,
  rawQuery: (r.query ?? []).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`).join("&"),
  headers: r.headers,
  body: r.body,
});

const botocore = (): Plain => ({
  method: "POST",
  path: "/",
  headers: { "content-type": `${FORM}; charset=utf-8`, host: HOST, "x-amz-date": AMZ_DATE, "user-agent": "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12", "content-length": String(BODY.length) },
  body: BODY,
  signed: ["content-type", "host", "x-amz-date"],
});

const goSdk = (): Plain => ({
  method: "POST",
  path: "/",
  headers: {
    "amz-sdk-invocation-id": "6f5a3c1e-0c3a-4a8e-9d0a-2d1f0c7e9b11",
    "amz-sdk-request": "attempt=1; max=25",
    "content-length": String(BODY.length),
    "content-type": FORM,
    host: HOST,
    "x-amz-date": AMZ_DATE,
    "user-agent": "APN/1.0 HashiCorp/1.0 Terraform/1.11.4 (+https://www.terraform.io) terraform-provider-aws/5.100.0 aws-sdk-go-v2/1.36.3",
    "accept-encoding": "gzip",
  },
  body: BODY,
  signed: ["amz-sdk-invocation-id", "amz-sdk-request", "content-length", "content-type", "host", "x-amz-date"],
});

/** A request signed by @smithy/signature-v4 exactly as @aws-sdk/client-ec2 has it signed: every header but the user agent. */
async function jsSdk(secret = SECRET): Promise<SignedRequest & { authorization: string }> {
  const signer = new SignatureV4({ credentials: { accessKeyId: AKID, secretAccessKey: secret }, region: "us-west-2", service: "ec2", sha256: Hash.bind(null, "sha256"), uriEscapePath: true });
  const headers: Record<string, string> = {
    "amz-sdk-invocation-id": "0b0f6f62-63a5-4bb2-8f53-4c3a0e9d1c2f",
    "amz-sdk-request": "attempt=1; max=3",
    "content-length": String(Buffer.byteLength(BODY)),
    "content-type": FORM,
    host: HOST,
    "x-amz-content-sha256": sha256(BODY),
    "x-amz-user-agent": "aws-sdk-js/3.1178.0",
    "user-agent": "aws-sdk-js/3.1178.0 ua/2.1 os/linux#6.1 lang/js md/nodejs#20.19.0 api/ec2#3.1178.0",
  };
  const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 18090, path: "/", query: {}, headers, body: BODY }, { signingDate: new Date(Date.UTC(2026, 11, 6, 17, 30, 0)) });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = String(v);
  const { authorization, ...rest } = out;
  return { method: "POST", path: "/", rawQuery: "", headers: rest, body: BODY, authorization: authorization! };
}

describe("SigV4 verification: what real clients send verifies", () => {
  it("AWS's published test-suite vectors (get-vanilla, post-vanilla-query, post-x-www-form-urlencoded, …-parameters)", async () => {
    const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    const base = { host: "example.amazonaws.com", "x-amz-date": "20150830T123600Z" };
    const cases: [SignedRequest, string, string][] = [
      [{ method: "GET", path: "/", rawQuery: "", headers: base, body: "" }, "host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
      [{ method: "POST", path: "/", rawQuery: "Param1=value1", headers: base, body: "" }, "host;x-amz-date", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"],
      [{ method: "POST", path: "/", rawQuery: "", headers: { ...base, "content-type": FORM }, body: "Param1=value1" }, "content-type;host;x-amz-date", "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"],
      [{ method: "POST", path: "/", rawQuery: "", headers: { ...base, "content-type": `${FORM}; charset=utf8` }, body: "Param1=value1" }, "content-type;host;x-amz-date", "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"],
    ];
    for (const [req, signed, sig] of cases) {
      const authorization = `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=${signed}, Signature=${sig}`;
      expect(await verifies(authorization, secret, req)).toBe(true);
      // …and the independent signer of this test agrees with AWS on the same requests.
      const plain: Plain = { method: req.method, path: req.path, query: [...new URLSearchParams(req.rawQuery)], headers: req.headers, body: req.body, signed: signed.split(";"), secret, akid: "AKIDEXAMPLE", region: "us-east-1", service: "service" };
      expect(independentSign(plain)).toBe(authorization);
    }
  });

  it("the JS SDK v3: @smithy/signature-v4 over eight headers including x-amz-content-sha256 (user-agent unsigned)", async () => {
    const req = await jsSdk();
    const auth = parseAuthorization(req.authorization);
    expect(auth.signedHeaders).toEqual(["amz-sdk-invocation-id", "amz-sdk-request", "content-length", "content-type", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-user-agent"]);
    expect(auth).toMatchObject({ accessKeyId: AKID, date: "20261206", region: "us-west-2", service: "ec2" });
    expect(await verifies(req.authorization, SECRET, req)).toBe(true);
    // The unsigned user agent may change on the way.
    expect(await verifies(req.authorization, SECRET, { ...req, headers: { ...req.headers, "user-agent": "something else" } })).toBe(true);
  });

  it("botocore/awscli: content-type;host;x-amz-date only, the server hashes the body", async () => {
    const r = botocore();
    const authorization = independentSign(r);
    expect(parseAuthorization(authorization).signedHeaders).toEqual(["content-type", "host", "x-amz-date"]);
    expect(await verifies(authorization, SECRET, asRequest(r))).toBe(true);
    // Headers outside SignedHeaders (user-agent, content-length) are not part of the signature.
    expect(await verifies(authorization, SECRET, { ...asRequest(r), headers: { ...r.headers, "user-agent": "x", "content-length": "1" } })).toBe(true);
  });

  it("aws-sdk-go-v2/Terraform: amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date", async () => {
    const r = goSdk();
    const authorization = independentSign(r);
    expect(parseAuthorization(authorization).signedHeaders).toEqual(["amz-sdk-invocation-id", "amz-sdk-request", "content-length", "content-type", "host", "x-amz-date"]);
    expect(await verifies(authorization, SECRET, asRequest(r))).toBe(true);
  });

  it("a GET with the parameters in the query string (EC2's documented sample form), in any order", async () => {
    const query: [string, string][] = [["Version", "2016-11-15"], ["Action", "DescribeVpcs"], ["Filter.1.Name", "tag:Env"], ["Filter.1.Value.1", "a b/c*"], ["VpcId.1", "vpc-0123456789ab"]];
    const r: Plain = { method: "GET", path: "/", query, headers: { host: HOST, "x-amz-date": AMZ_DATE }, body: "", signed: ["host", "x-amz-date"] };
    const authorization = independentSign(r);
    expect(await verifies(authorization, SECRET, asRequest(r))).toBe(true);
    expect(await verifies(authorization, SECRET, { ...asRequest(r), rawQuery: asRequest({ ...r, query: [...query].reverse() }).rawQuery })).toBe(true);
    expect(await verifies(authorization, SECRET, { ...asRequest(r), rawQuery: asRequest({ ...r, query: [...query.slice(0, 4), ["VpcId.1", "vpc-0123456789ac"]] }).rawQuery })).toBe(false);
  });

  it("header values are compared in canonical form (runs of spaces collapsed, ends trimmed), as the signers write them", async () => {
    const r = goSdk();
    const authorization = independentSign(r);
    expect(await verifies(authorization, SECRET, { ...asRequest(r), headers: { ...r.headers, "amz-sdk-request": "  attempt=1;   max=25 " } })).toBe(true);
  });
});

describe("SigV4 verification: any change breaks it", () => {
  const variants: [string, () => Plain][] = [
    ["botocore", botocore],
    ["Go SDK", goSdk],
  ];
  for (const [name, make] of variants) {
    it(`${name}: a changed body, signed header, date, secret, region, key id or method does not verify`, async () => {
      const r = make();
      const authorization = independentSign(r);
      const req = asRequest(r);
      expect(await verifies(authorization, SECRET, req)).toBe(true);
      expect(await verifies(authorization, SECRET, { ...req, body: req.body.replace("pending-acceptance", "active") })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, body: `${req.body}&DryRun=true` })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, "content-type": "text/plain" } })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, host: "127.0.0.1:18091" } })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, "x-amz-date": "20261206T173001Z" } })).toBe(false);
      expect(await verifies(authorization, `${SECRET}x`, req)).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, method: "GET" })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, path: "/x" })).toBe(false);
      expect(await verifies(authorization, SECRET, { ...req, rawQuery: "Action=DeleteVpc" })).toBe(false);
      // The same signature claimed for another region or service is wrong too. (The key id is not
      // signed: it names the account, whose secret then decides.)
      expect(await verifies(authorization.replace("/us-east-1/", "/us-west-2/"), SECRET, req)).toBe(false);
      expect(await verifies(authorization.replace("/ec2/", "/sts/"), SECRET, req)).toBe(false);
      // Signed with another secret from the start.
      expect(await verifies(independentSign({ ...r, secret: "other" }), SECRET, req)).toBe(false);
    });
  }

  it("JS SDK: a changed body, x-amz-content-sha256, amz-sdk-request, date or secret does not verify", async () => {
    const req = await jsSdk();
    const { authorization } = req;
    // The body is bound through x-amz-content-sha256 (the dialect checks that header against the
    // body before the signature); a changed body with its own hash does not verify.
    const other = req.body.replace("MaxResults=5", "MaxResults=6");
    expect(await verifies(authorization, SECRET, { ...req, body: other, headers: { ...req.headers, "x-amz-content-sha256": sha256(other), "content-length": String(other.length) } })).toBe(false);
    expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, "x-amz-content-sha256": sha256("other") } })).toBe(false);
    expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, "amz-sdk-request": "attempt=2; max=3" } })).toBe(false);
    expect(await verifies(authorization, SECRET, { ...req, headers: { ...req.headers, "x-amz-date": "20261206T173100Z" } })).toBe(false);
    expect(await verifies(authorization, "wrong", req)).toBe(false);
    expect(await verifies((await jsSdk("wrong")).authorization, SECRET, req)).toBe(false);
  });

  it("a signed header missing from the request is IncompleteSignature, not a crash", async () => {
    const r = goSdk();
    const authorization = independentSign(r);
    const { "amz-sdk-invocation-id": _gone, ...headers } = r.headers;
    await expect(verifies(authorization, SECRET, { ...asRequest(r), headers })).rejects.toMatchObject({ code: "IncompleteSignature", status: 400, message: expect.stringContaining("amz-sdk-invocation-id") });
  });

  it("sameSignature compares in full: another length or one digit off is false", () => {
    const s = "a".repeat(64);
    expect(sameSignature(s, s)).toBe(true);
    expect(sameSignature(s, `${"a".repeat(63)}b`)).toBe(false);
    expect(sameSignature(s, "a".repeat(63))).toBe(false);
    expect(sameSignature(s, "")).toBe(false);
  });
});

describe("parseAuthorization", () => {
  const good = `AWS4-HMAC-SHA256 Credential=${AKID}/20261206/us-east-1/ec2/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${"0f".repeat(32)}`;

  it("reads the three fields, with ', ' or ',' between them", () => {
    const expected = { accessKeyId: AKID, date: "20261206", region: "us-east-1", service: "ec2", signedHeaders: ["content-type", "host", "x-amz-date"], signature: "0f".repeat(32) };
    expect(parseAuthorization(good)).toEqual(expected);
    expect(parseAuthorization(good.replace(/, /g, ","))).toEqual(expected);
  });

  const bad: [string, string, RegExp][] = [
    ["another scheme", good.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1"), /must start with AWS4-HMAC-SHA256/],
    ["no space after the scheme", good.replace("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA256"), /must start with/],
    ["Basic auth", "Basic dXNlcjpwYXNz", /must start with/],
    ["a part without =", `${good}, Junk`, /"Junk" is not a key=value pair/],
    ["no Credential", good.replace(/Credential=[^,]*, /, ""), /Credential is missing/],
    ["no SignedHeaders", good.replace(/SignedHeaders=[^,]*, /, ""), /SignedHeaders is missing/],
    ["no Signature", good.replace(/, Signature=.*$/, ""), /Signature is missing/],
    ["an empty Signature", good.replace(/Signature=.*$/, "Signature="), /Signature is missing/],
    ["a four-part scope", good.replace("/ec2/aws4_request", "/aws4_request"), /AKID\/yyyymmdd\/region\/service\/aws4_request/],
    ["a scope not ending aws4_request", good.replace("aws4_request", "aws4_reqest"), /AKID\/yyyymmdd/],
    ["a six-part scope", good.replace("/ec2/", "/ec2/x/"), /AKID\/yyyymmdd/],
    ["a date of 7 digits", good.replace("/20261206/", "/2026126/"), /is not yyyymmdd/],
    ["an ISO date", good.replace("/20261206/", "/2026-12-06/"), /is not yyyymmdd/],
    ["an upper-case region", good.replace("/us-east-1/", "/US-EAST-1/"), /is not a region name/],
    ["an empty region", good.replace("/us-east-1/", "//"), /is not a region name/],
    ["a short signature", good.replace(/Signature=.*$/, `Signature=${"0".repeat(63)}`), /64 hexadecimal digits/],
    ["an upper-case signature", good.replace(/Signature=.*$/, `Signature=${"0F".repeat(32)}`), /64 hexadecimal digits/],
    ["a base64 signature", good.replace(/Signature=.*$/, `Signature=${"A".repeat(43)}=`), /64 hexadecimal digits/],
    ["upper-case signed headers", good.replace("content-type;host", "Content-Type;Host"), /lower-case header names/],
    ["an empty signed header", good.replace("content-type;host", "content-type;;host"), /lower-case header names/],
    ["host not signed", good.replace("content-type;host;x-amz-date", "content-type;x-amz-date"), /host header must be signed/],
  ];
  for (const [what, header, message] of bad) {
    it(`${what} → IncompleteSignature 400`, () => {
      let err: unknown;
      try {
        parseAuthorization(header);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AwsError);
      expect(err).toMatchObject({ code: "IncompleteSignature", status: 400, message: expect.stringMatching(message) });
      expect((err as Error).message).toMatch(/^The request signature does not conform to AWS standards: /);
    });
  }

  it("a huge header is refused with a bounded message", () => {
    const huge = `AWS4-HMAC-SHA256 Credential=${AKID}/20261206/${"a".repeat(100_000)}/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`;
    let err: AwsError | undefined;
    try {
      parseAuthorization(huge);
    } catch (e) {
      err = e as AwsError;
    }
    expect(err?.code).toBe("IncompleteSignature");
    expect(err!.message.length).toBeLessThan(300);
  });
});

describe("parseAmzDate", () => {
  it("reads yyyyMMddTHHmmssZ as UTC", () => {
    expect(parseAmzDate("20261206T173000Z")?.toISOString()).toBe("2026-12-06T17:30:00.000Z");
    expect(parseAmzDate("20240229T000000Z")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
  });

  it("refuses other shapes and dates that do not exist (no rolling over into the next month)", () => {
    for (const text of ["", "2026-12-06T17:30:00Z", "20261206T173000", "20261206T173000z", "20261206 173000Z", "Sun, 06 Dec 2026 17:30:00 GMT", "20261301T000000Z", "20261232T000000Z", "20250229T000000Z", "20261206T250000Z", "20261206T176000Z", "20261206T173060Z"]) {
      expect(parseAmzDate(text), text).toBeNull();
    }
  });
});
