/** Unit checks of the Tencent dialect's pure parts: flattened parameters, signatures, state names. */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { PEERING_STATES } from "../../domain/peering.ts";
import { DomainError } from "../../domain/errors.ts";
import { TencentError, toTencentError } from "./errors.ts";
import { unflatten } from "./request.ts";
import { STATE_OF, routeIdOf, routeItemId, routeNumber } from "./shapes.ts";
import { hostForms, legacySignature, legacyStringToSign, parseTc3Authorization, tc3Signature, utcDate } from "./signature.ts";

const require = createRequire(import.meta.url);
const Sign = require("tencentcloud-sdk-nodejs/tencentcloud/common/sign.js").default as {
  sign3(o: Record<string, unknown>): string;
  sign(secret: string, str: string, method: string): string;
};

describe("Tencent dialect internals", () => {
  it("unflattens SDK-flattened parameters, refusing gaps and conflicts", () => {
    expect(unflatten({ "Routes.0.GatewayType": "PEERCONNECTION", "Routes.0.GatewayId": "pcx-1", "Routes.1.RouteId": "5", "Filters.0.Values.0": "a", Limit: "10" })).toEqual({
      Routes: [{ GatewayType: "PEERCONNECTION", GatewayId: "pcx-1" }, { RouteId: "5" }],
      Filters: [{ Values: ["a"] }],
      Limit: "10",
    });
    const bads: Record<string, string>[] = [{ "A.1": "x" }, { A: "x", "A.0": "y" }, { "A.0": "x", "A.B": "y" }, { "A..B": "x" }, { "A.constructor": "x" }, { "A.100000": "x" }];
    for (const bad of bads) {
      expect(() => unflatten(bad)).toThrow(TencentError);
    }
  });

  it("computes the same TC3 signature as the SDK (host without port, service from the scope)", () => {
    const body = { SourceVpcId: "vpc-1", DestinationUin: "100000000001" };
    const timestamp = 1_795_325_597;
    const auth = Sign.sign3({ method: "POST", url: "http://127.0.0.1:37061/", payload: body, timestamp, service: "127", secretId: "AKIDtest", secretKey: "k", headers: { "Content-Type": "application/json" } });
    const cred = parseTc3Authorization(auth)!;
    expect(cred).toMatchObject({ secretId: "AKIDtest", service: "127", date: utcDate(timestamp), signedHeaders: ["content-type", "host"] });
    const ours = tc3Signature("k", { method: "POST", path: "/", rawQuery: "", headers: { "content-type": "application/json" }, host: hostForms("127.0.0.1:37061")[0]!, body: JSON.stringify(body), timestamp: String(timestamp), date: cred.date, service: cred.service, signedHeaders: cred.signedHeaders });
    expect(ours).toBe(cred.signature);
  });

  it("computes the legacy HmacSHA1/HmacSHA256 signatures as the SDK does", () => {
    const params = { Action: "DescribeVpcs", Nonce: "1", "VpcIds.0": "vpc-1", SecretId: "AKID", Timestamp: "2" };
    const str = legacyStringToSign("POST", "127.0.0.1:80", "/", params);
    expect(str).toBe("POST127.0.0.1:80/?Action=DescribeVpcs&Nonce=1&SecretId=AKID&Timestamp=2&VpcIds.0=vpc-1");
    for (const m of ["HmacSHA1", "HmacSHA256"] as const) expect(legacySignature("k", m, str)).toBe(Sign.sign("k", str, m));
  });

  it("maps every peering state, and route ids to stable safe integers", () => {
    for (const s of PEERING_STATES) expect(STATE_OF[s]).toMatch(/^(PENDING|ACTIVE|REJECTED|DELETED|FAILED|EXPIRED|ISOLATED)$/);
    expect(STATE_OF.suspended).toBe("ISOLATED");
    expect(routeNumber("rt-abc")).toBe(routeNumber("rt-abc"));
    expect(Number.isSafeInteger(routeNumber("rt-abc"))).toBe(true);
    expect(routeNumber("local")).toBe(0);
  });

  it("shows route ids as rti- with the same suffix and takes either prefix back", () => {
    expect(routeItemId("rt-0a1b2c3d4e5f")).toBe("rti-0a1b2c3d4e5f");
    expect(routeIdOf("rti-0a1b2c3d4e5f")).toBe("rt-0a1b2c3d4e5f");
    expect(routeIdOf("rt-0a1b2c3d4e5f")).toBe("rt-0a1b2c3d4e5f");
    expect(routeItemId("local")).toBe("local");
  });

  it("words domain errors in Tencent's terms", () => {
    const msg = (e: DomainError, action = "") => toTencentError(e, action).message;
    expect(msg(new DomainError("InvalidPeeringState", "peering pcx-1 is already rejected; to remove the record, DELETE with ?purge=true", {}))).toBe("peering pcx-1 is already REJECTED");
    expect(msg(new DomainError("PeeringExists", "peerVpcId: vpc-a and vpc-b already have a live peering pcx-1 (pending-acceptance)", {}))).toBe("DestinationVpcId: vpc-a and vpc-b already have a live peering pcx-1 (PENDING)");
    expect(msg(new DomainError("LimitExceeded", "subnets in vpc-a: the limit of 5 is reached (quota subnetsPerVpc)", {}))).toBe("subnets in vpc-a: the limit of 5 is reached");
    expect(msg(new DomainError("DuplicateRoute", "destinationCidr: route table rtb-1 already has a route to 10.0.0.0/8 (rt-0a1b2c3d4e5f)", {}))).toBe("DestinationCidrBlock: route table rtb-1 already has a route to 10.0.0.0/8 (rti-0a1b2c3d4e5f)");
    expect(msg(new DomainError("NameTaken", "name: taken", {}), "CreateSubnet")).toBe("SubnetName: taken");
    expect(msg(new DomainError("NameTaken", "name: taken", {}), "ModifyVpcPeeringConnection")).toBe("PeeringConnectionName: taken");
  });
});
