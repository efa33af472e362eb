/** The two signature schemes against the SDK's own signer (@alicloud/openapi-util), plus encoding rules. */
import * as OpenApiUtilModule from "@alicloud/openapi-util";
import * as Tea from "@alicloud/tea-typescript";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aliEncode, parseAliTime } from "./encode.ts";
import { acs3CanonicalRequest, acs3Verify, parseAcs3, sha256Hex } from "./signature-acs3.ts";
import { v1Sign, v1Verify } from "./signature-v1.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m = OpenApiUtilModule as any;
const OpenApiUtil = typeof m.default === "function" ? m.default : m.default.default;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const t = Tea as any;
const TeaRequest = t.Request ?? t.default.Request;

const text = fc.string({ unit: "grapheme", maxLength: 20 });
const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9.]{0,15}$/).filter((k) => !["constructor", "__proto__", "toString", "valueOf"].includes(k));

describe("Alibaba signatures", () => {
  it("encodes like the SDKs: RFC 3986, !'()* escaped, ~ kept", () => {
    expect(aliEncode("a b*!'()~/")).toBe("a%20b%2A%21%27%28%29~%2F");
  });

  it("v1 (HMAC-SHA1) equals the SDK's getRPCSignature for any parameters", () => {
    fc.assert(
      fc.property(fc.dictionary(key, text, { maxKeys: 8 }), fc.constantFrom("GET", "POST"), (params, method) => {
        const expected = OpenApiUtil.getRPCSignature({ ...params }, method, "secret");
        expect(v1Sign("secret", method, Object.entries(params))).toBe(expected);
        expect(v1Verify("secret", method, Object.entries(params), expected)).toBe(true);
        expect(v1Verify("other", method, Object.entries(params), expected)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("ACS3 (HMAC-SHA256) verifies the SDK's getAuthorization for any query and body", () => {
    fc.assert(
      fc.property(fc.dictionary(key, text, { maxKeys: 6 }), fc.string({ maxLength: 40 }), (query, body) => {
        const req = new TeaRequest();
        req.method = "POST";
        req.pathname = "/";
        req.query = query;
        const hashed = sha256Hex(Buffer.from(body, "utf8"));
        req.headers = { host: "127.0.0.1:8080", "x-acs-action": "CreateVpc", "x-acs-version": "2016-04-28", "x-acs-date": "2026-01-05T10:00:00Z", "x-acs-signature-nonce": "abc", "x-acs-content-sha256": hashed, "content-type": "application/x-www-form-urlencoded" };
        const authz = OpenApiUtil.getAuthorization(req, "ACS3-HMAC-SHA256", hashed, "AK", "secret");
        const parsed = parseAcs3(authz)!;
        expect(parsed.accessKeyId).toBe("AK");
        const canonical = acs3CanonicalRequest("POST", "/", Object.entries(query), req.headers, parsed.signedHeaders, hashed);
        expect(acs3Verify("secret", canonical, parsed.signature)).toBe(true);
        expect(acs3Verify("nope", canonical, parsed.signature)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it("refuses malformed Authorization headers and timestamps", () => {
    expect(parseAcs3("ACS3-HMAC-SHA256 Credential=AK")).toBeNull();
    expect(parseAcs3("ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=zz")).toBeNull();
    expect(parseAcs3("TC3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=" + "a".repeat(64))).toBeNull();
    expect(parseAliTime("2026-01-05T10:00:00Z")).toBe(Date.parse("2026-01-05T10:00:00Z"));
    expect(parseAliTime("2026-13-45T10:00:00Z")).toBeNull();
    expect(parseAliTime("1700000000")).toBeNull();
  });
});
