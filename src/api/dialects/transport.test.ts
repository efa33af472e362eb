import { describe, expect, it } from "vitest";
import { requestFromPacket } from "./transport.ts";

describe("requestFromPacket", () => {
  it("reads the request line and the complete header lines, not one cut off", () => {
    const packet = Buffer.from("POST /?a=1 HTTP/1.1\r\nHost: x\r\nX-TC-Action: DescribeVpcs\r\nX-TC-Action: Other\r\nX-Padding: ppp");
    const req = requestFromPacket(packet)!;
    expect(req).toMatchObject({ method: "POST", path: "/", rawQuery: "a=1", query: { a: "1" }, rawBody: "" });
    expect(req.headers).toEqual({ host: "x", "x-tc-action": "DescribeVpcs" });
  });

  it("stops at the end of the headers and takes no body", () => {
    const req = requestFromPacket(Buffer.from("GET / HTTP/1.0\r\nA: 1\r\n\r\nB: 2\r\n"))!;
    expect(req.headers).toEqual({ a: "1" });
  });

  it("is null for anything that is not an HTTP/1 request", () => {
    for (const text of ["", "garbage", "GET /\r\n", "get / HTTP/1.1\r\n", "GET / HTTP/2\r\n"]) expect(requestFromPacket(Buffer.from(text))).toBeNull();
    expect(requestFromPacket(undefined)).toBeNull();
  });
});
