/** VPCs, and one VPC with its subnets, route tables (routes, associations) and instances. */
import { type ReactNode, useState } from "react";
import { api, firstPage } from "../api.ts";
import { List } from "../list.tsx";
import { type Instance, type RouteTable, type Subnet, type Vbr, type Vpc, list, num, opt } from "../types.ts";
import { Form } from "../form.tsx";
import { RouteForm, type RouteTargetOptions, useRouteTargets } from "../forms/route-form.tsx";
import { RouteTablePicker } from "../forms/route-table-picker.tsx";
import { InstanceGroups } from "../forms/instance-groups.tsx";
import type { SecurityGroup } from "../sg-rules.ts";
import { Action, Badge, EditMeta, ErrorBox, Link, NotFound, Table, time, useApp, useData } from "../ui.tsx";

export function VpcsPage(): ReactNode {
  const app = useApp();
  return (
    <section>
      <h2>VPCs</h2>
      <Form
        title="Create a VPC"
        fields={[
          { name: "name", label: "Name", placeholder: "prod" },
          { name: "region", label: "Region", type: "select", options: app.regions.map((r) => ({ value: r.id, label: `${r.id} (${r.name})` })) },
          { name: "cidr", label: "IPv4 CIDR", placeholder: "10.0.0.0/16", hint: "/8 to /28, within 10/8, 172.16/12, 192.168/16 or 100.64/10" },
        ]}
        submit={(v) => api("POST", "/api/v1/vpcs", { name: v.name, region: v.region, cidr: v.cidr })}
      />
      <List<Vpc>
        label="VPCs"
        path="/api/v1/vpcs"
        filters={[{ name: "region", label: "Region", options: [{ value: "", label: "any" }, ...app.regions.map((r) => ({ value: r.id, label: r.id }))] }]}
        empty="No VPCs yet. Create one above to start: a name, a region and a private CIDR such as 10.0.0.0/16."
        columns={[
          { label: "ID", render: (v) => <Link to={`/vpcs/${v.id}`}>{v.id}</Link> },
          { label: "Name", long: true, sort: "name", render: (v) => v.name },
          { label: "Region", render: (v) => v.region },
          { label: "CIDR", render: (v) => v.cidr },
          { label: "State", render: (v) => <Badge value={v.state} /> },
          { label: "Tags", long: true, render: (v) => <EditMeta path={`/api/v1/vpcs/${v.id}`} name={v.name} tags={v.tags} label={v.id} /> },
          { label: "Created", sort: "createdAt", render: (v) => time(v.createdAt) },
          { label: "", render: (v) => <Action label="Delete" danger confirm={`Delete VPC ${v.id}?`} run={() => api("DELETE", `/api/v1/vpcs/${v.id}`)} /> },
        ]}
      />
    </section>
  );
}

export function VpcPage({ id }: { id: string }): ReactNode {
  const vpc = useData(() => api<Vpc>("GET", `/api/v1/vpcs/${id}`), [id]);
  if (vpc.error?.status === 404) return <NotFound title={`VPC ${id}`} error={vpc.error} back={{ to: "/vpcs", label: "Back to your VPCs" }} />;
  if (vpc.error) return <ErrorBox error={vpc.error} />;
  if (!vpc.data) return <p className="muted">Loading…</p>;
  return <VpcDetails v={vpc.data} />;
}

