import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { idPattern } from "../../domain/ids.ts";
import { describePattern, describeSchema } from "./validation-message.ts";

describe("schema violation messages", () => {
  it("say what an id pattern means", () => {
    expect(describePattern(idPattern("vpc"))).toBe("a VPC id like vpc-…");
    expect(describePattern(idPattern("routeTable"))).toBe("a route table id like rtb-…");
    expect(describePattern("^(vpc|vbr)-[a-z0-9]{12}$")).toBe("a VPC id like vpc-… or a VBR id like vbr-…");
    expect(describePattern("^(local|rt-[a-z0-9]{12})$")).toBe('"local" or a route id like rt-…');
    expect(describePattern("^[1-9][0-9]{11,15}$")).toBeNull();
  });

  it("say which values and ranges a schema allows", () => {
    expect(describeSchema(Type.Union([1, 2, 3].map((n) => Type.Literal(n))))).toBe("one of 1, 2 or 3");
    expect(describeSchema(Type.Union([Type.Literal("tcp"), Type.Literal("udp")]))).toBe('one of "tcp" or "udp"');
    expect(describeSchema(Type.Union([Type.Integer({ minimum: 1, maximum: 10 }), Type.Null()]))).toBe("an integer from 1 to 10 or null");
    expect(describeSchema(Type.Integer({ minimum: 0 }))).toBe("an integer of at least 0");
    expect(describeSchema(Type.String({ minLength: 1, maxLength: 128 }))).toBe("text from 1 to 128 characters");
    expect(describeSchema(Type.String({ pattern: "^x+$", description: "One or more x" }))).toBe("one or more x");
    expect(describeSchema(Type.Boolean())).toBe("true or false");
  });
});
