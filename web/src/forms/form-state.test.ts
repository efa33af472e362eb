import { describe, expect, it } from "vitest";
import { type Field, initialValues, problemsOf, resolveValues } from "./form-state.ts";

const vpcs = [
  { id: "vpc-a", region: "r1" },
  { id: "vpc-b", region: "r2" },
  { id: "vpc-c", region: "r1" },
];
const fields: Field[] = [
  { name: "vpcId", label: "Your VPC", type: "select", options: vpcs.map((v) => ({ value: v.id, label: v.id })) },
  { name: "peerVpcId", label: "Peer VPC", type: "select", options: (v) => vpcs.filter((x) => x.id !== v.vpcId).map((x) => ({ value: x.id, label: x.id })), check: (id) => (id ? undefined : "none") },
  { name: "region", label: "Peer region", type: "select", options: (v) => [{ value: vpcs.find((x) => x.id === v.peerVpcId)?.region ?? "", label: "" }] },
  { name: "dest", label: "Destination", suggest: (v) => `cidr of ${v.peerVpcId}` },
  { name: "typed", label: "Typed", when: (v) => v.vpcId === "vpc-c", check: (t) => (t.startsWith("x") ? undefined : "starts with x") },
  { name: "note", label: "Note", type: "custom", render: () => null },
  { name: "flag", label: "Flag", type: "checkbox" },
];

describe("form state", () => {
  it("starts empty, with checkboxes off and no value for custom fields", () => {
    expect(initialValues(fields)).toEqual({ vpcId: "", peerVpcId: "", region: "", dest: "", typed: "", flag: false });
  });

  it("resolves selects in order, so options and a following region depend on earlier choices", () => {
    const shown = resolveValues(fields, initialValues(fields));
    expect(shown).toMatchObject({ vpcId: "vpc-a", peerVpcId: "vpc-b", region: "r2", dest: "cidr of vpc-b" });
    // Choosing the peer VPC as local moves the peer to the first other one; the region follows.
    expect(resolveValues(fields, { ...initialValues(fields), vpcId: "vpc-b", peerVpcId: "vpc-b" })).toMatchObject({ peerVpcId: "vpc-a", region: "r1" });
    // What the user typed wins over the suggestion; an empty field takes it again.
    expect(resolveValues(fields, { ...initialValues(fields), dest: "10.0.0.0/8" }).dest).toBe("10.0.0.0/8");
  });

  it("reports the problems of shown fields only", () => {
    const only = [{ id: "vpc-a", region: "r1" }];
    const f2 = fields.map((f) => (f.name === "vpcId" ? { ...f, options: only.map((v) => ({ value: v.id, label: v.id })) } : f.name === "peerVpcId" ? { ...f, options: () => [] } : f));
    expect(problemsOf(f2, resolveValues(f2, initialValues(f2)))).toEqual({ peerVpcId: "none" });
    expect(problemsOf(fields, resolveValues(fields, { ...initialValues(fields), vpcId: "vpc-c" }))).toEqual({ typed: "starts with x" });
    expect(problemsOf(fields, resolveValues(fields, { ...initialValues(fields), vpcId: "vpc-c", typed: "xy" }))).toEqual({});
  });
});
