/**
 * A list's search, filters, sort and page, kept in the hash's query (`#/peerings?state=active&sort=-createdAt`)
 * so that they survive a reload and travel in a link. Several lists on one page keep their own
 * keys under a prefix (`subnets.q`). The page is the stack of cursors that led to it (`pages=c1,c2`:
 * the third page), so Previous needs no second request and a reload lands on the same page. Pure.
 */

export interface ListState {
  q: string;
  /** "" = the API's default (createdAt, oldest first). */
  sort: string;
  /** Filter values by name; a name absent here takes its default. */
  filters: Record<string, string>;
  /** The cursors of the pages before this one, first page's next cursor first. */
  pages: string[];
}

/** The route and the query of a hash: "#/peerings?state=active" → ["/peerings", state=active]. */
export function splitHash(hash: string): { path: string; params: URLSearchParams } {
  const h = hash.replace(/^#/, "");
  const i = h.indexOf("?");
  return { path: (i < 0 ? h : h.slice(0, i)) || "/", params: new URLSearchParams(i < 0 ? "" : h.slice(i + 1)) };
}

/** A list's state read from the query: its own keys (under `prefix`), defaults for the filters not given. */
export function readState(params: URLSearchParams, prefix: string, filters: Record<string, string>): ListState {
  const get = (k: string) => params.get(prefix + k) ?? "";
  const values: Record<string, string> = {};
  for (const [name, fallback] of Object.entries(filters)) values[name] = params.get(prefix + name) ?? fallback;
  const pages = get("pages").split(",").filter(Boolean);
  return { q: get("q"), sort: get("sort"), filters: values, pages };
}

/**
 * The query after a change of one list's state: a new search, filter or sort starts again at the
 * first page (a cursor is only good for the query it came from); values equal to their default
 * are left out, so a plain list has a plain address. Other lists' keys are kept.
 */
export function writeState(params: URLSearchParams, prefix: string, defaults: Record<string, string>, next: ListState): URLSearchParams {
  const out = new URLSearchParams(params);
  const put = (k: string, v: string, fallback = "") => (v === fallback ? out.delete(prefix + k) : out.set(prefix + k, v));
  const old = readState(params, prefix, defaults);
  const sameQuery = old.q === next.q && old.sort === next.sort && Object.keys(defaults).every((k) => (old.filters[k] ?? "") === (next.filters[k] ?? ""));
  put("q", next.q);
  put("sort", next.sort);
  for (const [k, fallback] of Object.entries(defaults)) put(k, next.filters[k] ?? fallback, fallback);
  put("pages", sameQuery ? next.pages.join(",") : "");
  return out;
}

/** The API's query for a state: the list's fixed parameters, its filters (empty = any), search, sort, page. */
export function apiQuery(state: ListState, fixed: Record<string, string>, limit: number, cursorParam = "cursor"): URLSearchParams {
  const q = new URLSearchParams({ limit: String(limit), ...fixed });
  for (const [k, v] of Object.entries(state.filters)) if (v !== "") q.set(k, v);
  if (state.q.trim() !== "") q.set("q", state.q.trim());
  if (state.sort !== "") q.set("sort", state.sort);
  const cursor = state.pages.at(-1);
  if (cursor) q.set(cursorParam, cursor);
  return q;
}

/** "Showing 51–100" (or "Showing 101–137 (the last)", "Nothing matches") for the page at `pages.length`. */
export function rangeText(pageIndex: number, limit: number, count: number, more: boolean): string {
  if (count === 0) return pageIndex === 0 ? "Nothing matches" : "Nothing more";
  const from = pageIndex * limit + 1;
  const to = pageIndex * limit + count;
  return `Showing ${from}–${to}${more ? "" : pageIndex === 0 ? ` (all ${count})` : " (the last)"}`;
}

/** The next sort when a column's header is clicked: ascending first, then descending, then back. */
export function nextSort(current: string, key: string): string {
  if (current === key) return `-${key}`;
  return key;
}

/** What aria-sort says of a column's header. */
export function ariaSort(current: string, key: string, defaultKey = "createdAt"): "ascending" | "descending" | "none" {
  const effective = current === "" ? defaultKey : current;
  if (effective === key) return "ascending";
  if (effective === `-${key}`) return "descending";
  return "none";
}
