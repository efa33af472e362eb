/**
 * Which requests at `/` the AWS face claims (the others go to the other dialects, or are an
 * unknown endpoint), and how it answers requests that fail authentication.
 */
import { Hash } from "@smithy/hash-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, harness } from "../../../test/support/harness.ts";
import type { Services } from "../../service/index.ts";
import type { DialectRequest } from "../dialects/index.ts";
import { awsDialect } from "./index.ts";

const FORM = "application/x-www-form-urlencoded";

function req(over: Partial<DialectRequest> & { headers?: Record<string, string> }): DialectRequest {
  const rawQuery = over.rawQuery ?? "";
  return {
    method: "POST",
    url: rawQuery ? `/?${rawQuery}` : "/",
    path: "/",
    query: Object.fromEntries(new URLSearchParams(rawQuery)),
    rawQuery,
    rawBody: "",
    ...over,
    headers: { "content-type": FORM, ...(over.headers ?? {}) },
  };
}

describe("the AWS face's claim on a request", () => {
  const { matches } = awsDialect({} as Services);
  const ec2 = "Action=DescribeVpcs&Version=2016-11-15";

  it("a SigV4 Authorization header, whatever the body", () => {
    expect(matches(req({ headers: { authorization: "AWS4-HMAC-SHA256 Credential=x" }, rawBody: "anything" }))).toBe(true);
  });

  it("any AWS signature scheme (SigV4a, miscased): EC2 answers it, not the unknown-endpoint 404", () => {
    for (const authorization of ["AWS4-ECDSA-P256-SHA256 Credential=x", "aws4-hmac-sha256 Credential=x", "AWS4-HMAC-SHA1 x"]) {
      expect(matches(req({ headers: { authorization }, rawBody: ec2 })), authorization).toBe(true);
      expect(matches(req({ headers: { authorization } })), authorization).toBe(true);
    }
  });

  it("a presigned (query string) SigV4 request, with or without a Version", () => {
    expect(matches(req({ method: "GET", rawQuery: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00" }))).toBe(true);
    expect(matches(req({ rawQuery: "X-Amz-Signature=00", rawBody: "Action=DescribeVpcs" }))).toBe(true);
  });

  it("an EC2 or STS Version in the form body or the query string, signed or not, with any other Authorization", () => {
    expect(matches(req({ rawBody: ec2 }))).toBe(true);
    expect(matches(req({ rawBody: "Action=GetCallerIdentity&Version=2011-06-15" }))).toBe(true);
    expect(matches(req({ method: "GET", rawQuery: ec2 }))).toBe(true);
    for (const authorization of ["Basic eDp5", "Bearer t0ken", "garbage"]) expect(matches(req({ headers: { authorization }, rawBody: ec2 })), authorization).toBe(true);
  });

  it("not another cloud's request, nor one naming no AWS version", () => {
    expect(matches(req({ headers: { "x-tc-action": "DescribeVpcs" }, rawBody: ec2 }))).toBe(false);
    expect(matches(req({ headers: { "x-acs-action": "DescribeVpcs" }, rawBody: ec2 }))).toBe(false);
    expect(matches(req({ method: "GET", rawQuery: "Action=DescribeVpcs&Version=2016-04-28" }))).toBe(false);
    expect(matches(req({ rawBody: "Action=DescribeVpcs&Version=2016-11-16" }))).toBe(false);
    expect(matches(req({ headers: { authorization: "TC3-HMAC-SHA256 Credential=x" } }))).toBe(false);
    expect(matches(req({ method: "GET" }))).toBe(false);
  });
});

describe("the AWS face's answers to requests that fail authentication", () => {
  let h: Harness;
  let acct: { accessKeyId: string; accessKeySecret: string };
  beforeAll(async () => {
    h = await harness("sqlite");
    acct = await h.account();
  });
  afterAll(() => h?.close());

  /** A DescribeVpcs request signed by `key` at `when`, answered by the server: status and EC2 code. */
  async function answer(key: { accessKeyId: string; accessKeySecret: string }, when: Date): Promise<{ status: number; code: string }> {
    const body = "Action=DescribeVpcs&Version=2016-11-15";
    const signer = new SignatureV4({ credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.accessKeySecret }, region: "us-east-1", service: "ec2", sha256: Hash.bind(null, "sha256") });
    const signed = await signer.sign({ method: "POST", protocol: "http:", hostname: "localhost", path: "/", query: {}, headers: { host: "localhost", "content-type": FORM }, body }, { signingDate: when });
    const res = await h.app.inject({ method: "POST", url: "/", headers: signed.headers, payload: body });
    return { status: res.statusCode, code: /<Code>([^<]*)<\/Code>/.exec(res.body)?.[1] ?? "none" };
  }

  it("a request outside the 15-minute window is RequestExpired whether its access key exists or not (the answer is no oracle for keys)", async () => {
    const stale = new Date(h.runtime.services.deps.clock.now().getTime() - 60 * 60_000);
    const unknown = { accessKeyId: "AKIDNOSUCHKEY0000000000000000000", accessKeySecret: "x" };
    expect(await answer(acct, stale)).toEqual({ status: 400, code: "RequestExpired" });
    expect(await answer(unknown, stale)).toEqual({ status: 400, code: "RequestExpired" });
    // In the window: an unknown key and a wrong secret are both AuthFailure; the right one passes.
    const now = h.runtime.services.deps.clock.now();
    expect(await answer(unknown, now)).toEqual({ status: 401, code: "AuthFailure" });
    expect(await answer({ ...acct, accessKeySecret: `${acct.accessKeySecret}x` }, now)).toEqual({ status: 401, code: "AuthFailure" });
    expect(await answer(acct, now)).toEqual({ status: 200, code: "none" });
  });
});
