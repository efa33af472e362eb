/**
 * The console's forms: fields drawn from a list (options, visibility and suggestions computed from
 * the current values, see forms/form-state.ts), problems shown under their field before anything
 * is sent, submit calls the API, its refusal shown.
 */
import { type ReactNode, useId, useState } from "react";
import type { ApiError } from "./api.ts";
import { type Field, type Values, initialValues, optionsOf, problemsOf, resolveValues, visible } from "./forms/form-state.ts";
import { ErrorBox, asApiError, useApp } from "./ui.tsx";

export type { Field, Option, Values } from "./forms/form-state.ts";

/** How a problem with a value is shown (under its field, in a price line). */
export const PROBLEM_STYLE = { color: "#b3261e" } as const;

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
  const [values, setValues] = useState<Values>(() => initialValues(fields));
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  /** Set by a submit refused here: from then on every problem shows, typed or not. */
  const [attempted, setAttempted] = useState(false);
  const app = useApp();
  const id = useId();
  const shown = resolveValues(fields, values);
  const problems = problemsOf(fields, shown);
  const set = (name: string, value: string | boolean) => setValues({ ...values, [name]: value });

  const onSubmit = async (ev: React.FormEvent) => {
    ev.preventDefault();
    if (Object.keys(problems).length > 0) {
      setAttempted(true);
      setError(undefined);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await submit(shown);
      if (!keepValues) setValues(initialValues(fields));
      setAttempted(false);
      onDone?.(result);
      app.refresh();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };

  const control = (f: Field, describedBy: string | undefined, invalid: boolean): ReactNode => {
    const common = { name: f.name, "aria-label": f.label, "aria-describedby": describedBy, "aria-invalid": invalid || undefined };
    if (f.type === "select") {
      const options = optionsOf(f, shown);
      return (
        <select {...common} value={String(shown[f.name] ?? "")} disabled={f.locked?.(shown) ?? false} onChange={(e) => set(f.name, e.target.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    }
    if (f.type === "checkbox") return <input {...common} type="checkbox" checked={values[f.name] === true} onChange={(e) => set(f.name, e.target.checked)} />;
    return <input {...common} type={f.type === "number" ? "number" : "text"} placeholder={f.placeholder} value={String(shown[f.name] ?? "")} onChange={(e) => set(f.name, e.target.value)} />;
  };

  return (
    <form className="card" aria-label={title} onSubmit={onSubmit} noValidate>
      <h3>{title}</h3>
      <div className="fields">
        {fields
          .filter((f) => visible(f, shown))
          .map((f) => {
            if (f.type === "custom") {
              return (
                <div key={f.name} style={{ flexBasis: "100%" }}>
                  {f.render?.(shown)}
                </div>
              );
            }
            const hint = typeof f.hint === "function" ? f.hint(shown) : f.hint;
            // A text field's problem shows once something is typed (or a submit was refused); a
            // select's at once: nothing is being typed there.
            const typed = f.type === "select" || f.type === "checkbox" || String(values[f.name] ?? "") !== "" || attempted;
            const problem = typed ? problems[f.name] : undefined;
            const hintId = hint ? `${id}-${f.name}-hint` : undefined;
            const problemId = problem ? `${id}-${f.name}-problem` : undefined;
            const describedBy = [problemId, hintId].filter(Boolean).join(" ") || undefined;
            return (
              <label key={f.name} className={f.type === "checkbox" ? "check" : undefined}>
                <span>{f.label}</span>
                {control(f, describedBy, problem !== undefined)}
                {problem && (
                  <small id={problemId} className="problem" style={PROBLEM_STYLE} aria-live="polite">
                    {problem}
                  </small>
                )}
                {hint && <small id={hintId}>{hint}</small>}
              </label>
            );
          })}
      </div>
      <button type="submit" disabled={busy}>
        {busy ? "Working…" : submitLabel}
      </button>
      {attempted && Object.keys(problems).length > 0 && (
        <p className="problem" style={PROBLEM_STYLE} aria-live="polite">
          Not sent: {Object.keys(problems).length === 1 ? "one field needs" : `${Object.keys(problems).length} fields need`} a change (see above).
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}
