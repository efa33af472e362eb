/** The console's building blocks: data loading, forms, tables, actions and error display. */
import { type ReactNode, createContext, useContext, useEffect, useRef, useState } from "react";
import { ApiError, api } from "./api.ts";
import { tagsSummary, tagsToText, textToTags } from "./tags.ts";
import type { Account, Region } from "./types.ts";


export interface AppState {
  account: Account;
  regions: Region[];
  /** Changes whenever the data shown may be stale (an event arrived, a change was made, a timer). */
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
export function useData<T>(load: () => Promise<T>, deps: unknown[] = []): { data: T | undefined; error: ApiError | undefined } {
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
  const current = state.key === key ? state : { data: undefined, error: undefined };
  return { data: current.data, error: current.error };
}

export function asApiError(e: unknown): ApiError {
  return e instanceof ApiError ? e : new ApiError(0, "ClientError", (e as Error)?.message ?? String(e));
}

export function ErrorBox({ error }: { error: ApiError | undefined }): ReactNode {
  if (!error) return null;
  const details = Object.keys(error.details).length > 0 ? JSON.stringify(error.details) : "";
  return (
    <div className="error" role="alert">
      <strong>{error.code}</strong>: {error.message}
      {details && <div className="details">{details}</div>}
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

export function Table<T extends { id: string }>({ label, rows, columns, empty }: { label: string; rows: T[] | undefined; columns: Column<T>[]; empty: string }): ReactNode {
  if (rows === undefined) return <p className="muted">Loading…</p>;
  if (rows.length === 0) return <p className="muted">{empty}</p>;
  // The container scrolls sideways as a last resort, so the page itself never does.
  return (
    <div className="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-id={r.id}>
              {columns.map((c) => (
                <td key={c.label}>{c.long ? <div className="long">{c.render(r)}</div> : c.render(r)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Badge({ value }: { value: string }): ReactNode {
  return <span className={`badge badge-${value.replace(/[^a-z-]/gi, "").toLowerCase()}`}>{value}</span>;
}

export function Link({ to, children }: { to: string; children: ReactNode }): ReactNode {
  return <a href={`#${to}`}>{children}</a>;
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
