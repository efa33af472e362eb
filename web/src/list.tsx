/**
 * Finding things: a list of the API's, a page at a time (the API's cursor), with a search box,
 * filters, sort by column header and Previous/Next, all kept in the hash's query so that a reload
 * or a link shows the same. It reloads whenever the app ticks (an event, an own change, a reconnect).
 */
import { type ReactNode, useEffect, useState } from "react";
import { api } from "./api.ts";
import { type ListState, apiQuery, ariaSort, nextSort, rangeText, readState, splitHash, writeState } from "./list-query.ts";
import { type Column, ErrorBox, TableView, useData } from "./ui.tsx";

export interface Option {
  value: string;
  label: string;
}

export interface Filter {
  /** The API's query parameter. */
  name: string;
  label: string;
  /** "" first = any; a function sees the other filters (the states of a lifecycle). */
  options: Option[] | ((filters: Record<string, string>) => Option[]);
  /** The value when the address does not name one (e.g. lifecycle=live). */
  initial?: string;
  /** A typed value (its placeholder) rather than a choice among `options`. */
  text?: string;
}

export interface ListColumn<T> extends Column<T> {
  /** The API's sort key this column's header sorts by (name, createdAt). */
  sort?: string;
}

/** What one page of a list answers: items, and how to ask for the next page (null: none). */
export interface PageOf<T> {
  items: T[];
  next: string | null;
  /** The whole answer, for what a list shows besides its rows (the ledger's total). */
  raw: Record<string, unknown>;
}

/** Re-renders on every change of the hash; gives its query and a way to change it. */
export function useHashQuery(): { path: string; params: URLSearchParams; set: (params: URLSearchParams, replace?: boolean) => void } {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const on = () => setHash(window.location.hash);
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const { path, params } = splitHash(hash);
  const set = (next: URLSearchParams, replace = false) => {
    const query = next.toString();
    const url = `#${path}${query ? `?${query}` : ""}`;
    if (url === window.location.hash) return;
    if (replace) {
      window.history.replaceState(window.history.state, "", url);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } else window.location.hash = url;
  };
  return { path, params, set };
}

const optionsOf = (f: Filter, filters: Record<string, string>) => (typeof f.options === "function" ? f.options(filters) : f.options);

export interface ListProps<T> {
  /** The table's aria-label, and the search box's ("Search VPCs"). */
  label: string;
  /** The API list (GET), e.g. /api/v1/peerings. */
  path: string;
  /** Parameters every request carries (vpcId of a VPC's subnets). */
  fixed?: Record<string, string>;
  filters?: Filter[];
  /** Whether the list takes `q` and `sort` (the native resource lists do; events and the ledger do not). */
  searchable?: boolean;
  /** Several lists on a page keep their own keys in the address under this prefix ("subnets."). */
  prefix?: string;
  limit?: number;
  /** Events page by `after` instead of a cursor. */
  cursorParam?: string;
  /** A page from the API's answer (default: items and nextCursor). */
  pageOf?: (answer: Record<string, unknown>, limit: number) => PageOf<T>;
  /** More data per row, fetched after the page (a route table's routes). */
  expand?: (items: T[]) => Promise<T[]>;
  columns: ListColumn<T>[];
  /** Shown when the list is empty and nothing is filtered: what to do first. */
  empty: ReactNode;
  /** Rows drawn otherwise than as a table (route tables as cards). */
  render?: (rows: T[]) => ReactNode;
  /** Above the rows, from the answer (the ledger's total). */
  summary?: (page: PageOf<T>) => ReactNode;
}

const defaultPage = <T,>(answer: Record<string, unknown>): PageOf<T> => ({ items: answer.items as T[], next: (answer.nextCursor as string | null) ?? null, raw: answer });

