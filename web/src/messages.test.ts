import { Type } from "@sinclair/typebox";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { toHttpError } from "../../src/api/native/errors.ts";
import { Id } from "../../src/api/native/schemas.ts";
import { errorSentences, errorText, fieldLabel, patternExample } from "./messages.ts";

/** The API's real answer to a body that fails `schema`: Ajv (verbose, as Fastify runs it) and the native error mapping. */
function refusal(schema: ReturnType<typeof Type.Object>, body: unknown) {
  const validate = new Ajv({ allErrors: true, verbose: true }).compile(schema);
  expect(validate(body)).toBe(false);
  const err = Object.assign(new Error("invalid"), { validation: validate.errors, validationContext: "body" });
  const { status, body: envelope } = toHttpError(err);
  return { status, ...envelope.error };
}

describe("error messages for people", () => {
  it("name the field as the form labels it", () => {
    expect(fieldLabel("body.peerVpcId")).toBe("Peer VPC ID");
    expect(fieldLabel("body.opposite.routerId")).toBe("Peer router ID");
    expect(fieldLabel("body.target.id")).toBe("Target ID");
    expect(fieldLabel("querystring.limit")).toBe("Page size");
    expect(fieldLabel("body.fooBarId")).toBe("Foo bar ID");
    expect(fieldLabel("body.tags.env")).toBe("Tag env");
  });

  it("rewrite schema errors (id patterns, enums, missing and unknown fields) into sentences", () => {
    const schema = Type.Object(
      { vpcId: Id("vpc"), peerVpcId: Id("vpc"), chargeType: Type.Union([Type.Literal("pay-as-you-go"), Type.Literal("subscription")]), bandwidthMbps: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })) },
      { additionalProperties: false },
    );
    const e = refusal(schema, { vpcId: "vpc-0123456789ab", peerVpcId: "abc", chargeType: "free", bandwidthMbps: 0, colour: "red" });
    expect(e.code).toBe("InvalidRequest");
    const sentences = errorSentences(e);
    expect(sentences).toHaveLength(4);
    expect(sentences).toEqual(
      expect.arrayContaining([
        "Colour is not something this request accepts.",
        'Peer VPC ID must be a VPC ID like vpc-… (you entered "abc").',
        'Billing must be one of "pay-as-you-go" or "subscription" (you entered "free").',
        "Bandwidth (Mbps) must be an integer from 1 to 10000 (you entered 0).",
      ]),
    );
    expect(e.message).toMatch(/^body\./); // the API's own message stays technical; the console rewrites it
    const missing = refusal(Type.Object({ cidr: Type.String() }), {});
    expect(errorText(missing)).toBe("IPv4 CIDR is required.");
  });

  it("turn a raw pattern into what the value should look like", () => {
    expect(patternExample("^vpc-[a-z0-9]{12}$")).toBe("vpc-…");
    expect(patternExample("^(pcx|ri)-[a-z0-9]{12}$")).toBe("pcx-… or ri-…");
    expect(patternExample("^[0-9]+$")).toBeNull();
    const e = { status: 400, code: "InvalidRequest", message: 'querystring.vpcId must match pattern "^vpc-[a-z0-9]{12}$"', details: { field: "querystring.vpcId" } };
    expect(errorText(e)).toBe("VPC ID must look like vpc-…");
    const other = { status: 400, code: "InvalidRequest", message: "body.name must match pattern ^[a-z]+$", details: { field: "body.name" } };
    expect(errorText(other)).toBe("Name is not in the expected form.");
  });

  it("keep the API's own sentences, with the field named and a capital letter", () => {
    const cidr = { status: 400, code: "InvalidCidr", message: 'cidr: "10.0.0.1/16" is not an IPv4 CIDR block like 10.0.0.0/16', details: { field: "cidr" } };
    expect(errorText(cidr)).toBe('IPv4 CIDR: "10.0.0.1/16" is not an IPv4 CIDR block like 10.0.0.0/16.');
    const url = { status: 400, code: "InvalidRequest", message: "url: must be http(s)", details: {} };
    expect(errorText(url)).toBe("URL must be http(s).");
    const ri = { status: 409, code: "RouterInterfaceMismatch", message: "router interface ri-1: the acceptor names another peer", details: {} };
    expect(errorText(ri)).toBe("Router interface ri-1: the acceptor names another peer.");
    const nf = { status: 404, code: "ResourceNotFound", message: "vpc vpc-doesnotexist does not exist", details: {} };
    expect(errorText(nf)).toBe("VPC vpc-doesnotexist does not exist.");
  });

  it("say what to do about network failures, refused tokens and server errors", () => {
    expect(errorText({ status: 0, code: "NetworkError", message: "the server did not answer (Failed to fetch)", details: {} })).toMatch(/^The server did not answer\./);
    expect(errorText({ status: 401, code: "Unauthenticated", message: "authentication required", details: {} })).toMatch(/^This access token was not accepted\./);
    expect(errorSentences({ status: 500, code: "InternalError", message: "internal error; the request was not applied", details: {} })[0]).toBe(
      "The server failed (HTTP 500): internal error; the request was not applied.",
    );
  });
});
