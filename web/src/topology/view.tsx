/** The topology drawn in SVG: regions, routers, connections, and a view that pans and zooms. */
import { type ReactNode, useEffect, useRef, useState } from "react";
import { LEGEND, type TopoEdge, type TopoGraph, type TopoNode, nodeLines } from "./graph.ts";
import type { EdgeLayout, Layout, Point } from "./layout.ts";
import { LABEL_HEIGHT, LABEL_WIDTH } from "./layout.ts";
import type { PathHighlight } from "./path.ts";
import { type View, fit, pan, zoom } from "./viewport.ts";
import "./topology.css";

/** Text cut to what fits a box of `chars` characters (the whole of it in the element's title). */
const cut = (s: string, chars: number) => (s.length > chars ? `${s.slice(0, chars - 1)}…` : s);

/** A smooth path through dagre's points (straight for two). */
function pathD(points: Point[]): string {
  if (points.length === 0) return "";
  const [first, ...rest] = points;
  let d = `M${first!.x},${first!.y}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${last.x},${last.y}`;
  return d;
}

function Edge({ e, at, path }: { e: TopoEdge; at: EdgeLayout; path: PathHighlight | undefined }): ReactNode {
  const colour = LEGEND[e.state].colour;
  const onPath = path?.edges.has(e.id) ?? false;
  const what = e.origin === "router-interface" ? "Router interface connection" : "Peering";
  const words = `${what} ${e.id}, ${e.peeringState}${e.transition ? ` (${e.transition})` : ""}, ${e.bandwidth}, ${e.regions}`;
  const lx = at.label.x - LABEL_WIDTH / 2;
  const ly = at.label.y - LABEL_HEIGHT / 2;
  return (
    <a href={`#${e.href}`} className={`topo-edge${onPath ? " on-path" : path ? " dim" : ""}`} aria-label={words} data-edge={e.id} data-state={e.state} data-on-path={onPath ? "true" : undefined}>
      <title>{words}</title>
      <path d={pathD(at.points)} className="hit" />
      <path d={pathD(at.points)} stroke={colour} strokeWidth={onPath ? 5 : 2.2} strokeDasharray={e.transition || e.state === "pending" ? "7 5" : undefined} fill="none" />
      <rect x={lx} y={ly} width={LABEL_WIDTH} height={LABEL_HEIGHT} rx={5} fill="#fff" stroke={colour} strokeWidth={onPath ? 2.5 : 1} />
      <text x={at.label.x} y={ly + 14} textAnchor="middle" className="topo-label">
        {cut(`${e.bandwidth} · ${e.state}`, 28)}
      </text>
      <text x={at.label.x} y={ly + 28} textAnchor="middle" className="topo-label muted">
        {cut(e.regions, 28)}
      </text>
    </a>
  );
}

function Node({ n, layout, path }: { n: TopoNode; layout: Layout; path: PathHighlight | undefined }): ReactNode {
  const b = layout.nodes.get(n.id)!;
  const lines = nodeLines(n);
  const onPath = path?.nodes.has(n.id) ?? false;
  const words = `${n.own ? "" : "Peer side: "}${lines.join(", ")}`;
  // Cut to what the box holds (a bold title up to ~9 px a character in wide fonts such as DejaVu, monospace lines ~7 px): the whole in the title.
  const body = (
    <>
      <title>{words}</title>
      <rect x={b.x} y={b.y} width={b.width} height={b.height} rx={9} className={`topo-node-box ${n.own ? n.kind : "peer"}`} strokeWidth={onPath ? 4 : 1.5} />
      {lines.map((l, i) => (
        <text key={i} x={b.x + 10} y={b.y + 18 + i * 16} className={i === 0 ? "topo-name" : "topo-line"}>
          {cut(l, i === 0 ? 20 : 26)}
        </text>
      ))}
    </>
  );
  const cls = `topo-node${onPath ? " on-path" : path ? " dim" : ""}`;
  return n.href ? (
    <a href={`#${n.href}`} className={cls} aria-label={words} data-node={n.id} data-on-path={onPath ? "true" : undefined}>
      {body}
    </a>
  ) : (
    <g className={cls} role="img" aria-label={words} data-node={n.id} data-on-path={onPath ? "true" : undefined}>
      {body}
    </g>
  );
}

/**
 * The drawing, fitted to the width of the page; the wheel, the buttons, +/- and the arrow keys
 * zoom and pan it, and so does dragging. Links (routers, connections) open their pages.
 */
