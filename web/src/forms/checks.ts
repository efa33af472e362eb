/**
 * What is wrong with a typed id or number, in words, before the form is sent. The rules are the
 * API's own (src/domain/ids.ts, src/domain/billing.ts), so what passes here is refused there only
 * for what the console cannot know (an id that does not exist, another account's rules).
 */
import { MAX_BANDWIDTH_MBPS } from "../../../src/domain/billing.ts";
import { ACCOUNT_ID_PATTERN, ID_PREFIXES, ID_SUFFIX_LENGTH, type IdKind, isAccountId } from "../../../src/domain/ids.ts";

const NAMES: Partial<Record<IdKind, string>> = { vpc: "VPC", vbr: "VBR", routerInterface: "router interface", peering: "peering", instance: "instance" };
const article = (s: string) => (/^[aeiou]/i.test(s) ? "an" : "a");

/**
 * The problem of `text` as the id of one of `kinds` (e.g. ["vpc"] or ["vpc", "vbr"]), or
 * undefined when it is one. Empty text is a problem only when `required`.
 */
export function idProblem(text: string, kinds: readonly IdKind[], required = true): string | undefined {
  const t = text.trim();
  const prefixes = kinds.map((k) => `${ID_PREFIXES[k]}-`);
  const what = kinds.map((k) => NAMES[k] ?? k).join(" or ");
  const forms = prefixes.map((p) => `${p}…`).join(" or ");
  if (t === "") return required ? `Enter ${article(what)} ${what} id (${forms}).` : undefined;
  const prefix = prefixes.find((p) => t.startsWith(p));
  if (!prefix) {
    const near = prefixes.find((p) => t.toLowerCase().startsWith(p));
    if (near) return `Ids are lowercase: ${t.toLowerCase()}?`;
    return `${article(what) === "an" ? "An" : "A"} ${what} id starts with ${prefixes.map((p) => `“${p}”`).join(" or ")} (this starts with “${t.slice(0, 4)}”).`;
  }
  const suffix = t.slice(prefix.length);
  const bad = [...suffix].filter((c) => !/[a-z0-9]/.test(c));
  if (bad.length > 0) {
    const shown = [...new Set(bad)].map((c) => (c === " " ? "a space" : `“${c}”`)).join(", ");
    return `After “${prefix}” come only lowercase letters and digits; found ${shown}.`;
  }
  if (suffix.length !== ID_SUFFIX_LENGTH) return `After “${prefix}” come ${ID_SUFFIX_LENGTH} letters and digits; this has ${suffix.length}.`;
  return undefined;
}

/** The problem of `text` as an account id, or undefined; `own` is the signed-in account's. */
export function accountIdProblem(text: string, own?: string): string | undefined {
  const t = text.trim();
  if (t === "") return "Enter the other account's id (12 to 16 digits).";
  if (!/^\d+$/.test(t)) return "An account id has digits only.";
  if (!new RegExp(ACCOUNT_ID_PATTERN).test(t) || !isAccountId(t)) return `An account id has 12 to 16 digits and does not start with 0; this has ${t.length}${t.startsWith("0") ? " and starts with 0" : ""}.`;
  if (own !== undefined && t === own) return "That is this account: choose “this account” as the peer account.";
  return undefined;
}

/**
 * The problem of a bandwidth typed in Mbit/s (blank: no cap), or undefined. A blank is a problem
 * only across regions: a cross-region peering needs a bandwidth.
 */
export function bandwidthProblem(text: string, crossRegion: boolean): string | undefined {
  const t = text.trim();
  if (t === "") return crossRegion ? "A peering between two regions needs a bandwidth: enter one in Mbps." : undefined;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 1 || n > MAX_BANDWIDTH_MBPS) return `Bandwidth is a whole number of Mbps from 1 to ${MAX_BANDWIDTH_MBPS}.`;
  return undefined;
}
