import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AtomError, booleanOf, integerOf, map, mapEntries, namedUuid, optionalOf, set, setOf, stringMap, stringOf, stringsOf, uuid, uuidOf, uuidsOf } from "./atoms.ts";

const wire = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
const atom = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.uuid({ version: 4 }).map(uuid));

describe("OVSDB atoms", () => {
  it("round-trips string maps, sets and uuids through JSON", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.string()), fc.array(atom), fc.array(fc.uuid({ version: 4 })), (m, atoms, ids) => {
        expect(stringMap(wire(map(m)))).toEqual(m);
        expect(setOf(wire(set(atoms)))).toEqual(atoms);
        expect(uuidsOf(wire(set(ids.map(uuid))))).toEqual(ids);
      }),
    );
  });

  it("reads a one-element set sent as the bare atom, and optional columns", () => {
    expect(setOf("x")).toEqual(["x"]);
    expect(setOf(["uuid", "7e0b6c86-4d0a-4a57-9cb5-8f0e5f2f5d37"])).toEqual([["uuid", "7e0b6c86-4d0a-4a57-9cb5-8f0e5f2f5d37"]]);
    expect(stringsOf("a")).toEqual(["a"]);
    expect(optionalOf(["set", []])).toBeUndefined();
    expect(optionalOf(["set", [5]])).toBe(5);
    expect(optionalOf(true)).toBe(true);
    expect(() => optionalOf(["set", [1, 2]])).toThrow(/at most one value/);
  });

  it("keeps a key named __proto__ as a key (a map's keys come from the database)", () => {
    const m = stringMap(["map", [["__proto__", "x"], ["a", "b"]]]);
    expect(Object.keys(m)).toEqual(["__proto__", "a"]);
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype);
  });

  it("keeps non-string map keys when built from a Map", () => {
    expect(mapEntries(wire(map(new Map([[1, "a"], [2, "b"]]))))).toEqual([[1, "a"], [2, "b"]]);
  });

  it("rejects values of the wrong shape, naming what it got", () => {
    expect(() => stringMap(["set", []])).toThrow(AtomError);
    expect(() => stringMap(["map", [["a", 1]]])).toThrow(/string map, got entry \["a",1\]/);
    expect(() => mapEntries(["map", [["a"]]])).toThrow(/malformed map entry/);
    expect(() => setOf({ a: 1 })).toThrow(/expected a set, got \{"a":1\}/);
    expect(() => setOf(["set", [{}]])).toThrow(/malformed set/);
    expect(() => uuidOf("abc")).toThrow(/expected a uuid/);
    expect(() => stringOf(1)).toThrow(/expected a string/);
    expect(() => integerOf(1.5)).toThrow(/expected an integer/);
    expect(() => booleanOf("true")).toThrow(/expected a boolean/);
    expect(() => uuid("not-a-uuid")).toThrow(/not a UUID/);
    expect(() => namedUuid("1abc")).toThrow(/not a valid named-uuid/);
    expect(namedUuid("row_1")).toEqual(["named-uuid", "row_1"]);
  });
});
