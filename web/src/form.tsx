/** The console's forms: fields drawn from a list, submit calls the API, its refusal shown. */
import { type ReactNode, useState } from "react";
import type { ApiError } from "./api.ts";
import { ErrorBox, asApiError, useApp } from "./ui.tsx";

export interface Field {
  name: string;
  label: string;
  type?: "text" | "number" | "select" | "checkbox";
  options?: Array<{ value: string; label: string }>;
  placeholder?: string;
  initial?: string | boolean;
  /** Shown only when this returns true for the current values. */
  when?: (values: Values) => boolean;
  hint?: string;
}
export type Values = Record<string, string | boolean>;

/** A form whose submit calls the API; shows the API's error (code and message) when it refuses. */
export function Form({
  title,
  fields,
  submit,
  onDone,
  submitLabel = "Create",
  keepValues = false,
}: {
  title: string;
  fields: Field[];
  submit: (v: Values) => Promise<unknown>;
  onDone?: (result: unknown) => void;
  submitLabel?: string;
  /** Keep what was typed after a success (a form used again and again, like a probe). */
  keepValues?: boolean;
}): ReactNode {
  const initial = (): Values => Object.fromEntries(fields.map((f) => [f.name, f.initial ?? (f.type === "checkbox" ? false : f.type === "select" ? (f.options?.[0]?.value ?? "") : "")]));
  const [values, setValues] = useState<Values>(initial);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const app = useApp();
  // A select shows its first option when its value is not (or no longer) among its options, for
  // example options that arrived after the form was first drawn; submit what it shows.
  const shown: Values = { ...values };
  for (const f of fields) {
    if (f.type === "select" && !f.options?.some((o) => o.value === values[f.name])) shown[f.name] = f.options?.[0]?.value ?? "";
  }
  const onSubmit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const result = await submit(shown);
      if (!keepValues) setValues(initial());
      onDone?.(result);
      app.refresh();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" aria-label={title} onSubmit={onSubmit}>
      <h3>{title}</h3>
      <div className="fields">
        {fields
          .filter((f) => !f.when || f.when(shown))
          .map((f) => (
            <label key={f.name} className={f.type === "checkbox" ? "check" : undefined}>
              <span>{f.label}</span>
              {f.type === "select" ? (
                <select name={f.name} value={String(shown[f.name] ?? "")} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })}>
                  {f.options?.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              ) : f.type === "checkbox" ? (
                <input name={f.name} type="checkbox" checked={values[f.name] === true} onChange={(e) => setValues({ ...values, [f.name]: e.target.checked })} />
              ) : (
                <input name={f.name} type={f.type === "number" ? "number" : "text"} placeholder={f.placeholder} value={String(values[f.name] ?? "")} onChange={(e) => setValues({ ...values, [f.name]: e.target.value })} />
              )}
              {f.hint && <small>{f.hint}</small>}
            </label>
          ))}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? "Working…" : submitLabel}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}
