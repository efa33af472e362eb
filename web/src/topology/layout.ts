/**
 * Where each node and edge of the topology is drawn: dagre's layered layout, one cluster per
 * region. Pure (no DOM), so its guarantees — no two node boxes overlap — are checked in a unit test.
 */
import dagre from "@dagrejs/dagre";
import type { TopoGraph } from "./graph.ts";

export const NODE_WIDTH = 200;
export const NODE_HEIGHT = 76;
export const LABEL_WIDTH = 170;
export const LABEL_HEIGHT = 34;
/** Unconnected routers of a region are stacked in columns of this many (not one endless row). */
const COLUMN = 4;

export interface Box {
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Point {
  x: number;
  y: number;
}
export interface EdgeLayout {
  points: Point[];
  /** Centre of its label. */
  label: Point;
  /** Drawn as straight segments through `points` (a connection across regions, routed around them), not smoothed. */
  straight?: boolean;
}
export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  edges: Map<string, EdgeLayout>;
  clusters: Array<{ region: string; box: Box }>;
}

/** Around the drawing: room for connections routed round the outer regions. */
const MARGIN = 64;
const GAP = 40;
/** Between regions: room for the label of a connection across them. */
const REGION_GAP = LABEL_WIDTH + 50;
/** Room above a region's nodes for its name. */
const TITLE = 30;
const PAD = 16;

/** A piece laid out on its own (a connected group, a region), with its nodes and edges relative to its top-left corner. */
type Block = Layout;

const shift = (b: Box, dx: number, dy: number): Box => ({ ...b, x: b.x + dx, y: b.y + dy });
const move = (p: Point, dx: number, dy: number): Point => ({ x: p.x + dx, y: p.y + dy });

/**
 * Blocks in rows (shelves), tallest first, each row at most `target` wide (a block wider than that
 * gets a row of its own): one block whose pieces never overlap, since rows and places never do.
 */
function pack(blocks: Block[], target: number, gap = GAP): Block {
  const out: Block = { width: 0, height: 0, nodes: new Map(), edges: new Map(), clusters: [] };
  const sorted = [...blocks].sort((a, b) => b.height - a.height || b.width - a.width);
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const b of sorted) {
    if (x > 0 && x + b.width > target) {
      x = 0;
      y += rowHeight + gap;
      rowHeight = 0;
    }
    for (const [id, box] of b.nodes) out.nodes.set(id, shift(box, x, y));
    for (const [id, e] of b.edges) out.edges.set(id, { points: e.points.map((p) => move(p, x, y)), label: move(e.label, x, y) });
    for (const c of b.clusters) out.clusters.push({ region: c.region, box: shift(c.box, x, y) });
    out.width = Math.max(out.width, x + b.width);
    rowHeight = Math.max(rowHeight, b.height);
    out.height = Math.max(out.height, y + b.height);
    x += b.width + gap;
  }
  return out;
}

/**
 * How wide rows of `blocks` may be so that the whole is about `aspect` times as wide as it is tall
 * (the shape of the screen it is shown on: no long flat rows); never narrower than the widest block.
 */
const targetWidth = (blocks: Block[], aspect: number, gap = GAP) => Math.max(...blocks.map((b) => b.width), Math.sqrt(blocks.reduce((s, b) => s + (b.width + gap) * (b.height + gap), 0) * aspect));

/** How far the shape of a block is from `aspect` (0: the same; symmetric in wider/taller). */
const misfit = (b: Block, aspect: number) => Math.abs(Math.log(b.width / Math.max(b.height, 1) / aspect));

/**
 * One connected group of routers and the connections between them, by dagre: top to bottom, or
 * left to right when that is much nearer the screen's shape (a wide fan of peers, a long chain).
 */
function layered(ids: string[], edges: TopoGraph["edges"], aspect: number): Block {
  const tb = dagreBlock(ids, edges, "TB");
  if (ids.length < 6 || misfit(tb, aspect) < Math.log(3)) return tb;
  const lr = dagreBlock(ids, edges, "LR");
  return misfit(lr, aspect) < misfit(tb, aspect) ? lr : tb;
}