export function TopologyView({ graph, layout, path }: { graph: TopoGraph; layout: Layout; path: PathHighlight | undefined }): ReactNode {
  const whole = fit(layout.width, layout.height);
  const [view, setView] = useState<View>(whole);
  const [fitted, setFitted] = useState(true);
  const svg = useRef<SVGSVGElement>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const wholeRef = useRef(whole);
  wholeRef.current = whole;

  // A new drawing: shown whole, unless the viewer has zoomed or panned (then the view stays).
  useEffect(() => {
    if (fitted) setView(fit(layout.width, layout.height));
  }, [layout, fitted]);

  /** Drawing units per screen pixel. */
  const scale = () => {
    const el = svg.current;
    if (!el || el.clientWidth === 0) return 1;
    return Math.max(viewRef.current.w / el.clientWidth, viewRef.current.h / el.clientHeight);
  };
  const change = (v: View) => {
    setFitted(false);
    setView(v);
  };
  const zoomBy = (f: number) => {
    const v = viewRef.current;
    change(zoom(v, f, v.x + v.w / 2, v.y + v.h / 2, wholeRef.current));
  };
  const panBy = (dx: number, dy: number) => change(pan(viewRef.current, dx * scale(), dy * scale(), wholeRef.current));

  // The wheel zooms about the pointer (a native listener: React's is passive and cannot stop the page scrolling).
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const onWheel = (ev: WheelEvent) => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      const v = viewRef.current;
      const s = Math.max(v.w / r.width, v.h / r.height);
      // preserveAspectRatio xMidYMid meet: the view is centred in the element.
      const cx = v.x + v.w / 2 + (ev.clientX - r.left - r.width / 2) * s;
      const cy = v.y + v.h / 2 + (ev.clientY - r.top - r.height / 2) * s;
      setFitted(false);
      setView(zoom(v, ev.deltaY < 0 ? 1.2 : 1 / 1.2, cx, cy, wholeRef.current));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  // Dragging pans; a drag is not a click on what it started on.
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const dragged = useRef(false);

  const ratio = layout.height / layout.width;
  return (
    <div className="topo">
      <div className="topo-tools" role="toolbar" aria-label="Zoom">
        <button type="button" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>
          +
        </button>
        <button type="button" aria-label="Zoom out" onClick={() => zoomBy(0.8)}>
          −
        </button>
        <button
          type="button"
          onClick={() => {
            setFitted(true);
            setView(fit(layout.width, layout.height));
          }}
        >
          Fit
        </button>
        <span className="muted">Drag, wheel, or focus the drawing and use + − and the arrow keys.</span>
      </div>
      <svg
        ref={svg}
        role="group"
        aria-label="Topology graph"
        tabIndex={0}
        viewBox={`${view.x} ${view.y} ${view.w} ${view.h}`}
        preserveAspectRatio="xMidYMid meet"
        style={{ height: `min(75vh, max(300px, ${(ratio * 100).toFixed(2)}vw))` }}
        onKeyDown={(ev) => {
          const step = 60;
          const keys: Record<string, () => void> = {
            "+": () => zoomBy(1.25),
            "=": () => zoomBy(1.25),
            "-": () => zoomBy(0.8),
            _: () => zoomBy(0.8),
            ArrowLeft: () => panBy(-step, 0),
            ArrowRight: () => panBy(step, 0),
            ArrowUp: () => panBy(0, -step),
            ArrowDown: () => panBy(0, step),
          };
          const k = keys[ev.key];
          if (k) {
            ev.preventDefault();
            k();
          }
        }}
        onPointerDown={(ev) => {
          if (ev.button !== 0) return;
          drag.current = { x: ev.clientX, y: ev.clientY, moved: false };
          dragged.current = false;
        }}
        onPointerMove={(ev) => {
          const d = drag.current;
          if (!d) return;
          const dx = ev.clientX - d.x;
          const dy = ev.clientY - d.y;
          if (!d.moved && Math.hypot(dx, dy) < 5) return;
          if (!d.moved) svg.current?.setPointerCapture(ev.pointerId);
          d.moved = true;
          dragged.current = true;
          panBy(-dx, -dy);
          d.x = ev.clientX;
          d.y = ev.clientY;
        }}
        onPointerUp={() => {
          drag.current = null;
        }}
        onClickCapture={(ev) => {
          if (dragged.current) {
            ev.preventDefault();
            ev.stopPropagation();
            dragged.current = false;
          }
        }}
      >
        {layout.clusters.map((c) => (
          <g key={c.region} className="topo-region">
            <rect x={c.box.x} y={c.box.y} width={c.box.width} height={c.box.height} rx={12} />
            <text x={c.box.x + 14} y={c.box.y + 20}>
              {c.region}
            </text>
          </g>
        ))}
        {graph.edges.map((e) => (
          <Edge key={e.id} e={e} at={layout.edges.get(e.id)!} path={path} />
        ))}
        {graph.nodes.map((n) => (
          <Node key={n.id} n={n} layout={layout} path={path} />
        ))}
      </svg>
    </div>
  );
}

/** What the colours and boxes mean. */
export function Legend(): ReactNode {
  return (
    <ul className="topo-legend" aria-label="Legend">
      {Object.entries(LEGEND).map(([state, l]) => (
        <li key={state}>
          <svg width="28" height="10" aria-hidden="true">
            <line x1="0" y1="5" x2="28" y2="5" stroke={l.colour} strokeWidth="3" strokeDasharray={state === "pending" ? "7 5" : undefined} />
          </svg>{" "}
          {l.words}
        </li>
      ))}
      <li>
        <span className="swatch vpc" /> your VPC · <span className="swatch vbr" /> your VBR · <span className="swatch peer" /> peer side (another account's, as its peering shows it)
      </li>
    </ul>
  );
}
