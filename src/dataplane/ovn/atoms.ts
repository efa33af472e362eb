/**
 * OVSDB values on the wire (RFC 7047 §5.1): an atom is a string, number, boolean or a tagged
 * UUID (`["uuid", id]`, or `["named-uuid", name]` for a row inserted in the same transaction); a
 * set is `["set", [atoms]]` (a one-element set may be sent as the bare atom); a map is
 * `["map", [[key, value]…]]`. Builders make these from plain values; readers turn what a server
 * sends back into plain values and reject anything else, naming what they expected.
 */

export type Uuid = ["uuid", string];
export type NamedUuid = ["named-uuid", string];
export type Atom = string | number | boolean | Uuid | NamedUuid;
export type OvsSet = ["set", Atom[]];
export type OvsMap = ["map", [Atom, Atom][]];
export type Value = Atom | OvsSet | OvsMap;
/** A row as sent or received: column → value. */
export type Row = Record<string, Value>;

export class AtomError extends Error {
  override name = "AtomError";
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** `named-uuid` names are identifiers: a letter or `_`, then letters, digits and `_`. */
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function uuid(id: string): Uuid {
  if (!UUID_RE.test(id)) throw new AtomError(`"${id}" is not a UUID`);
  return ["uuid", id];
}

export function namedUuid(name: string): NamedUuid {
  if (!NAME_RE.test(name)) throw new AtomError(`"${name}" is not a valid named-uuid (letters, digits, _; not starting with a digit)`);
  return ["named-uuid", name];
}

export function set(atoms: readonly Atom[]): OvsSet {
  return ["set", [...atoms]];
}

/** A map from a record (string keys) or from a Map (any atom keys). */
export function map(entries: Readonly<Record<string, Atom>> | ReadonlyMap<Atom, Atom>): OvsMap {
  const pairs = entries instanceof Map ? [...entries] : Object.entries(entries);
  return ["map", pairs.map(([k, v]) => [k, v] as [Atom, Atom])];
}

const isTagged = (v: unknown, tag: string): v is [string, unknown] => Array.isArray(v) && v.length === 2 && v[0] === tag;

export function isUuid(v: unknown): v is Uuid {
  return isTagged(v, "uuid") && typeof v[1] === "string";
}

function isAtom(v: unknown): v is Atom {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" || isUuid(v) || (isTagged(v, "named-uuid") && typeof v[1] === "string");
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** The atoms of a set-typed column (a bare atom is a one-element set). */
export function setOf(v: unknown): Atom[] {
  if (isTagged(v, "set")) {
    if (!Array.isArray(v[1]) || !v[1].every(isAtom)) throw new AtomError(`malformed set ${describe(v)}`);
    return v[1];
  }
  if (isAtom(v)) return [v];
  throw new AtomError(`expected a set, got ${describe(v)}`);
}

/** The value of an optional column (a set of 0 or 1 atoms): the atom, or undefined. */
export function optionalOf(v: unknown): Atom | undefined {
  const atoms = setOf(v);
  if (atoms.length > 1) throw new AtomError(`expected at most one value, got ${describe(v)}`);
  return atoms[0];
}

/** The entries of a map-typed column. */
export function mapEntries(v: unknown): [Atom, Atom][] {
  if (!isTagged(v, "map") || !Array.isArray(v[1])) throw new AtomError(`expected a map, got ${describe(v)}`);
  for (const pair of v[1]) {
    if (!Array.isArray(pair) || pair.length !== 2 || !isAtom(pair[0]) || !isAtom(pair[1])) throw new AtomError(`malformed map entry ${describe(pair)}`);
  }
  return v[1] as [Atom, Atom][];
}

/** A string→string map column (external_ids, options, other_config…) as a record. */
export function stringMap(v: unknown): Record<string, string> {
  const entries = mapEntries(v);
  for (const [k, val] of entries) {
    if (typeof k !== "string" || typeof val !== "string") throw new AtomError(`expected a string map, got entry ${describe([k, val])}`);
  }
  // Own properties whatever the keys (an assignment would take `__proto__` as the prototype).
  return Object.fromEntries(entries) as Record<string, string>;
}

/** The id of a UUID atom. */
export function uuidOf(v: unknown): string {
  if (!isUuid(v)) throw new AtomError(`expected a uuid, got ${describe(v)}`);
  return v[1];
}

/** The ids of a set of UUIDs (references to other rows). */
export function uuidsOf(v: unknown): string[] {
  return setOf(v).map(uuidOf);
}

export function stringOf(v: unknown): string {
  if (typeof v !== "string") throw new AtomError(`expected a string, got ${describe(v)}`);
  return v;
}

export function stringsOf(v: unknown): string[] {
  return setOf(v).map(stringOf);
}

export function integerOf(v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new AtomError(`expected an integer, got ${describe(v)}`);
  return v;
}

export function booleanOf(v: unknown): boolean {
  if (typeof v !== "boolean") throw new AtomError(`expected a boolean, got ${describe(v)}`);
  return v;
}