function dagreBlock(ids: string[], edges: TopoGraph["edges"], rankdir: "TB" | "LR"): Block {
  const d = new dagre.graphlib.Graph({ multigraph: true });
  d.setGraph({ rankdir, nodesep: 36, ranksep: 48, edgesep: 16, marginx: 0, marginy: 0 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) d.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of edges) d.setEdge(e.source, e.target, { width: LABEL_WIDTH, height: LABEL_HEIGHT, labelpos: "c" }, e.id);
  dagre.layout(d);
  const block: Block = { width: 0, height: 0, nodes: new Map(), edges: new Map(), clusters: [] };
  for (const id of ids) {
    const v = d.node(id);
    const box = { x: v.x - v.width / 2, y: v.y - v.height / 2, width: v.width, height: v.height };
    block.nodes.set(id, box);
    block.width = Math.max(block.width, box.x + box.width);
    block.height = Math.max(block.height, box.y + box.height);
  }
  for (const e of edges) {
    const v = d.edge({ v: e.source, w: e.target, name: e.id });
    const points = ((v.points ?? []) as Point[]).map((p) => ({ x: p.x, y: p.y }));
    const label = { x: v.x ?? points[0]?.x ?? 0, y: v.y ?? points[0]?.y ?? 0 };
    block.edges.set(e.id, { points, label });
    for (const p of [...points, { x: label.x + LABEL_WIDTH / 2, y: label.y + LABEL_HEIGHT / 2 }]) {
      block.width = Math.max(block.width, p.x);
      block.height = Math.max(block.height, p.y);
    }
  }
  return block;
}

/** Unconnected routers: a grid, at least COLUMN deep, about as deep as `aspect` asks. */
function grid(ids: string[], aspect: number): Block {
  const block: Block = { width: 0, height: 0, nodes: new Map(), edges: new Map(), clusters: [] };
  // c columns of r: c·(NODE_WIDTH+36) ≈ aspect · r·(NODE_HEIGHT+24).
  const rows = Math.max(COLUMN, Math.ceil(Math.sqrt((ids.length * (NODE_WIDTH + 36)) / (aspect * (NODE_HEIGHT + 24)))));
  ids.forEach((id, i) => {
    const box = { x: Math.floor(i / rows) * (NODE_WIDTH + 36), y: (i % rows) * (NODE_HEIGHT + 24), width: NODE_WIDTH, height: NODE_HEIGHT };
    block.nodes.set(id, box);
    block.width = Math.max(block.width, box.x + box.width);
    block.height = Math.max(block.height, box.y + box.height);
  });
  return block;
}

/** Connected groups of `ids` over `edges` (union-find), in the order of their first member. */
function components(ids: string[], edges: TopoGraph["edges"]): string[][] {
  const parent = new Map(ids.map((id) => [id, id]));
  const find = (id: string): string => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  for (const e of edges) parent.set(find(e.source), find(e.target));
  const groups = new Map<string, string[]>();
  for (const id of ids) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return [...groups.values()];
}

/** Does the segment p–q (horizontal or vertical) pass through `box`? */
function cuts(p: Point, q: Point, box: Box): boolean {
  const x0 = Math.min(p.x, q.x);
  const x1 = Math.max(p.x, q.x);
  const y0 = Math.min(p.y, q.y);
  const y1 = Math.max(p.y, q.y);
  return x0 < box.x + box.width && box.x < x1 + (x0 === x1 ? 1e-9 : 0) && y0 < box.y + box.height && box.y < y1 + (y0 === y1 ? 1e-9 : 0);
}

const length = (points: Point[]) => points.reduce((s, p, i) => (i === 0 ? 0 : s + Math.abs(p.x - points[i - 1]!.x) + Math.abs(p.y - points[i - 1]!.y)), 0);

type Side = "up" | "down" | "left" | "right";
const SIDES: Side[] = ["up", "down", "left", "right"];

/**
 * A connection across regions, routed in right angles through the gaps between regions rather than
 * straight over the routers in between: out of its router (up, down, left or right) to just outside
 * its region, along the gap lines around the regions, into the other router. Of the candidate
 * routes, the one crossing the fewest routers, then the shortest. `lane` spreads connections that
 * share a gap a few units apart.
 */
