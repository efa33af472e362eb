/**
 * Strict parsers of flag values, shared by every command: a value that is not exactly what the
 * flag takes is refused before any request (commander prints "option '--flag <x>' argument 'v'
 * is invalid. <reason>" on stderr and exits 1). `10M`, `fast`, `1e3`, ` 5` or `5.0` are never
 * read as numbers.
 */
import { InvalidArgumentError } from "commander";
import { PREFIX_PATTERN } from "../dataplane/naming.ts";
import { MAX_BANDWIDTH_MBPS, PERIOD_MONTHS } from "../domain/billing.ts";

/** A parser of integers written as digits only, within [min, max]. */
export function integer(min: number, max: number, unit = ""): (value: string) => number {
  const what = `a whole number${unit ? ` of ${unit}` : ""} from ${min} to ${max}`;
  return (value) => {
    if (!/^[0-9]{1,16}$/.test(value)) throw new InvalidArgumentError(`It must be ${what} (digits only).`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`It must be ${what}.`);
    return n;
  };
}

/** A parser of decimal numbers (digits, optionally one fraction) within [min, max]. */
export function decimal(min: number, max: number, unit = ""): (value: string) => number {
  const what = `a number${unit ? ` of ${unit}` : ""} from ${min} to ${max}`;
  return (value) => {
    if (!/^[0-9]{1,16}(\.[0-9]{1,6})?$/.test(value)) throw new InvalidArgumentError(`It must be ${what}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`It must be ${what}.`);
    return n;
  };
}

/** One of a fixed set of integers (e.g. subscription periods). */
export function oneOf(allowed: readonly number[]): (value: string) => number {
  const list = `${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`;
  return (value) => {
    const n = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN;
    if (!allowed.includes(n)) throw new InvalidArgumentError(`It must be one of ${list}.`);
    return n;
  };
}

/** `true` or `false`, nothing else. */
export function boolean(value: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InvalidArgumentError("It must be true or false.");
}

/** Text matching a pattern, described for the message. */
export function matching(pattern: RegExp, what: string): (value: string) => string {
  return (value) => {
    if (!pattern.test(value)) throw new InvalidArgumentError(`It must be ${what}.`);
    return value;
  };
}

/** An http(s) URL. */
export const url = matching(/^https?:\/\/[^\s/?#]+[^\s]*$/, "an http:// or https:// URL");

/** Subscription validity in months. */
export const period = oneOf(PERIOD_MONTHS);

/** A bandwidth cap in Mbit/s. */
export const bandwidth = integer(1, MAX_BANDWIDTH_MBPS, "Mbit/s");

/** A bandwidth cap, or `unlimited` to remove it: the only way to remove a cap (commander turns a null result into ""). */
export function bandwidthOrUnlimited(value: string): number | "unlimited" {
  if (value === "unlimited") return value;
  try {
    return bandwidth(value);
  } catch {
    throw new InvalidArgumentError(`It must be a whole number of Mbit/s from 1 to ${MAX_BANDWIDTH_MBPS}, or "unlimited" to remove the cap.`);
  }
}

/** A TCP/UDP port a probe can target. */
export const port = integer(1, 65535);

/** How long a command waits, in seconds (up to a day). */
export const seconds = integer(1, 86_400, "seconds");

/** How many items a list prints. */
export const count = integer(1, 1_000_000);

/** An event position (`seq`). */
export const position = integer(0, Number.MAX_SAFE_INTEGER);

/** A data plane namespace prefix (the naming rule of src/dataplane/naming.ts). */
export const netnsPrefix = matching(PREFIX_PATTERN, "a lowercase letter, then up to 11 lowercase letters or digits");