/** A VPC that exists: its subnets, route tables and instances (loaded only once the VPC is). */
function VpcDetails({ v }: { v: Vpc }): ReactNode {
  const app = useApp();
  const id = v.id;
  // Pickers' options (up to 1000 each); the tables below page by themselves.
  const subnets = useData(() => firstPage<Subnet>("/api/v1/subnets", { vpcId: id }), [id]);
  const tables = useData(() => firstPage<RouteTable>("/api/v1/route-tables", { vpcId: id }), [id]);
  const targets = useRouteTargets(v);
  const hosts = useData(() => api<{ items: { name: string }[] }>("GET", "/api/v1/hosts"), []);
  const groups = useData(() => firstPage<SecurityGroup>("/api/v1/security-groups", { vpcId: id }), [id]);
  const zones = app.regions.find((r) => r.id === v.region)?.zones ?? [];
  const tableOptions = (tables.data ?? []).map((t) => ({ value: t.id, label: `${t.name || t.id}${t.isDefault ? " (default)" : ""}` }));
  return (
    <section>
      <h2>
        VPC {v.name || v.id} <Badge value={v.state} />
      </h2>
      <p>
        <code>{v.id}</code> · {v.region} · {v.cidr} · default route table <code>{v.defaultRouteTableId}</code>
        {v.defaultSecurityGroupId && (
          <>
            {" "}· default security group <Link to={`/security-groups/${v.defaultSecurityGroupId}`}>{v.defaultSecurityGroupId}</Link> (<Link to={`/security-groups?vpcId=${v.id}`}>all its groups</Link>)
          </>
        )}
      </p>

      <h3>Subnets</h3>
      <Form
        title="Create a subnet"
        fields={[
          { name: "cidr", label: "IPv4 CIDR", placeholder: v.cidr.replace(/\/\d+$/, "/24") },
          { name: "zone", label: "Zone", type: "select", options: zones.map((z) => ({ value: z, label: z })) },
          { name: "name", label: "Name" },
        ]}
        submit={(f) => api("POST", "/api/v1/subnets", { vpcId: id, cidr: f.cidr, zone: opt(f.zone), ...(opt(f.name) ? { name: opt(f.name) } : {}) })}
      />
      <List<Subnet>
        label="Subnets"
        path="/api/v1/subnets"
        fixed={{ vpcId: id }}
        prefix="subnets."
        empty="No subnets yet. Create one above (a CIDR inside the VPC's) before adding instances."
        columns={[
          { label: "ID", render: (s) => s.id },
          { label: "Name", long: true, sort: "name", render: (s) => s.name },
          { label: "Zone", render: (s) => s.zone },
          { label: "CIDR", render: (s) => s.cidr },
          { label: "Gateway", render: (s) => s.gatewayIp },
          { label: "Tags", long: true, render: (s) => <EditMeta path={`/api/v1/subnets/${s.id}`} name={s.name} tags={s.tags} label={s.id} /> },
          {
            label: "Route table",
            render: (s) => <RouteTablePicker subnetId={s.id} value={s.routeTableId} options={tableOptions} />,
          },
          { label: "", render: (s) => <Action label="Delete" danger confirm={`Delete subnet ${s.id}?`} run={() => api("DELETE", `/api/v1/subnets/${s.id}`)} /> },
        ]}
      />

      <h3>Route tables</h3>
      <Form title="Create a route table" fields={[{ name: "name", label: "Name" }]} submit={(f) => api("POST", "/api/v1/route-tables", { vpcId: id, name: f.name })} />
      <ErrorBox error={targets.error} />
      <List<RouteTable>
        label="Route tables"
        path="/api/v1/route-tables"
        fixed={{ vpcId: id }}
        prefix="tables."
        limit={20}
        expand={(items) => Promise.all(items.map((t) => api<RouteTable>("GET", `/api/v1/route-tables/${t.id}`)))}
        columns={[]}
        empty="No route tables."
        render={(rows) => rows.map((t) => <RouteTableCard key={t.id} table={t} targets={targets.targets} />)}
      />

      <h3>Instances</h3>
      <Form
        title="Create an instance"
        fields={[
          { name: "subnetId", label: "Subnet", type: "select", options: (subnets.data ?? []).map((s) => ({ value: s.id, label: `${s.id} (${s.cidr})` })) },
          { name: "privateIp", label: "Private IP", placeholder: "(the next free address)" },
          { name: "host", label: "Host", type: "select", options: [{ value: "", label: "(the least loaded)" }, ...(hosts.data?.items ?? []).map((h) => ({ value: h.name, label: h.name }))] },
          { name: "name", label: "Name" },
          {
            name: "securityGroupId",
            label: "Security group",
            type: "select",
            options: [{ value: "", label: "(the VPC's default group)" }, ...(groups.data ?? []).filter((g) => !g.isDefault).map((g) => ({ value: g.id, label: `${g.name} (${g.id})` }))],
            hint: "More groups: Change in its row",
          },
        ]}
        submit={(f) => api("POST", "/api/v1/instances", { subnetId: f.subnetId, ...(opt(f.securityGroupId) ? { securityGroupIds: [opt(f.securityGroupId)] } : {}), ...(opt(f.privateIp) ? { privateIp: opt(f.privateIp) } : {}), ...(opt(f.host) ? { host: opt(f.host) } : {}), ...(opt(f.name) ? { name: opt(f.name) } : {}) })}
      />
      <List<Instance>
        label="Instances"
        path="/api/v1/instances"
        fixed={{ vpcId: id }}
        prefix="instances."
        empty={(subnets.data ?? []).length === 0 ? "No instances yet. Create a subnet first, then an instance in it." : "No instances yet. Create one above in one of the VPC's subnets."}
        columns={[
          { label: "ID", render: (i) => i.id },
          { label: "Name", long: true, sort: "name", render: (i) => i.name },
          { label: "Subnet", render: (i) => i.subnetId },
          { label: "Private IP", render: (i) => i.privateIp },
          { label: "Security groups", long: true, render: (i) => <InstanceGroups instance={i} groups={groups.data} /> },
          { label: "Host", render: (i) => (i.interfaceId ? <span title={`logical port (iface-id) ${i.interfaceId}, MAC ${i.mac ?? ""}`}>{i.host}</span> : (i.host ?? "—")) },
          { label: "Tags", long: true, render: (i) => <EditMeta path={`/api/v1/instances/${i.id}`} name={i.name} tags={i.tags} label={i.id} /> },
          { label: "Data plane", long: true, render: (i) => (i.dataplane ? (i.dataplane.lastError ? `error: ${i.dataplane.lastError}` : i.dataplane.programmed ? "programmed" : "pending") : "—") },
          { label: "", render: (i) => <Action label="Delete" danger confirm={`Delete instance ${i.id}?`} run={() => api("DELETE", `/api/v1/instances/${i.id}`)} /> },
        ]}
      />
      {(targets.instances ?? []).length > 0 && <ProbeForm instances={targets.instances ?? []} />}
    </section>
  );
}

