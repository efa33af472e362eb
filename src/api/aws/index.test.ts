/** Which requests at `/` the AWS face claims (the others go to the other dialects, or are an unknown endpoint). */
import { describe, expect, it } from "vitest";
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
