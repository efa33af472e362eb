/** Security groups: the list (by VPC), and one group with its members and its ingress/egress rule editor. */
import { type ReactNode, useState } from "react";
import { api, firstPage } from "../api.ts";
import { Part } from "../detail/parts.tsx";
import { Form, type Field } from "../form.tsx";
import { InstanceGroups } from "../forms/instance-groups.tsx";
import { List } from "../list.tsx";
import { type PeerChoice, type SecurityGroup, type SecurityGroupRule, checkGroupRef, checkNumber, peerChoices, peerText, portsText, ruleFromValues, staleText, valuesFromRule } from "../sg-rules.ts";
import type { Instance, Peering, Vpc } from "../types.ts";
import { Action, Badge, EditMeta, ErrorBox, Link, NotFound, Table, time, useApp, useData } from "../ui.tsx";

export function SecurityGroupsPage(): ReactNode {
  const vpcs = useData(() => firstPage<Vpc>("/api/v1/vpcs"), []);
  const vpcOptions = (vpcs.data ?? []).map((v) => ({ value: v.id, label: `${v.id}${v.name ? ` (${v.name})` : ""} · ${v.region}` }));
  return (
    <section>
      <h2>Security groups</h2>
      <Form
        title="Create a security group"
        fields={[
          { name: "vpcId", label: "VPC", type: "select", options: vpcOptions, check: (v) => (v === "" ? "Create a VPC first: a group belongs to one." : undefined) },
          { name: "name", label: "Name", placeholder: "web", check: (v) => (v.trim() === "" ? "A group needs a name." : undefined) },
          { name: "description", label: "Description" },
          { name: "note", label: "", type: "custom", render: () => <small className="muted">It starts with one egress rule allowing everything to 0.0.0.0/0 and no ingress rule: add rules on its page.</small> },
        ]}
        submit={(v) => api("POST", "/api/v1/security-groups", { vpcId: v.vpcId, name: String(v.name).trim(), ...(String(v.description).trim() ? { description: String(v.description).trim() } : {}) })}
      />
      <ErrorBox error={vpcs.error} />
      <List<SecurityGroup>
        label="Security groups"
        path="/api/v1/security-groups"
        filters={[{ name: "vpcId", label: "VPC", options: [{ value: "", label: "any" }, ...vpcOptions] }]}
        empty="No security groups yet. Every VPC has a default group; create another above to give instances their own rules."
        columns={[
          { label: "ID", render: (g) => <Link to={`/security-groups/${g.id}`}>{g.id}</Link> },
          { label: "Name", long: true, sort: "name", render: (g) => <>{g.name} {g.isDefault && <Badge value="default" />}</> },
          { label: "VPC", render: (g) => <Link to={`/vpcs/${g.vpcId}`}>{g.vpcId}</Link> },
          { label: "Rules", render: (g) => rulesCount(g) },
          { label: "Description", long: true, render: (g) => g.description || "—" },
          { label: "Tags", long: true, render: (g) => <EditMeta path={`/api/v1/security-groups/${g.id}`} name={g.name} tags={g.tags} label={g.id} /> },
          { label: "Created", sort: "createdAt", render: (g) => time(g.createdAt) },
          { label: "", render: (g) => (g.isDefault ? <span className="muted">goes with its VPC</span> : <Action label="Delete" danger confirm={`Delete security group ${g.id}?`} run={() => api("DELETE", `/api/v1/security-groups/${g.id}`)} />) },
        ]}
      />
    </section>
  );
}

function rulesCount(g: SecurityGroup): string {
  const n = (d: string) => g.rules.filter((r) => r.direction === d).length;
  const stale = g.rules.filter((r) => r.stale).length;
  return `${n("ingress")} in · ${n("egress")} out${stale ? ` · ${stale} stale` : ""}`;
}

export function SecurityGroupPage({ id }: { id: string }): ReactNode {
  const g = useData(() => api<SecurityGroup>("GET", `/api/v1/security-groups/${id}`), [id]);
  if (g.error?.status === 404) return <NotFound title={`Security group ${id}`} error={g.error} back={{ to: "/security-groups", label: "Back to your security groups" }} />;
  if (!g.data) return g.error ? <ErrorBox error={g.error} /> : <p className="muted">Loading…</p>;
  return (
    <>
      <ErrorBox error={g.error} />
      <GroupDetails g={g.data} />
    </>
  );
}