interface ProbeResult {
  reachable?: boolean;
  rttMs?: number | null;
  error?: string;
}

/** Real packets from one of the VPC's instances (POST /api/v1/probes): the data plane decides. */
function ProbeForm({ instances }: { instances: Instance[] }): ReactNode {
  const [result, setResult] = useState<{ to: string; r: ProbeResult }>();
  return (
    <>
      <Form
        title="Probe from an instance"
        submitLabel="Send"
        keepValues
        fields={[
          { name: "fromInstanceId", label: "From", type: "select", options: instances.map((i) => ({ value: i.id, label: `${i.id} (${i.privateIp})` })) },
          { name: "toIp", label: "To IP", placeholder: "172.16.1.4" },
          { name: "protocol", label: "Protocol", type: "select", options: ["icmp", "tcp", "udp"].map((x) => ({ value: x, label: x })) },
          { name: "port", label: "Port", placeholder: "8080", when: (v) => v.protocol !== "icmp" },
        ]}
        submit={async (f) => {
          setResult(undefined);
          const r = await api<ProbeResult>("POST", "/api/v1/probes", {
            fromInstanceId: f.fromInstanceId,
            toIp: f.toIp,
            protocol: f.protocol,
            ...(f.protocol !== "icmp" && num(f.port) !== undefined ? { port: num(f.port) } : {}),
          });
          setResult({ to: String(f.toIp), r });
        }}
      />
      {result && (
        <p role="status" aria-label="Probe result" className={result.r.reachable ? "ok" : "error"}>
          {result.r.reachable
            ? `${result.to} is reachable${typeof result.r.rttMs === "number" ? ` (${result.r.rttMs.toFixed(2)} ms)` : ""}`
            : `${result.to} is unreachable${result.r.error ? `: ${result.r.error}` : ""}`}
        </p>
      )}
    </>
  );
}