/** A list of the API's: search, filters, sort, pages; see the module's comment. */
export function List<T extends { id: string }>(props: ListProps<T>): ReactNode {
  const { label, path, fixed = {}, filters = [], searchable = true, prefix = "", limit = 50, cursorParam = "cursor", columns } = props;
  const hq = useHashQuery();
  const defaults = Object.fromEntries(filters.map((f) => [f.name, f.initial ?? ""]));
  const state = readState(hq.params, prefix, defaults);
  const change = (next: ListState, replace = false) => hq.set(writeState(hq.params, prefix, defaults, next), replace);
  const query = apiQuery(state, fixed, limit, cursorParam);
  if (!searchable) {
    query.delete("q");
    query.delete("sort");
  }
  const page = useData(async () => {
    const answer = await api<Record<string, unknown>>("GET", `${path}?${query}`);
    const p = (props.pageOf ?? defaultPage<T>)(answer, limit);
    return props.expand ? { ...p, items: await props.expand(p.items) } : p;
  }, [path, query.toString()], { keep: true });

  const filtered = state.q.trim() !== "" || filters.some((f) => state.filters[f.name] !== (f.initial ?? ""));
  const rows = page.data?.items;
  // Nothing to find among yet: the empty state alone says what to do.
  const nothingYet = rows?.length === 0 && !filtered && state.pages.length === 0;
  return (
    <div className={page.stale ? "list stale" : "list"} aria-busy={page.stale ? true : undefined}>
      {(searchable || filters.length > 0) && !nothingYet && (
        <div className="list-controls" role="search" aria-label={`Find ${label}`}>
          {searchable && <TypedFilter label="Search" aria={`Search ${label}`} placeholder="name or ID" value={state.q} onChange={(q) => change({ ...state, q }, true)} />}
          {filters.map((f) =>
            f.text !== undefined ? (
              <TypedFilter key={f.name} label={f.label} aria={f.label} placeholder={f.text} value={state.filters[f.name] ?? ""} onChange={(v) => change({ ...state, filters: { ...state.filters, [f.name]: v } }, true)} />
            ) : (
            <label key={f.name}>
              <span>{f.label}</span>
              <select
                aria-label={f.label}
                value={state.filters[f.name] ?? ""}
                onChange={(e) => {
                  const values = { ...state.filters, [f.name]: e.target.value };
                  // A filter whose value the others no longer offer (a state of the other lifecycle) goes back to any.
                  for (const other of filters) if (other !== f && !optionsOf(other, values).some((o) => o.value === values[other.name])) values[other.name] = "";
                  change({ ...state, filters: values });
                }}
              >
                {optionsOf(f, state.filters).map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
            ),
          )}
          {filtered && (
            <button type="button" className="link" onClick={() => change({ q: "", sort: state.sort, filters: defaults, pages: [] })}>
              Clear filters
            </button>
          )}
        </div>
      )}
      <ErrorBox error={page.error} />
      {page.data && props.summary?.(page.data)}
      {rows === undefined ? (
        page.error ? null : <p className="muted">Loading…</p>
      ) : rows.length === 0 && state.pages.length === 0 ? (
        <p className="muted empty">{filtered ? "Nothing matches. Change the search or the filters, or clear them." : props.empty}</p>
      ) : props.render ? (
        props.render(rows)
      ) : (
        <TableView
          label={label}
          rows={rows}
          columns={columns}
          header={(c) =>
            c.sort && searchable ? (
              <button type="button" className="sort" onClick={() => change({ ...state, sort: nextSort(state.sort, c.sort!) })}>
                {c.label}
                <span aria-hidden="true">{{ ascending: " ▲", descending: " ▼", none: "" }[ariaSort(state.sort, c.sort)]}</span>
              </button>
            ) : (
              c.label
            )
          }
          sortOf={(c) => (c.sort && searchable ? ariaSort(state.sort, c.sort) : undefined)}
        />
      )}
      {rows !== undefined && (state.pages.length > 0 || page.data?.next) && (
        <nav className="pager" aria-label={`Pages of ${label}`}>
          <button type="button" disabled={page.stale || state.pages.length === 0} onClick={() => change({ ...state, pages: state.pages.slice(0, -1) })}>
            Previous
          </button>
          <span aria-live="polite" className="range">{rangeText(state.pages.length, limit, rows.length, page.data?.next != null)}</span>
          <button type="button" disabled={page.stale || !page.data?.next} onClick={() => page.data?.next && change({ ...state, pages: [...state.pages, page.data.next] })}>
            Next
          </button>
        </nav>
      )}
    </div>
  );
}

/** A typed filter (the search box): tells after the typing pauses (300 ms), or at once on Enter. */
function TypedFilter({ label, aria, placeholder, value, onChange: onSearch }: { label: string; aria: string; placeholder: string; value: string; onChange: (v: string) => void }): ReactNode {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  // The address changed (Back, Clear filters, this box's own search): show what it says.
  if (value !== seen) {
    setSeen(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => onSearch(text), 300);
    return () => clearTimeout(t);
  });
  return (
    <label className="search">
      <span>{label}</span>
      <input
        type="search"
        aria-label={aria}
        placeholder={placeholder}
        value={text}
        maxLength={128}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") onSearch(text);
        }}
      />
    </label>
  );
}
