/** The console's building blocks: data loading, tables, actions and error display. */
import { type ReactNode, createContext, useContext, useEffect, useRef, useState } from "react";
import { ApiError, api } from "./api.ts";
import { errorSentences } from "./messages.ts";
import { tagsSummary, tagsToText, textToTags } from "./tags.ts";
import type { Account, Region } from "./types.ts";


export interface AppState {
  account: Account;
  regions: Region[];
  /** Changes whenever the data shown may be stale (an event arrived, a change was made, the stream reconnected, a deadline passed). */
  tick: number;
  refresh(): void;
}

export const App = createContext<AppState | null>(null);
export function useApp(): AppState {
  const app = useContext(App);
  if (!app) throw new Error("outside the console");
  return app;
}

/**
 * Loads data, and loads it again whenever the app ticks; keeps the last good value while
 * reloading. When `deps` change (another resource is shown) the old value is dropped at once.
 * A 404 is final: ids are never reused, so what is not found is not asked for again.
 */
export function useData<T>(
  load: () => Promise<T>,
  deps: unknown[] = [],
  /** Keep showing the last value while another `deps`' loads, marked `stale` (a list's next page or filter). */
  opts: { keep?: boolean } = {},
): { data: T | undefined; error: ApiError | undefined; stale?: boolean } {
  const { tick } = useApp();
  const key = JSON.stringify(deps);
  const [state, setState] = useState<{ key: string; data: T | undefined; error: ApiError | undefined }>({ key, data: undefined, error: undefined });
  const loadRef = useRef(load);
  loadRef.current = load;
  const stateRef = useRef(state);
  stateRef.current = state;
  useEffect(() => {
    if (stateRef.current.key === key && stateRef.current.error?.status === 404) return;
    let live = true;
    loadRef.current().then(
      (data) => live && setState({ key, data, error: undefined }),
      (e: unknown) => live && setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: asApiError(e) })),
    );
    return () => {
      live = false;
    };
  }, [tick, key]);
  if (state.key === key) return { data: state.data, error: state.error };
  return opts.keep && state.data !== undefined ? { data: state.data, error: undefined, stale: true } : { data: undefined, error: undefined };
}

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "ClientError", (e as Error)?.message ?? String(e));
}

/** An API error in words for people (web/src/messages.ts), with its stable code small beside it. */
export function ErrorBox({ error }: { error: ApiError | undefined }): ReactNode {
  if (!error) return null;
  return (
    <div className="error" role="alert">
      {errorSentences(error).map((s, i) => (
        <p key={i}>{s}</p>
      ))}
      <small className="code">{error.code}</small>
    </div>
  );
}

