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
}
export interface Layout {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  edges: Map<string, EdgeLayout>;
  clusters: Array<{ region: string; box: Box }>;
}

const MARGIN = 24;
const GAP = 40;
/** Between regions: room for the label of a connection across them. */
const REGION_GAP = LABEL_WIDTH + 50;
/** Room above a region's nodes for its name. */
const TITLE = 30;
const PAD = 16;

/** A piece laid out on its own (a connected group, a region), with its nodes and edges relative to its top-left corner. */
interface Block {
  width: number;
  height: number;
  nodes: Map<string, Box>;
  edges: Map<string, EdgeLayout>;
  clusters: Array<{ region: string; box: Box }>;
}

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
 * Rows about as wide as a screen for a small network, about square (a little wider than tall) for
 * a large one; never narrower than the widest block.
 */
const targetWidth = (blocks: Block[]) => Math.max(...blocks.map((b) => b.width), 1000, Math.sqrt(blocks.reduce((s, b) => s + (b.width + GAP) * (b.height + GAP), 0) * 1.6));

/** One connected group of routers and the connections between them, by dagre. */
function layered(ids: string[], edges: TopoGraph["edges"]): Block {
  const d = new dagre.graphlib.Graph({ multigraph: true });
  d.setGraph({ rankdir: "TB", nodesep: 36, ranksep: 48, edgesep: 16, marginx: 0, marginy: 0 });
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

/** Unconnected routers: a grid, COLUMN deep. */
function grid(ids: string[]): Block {
  const block: Block = { width: 0, height: 0, nodes: new Map(), edges: new Map(), clusters: [] };
  ids.forEach((id, i) => {
    const box = { x: Math.floor(i / COLUMN) * (NODE_WIDTH + 36), y: (i % COLUMN) * (NODE_HEIGHT + 24), width: NODE_WIDTH, height: NODE_HEIGHT };
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

/** Where a line from the centre of `box` towards `to` leaves the box. */
function border(box: Box, to: Point): Point {
  const c = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const dx = to.x - c.x;
  const dy = to.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const t = Math.min(dx === 0 ? Infinity : box.width / 2 / Math.abs(dx), dy === 0 ? Infinity : box.height / 2 / Math.abs(dy));
  return { x: c.x + dx * t, y: c.y + dy * t };
}

/**
 * Each region laid out on its own: its connected groups by dagre (connections within the region),
 * its unconnected routers in a grid, packed into a box titled with the region; the regions packed
 * side by side. Connections across regions are then drawn straight from box to box.
 */
export function layoutGraph(g: TopoGraph): Layout {
  const regionOf = new Map(g.nodes.map((n) => [n.id, n.region]));
  const regions = [...new Set(g.nodes.map((n) => n.region))].sort();
  const regionBlocks = regions.map((region): Block => {
    const ids = g.nodes.filter((n) => n.region === region).map((n) => n.id);
    const inside = g.edges.filter((e) => regionOf.get(e.source) === region && regionOf.get(e.target) === region);
    const groups = components(ids, inside);
    const loose = groups.filter((c) => c.length === 1 && !inside.some((e) => e.source === c[0]));
    const blocks = groups.filter((c) => !loose.includes(c)).map((c) => layered(c, inside.filter((e) => regionOf.get(e.source) === region && c.includes(e.source))));
    if (loose.length > 0) blocks.push(grid(loose.map((c) => c[0]!)));
    const body = pack(blocks, targetWidth(blocks));
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
  const all = regionBlocks.length > 0 ? pack(regionBlocks, targetWidth(regionBlocks), REGION_GAP) : { width: 0, height: 0, nodes: new Map<string, Box>(), edges: new Map<string, EdgeLayout>(), clusters: [] };
  const nodes = new Map([...all.nodes].map(([id, b]) => [id, shift(b, MARGIN, MARGIN)]));
  const edges = new Map([...all.edges].map(([id, e]) => [id, { points: e.points.map((p) => move(p, MARGIN, MARGIN)), label: move(e.label, MARGIN, MARGIN) }]));
  for (const e of g.edges) {
    if (edges.has(e.id)) continue;
    const a = nodes.get(e.source)!;
    const b = nodes.get(e.target)!;
    const from = border(a, { x: b.x + b.width / 2, y: b.y + b.height / 2 });
    const to = border(b, { x: a.x + a.width / 2, y: a.y + a.height / 2 });
    edges.set(e.id, { points: [from, to], label: { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 } });
  }
  return {
    width: Math.max(all.width + 2 * MARGIN, NODE_WIDTH + 2 * MARGIN),
    height: Math.max(all.height + 2 * MARGIN, NODE_HEIGHT + 2 * MARGIN),
    nodes,
    edges,
    clusters: all.clusters.map((c) => ({ region: c.region, box: shift(c.box, MARGIN, MARGIN) })),
  };
}

/** Do two boxes share any area (touching edges do not count)? */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
