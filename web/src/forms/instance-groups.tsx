/** An instance's security groups, shown as links and changed in place (PATCH /instances/{id} {securityGroupIds}). */
import { type ReactNode, useState } from "react";
import { type ApiError, api } from "../api.ts";
import type { SecurityGroup } from "../sg-rules.ts";
import type { Instance } from "../types.ts";
import { ErrorBox, Link, asApiError, useApp } from "../ui.tsx";

/** The instance's groups in order; **Change** offers the VPC's groups (`groups`) as checkboxes, the current ones first, in their order. */
export function InstanceGroups({ instance, groups }: { instance: Instance; groups: SecurityGroup[] | undefined }): ReactNode {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const app = useApp();
  const ids = instance.securityGroupIds ?? [];
  const nameOf = (id: string) => groups?.find((g) => g.id === id)?.name;
  if (!open)
    return (
      <span className="inline" aria-label={`Security groups of ${instance.id}`}>
        {ids.map((id) => (
          <Link key={id} to={`/security-groups/${id}`}>
            {nameOf(id) ? `${nameOf(id)} (${id})` : id}
          </Link>
        ))}
        <button
          type="button"
          className="link"
          onClick={() => {
            setChosen(ids);
            setError(undefined);
            setOpen(true);
          }}
        >
          Change
        </button>
      </span>
    );
  const offered = [...ids, ...(groups ?? []).map((g) => g.id).filter((id) => !ids.includes(id))];
  return (
    <form
      className="card"
      aria-label={`Security groups of ${instance.id}`}
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          await api("PATCH", `/api/v1/instances/${instance.id}`, { securityGroupIds: chosen });
          setOpen(false);
          app.refresh();
        } catch (err) {
          setError(asApiError(err));
        } finally {
          setBusy(false);
        }
      }}
    >
      <fieldset className="groups">
        <legend>Its groups (1 to 5; their rules are evaluated together)</legend>
        {offered.map((id) => (
          <label key={id} className="check">
            <input
              type="checkbox"
              checked={chosen.includes(id)}
              onChange={(e) => setChosen(e.target.checked ? [...chosen, id] : chosen.filter((x) => x !== id))}
            />
            {nameOf(id) ? `${nameOf(id)} (${id})` : id}
          </label>
        ))}
      </fieldset>
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
