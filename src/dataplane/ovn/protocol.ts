/**
 * The shapes of RFC 7047's methods: transaction operations and their results, monitor requests
 * and the table updates a monitor delivers.
 */
import type { Row, Uuid, Value } from "./atoms.ts";

export type ConditionFn = "<" | "<=" | "==" | "!=" | ">=" | ">" | "includes" | "excludes";
export type Condition = [column: string, fn: ConditionFn, value: Value];
export type Mutator = "+=" | "-=" | "*=" | "/=" | "%=" | "insert" | "delete";
export type Mutation = [column: string, mutator: Mutator, value: Value];

/** One operation of a `transact` (RFC 7047 §5.2). */
export type Operation =
  | { op: "insert"; table: string; row: Row; "uuid-name"?: string }
  | { op: "select"; table: string; where: Condition[]; columns?: string[] }
  | { op: "update"; table: string; where: Condition[]; row: Row }
  | { op: "mutate"; table: string; where: Condition[]; mutations: Mutation[] }
  | { op: "delete"; table: string; where: Condition[] }
  | { op: "wait"; table: string; where: Condition[]; columns: string[]; until: "==" | "!="; rows: Row[]; timeout?: number }
  | { op: "commit"; durable: boolean }
  | { op: "abort" }
  | { op: "comment"; comment: string }
  | { op: "assert"; lock: string };

/** What one operation answered: `uuid` for insert, `rows` for select, `count` for update/mutate/delete. */
export interface OpResult {
  uuid?: Uuid;
  rows?: Row[];
  count?: number;
  error?: string;
  details?: string;
}

/** Which columns of a table a monitor reports, and on which events (all by default). */
export interface MonitorRequest {
  columns?: string[];
  select?: { initial?: boolean; insert?: boolean; delete?: boolean; modify?: boolean };
}

/**
 * A row's change: `new` alone is an insert (or the initial contents), `old` alone a delete; a
 * modify has both, `old` holding only the columns that changed and `new` every monitored column.
 */
export interface RowUpdate {
  old?: Row;
  new?: Row;
}

/** table → row uuid → change. */
export type TableUpdates = Record<string, Record<string, RowUpdate>>;
