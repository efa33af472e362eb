/**
 * The accounts file of `vpcpeer serve --accounts FILE`: a JSON or YAML list (or `{accounts: […]}`)
 * of {name, id?, accessKeyId?, accessKeySecret?, token?}. Everything is checked here, before the
 * store is touched, and every refusal names the entry and the field; no message quotes a secret
 * or a token.
 */
import { readFileSync } from "node:fs";
import { YAMLParseError, parse } from "yaml";
import { credentialProblem } from "../domain/credentials.ts";
import { ACCOUNT_NAME_PATTERN } from "./accounts.ts";

export interface AccountEntry {
  name: string;
  id?: string;
  accessKeyId?: string;
  accessKeySecret?: string;
  token?: string;
}

const FIELDS = ["name", "id", "accessKeyId", "accessKeySecret", "token"] as const;
type Field = (typeof FIELDS)[number];
/** Fields no two entries may share (their columns are unique in the store). */
const UNIQUE: Field[] = ["name", "id", "accessKeyId", "token"];
const SECRET: ReadonlySet<Field> = new Set(["accessKeySecret", "token"]);

export class AccountsFileError extends Error {}

export function readAccountsFile(path: string): AccountEntry[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new AccountsFileError(`accounts file ${path}: cannot read it: ${(e as Error).message}`);
  }
  return parseAccountsFile(text, path);
}

export function parseAccountsFile(text: string, path: string): AccountEntry[] {
  const fail = (msg: string) => new AccountsFileError(`accounts file ${path}: ${msg}`);
  let raw: unknown;
  try {
    // JSON is YAML; prettyErrors off, so a syntax error never echoes a line (it may hold a secret).
    raw = parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    let pos = "";
    if (e instanceof YAMLParseError) {
      const before = text.slice(0, e.pos[0]);
      pos = `line ${before.split("\n").length}, column ${e.pos[0] - before.lastIndexOf("\n")}: `;
    }
    throw fail(`not valid JSON or YAML: ${pos}${(e as Error).message.split("\n")[0]}`);
  }
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1 || keys[0] !== "accounts") throw fail(`expected a list of accounts, or an object whose only key is "accounts" (found ${keys.map((k) => `"${k}"`).join(", ") || "no keys"})`);
    raw = (raw as { accounts: unknown }).accounts;
  }
  if (!Array.isArray(raw)) throw fail("expected a list of accounts ({name, id?, accessKeyId?, accessKeySecret?, token?} each)");

  const entries: AccountEntry[] = [];
  const seen = new Map<Field, Map<string, number>>(UNIQUE.map((f) => [f, new Map()]));
  raw.forEach((item: unknown, i) => {
    const where = (field?: string) => {
      const name = item !== null && typeof item === "object" && typeof (item as { name?: unknown }).name === "string" ? ` ("${(item as { name: string }).name.slice(0, 63)}")` : "";
      return `entry ${i + 1}${name}${field ? `: ${field}` : ""}`;
    };
    if (item === null || typeof item !== "object" || Array.isArray(item)) throw fail(`${where()}: must be an object {name, id?, accessKeyId?, accessKeySecret?, token?}`);
    const entry: Record<string, string> = {};
    for (const [key, value] of Object.entries(item)) {
      if (!(FIELDS as readonly string[]).includes(key)) throw fail(`${where(key)}: unknown field (the fields are ${FIELDS.join(", ")})`);
      const field = key as Field;
      // An unquoted YAML account id reads as a number; a whole one is what the text said.
      const text = field === "id" && typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
      if (typeof text !== "string") throw fail(`${where(field)}: must be a string${typeof value === "number" ? " (quote it)" : `, not ${value === null ? "null" : Array.isArray(value) ? "a list" : typeof value}`}`);
      entry[field] = text;
    }
    if (entry.name === undefined) throw fail(`${where("name")}: required`);
    if (!ACCOUNT_NAME_PATTERN.test(entry.name)) throw fail(`${where("name")}: "${entry.name.slice(0, 70)}" must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    for (const field of ["id", "accessKeyId", "accessKeySecret", "token"] as const) {
      const value = entry[field];
      if (value === undefined) continue;
      const problem = credentialProblem(field, value);
      if (problem) throw fail(`${where(field)}: ${problem}`);
    }
    if (entry.accessKeyId !== undefined && entry.accessKeySecret === undefined) {
      throw fail(`${where("accessKeySecret")}: required with accessKeyId (a fixed access key is only usable with its secret)`);
    }
    for (const field of UNIQUE) {
      const value = entry[field];
      if (value === undefined) continue;
      const before = seen.get(field)!.get(value);
      if (before !== undefined) throw fail(`${where(field)}: ${SECRET.has(field) ? "the same" : `"${value}" is the same`} as entry ${before + 1}'s; every account needs its own`);
      seen.get(field)!.set(value, i);
    }
    entries.push(entry as unknown as AccountEntry);
  });
  return entries;
}