/** A button that runs one API call (after a confirmation, if asked) and shows its error beside it. */
export function Action({ label, run, confirm, danger }: { label: string; run: () => Promise<unknown>; confirm?: string; danger?: boolean }): ReactNode {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const app = useApp();
  return (
    <span className="action">
      <button
        type="button"
        className={danger ? "danger" : undefined}
        disabled={busy}
        onClick={async () => {
          if (confirm && !window.confirm(confirm)) return;
          setBusy(true);
          setError(undefined);
          try {
            await run();
            app.refresh();
          } catch (e) {
            setError(asApiError(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? "…" : label}
      </button>
      <ErrorBox error={error} />
    </span>
  );
}

export interface Column<T> {
  label: string;
  render: (row: T) => ReactNode;
  /** Free text (names, tags, messages): may break anywhere, so that the table fits the window. */
  long?: boolean;
}

/** A table of rows; on a phone-sized window each row becomes a card whose cells carry their column's label. */
export function TableView<T extends { id: string }, C extends Column<T>>({
  label,
  rows,
  columns,
  header = (c) => c.label,
  sortOf,
}: {
  label: string;
  rows: T[];
  columns: C[];
  header?: (c: C) => ReactNode;
  sortOf?: (c: C) => "ascending" | "descending" | "none" | undefined;
}): ReactNode {
  // The container scrolls sideways as a last resort, so the page itself never does.
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={c.label || i} aria-sort={sortOf?.(c)}>
                {header(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-id={r.id}>
              {columns.map((c, i) => (
                <td key={c.label || i} data-label={c.label || undefined}>
                  {c.long ? <div className="long">{c.render(r)}</div> : c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A table of rows already at hand (a route table's routes, the overview's requests). */
export function Table<T extends { id: string }>({ label, rows, columns, empty }: { label: string; rows: T[] | undefined; columns: Column<T>[]; empty: ReactNode }): ReactNode {
  if (rows === undefined) return <p className="muted">Loading…</p>;
  if (rows.length === 0) return <p className="muted empty">{empty}</p>;
  return <TableView label={label} rows={rows} columns={columns} />;
}

/**
 * Calls `fire` when the earliest of `times` (ISO) comes (a pending request's deadline): a local
 * timer for what changes by the clock alone, with no event to say so.
 */
export function useTimerAt(times: Array<string | null | undefined>, fire: () => void): void {
  const now = Date.now();
  const next = times.map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => t > now).sort((a, b) => a - b)[0];
  useEffect(() => {
    if (next === undefined) return;
    const t = setTimeout(fire, Math.min(next - Date.now() + 50, 2 ** 31 - 1));
    return () => clearTimeout(t);
  }, [next, fire]);
}

/**
 * A change the network does not carry yet ("provisioning…"). With a data plane, its report ends the
 * transition with a `dataplane.changed` event; without one only the server's settle time does,
 * which nothing announces: so while a transition is shown, the page looks again after 1 s, 2 s,
 * 4 s … (at most 30 s apart), and stops once none is shown.
 */
export function TransitionNote({ transition }: { transition: string | null | undefined }): ReactNode {
  const { refresh, tick } = useApp();
  const tries = useRef(0);
  useEffect(() => {
    if (!transition) return;
    const t = setTimeout(refresh, Math.min(1000 * 2 ** tries.current++, 30_000));
    return () => clearTimeout(t);
  }, [transition, tick, refresh]);
  return transition ? <div className="muted">{transition}…</div> : null;
}

/** Refreshes what is shown when the earliest of `times` comes. */
export function useDeadline(times: Array<string | null | undefined>): void {
  useTimerAt(times, useApp().refresh);
}

export function Badge({ value }: { value: string }): ReactNode {
  return <span className={`badge badge-${value.replace(/[^a-z-]/gi, "").toLowerCase()}`}>{value}</span>;
}

export function Link({ to, children }: { to: string; children: ReactNode }): ReactNode {
  return <a href={`#${to}`}>{children}</a>;
}

/** An id, linked to its page when it has one (VPCs, peerings, router interfaces). */
export function IdLink({ id }: { id: string | null | undefined }): ReactNode {
  if (!id) return "—";
  const page = id.startsWith("vpc-") ? "vpcs" : id.startsWith("pcx-") ? "peerings" : id.startsWith("ri-") ? "router-interfaces" : id.startsWith("sg-") ? "security-groups" : undefined;
  return page ? <Link to={`/${page}/${id}`}>{id}</Link> : <code>{id}</code>;
}

/** The page of a resource that does not exist (or is another tenant's): the API's error and a way back. */
export function NotFound({ title, error, back }: { title: string; error: ApiError; back: { to: string; label: string } }): ReactNode {
  return (
    <section>
      <h2>{title} not found</h2>
      <ErrorBox error={error} />
      <p>
        <Link to={back.to}>{back.label}</Link>
      </p>
    </section>
  );
}

export function time(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "—";
}

/** Name and tags of a resource, shown in a line and edited in place (PATCH replaces the tags). */
export function EditMeta({ path, name, tags, label }: { path: string; name: string; tags: Record<string, string>; label: string }): ReactNode {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState({ name, tags: tagsToText(tags) });
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const app = useApp();
  if (!open)
    return (
      <span className="inline">
        <span aria-label={`Tags of ${label}`}>{tagsSummary(tags)}</span>
        <button
          type="button"
          className="link"
          onClick={() => {
            setDraft({ name, tags: tagsToText(tags) });
            setOpen(true);
          }}
        >
          Edit
        </button>
      </span>
    );
  return (
    <form
      className="card"
      aria-label={`Edit ${label}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await api("PATCH", path, { ...(draft.name !== name ? { name: draft.name } : {}), tags: textToTags(draft.tags) });
          setOpen(false);
          app.refresh();
        } catch (err) {
          setError(asApiError(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <label>
        <span>Name</span>
        <input name="name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
      </label>
      <label>
        <span>Tags (one key=value per line)</span>
        <textarea name="tags" rows={3} value={draft.tags} onChange={(e) => setDraft({ ...draft, tags: e.target.value })} />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? "Saving…" : "Save"}
      </button>{" "}
      <button type="button" className="danger" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
