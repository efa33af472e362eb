/**
 * Add a route to a route table: the target type, then the target picked from that VPC's
 * candidates (forms/route-targets.ts), and the destination suggested by the chosen target.
 */
import type { ReactNode } from "react";
import { ApiError, api, listAll } from "../api.ts";
import { Form } from "../form.tsx";
import type { Instance, Peering, RouterInterface, Vbr, Vpc } from "../types.ts";
import { useData } from "../ui.tsx";
import { TARGET_TYPES, TARGET_TYPE_LABELS, type TargetData, type TargetOption, type TargetType, noTargetText, routeTargets } from "./route-targets.ts";

/** A list filtered by the server when it knows `extra`'s parameters; when it refuses them, the whole list (filtered here anyway). */
async function listNarrowed<T>(path: string, query: Record<string, string>, extra: Record<string, string>): Promise<T[]> {
  try {
    return await listAll<T>(path, { ...query, ...extra });
  } catch (e) {
    if (e instanceof ApiError && e.status === 400) return listAll<T>(path, query);
    throw e;
  }
}

/** The candidates of each target type for `vpc`'s route tables, reloaded with the page; with the VPC's instances read for them. */
export function useRouteTargets(vpc: Pick<Vpc, "id" | "region">): { targets: RouteTargetOptions | undefined; instances: Instance[] | undefined; error: ApiError | undefined } {
  const data = useData(async (): Promise<TargetData> => {
    const [peerings, routerInterfaces, vbrs, instances, vpcs] = await Promise.all([
      listNarrowed<Peering>("/api/v1/peerings", { vpcId: vpc.id }, { lifecycle: "live" }),
      listNarrowed<RouterInterface>("/api/v1/router-interfaces", {}, { routerId: vpc.id }),
      listAll<Vbr>("/api/v1/vbrs"),
      listAll<Instance>("/api/v1/instances", { vpcId: vpc.id }),
      listAll<Vpc>("/api/v1/vpcs"),
    ]);
    return { peerings, routerInterfaces, vbrs, instances, vpcs };
  }, [vpc.id]);
  return { targets: data.data && routeTargets(vpc, data.data, new Date()), instances: data.data?.instances, error: data.error };
}

/** The candidates of each target type (undefined while they load). */
export type RouteTargetOptions = Record<TargetType, TargetOption[]>;

export function RouteForm({ tableId, targets }: { tableId: string; targets: RouteTargetOptions | undefined }): ReactNode {
  const of = (type: unknown): TargetOption[] => targets?.[type as TargetType] ?? [];
  return (
    <Form
      title={`Add a route to ${tableId}`}
      submitLabel="Add route"
      fields={[
        {
          name: "destinationCidr",
          label: "Destination",
          placeholder: "172.16.0.0/16",
          suggest: (v) => of(v.type).find((o) => o.value === v.targetId)?.destination,
          hint: (v) => (of(v.type).find((o) => o.value === v.targetId)?.destination ? "suggested by the target; change it to route part of it" : undefined),
        },
        { name: "type", label: "Target type", type: "select", options: TARGET_TYPES.map((t) => ({ value: t, label: TARGET_TYPE_LABELS[t] })) },
        {
          name: "targetId",
          label: "Target",
          type: "select",
          options: (v) => of(v.type),
          check: (id, v) => (id ? undefined : targets ? noTargetText(v.type as TargetType) : "Loading the targets…"),
        },
      ]}
      submit={(f) => api("POST", `/api/v1/route-tables/${tableId}/routes`, { destinationCidr: String(f.destinationCidr).trim(), target: { type: f.type, id: f.targetId } })}
    />
  );
}
