/** A subnet's route table, picked from its VPC's tables; a refusal shows beside the select. */
import { type ReactNode, useState } from "react";
import { type ApiError, api } from "../api.ts";
import type { Option } from "../form.tsx";
import { ErrorBox, asApiError, useApp } from "../ui.tsx";

export function RouteTablePicker({ subnetId, value, options }: { subnetId: string; value: string; options: Option[] }): ReactNode {
  const app = useApp();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  return (
    <span className="action">
      <select
        aria-label={`Route table of ${subnetId}`}
        value={value}
        disabled={busy}
        onChange={async (e) => {
          setBusy(true);
          setError(undefined);
          try {
            await api("PUT", `/api/v1/subnets/${subnetId}/route-table`, { routeTableId: e.target.value });
          } catch (err) {
            setError(asApiError(err));
          } finally {
            setBusy(false);
            app.refresh();
          }
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <ErrorBox error={error} />
    </span>
  );
}
