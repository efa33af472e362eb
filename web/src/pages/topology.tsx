/** Topology: the account's VPCs, VBRs and the peerings it is party to, drawn as a graph. */
import { type ReactNode, useEffect, useMemo, useState } from "react";
import { ApiError, api, listAll } from "../api.ts";
import { Form } from "../form.tsx";
import { useHashQuery } from "../list.tsx";
import { buildGraph, regionGraph, regionsOf } from "../topology/graph.ts";
import { layoutGraph } from "../topology/layout.ts";
import { type Analysis, type Hop, pathOf, verdictOf } from "../topology/path.ts";
import { Legend, TopologyView } from "../topology/view.tsx";
import type { Instance, Peering, RouterInterface, Vbr, Vpc } from "../types.ts";
import { ErrorBox, Link, asApiError, useApp, useData } from "../ui.tsx";

interface Network {
  vpcs: Vpc[];
  vbrs: Vbr[];
  peerings: Peering[];
  routerInterfaces: RouterInterface[];
  instances: Instance[];
}

const loadNetwork = async (): Promise<Network> => {
  const [vpcs, vbrs, peerings, routerInterfaces, instances] = await Promise.all([
    listAll<Vpc>("/api/v1/vpcs"),
    listAll<Vbr>("/api/v1/vbrs"),
    listAll<Peering>("/api/v1/peerings"),
    listAll<RouterInterface>("/api/v1/router-interfaces"),
    listAll<Instance>("/api/v1/instances"),
  ]);
  return { vpcs, vbrs, peerings, routerInterfaces, instances };
};

function Hops({ label, hops }: { label: string; hops: Hop[] }): ReactNode {
  return (
    <>
      <h4>{label}</h4>
      <ol aria-label={label}>
        {hops.map((h, i) => (
          <li key={i}>
            {h.type} {h.resourceId ?? "(not visible)"} — {h.detail}
          </li>
        ))}
      </ol>
    </>
  );
}