function route(a: Box, ra: Box, b: Box, rb: Box, near: { a: Box[]; b: Box[] }, others: Box[], clusters: Box[], lane: number): Point[] {
  const d = 10 + (lane % 8) * 6;
  const centre = (x: Box) => ({ x: x.x + x.width / 2, y: x.y + x.height / 2 });
  /** The leg from a router to just outside its region on one side: its two points, router first. */
  const leg = (n: Box, r: Box, side: Side): [Point, Point] => {
    const c = centre(n);
    if (side === "up") return [{ x: c.x, y: n.y }, { x: c.x, y: r.y - d }];
    if (side === "down") return [{ x: c.x, y: n.y + n.height }, { x: c.x, y: r.y + r.height + d }];
    if (side === "left") return [{ x: n.x, y: c.y }, { x: r.x - d, y: c.y }];
    return [{ x: n.x + n.width, y: c.y }, { x: r.x + r.width + d, y: c.y }];
  };
  const crossings = (points: Point[], boxes = others) => {
    let k = 0;
    for (const o of boxes) for (let i = 1; i < points.length; i++) if (cuts(points[i - 1]!, points[i]!, o)) k++;
    return k;
  };
  /**
   * The ways out of a router's region: straight out of each side, or a step out of a side into
   * the gap beside the router, along it to a gap between two other routers, and out from there.
   * The best two (fewest routers of the region crossed, then shortest) are tried.
   */
  const legs = (n: Box, r: Box, inRegion: Box[]) => {
    const c = centre(n);
    const ways: Point[][] = SIDES.map((side) => leg(n, r, side));
    // Gaps beside the routers near this one (a few node widths either way).
    const xs = inRegion.filter((m) => Math.abs(m.x - n.x) < 3 * NODE_WIDTH).flatMap((m) => [m.x - 18, m.x + m.width + 18]);
    const ys = inRegion.filter((m) => Math.abs(m.y - n.y) < 4 * NODE_HEIGHT).flatMap((m) => [m.y - 12, m.y + m.height + 12]);
    for (const x of xs) {
      ways.push([{ x: c.x, y: n.y }, { x: c.x, y: n.y - 12 }, { x, y: n.y - 12 }, { x, y: r.y - d }]);
      ways.push([{ x: c.x, y: n.y + n.height }, { x: c.x, y: n.y + n.height + 12 }, { x, y: n.y + n.height + 12 }, { x, y: r.y + r.height + d }]);
    }
    for (const y of ys) {
      ways.push([{ x: n.x, y: c.y }, { x: n.x - 18, y: c.y }, { x: n.x - 18, y }, { x: r.x - d, y }]);
      ways.push([{ x: n.x + n.width, y: c.y }, { x: n.x + n.width + 18, y: c.y }, { x: n.x + n.width + 18, y }, { x: r.x + r.width + d, y }]);
    }
    return ways
      .map((l) => ({ l, k: crossings(l, inRegion), len: length(l) }))
      .sort((x, y) => x.k - y.k || x.len - y.len)
      .slice(0, 2);
  };
  const xs = clusters.flatMap((c) => [c.x - d, c.x + c.width + d]);
  const ys = clusters.flatMap((c) => [c.y - d, c.y + c.height + d]);
  let best: { points: Point[]; k: number; len: number } | undefined;
  for (const la of legs(a, ra, near.a))
    for (const lb of legs(b, rb, near.b)) {
      const p = la.l.at(-1)!;
      const q = lb.l.at(-1)!;
      const middles: Point[][] = [[{ x: q.x, y: p.y }], [{ x: p.x, y: q.y }], ...xs.map((x) => [{ x, y: p.y }, { x, y: q.y }]), ...ys.map((y) => [{ x: p.x, y }, { x: q.x, y }])];
      for (const m of middles) {
        const mid = [p, ...m, q];
        // A leg stays in its region (and the gap around it): only the middle meets other regions' routers.
        const k = la.k + lb.k + crossings(mid);
        if (best && k > best.k) continue;
        const points = [...la.l.slice(0, -1), ...mid, ...lb.l.slice(0, -1).reverse()];
        const len = length(points);
        if (!best || k < best.k || len < best.len) best = { points, k, len };
      }
    }
  // Drop repeated points, and points that turn nowhere (on a line with the points either side).
  const out: Point[] = [];
  for (const p of best!.points) {
    const last = out.at(-1);
    if (last && last.x === p.x && last.y === p.y) continue;
    const before = out.at(-2);
    if (before && last && ((before.x === last.x && last.x === p.x) || (before.y === last.y && last.y === p.y))) out.pop();
    out.push(p);
  }
  return out;
}

