import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MasterKey, hashToken, randomAlnum } from "./secrets.ts";

describe("MasterKey", () => {
  const key = MasterKey.fromBytes(Buffer.alloc(32, 3));
  it("round-trips and never stores the plaintext", () => {
    const c = key.encrypt("s3cret-value");
    expect(c).not.toContain("s3cret");
    expect(key.decrypt(c)).toBe("s3cret-value");
    expect(key.encrypt("same")).not.toBe(key.encrypt("same"));
  });
  it("refuses a different key and tampered ciphertext", () => {
    const other = MasterKey.fromBytes(Buffer.alloc(32, 4));
    expect(() => other.decrypt(key.encrypt("x"))).toThrow(/master key/);
    const parts = key.encrypt("hello").split(".");
    parts[3] = Buffer.from("jello").toString("base64url");
    expect(() => key.decrypt(parts.join("."))).toThrow();
  });
  it("rejects keys of the wrong size", () => {
    expect(() => MasterKey.fromBytes(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe("tokens and random text", () => {
  it("hashes deterministically and produces alphanumerics of the asked length", () => {
    expect(hashToken("a")).toBe(hashToken("a"));
    expect(hashToken("a")).not.toBe(hashToken("b"));
    const s = randomAlnum(randomBytes, 32);
    expect(s).toMatch(/^[A-Za-z0-9]{32}$/);
  });
});
