import { describe, expect, it } from "vitest";
import { parseAccountsFile } from "./accounts-file.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = `vpt_${"a".repeat(43)}`;
const refusal = (text: string) => {
  try {
    parseAccountsFile(text, "f.yaml");
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("the accounts file", () => {
  it("reads a YAML list, an unquoted id as its digits, and JSON (a list or {accounts})", () => {
    const yaml = `- name: alice\n  id: 123456789012\n  accessKeyId: AKIAIOSFODNN7EXAMPLE\n  accessKeySecret: ${SECRET}\n  token: ${TOKEN}\n- name: bob\n`;
    expect(parseAccountsFile(yaml, "f.yaml")).toEqual([{ name: "alice", id: "123456789012", accessKeyId: "AKIAIOSFODNN7EXAMPLE", accessKeySecret: SECRET, token: TOKEN }, { name: "bob" }]);
    expect(parseAccountsFile(JSON.stringify({ accounts: [{ name: "carol", id: "210987654321" }] }), "f.json")).toEqual([{ name: "carol", id: "210987654321" }]);
    expect(parseAccountsFile("[]", "f.json")).toEqual([]);
    // The short test keys emulator users carry (LocalStack's test/test).
    expect(parseAccountsFile(`- {name: ci, id: "000000000000", accessKeyId: test, accessKeySecret: test}\n`.replace("000000000000", "123456789012"), "f.yaml")).toEqual([{ name: "ci", id: "123456789012", accessKeyId: "test", accessKeySecret: "test" }]);
  });

  it("refuses what the store or the SDKs could not take, naming the entry and the field and never quoting a secret", () => {
    const cases: [string, RegExp][] = [
      [`- name: a\n  id: 12345\n`, /entry 1 \("a"\): id: "12345" must be an account id/],
      [`- name: a\n  id: "012345678901"\n`, /entry 1 \("a"\): id: .*not starting with 0/],
      [`- name: a\n  accessKeyId: AKIA/EXAMPLE000000000\n  accessKeySecret: ${SECRET}\n`, /entry 1 \("a"\): accessKeyId: .*4-128 letters, digits or '_'/],
      [`- name: a\n  accessKeyId: tst\n  accessKeySecret: ${SECRET}\n`, /accessKeyId: "tst" must be 4-128/],
      [`- name: a\n  accessKeyId: AKIAIOSFODNN7EXAMPLE\n  accessKeySecret: "short secret"\n`, /entry 1 \("a"\): accessKeySecret: must be 4-128 printable ASCII characters without spaces \(got 12 characters, some not printable ASCII or spaces\)/],
      [`- name: a\n  accessKeyId: AKIAIOSFODNN7EXAMPLE\n`, /accessKeySecret: required with accessKeyId/],
      [`- name: a\n  token: vpt_x\n`, /entry 1 \("a"\): token: must be "vpt_"/],
      [`- name: a\n  region: us-east-1\n`, /entry 1 \("a"\): region: unknown field \(the fields are name, id, accessKeyId, accessKeySecret, token\)/],
      [`- name: a\n  accessKeyId: AKIAIOSFODNN7EXAMPLE\n  accessKeySecret: 12345678901234567890\n`, /accessKeySecret: must be a string \(quote it\)/],
      [`- name: [a]\n`, /entry 1: name: must be a string, not a list/],
      [`- id: "123456789012"\n`, /entry 1: name: required/],
      [`- name: "bad name"\n`, /entry 1 \("bad name"\): name: "bad name" must be 1-63/],
      [`- name: a\n- name: a\n`, /entry 2 \("a"\): name: "a" is the same as entry 1's/],
      [`- name: a\n  id: "123456789012"\n- name: b\n  id: "123456789012"\n`, /entry 2 \("b"\): id: "123456789012" is the same as entry 1's/],
      [`- {name: a, accessKeyId: AKIAIOSFODNN7EXAMPLE, accessKeySecret: ${SECRET}}\n- {name: b, accessKeyId: AKIAIOSFODNN7EXAMPLE, accessKeySecret: ${SECRET}}\n`, /entry 2 \("b"\): accessKeyId: "AKIAIOSFODNN7EXAMPLE" is the same as entry 1's/],
      [`- {name: a, token: ${TOKEN}}\n- {name: b, token: ${TOKEN}}\n`, /entry 2 \("b"\): token: the same as entry 1's/],
      [`- name: a\n  name: b\n`, /not valid JSON or YAML: line 2, column 3: Map keys must be unique/],
      [`- 42\n`, /entry 1: must be an object/],
      [`{"users": []}`, /expected a list of accounts, or an object whose only key is "accounts" \(found "users"\)/],
      [`name: a\n`, /found "name"/],
      [``, /expected a list of accounts/],
    ];
    for (const [text, want] of cases) {
      const message = refusal(text);
      expect(message, text).toMatch(want);
      expect(message.startsWith("accounts file f.yaml: "), text).toBe(true);
      expect(message, text).not.toContain(SECRET);
      expect(message, text).not.toContain(TOKEN);
    }
  });
});