function RouteTableCard({ table: t, targets }: { table: RouteTable; targets: RouteTargetOptions | undefined }): ReactNode {
  return (
    <div className="card" aria-label={`Route table ${t.id}`}>
      <h4>
        {t.name || t.id} {t.isDefault && <Badge value="default" />} <code>{t.id}</code>
      </h4>
      <EditMeta path={`/api/v1/route-tables/${t.id}`} name={t.name} tags={t.tags} label={t.id} />
      <p className="muted">Subnets: {(t.subnetIds ?? []).join(", ") || "none"}</p>
      <Table
        label={`Routes of ${t.id}`}
        rows={t.routes}
        empty="No routes."
        columns={[
          { label: "Destination", render: (r) => r.destinationCidr },
          { label: "Target", render: (r) => `${r.target.type} ${r.target.id}${r.target.privateIp ? ` (${r.target.privateIp})` : ""}` },
          { label: "State", render: (r) => <Badge value={r.state} /> },
          { label: "", render: (r) => (r.origin === "system" ? <span className="muted">local</span> : <Action label="Remove" danger run={() => api("DELETE", `/api/v1/route-tables/${t.id}/routes/${r.id}`)} />) },
        ]}
      />
      <RouteForm tableId={t.id} targets={targets} />
      {!t.isDefault && <Action label="Delete route table" danger confirm={`Delete route table ${t.id}?`} run={() => api("DELETE", `/api/v1/route-tables/${t.id}`)} />}
    </div>
  );
}

export function VbrsPage(): ReactNode {
  const app = useApp();
  return (
    <section>
      <h2>VBRs (border routers for on-premises networks)</h2>
      <Form
        title="Create a VBR"
        fields={[
          { name: "name", label: "Name", placeholder: "office" },
          { name: "region", label: "Region", type: "select", options: app.regions.map((r) => ({ value: r.id, label: r.id })) },
          { name: "onPremisesCidrs", label: "On-premises CIDRs", placeholder: "192.168.0.0/16, 100.64.0.0/24" },
        ]}
        submit={(v) => api("POST", "/api/v1/vbrs", { name: v.name, region: v.region, onPremisesCidrs: list(v.onPremisesCidrs) })}
      />
      <List<Vbr>
        label="VBRs"
        path="/api/v1/vbrs"
        filters={[{ name: "region", label: "Region", options: [{ value: "", label: "any" }, ...app.regions.map((r) => ({ value: r.id, label: r.id }))] }]}
        empty="No VBRs yet. Create one above for an on-premises network, then route to it or connect it with a router interface."
        columns={[
          { label: "ID", render: (v) => v.id },
          { label: "Name", long: true, sort: "name", render: (v) => v.name },
          { label: "Region", render: (v) => v.region },
          { label: "On-premises CIDRs", render: (v) => v.onPremisesCidrs.join(", ") },
          { label: "Tags", long: true, render: (v) => <EditMeta path={`/api/v1/vbrs/${v.id}`} name={v.name} tags={v.tags} label={v.id} /> },
          { label: "Created", sort: "createdAt", render: (v) => time(v.createdAt) },
          { label: "", render: (v) => <Action label="Delete" danger confirm={`Delete VBR ${v.id}?`} run={() => api("DELETE", `/api/v1/vbrs/${v.id}`)} /> },
        ]}
      />
    </section>
  );
}

