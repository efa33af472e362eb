/** The topology drawn in SVG: regions, routers, connections, and a view that pans and zooms. */
import { type PointerEvent as ReactPointerEvent, type ReactNode, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { LEGEND, type TopoEdge, type TopoGraph, type TopoNode, busiest, findNodes, nodeLines } from "./graph.ts";
import type { EdgeLayout, Layout, Point } from "./layout.ts";
import { LABEL_HEIGHT, LABEL_WIDTH } from "./layout.ts";
import type { PathHighlight } from "./path.ts";
import { type View, centreOn, fit, initialView, pan, showsAll, zoom } from "./viewport.ts";
import "./topology.css";

/** Text cut to what fits a box of `chars` characters (the whole of it in the element's title). */
const cut = (s: string, chars: number) => (s.length > chars ? `${s.slice(0, chars - 1)}…` : s);

/** A smooth path through dagre's points (straight for two), or straight segments through a routed connection's. */
function pathD(points: Point[], straight = false): string {
  if (points.length === 0) return "";
  if (straight) return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
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
    <a href={`#${e.href}`} className={`topo-edge${onPath ? " on-path" : path ? " dim" : ""}`} aria-label={words} data-edge={e.id} data-state={e.state} data-ends={`${e.source} ${e.target}`} data-routed={at.straight ? "true" : undefined} data-on-path={onPath ? "true" : undefined}>
      <title>{words}</title>
      <path d={pathD(at.points, at.straight)} className="hit" />
      <path d={pathD(at.points, at.straight)} stroke={colour} strokeWidth={onPath ? 5 : 2.2} strokeDasharray={e.transition || e.state === "pending" ? "7 5" : undefined} fill="none" />
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

function Node({ n, layout, path, found }: { n: TopoNode; layout: Layout; path: PathHighlight | undefined; found: boolean }): ReactNode {
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
  const cls = `topo-node${onPath ? " on-path" : path ? " dim" : ""}${found ? " found" : ""}`;
  return n.href ? (
    <a href={`#${n.href}`} className={cls} aria-label={words} data-node={n.id} data-on-path={onPath ? "true" : undefined} data-found={found ? "true" : undefined}>
      {body}
    </a>
  ) : (
    <g className={cls} role="img" aria-label={words} data-node={n.id} data-on-path={onPath ? "true" : undefined} data-found={found ? "true" : undefined}>
      {body}
    </g>
  );
}

/** The overview: the whole drawing small, the part in view outlined; a click or drag there moves the view. */
function Minimap({ layout, view, phone, onMove }: { layout: Layout; view: View; phone: boolean; onMove: (x: number, y: number) => void }): ReactNode {
  const s = Math.min((phone ? 110 : 180) / layout.width, (phone ? 110 : 150) / layout.height);
  const down = useRef(false);
  const at = (ev: ReactPointerEvent<SVGSVGElement>) => {
    const r = ev.currentTarget.getBoundingClientRect();
    onMove((ev.clientX - r.left) / s, (ev.clientY - r.top) / s);
  };
  return (
    <svg
      className="topo-minimap"
      role="img"
      aria-label="Overview of the whole drawing (click or drag to move the view)"
      width={layout.width * s}
      height={layout.height * s}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      onPointerDown={(ev) => {
        ev.stopPropagation();
        down.current = true;
        ev.currentTarget.setPointerCapture(ev.pointerId);
        at(ev);
      }}
      onPointerMove={(ev) => down.current && at(ev)}
      onPointerUp={() => {
        down.current = false;
      }}
    >
      {layout.clusters.map((c) => (
        <rect key={c.region} x={c.box.x} y={c.box.y} width={c.box.width} height={c.box.height} className="mini-region" />
      ))}
      {[...layout.nodes.values()].map((b, i) => (
        <rect key={i} x={b.x} y={b.y} width={b.width} height={b.height} className="mini-node" />
      ))}
      <rect x={view.x} y={view.y} width={view.w} height={view.h} className="mini-view" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

/**
 * The drawing. It opens readable: the whole of it if that shows its text at ~10 px or more, else
 * at that size around the busiest of the viewer's routers, with an overview (minimap) of the whole
 * and Fit to see it all at once. Dragging, the scroll wheel and the arrow keys move it; the
 * buttons, +/- and Ctrl+wheel zoom; Find centres and outlines a router. Links (routers,
 * connections) open their pages.
 */
export function TopologyView({ graph, layout, path, narrowed }: { graph: TopoGraph; layout: Layout; path: PathHighlight | undefined; narrowed?: boolean }): ReactNode {
  const whole = fit(layout.width, layout.height);
  const [view, setView] = useState<View>(whole);
  /** Recomputed from the drawing and the screen while set: "start" the readable first view, "fit" all of it; null once the viewer moved it. */
  const [auto, setAuto] = useState<"start" | "fit" | null>("start");
  const [size, setSize] = useState({ width: 0, height: 0 });
  const [found, setFound] = useState<{ q: string; ids: string[]; at: number }>();
  const [findText, setFindText] = useState("");
  const svg = useRef<SVGSVGElement>(null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const wholeRef = useRef(whole);
  wholeRef.current = whole;
  const sizeRef = useRef(size);
  sizeRef.current = size;

  // The element's size, now and whenever it changes (the window, the phone turned).
  useLayoutEffect(() => {
    const el = svg.current;
    if (!el) return;
    const measure = () => setSize((s) => (s.width === el.clientWidth && s.height === el.clientHeight ? s : { width: el.clientWidth, height: el.clientHeight }));
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const focus = useMemo(() => {
    const b = busiest(graph);
    const box = b && layout.nodes.get(b.id);
    return box ? { x: box.x + box.width / 2, y: box.y + box.height / 2 } : undefined;
  }, [graph, layout]);
  // A new drawing or screen: the readable first view (or all of it), unless the viewer has moved it (then it stays).
  useLayoutEffect(() => {
    if (auto === "fit") setView(fit(layout.width, layout.height));
    else if (auto === "start") setView(initialView(layout.width, layout.height, size, focus));
  }, [layout, size, auto, focus]);

  /** Drawing units per screen pixel. */
  const scale = () => {
    const el = svg.current;
    if (!el || el.clientWidth === 0) return 1;
    return Math.max(viewRef.current.w / el.clientWidth, viewRef.current.h / el.clientHeight);
  };
  const change = (v: View) => {
    setAuto(null);
    setView(v);
  };
  const zoomBy = (f: number) => {
    const v = viewRef.current;
    change(zoom(v, f, v.x + v.w / 2, v.y + v.h / 2, wholeRef.current));
  };
  const panBy = (dx: number, dy: number) => change(pan(viewRef.current, dx * scale(), dy * scale(), wholeRef.current));

  // The wheel moves the view (as it scrolls a page); with Ctrl (and a trackpad's pinch) it zooms
  // about the pointer. A native listener: React's is passive and cannot stop the page scrolling.
  useEffect(() => {
    const el = svg.current;
    if (!el) return;
    const onWheel = (ev: WheelEvent) => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      const v = viewRef.current;
      const s = Math.max(v.w / r.width, v.h / r.height);
      setAuto(null);
      if (!ev.ctrlKey && !ev.metaKey) {
        const px = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? r.height : 1;
        setView(pan(v, (ev.shiftKey && ev.deltaX === 0 ? ev.deltaY : ev.deltaX) * px * s, (ev.shiftKey && ev.deltaX === 0 ? 0 : ev.deltaY) * px * s, wholeRef.current));
        return;
      }
      // preserveAspectRatio xMidYMid meet: the view is centred in the element.
      const cx = v.x + v.w / 2 + (ev.clientX - r.left - r.width / 2) * s;
      const cy = v.y + v.h / 2 + (ev.clientY - r.top - r.height / 2) * s;
      setView(zoom(v, ev.deltaY < 0 ? 1.2 : 1 / 1.2, cx, cy, wholeRef.current));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  // Dragging pans; a drag is not a click on what it started on.
  const drag = useRef<{ x: number; y: number; moved: boolean } | null>(null);
  const dragged = useRef(false);

  const find = (q: string) => {
    const again = found && found.q === q.trim().toLowerCase();
    const ids = again ? found.ids : findNodes(graph.nodes, q).map((n) => n.id);
    const at = again && ids.length > 0 ? (found.at + 1) % ids.length : 0;
    setFound({ q: q.trim().toLowerCase(), ids, at });
    const box = ids[at] !== undefined ? layout.nodes.get(ids[at]!) : undefined;
    if (box) change(centreOn(viewRef.current, box.x + box.width / 2, box.y + box.height / 2, sizeRef.current));
  };
  const foundId = found?.ids[found.at];
  const foundNode = foundId ? graph.nodes.find((n) => n.id === foundId) : undefined;

  // The drawing itself is drawn again only when what it shows changes, not at every move of the view.
  const drawing = useMemo(
    () => (
      <>
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
          <Node key={n.id} n={n} layout={layout} path={path} found={n.id === foundId} />
        ))}
      </>
    ),
    [graph, layout, path, foundId],
  );

  const ratio = layout.height / layout.width;
  const all = showsAll(view, layout.width, layout.height);
  return (
    <div className="topo">
      <div className="topo-tools">
        <div role="toolbar" aria-label="Zoom" className="topo-zoom">
          <button type="button" aria-label="Zoom in" onClick={() => zoomBy(1.25)}>
            +
          </button>
          <button type="button" aria-label="Zoom out" onClick={() => zoomBy(0.8)}>
            −
          </button>
          <button type="button" title="Show the whole drawing at once" onClick={() => setAuto("fit")}>
            Fit
          </button>
        </div>
        <form
          className="topo-find"
          role="search"
          aria-label="Find a router"
          onSubmit={(ev) => {
            ev.preventDefault();
            find(findText);
          }}
        >
          <input type="search" aria-label="Find a VPC" placeholder="VPC ID, name or CIDR" value={findText} maxLength={128} onChange={(e) => setFindText(e.target.value)} />
          <button type="submit">Find</button>
          {found && (
            <span role="status" className={foundNode ? "muted" : "error-text"}>
              {foundNode
                ? `${foundNode.name ?? foundNode.id} (${foundNode.id})${found.ids.length > 1 ? ` — ${found.at + 1} of ${found.ids.length}; Find again for the next` : ""}`
                : `Nothing ${narrowed ? "in this region's drawing " : ""}matches “${found.q}”.`}
            </span>
          )}
        </form>
        <span className="muted topo-hint">Drag or scroll to move; Ctrl+wheel or + − to zoom; arrow keys when the drawing has focus.</span>
      </div>
      <div className="topo-stage">
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
          {drawing}
        </svg>
        {!all && size.width > 0 && (
          <Minimap layout={layout} view={view} phone={size.width < 600} onMove={(x, y) => change({ ...viewRef.current, x: x - viewRef.current.w / 2, y: y - viewRef.current.h / 2 })} />
        )}
      </div>
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
