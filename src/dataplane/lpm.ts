/**
 * Longest-prefix match over one route table, compiled to disjoint address ranges: every address
 * of the IPv4 space falls in exactly one range, whose value is the entry of the longest prefix
 * covering it (or -1). A lookup is one binary search over at most 2n+1 range starts. Pure.
 */
import { parseCidr } from "../domain/cidr.ts";

export interface LpmEntry {
  cidr: string;
}

export class Lpm {
  /** Range starts, ascending; starts[0] is 0. */
  private readonly starts: Uint32Array;
  /** The entry index of each range, -1 where no prefix covers it. */
  private readonly values: Int32Array;

  /** `cidrs[i]` is entry i. Equal prefixes: the first one wins (the store refuses duplicates). */
  constructor(cidrs: readonly string[]) {
    const items = cidrs.map((c, i) => {
      const p = parseCidr(c, "cidr");
      return { base: p.base, end: p.base + 2 ** (32 - p.prefix) - 1, prefix: p.prefix, i };
    });
    // Containing prefixes first: by base, then shorter prefix, then entry order.
    items.sort((a, b) => a.base - b.base || a.prefix - b.prefix || a.i - b.i);
    const starts: number[] = [0];
    const values: number[] = [-1];
    const emit = (pos: number, v: number) => {
      if (pos > 0xffffffff) return;
      if (starts[starts.length - 1] === pos) {
        values[values.length - 1] = v;
        // Merging with the range before keeps the table minimal.
        if (values.length > 1 && values[values.length - 2] === v) (starts.pop(), values.pop());
        return;
      }
      if (values[values.length - 1] === v) return;
      starts.push(pos);
      values.push(v);
    };
    const stack: typeof items = [];
    let last: (typeof items)[number] | undefined;
    for (const e of items) {
      if (last && last.base === e.base && last.prefix === e.prefix) continue; // duplicate: first wins
      last = e;
      while (stack.length > 0 && stack[stack.length - 1]!.end < e.base) {
        const top = stack.pop()!;
        emit(top.end + 1, stack.length > 0 ? stack[stack.length - 1]!.i : -1);
      }
      emit(e.base, e.i);
      stack.push(e);
    }
    while (stack.length > 0) {
      const top = stack.pop()!;
      emit(top.end + 1, stack.length > 0 ? stack[stack.length - 1]!.i : -1);
    }
    this.starts = Uint32Array.from(starts);
    this.values = Int32Array.from(values);
  }

  /** The entry of the longest prefix holding `ip` (an unsigned 32-bit address), or -1. */
  lookup(ip: number): number {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (s[mid]! <= ip) lo = mid;
      else hi = mid - 1;
    }
    return this.values[lo]!;
  }

  /** Number of ranges (for tests and the benchmark). */
  get ranges(): number {
    return this.starts.length;
  }
}

/** The same answer by a linear scan: the baseline of bench/analyze.ts and the oracle of the tests. */
export function linearLookup(table: readonly { base: number; end: number; prefix: number }[], ip: number): number {
  let best = -1;
  let bestPrefix = -1;
  for (let i = 0; i < table.length; i++) {
    const e = table[i]!;
    if (ip >= e.base && ip <= e.end && e.prefix > bestPrefix) {
      best = i;
      bestPrefix = e.prefix;
    }
  }
  return best;
}

/** Entries in linearLookup's form. */
export function linearTable(cidrs: readonly string[]) {
  return cidrs.map((c) => {
    const p = parseCidr(c, "cidr");
    return { base: p.base, end: p.base + 2 ** (32 - p.prefix) - 1, prefix: p.prefix };
  });
}