/** Where a routed connection's label goes: the middle of its longest segment. */
function labelOf(points: Point[]): Point {
  let at = { x: points[0]!.x, y: points[0]!.y };
  let longest = -1;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    const l = Math.abs(p.x - q.x) + Math.abs(p.y - q.y);
    if (l > longest) {
      longest = l;
      at = { x: (p.x + q.x) / 2, y: (p.y + q.y) / 2 };
    }
  }
  return at;
}

export interface LayoutOptions {
  /** Width ÷ height of the screen the drawing is shown on (default 1.6): regions and groups are wrapped into rows that suit it. */
  aspect?: number;
}

/**
 * Each region laid out on its own: its connected groups by dagre (connections within the region),
 * its unconnected routers in a grid, packed into a box titled with the region; the regions packed
 * in rows to about the screen's shape. Connections across regions are then routed through the gaps
 * between regions (see route).
 */
export function layoutGraph(g: TopoGraph, opts: LayoutOptions = {}): Layout {
  const aspect = Math.min(Math.max(opts.aspect ?? 1.6, 0.3), 4);
  const regionOf = new Map(g.nodes.map((n) => [n.id, n.region]));
  const regions = [...new Set(g.nodes.map((n) => n.region))].sort();
  const regionBlocks = regions.map((region): Block => {
    const ids = g.nodes.filter((n) => n.region === region).map((n) => n.id);
    const inside = g.edges.filter((e) => regionOf.get(e.source) === region && regionOf.get(e.target) === region);
    const groups = components(ids, inside);
    const loose = groups.filter((c) => c.length === 1 && !inside.some((e) => e.source === c[0]));
    const blocks = groups.filter((c) => !loose.includes(c)).map((c) => layered(c, inside.filter((e) => regionOf.get(e.source) === region && c.includes(e.source)), aspect));
    if (loose.length > 0) blocks.push(grid(loose.map((c) => c[0]!), aspect));
    const body = pack(blocks, targetWidth(blocks, aspect));
    const width = body.width + 2 * PAD;
    const height = body.height + TITLE + PAD;
    return {
      width,
      height,
      nodes: new Map([...body.nodes].map(([id, b]) => [id, shift(b, PAD, TITLE)])),
      edges: new Map([...body.edges].map(([id, e]) => [id, { points: e.points.map((p) => move(p, PAD, TITLE)), label: move(e.label, PAD, TITLE) }])),
      clusters: [{ region, box: { x: 0, y: 0, width, height } }],
    };
  });
  const all = regionBlocks.length > 0 ? pack(regionBlocks, targetWidth(regionBlocks, aspect, REGION_GAP), REGION_GAP) : { width: 0, height: 0, nodes: new Map<string, Box>(), edges: new Map<string, EdgeLayout>(), clusters: [] };
  const nodes = new Map([...all.nodes].map(([id, b]) => [id, shift(b, MARGIN, MARGIN)]));
  const edges = new Map<string, EdgeLayout>([...all.edges].map(([id, e]) => [id, { points: e.points.map((p) => move(p, MARGIN, MARGIN)), label: move(e.label, MARGIN, MARGIN) }]));
  const clusters = all.clusters.map((c) => ({ region: c.region, box: shift(c.box, MARGIN, MARGIN) }));
  const regionBox = new Map(clusters.map((c) => [c.region, c.box]));
  const boxes = [...nodes.entries()];
  const inRegion = (region: string, not: string[]) => boxes.filter(([id]) => regionOf.get(id) === region && !not.includes(id)).map(([, box]) => box);
  let lane = 0;
  for (const e of g.edges) {
    if (edges.has(e.id)) continue;
    const a = nodes.get(e.source)!;
    const b = nodes.get(e.target)!;
    const others = boxes.filter(([id]) => id !== e.source && id !== e.target).map(([, box]) => box);
    const ends = [e.source, e.target];
    const near = { a: inRegion(regionOf.get(e.source)!, ends), b: inRegion(regionOf.get(e.target)!, ends) };
    const points = route(a, regionBox.get(regionOf.get(e.source)!)!, b, regionBox.get(regionOf.get(e.target)!)!, near, others, clusters.map((c) => c.box), lane++);
    edges.set(e.id, { points, label: labelOf(points), straight: true });
  }
  return {
    width: Math.max(all.width + 2 * MARGIN, NODE_WIDTH + 2 * MARGIN),
    height: Math.max(all.height + 2 * MARGIN, NODE_HEIGHT + 2 * MARGIN),
    nodes,
    edges,
    clusters,
  };
}

/** Do two boxes share any area (touching edges do not count)? */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