export function TopologyPage(): ReactNode {
  const { account } = useApp();
  // Reloaded on every tick of the app (each event of the stream, each change made here).
  const net = useData(loadNetwork);
  const [showEnded, setShowEnded] = useState(false);
  // The path explained is in the address (#/topology?path=<the analysis request as JSON>), so that
  // it can be shared or reloaded; the form puts it there, Clear takes it away.
  const hq = useHashQuery();
  const asked = hq.params.get("path");
  const [explained, setExplained] = useState<{ key: string; result: Analysis }>();
  const [pathError, setPathError] = useState<ApiError>();
  const analysis = asked && explained?.key === asked ? explained.result : undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: asks again only when the address asks for another path
  useEffect(() => {
    setPathError(undefined);
    if (!asked || explained?.key === asked) return;
    let body: unknown;
    try {
      body = JSON.parse(asked);
    } catch {
      setPathError(new ApiError(400, "InvalidPath", "the path in the address (path=…) is not JSON: use the form below"));
      return;
    }
    let live = true;
    api<Analysis>("POST", "/api/v1/analyses", body).then(
      (result) => live && setExplained({ key: asked, result }),
      (e: unknown) => live && setPathError(asApiError(e)),
    );
    return () => {
      live = false;
    };
  }, [asked]);
  const showPath = (body: object | undefined) => {
    const next = new URLSearchParams(hq.params);
    if (body) next.set("path", JSON.stringify(body));
    else next.delete("path");
    hq.set(next, true);
  };

  const full = useMemo(
    () =>
      net.data &&
      buildGraph({ accountId: account.id, vpcs: net.data.vpcs, vbrs: net.data.vbrs, peerings: net.data.peerings, routerInterfaces: net.data.routerInterfaces, showEnded, now: new Date() }),
    [net.data, account.id, showEnded],
  );
  // One region (in the address: #/topology?region=…): its routers and the connections leaving it.
  const regions = full ? regionsOf(full) : [];
  const askedRegion = hq.params.get("region") ?? "";
  const region = regions.includes(askedRegion) ? askedRegion : "";
  const graph = full && (region ? regionGraph(full, region) : full);
  const chooseRegion = (r: string) => {
    const next = new URLSearchParams(hq.params);
    if (r) next.set("region", r);
    else next.delete("region");
    hq.set(next, true);
  };
  // Rows of regions and groups wrapped to the shape of the screen (wide on a desktop, tall on a phone).
  const [aspect] = useState(() => Math.round((window.innerWidth / Math.max(window.innerHeight * 0.75, 1)) * 10) / 10);
  // The layout only when what is drawn changed (a reload with the same network keeps it).
  const shape = graph ? JSON.stringify({ n: graph.nodes, e: graph.edges }) : "";
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on the graph's content, not its identity
  const drawn = useMemo(() => graph && { graph, layout: layoutGraph(graph, { aspect }) }, [shape]);
  const path = useMemo(() => (analysis && drawn ? pathOf(analysis, drawn.graph) : undefined), [analysis, drawn]);

  const sources = [
    ...(net.data?.instances ?? []).map((i) => ({ value: i.id, label: `instance ${i.id} ${i.name} (${i.privateIp})` })),
    ...(net.data?.vbrs ?? []).map((v) => ({ value: v.id, label: `VBR ${v.id} ${v.name} (on-premises host)` })),
  ];
  const said = analysis && verdictOf(analysis);

  return (
    <section>
      <h2>Topology</h2>
      <ErrorBox error={net.error} />
      {!net.data || !drawn ? (
        !net.error && <p className="muted">Loading…</p>
      ) : drawn.graph.nodes.length === 0 ? (
        <p>
          No VPCs yet — create one under <Link to="/vpcs">VPCs</Link>.
        </p>
      ) : (
        <>
          <p className="muted">
            Your VPCs and VBRs by region, and the connections you are party to. Click a router or a connection to open it.
          </p>
          <div className="topo-filters">
          {regions.length > 1 && (
            <label>
              Region{" "}
              <select aria-label="Region" value={region} onChange={(e) => chooseRegion(e.target.value)}>
                <option value="">All regions</option>
                {regions.map((r) => (
                  <option key={r} value={r}>
                    {r} and the connections leaving it
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="check">
            <input type="checkbox" checked={showEnded} onChange={(e) => setShowEnded(e.target.checked)} /> Show ended connections (rejected, expired, deleted)
            {!showEnded && drawn.graph.hiddenEnded > 0 ? ` — ${drawn.graph.hiddenEnded} hidden` : ""}
          </label>
          </div>
          <TopologyView key={region} graph={drawn.graph} layout={drawn.layout} path={path} narrowed={region !== ""} />
          <Legend />
        </>
      )}
      {net.data && sources.length > 0 && (
        <div className="topo-explain">
          <Form
            title="Explain a path"
            submitLabel="Explain"
            keepValues
            fields={[
              { name: "from", label: "From (your instance or VBR)", type: "select", options: sources },
              { name: "toIp", label: "To IP address", placeholder: "172.16.1.5" },
              // Security groups judge protocol and port.
              { name: "protocol", label: "Protocol", type: "select", initial: "tcp", options: [{ value: "tcp", label: "TCP" }, { value: "udp", label: "UDP" }, { value: "icmp", label: "ICMP (ping)" }] },
              { name: "port", label: "Port", type: "number", initial: "80", when: (v) => v.protocol !== "icmp", check: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : "a port from 1 to 65535") },
            ]}
            submit={async (f) => {
              const protocol = String(f.protocol ?? "tcp");
              const body = {
                ...(String(f.from).startsWith("vbr-") ? { fromVbrId: f.from } : { fromInstanceId: f.from }),
                toIp: String(f.toIp).trim(),
                protocol,
                ...(protocol !== "icmp" ? { port: Number(f.port ?? 80) } : {}),
              };
              const result = await api<Analysis>("POST", "/api/v1/analyses", body);
              setExplained({ key: JSON.stringify(body), result });
              showPath(body);
            }}
          />
          <ErrorBox error={pathError} />
          {analysis && said && (
            <div className="card" role="region" aria-label="Path explained">
              <div className={analysis.reachable ? "ok" : "error"}>{said.verdict}</div>
              {said.reasons.length > 0 && (
                <ul aria-label="Reasons">
                  {said.reasons.map((r, i) => (
                    <li key={i}>{r}</li>
                  ))}
                </ul>
              )}
              <p className="muted">The routers and connections crossed are outlined on the graph; the rest is dimmed.</p>
              <Hops label="Forward path" hops={analysis.forward} />
              <Hops label="Return path" hops={analysis.return} />
              <button type="button" onClick={() => showPath(undefined)}>
                Clear the path
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