/** A group that exists: what it is, its members, its rules. */
function GroupDetails({ g }: { g: SecurityGroup }): ReactNode {
  const { account } = useApp();
  const me = account.id;
  // The VPC's groups (the peer-group picker, the members' other groups), its instances (members) and peerings (peer choices, stale reasons).
  // All your groups (up to 1000, a picker's read): this VPC's for the picker, another VPC of yours' across a peering (its ids offered, a stale rule's peering told).
  const all = useData(() => firstPage<SecurityGroup>("/api/v1/security-groups"), []);
  const groups = { data: all.data?.filter((x) => x.vpcId === g.vpcId) };
  const instances = useData(() => firstPage<Instance>("/api/v1/instances", { vpcId: g.vpcId }), [g.vpcId]);
  const peerings = useData(() => firstPage<Peering>("/api/v1/peerings", { vpcId: g.vpcId }), [g.vpcId]);
  const references = useData(() => api<{ items: { securityGroupId: string; referencingVpcId: string; peeringId: string | null }[] }>("GET", `/api/v1/security-groups/${g.id}/references`), [g.id]);
  const choices = peerChoices(g.vpcId, peerings.data ?? []);
  const members = (instances.data ?? []).filter((i) => (i.securityGroupIds ?? []).includes(g.id));
  const stale = g.rules.filter((r) => r.stale).length;
  return (
    <section>
      <h2 className="detail-head">
        Security group {g.name || g.id} {g.isDefault && <Badge value="default" />}
      </h2>
      <p>
        <code>{g.id}</code> · VPC <Link to={`/vpcs/${g.vpcId}`}>{g.vpcId}</Link> · {g.region} · {g.isDefault ? "the VPC's default group (instances that name no group get it; it goes with its VPC)" : "not the default group"} · rules version {g.rulesVersion} · created {time(g.createdAt)}
      </p>
      {g.description && <p>{g.description}</p>}
      {stale > 0 && (
        <p className="error" role="status" aria-label="Stale rules">
          {stale === 1 ? "One rule is stale" : `${stale} rules are stale`}: its peer group is across a peering that is no longer active, and it matches nothing. Edit or delete it.
        </p>
      )}

      <Part title="Rules">
        <ErrorBox error={all.error ?? peerings.error} />
        <p className="muted">
          An instance's groups are evaluated together, one direction at a time: priority 1 first, a drop before an accept of the same priority; the first rule that matches decides, and
          a packet no rule matches is dropped. Stateful: replies to an allowed connection pass both ways. Below, each direction in the order it is evaluated (#).
        </p>
        <RuleTable g={g} direction="ingress" choices={choices} groups={groups.data ?? []} all={all.data ?? []} peerings={peerings.data ?? []} me={me} />
        <RuleTable g={g} direction="egress" choices={choices} groups={groups.data ?? []} all={all.data ?? []} peerings={peerings.data ?? []} me={me} />
        <RuleForm g={g} choices={choices} groups={groups.data ?? []} all={all.data ?? []} me={me} />
      </Part>

      <Part title="Members">
        <ErrorBox error={instances.error} />
        <Table<Instance>
          label="Members"
          rows={instances.data === undefined ? undefined : members}
          empty="No instance is in this group. Add one from its row on the VPC's page, or below from the VPC's instances."
          columns={[
            { label: "ID", render: (i) => i.id },
            { label: "Name", long: true, render: (i) => i.name || "—" },
            { label: "Private IP", render: (i) => i.privateIp },
            { label: "Security groups", long: true, render: (i) => <InstanceGroups instance={i} groups={groups.data} /> },
          ]}
        />
        {instances.data && instances.data.length > members.length && (
          <details>
            <summary>The VPC's other instances ({instances.data.length - members.length})</summary>
            <Table<Instance>
              label="Other instances"
              rows={instances.data.filter((i) => !members.includes(i))}
              empty="None."
              columns={[
                { label: "ID", render: (i) => i.id },
                { label: "Private IP", render: (i) => i.privateIp },
                { label: "Security groups", long: true, render: (i) => <InstanceGroups instance={i} groups={groups.data} /> },
              ]}
            />
          </details>
        )}
      </Part>

      <Part title="Named by">
        {references.data?.items.length ? (
          <ul>
            {references.data.items.map((r, i) => (
              <li key={i}>
                rules of a group in {r.referencingVpcId}
                {r.peeringId ? <> across <Link to={`/peerings/${r.peeringId}`}>{r.peeringId}</Link></> : r.referencingVpcId === g.vpcId ? " (this VPC)" : " (no active peering now: stale there)"}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{references.data ? "No other group's rules name this group." : "Loading…"}</p>
        )}
      </Part>

      <Part title="Actions">
        <div>
          Name and tags: <EditMeta path={`/api/v1/security-groups/${g.id}`} name={g.name} tags={g.tags} label={g.id} />
        </div>
        {g.isDefault ? (
          <p className="muted">A default group cannot be deleted: it goes with its VPC.</p>
        ) : (
          <Action
            label="Delete security group"
            danger
            confirm={`Delete security group ${g.id}?`}
            run={async () => {
              await api("DELETE", `/api/v1/security-groups/${g.id}`);
              window.location.hash = "#/security-groups";
            }}
          />
        )}
      </Part>
    </section>
  );
}

/** One direction's rules in evaluation order, each editable in place and deletable. */
function RuleTable({ g, direction, choices, groups, all, peerings, me }: { g: SecurityGroup; direction: "ingress" | "egress"; choices: PeerChoice[]; groups: SecurityGroup[]; all: SecurityGroup[]; peerings: Peering[]; me: string }): ReactNode {
  // The rule being edited, and the rules version it was read at: a change made meanwhile by someone else is refused (SecurityGroupVersionMismatch), not overwritten.
  const [editing, setEditing] = useState<{ id: string; version: number }>();
  const rules = g.rules.filter((r) => r.direction === direction);
  const title = direction === "ingress" ? "Ingress rules" : "Egress rules";
  const editingRule = rules.find((r) => r.id === editing?.id);
  return (
    <>
      <h4>
        {title} <span className="muted">({direction === "ingress" ? "packets arriving at the members; the peer is their source" : "packets leaving the members; the peer is their destination"})</span>
      </h4>
      <Table<SecurityGroupRule & { order: number }>
        label={title}
        rows={rules.map((r, i) => ({ ...r, order: i + 1 }))}
        empty={direction === "ingress" ? "No ingress rules: nothing new reaches the members through this group." : "No egress rules: the members open nothing new through this group."}
        columns={[
          { label: "#", render: (r) => r.order },
          { label: "Priority", render: (r) => r.priority },
          { label: "Action", render: (r) => <Badge value={r.action} /> },
          { label: "Traffic", render: (r) => portsText(r) },
          { label: "Peer", long: true, render: (r) => peerText(r.peer, me) },
          {
            label: "State",
            long: true,
            render: (r) => (r.stale ? <span className="stale-rule"><Badge value="stale" /> {staleText(r, g.vpcId, peerings, "securityGroupId" in r.peer && r.peer.accountId === me ? all.find((x) => "securityGroupId" in r.peer && x.id === r.peer.securityGroupId)?.vpcId : undefined)}</span> : <span className="muted">in force</span>),
          },
          { label: "Description", long: true, render: (r) => r.description || "—" },
          {
            label: "",
            render: (r) => (
              <span className="inline">
                <button type="button" className="link" aria-label={`Edit rule ${r.id}`} onClick={() => setEditing(editing?.id === r.id ? undefined : { id: r.id, version: g.rulesVersion })}>
                  Edit
                </button>
                <Action label="Delete" danger confirm={`Delete rule ${r.id}?`} run={() => api("DELETE", `/api/v1/security-groups/${g.id}/rules/${r.id}`)} />
              </span>
            ),
          },
        ]}
      />
      {editingRule && (
        <RuleForm key={editingRule.id} g={g} choices={choices} groups={groups} all={all} me={me} rule={editingRule} readAt={editing?.version} onDone={() => setEditing(undefined)} />
      )}
    </>
  );
}

/** Add a rule, or (with `rule`) replace one, keeping its id. */
function RuleForm({ g, choices, groups, all, me, rule, readAt, onDone }: { g: SecurityGroup; choices: PeerChoice[]; groups: SecurityGroup[]; all: SecurityGroup[]; me: string; rule?: SecurityGroupRule; readAt?: number | undefined; onDone?: () => void }): ReactNode {
  const initial = rule ? valuesFromRule(rule, groups.map((x) => x.id), choices) : undefined;
  const ports = (v: Record<string, string | boolean>) => v.protocol === "tcp" || v.protocol === "udp";
  const choiceOf = (v: Record<string, string | boolean>) => choices.find((c) => c.value === v.peerKind);
  const base: Field[] = [
    { name: "direction", label: "Direction", type: "select", options: [{ value: "ingress", label: "ingress (in)" }, { value: "egress", label: "egress (out)" }] },
    { name: "protocol", label: "Protocol", type: "select", options: ["tcp", "udp", "icmp", "all"].map((p) => ({ value: p, label: p })) },
    { name: "fromPort", label: "From port", placeholder: "80 (empty: all)", when: ports, check: (t) => checkNumber(t, 0, 99999, "A port") },
    { name: "toPort", label: "To port", placeholder: "(the from port)", when: ports, check: (t) => checkNumber(t, 0, 99999, "A port") },
    { name: "icmpType", label: "ICMP type", placeholder: "8 (empty: any)", when: (v) => v.protocol === "icmp", check: (t) => checkNumber(t, 0, 999, "An ICMP type") },
    { name: "icmpCode", label: "ICMP code", placeholder: "(any)", when: (v) => v.protocol === "icmp", check: (t) => checkNumber(t, 0, 999, "An ICMP code") },
    { name: "peerKind", label: "Peer", type: "select", options: choices.map((c) => ({ value: c.value, label: c.label })) },
    { name: "cidr", label: "Peer CIDR", placeholder: "0.0.0.0/0", when: (v) => v.peerKind === "cidr" },
    {
      name: "peerGroup",
      label: "Peer group",
      type: "select",
      when: (v) => v.peerKind === "group",
      options: groups.map((x) => ({ value: x.id, label: `${x.name || x.id} (${x.id})${x.id === g.id ? " — this group" : ""}` })),
      hint: "Its members' addresses: the group's own members too.",
    },
    {
      name: "peerGroupId",
      label: "Peer group ID",
      placeholder: "sg-…",
      when: (v) => String(v.peerKind).startsWith("pcx:"),
      check: (t) => checkGroupRef(t),
      hint: (v) => {
        const c = choiceOf(v);
        if (!c) return undefined;
        // A VPC of your own across the peering: its groups can be named here.
        const yours = c.peerAccountId === me ? all.filter((x) => x.vpcId === c.peerVpcId) : [];
        if (yours.length > 0) return `A group of your ${c.peerVpcId} across ${c.peeringId}: ${yours.map((x) => `${x.name || "—"} ${x.id}`).join(", ")}.`;
        return `A group of ${c.peerVpcId}, account ${c.peerAccountId}, across ${c.peeringId}: another account's groups cannot be listed, so type its ID (sg-…, or account/sg-… for another owner).`;
      },
    },
    { name: "action", label: "Action", type: "select", options: [{ value: "accept", label: "accept" }, { value: "drop", label: "drop" }] },
    { name: "priority", label: "Priority", type: "number", initial: "1", hint: "1–10000; 1 is evaluated first" },
    { name: "description", label: "Description" },
  ];
  const fields = base.map((f) => (initial && f.name in initial ? { ...f, initial: initial[f.name]! } : f));
  return (
    <Form
      title={rule ? `Edit rule ${rule.id}` : `Add a rule to ${g.id}`}
      submitLabel={rule ? "Replace" : "Add rule"}
      fields={fields}
      onDone={onDone}
      submit={(v) => {
        const r = ruleFromValues(v, choices, me);
        return rule
          ? api("PUT", `/api/v1/security-groups/${g.id}/rules/${rule.id}`, { rule: r, expectedVersion: readAt ?? g.rulesVersion })
          : api("POST", `/api/v1/security-groups/${g.id}/rules`, { rules: [r] });
      }}
    />
  );
}
