/**
 * What a form shows and would submit, from what the user chose: options and visibility computed
 * from the current values, selects that follow other fields, suggested text, and what is wrong with
 * the values before anything is sent. Pure (the Form in ../form.tsx draws it).
 */
import type { ReactNode } from "react";

export type Values = Record<string, string | boolean>;
export interface Option {
  value: string;
  label: string;
}

export interface Field {
  name: string;
  label: string;
  /** `custom`: no value of its own; draws `render(values)` (a price line, a note). */
  type?: "text" | "number" | "select" | "checkbox" | "custom";
  /** A select's choices, fixed or computed from the current values (e.g. the VPCs other than the chosen one). */
  options?: Option[] | ((values: Values) => Option[]);
  placeholder?: string;
  initial?: string | boolean;
  /** Shown only when this returns true for the current values. */
  when?: (values: Values) => boolean;
  hint?: string | ((values: Values) => string | undefined);
  /** What is wrong with this value (undefined: nothing). Shown under the field; the form is not sent while any shown field has a problem. */
  check?: (value: string, values: Values) => string | undefined;
  /** Text offered while the field is empty (e.g. the destination of the chosen route target). */
  suggest?: (values: Values) => string | undefined;
  /** The select's value follows other fields; the user cannot change it (e.g. the region of the chosen VPC). */
  locked?: (values: Values) => boolean;
  /** type custom: what to draw for the current values. */
  render?: (values: Values) => ReactNode;
}

export function optionsOf(f: Field, values: Values): Option[] {
  return typeof f.options === "function" ? f.options(values) : (f.options ?? []);
}

export function visible(f: Field, values: Values): boolean {
  return !f.when || f.when(values);
}

export function initialValues(fields: readonly Field[]): Values {
  const out: Values = {};
  for (const f of fields) {
    if (f.type === "custom") continue;
    out[f.name] = f.initial ?? (f.type === "checkbox" ? false : "");
  }
  return out;
}

/**
 * The values the form shows and submits. Selects, in field order (so a select may depend on an
 * earlier one): a value that is not (or no longer) among the options becomes the first option,
 * e.g. options that arrived after the form was drawn, or a region that follows the chosen VPC.
 * Then empty text fields take their suggestion.
 */
export function resolveValues(fields: readonly Field[], values: Values): Values {
  const shown: Values = { ...values };
  for (const f of fields) {
    if (f.type !== "select") continue;
    const options = optionsOf(f, shown);
    if (!options.some((o) => o.value === shown[f.name])) shown[f.name] = options[0]?.value ?? "";
  }
  for (const f of fields) {
    if (!f.suggest || (typeof shown[f.name] === "string" && shown[f.name] !== "")) continue;
    shown[f.name] = f.suggest(shown) ?? "";
  }
  return shown;
}

/** The problems of the shown fields' values, by field name. */
export function problemsOf(fields: readonly Field[], shown: Values): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (!f.check || !visible(f, shown)) continue;
    const problem = f.check(String(shown[f.name] ?? ""), shown);
    if (problem) out[f.name] = problem;
  }
  return out;
}
